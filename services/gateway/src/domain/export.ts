// Caption and text export of a transcript: SubRip (SRT), WebVTT and plain text. One cue per
// segment, long segments split at word boundaries so no cue stays on screen longer than ~7 s or
// holds more than 84 characters (two lines of 42, the usual broadcast limit).
import type { Segment, Word } from './transcript.js';

export const MAX_CUE_SECONDS = 7;
export const MAX_CUE_CHARS = 84;
export const MAX_LINE_CHARS = 42;

export interface Cue {
  start: number;
  end: number;
  text: string;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** HH:MM:SS<sep>mmm, rounding to the millisecond. */
export function formatTimestamp(seconds: number, separator: ',' | '.'): string {
  const totalMs = Math.max(0, Math.round(seconds * 1000));
  const ms = totalMs % 1000;
  const s = Math.floor(totalMs / 1000) % 60;
  const m = Math.floor(totalMs / 60_000) % 60;
  const h = Math.floor(totalMs / 3_600_000);
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${separator}${pad(ms, 3)}`;
}

function joinWords(words: Word[]): string {
  return words
    .map((w) => w.word.trim())
    .filter(Boolean)
    .join(' ');
}

/** Splits a segment into cues within the duration and length limits, at word boundaries. */
export function segmentToCues(segment: Segment, maxSeconds = MAX_CUE_SECONDS, maxChars = MAX_CUE_CHARS): Cue[] {
  const text = segment.text.trim();
  if (!text) return [];
  const fits = segment.end - segment.start <= maxSeconds && text.length <= maxChars;
  if (fits) return [{ start: segment.start, end: segment.end, text }];

  const words = segment.words.filter((w) => w.word.trim());
  if (words.length > 0) {
    const cues: Cue[] = [];
    let current: Word[] = [];
    for (const w of words) {
      const candidate = [...current, w];
      const tooLong = joinWords(candidate).length > maxChars;
      const tooSlow = candidate.length > 1 && w.end - candidate[0]!.start > maxSeconds;
      if (current.length > 0 && (tooLong || tooSlow)) {
        cues.push({ start: current[0]!.start, end: current[current.length - 1]!.end, text: joinWords(current) });
        current = [w];
      } else {
        current = candidate;
      }
    }
    if (current.length) cues.push({ start: current[0]!.start, end: current[current.length - 1]!.end, text: joinWords(current) });
    return cues;
  }

  // No word timings: split the text at spaces and spread the segment's time by characters.
  const tokens = text.split(/\s+/);
  const chunks: string[] = [];
  let line = '';
  const duration = Math.max(0, segment.end - segment.start);
  const charsPerSecond = text.length / Math.max(duration, 1e-6);
  const maxBySeconds = Math.max(1, Math.floor(maxSeconds * charsPerSecond));
  const limit = Math.min(maxChars, maxBySeconds);
  for (const t of tokens) {
    const next = line ? `${line} ${t}` : t;
    if (line && next.length > limit) {
      chunks.push(line);
      line = t;
    } else line = next;
  }
  if (line) chunks.push(line);
  const cues: Cue[] = [];
  let offset = 0;
  for (const c of chunks) {
    const start = segment.start + (duration * offset) / text.length;
    offset += c.length + 1;
    const end = segment.start + (duration * Math.min(offset - 1, text.length)) / text.length;
    cues.push({ start, end, text: c });
  }
  return cues;
}

/** Breaks a cue's text into at most two balanced lines of about MAX_LINE_CHARS. */
export function wrapCueText(text: string, maxLine = MAX_LINE_CHARS): string {
  if (text.length <= maxLine) return text;
  const words = text.split(' ');
  let best = text;
  let bestScore = Infinity;
  for (let i = 1; i < words.length; i++) {
    const a = words.slice(0, i).join(' ');
    const b = words.slice(i).join(' ');
    const score = Math.max(a.length, b.length);
    if (score < bestScore) {
      bestScore = score;
      best = `${a}\n${b}`;
    }
  }
  return best;
}

export function toCues(segments: Segment[]): Cue[] {
  return segments.flatMap((s) => segmentToCues(s));
}

export function toSrt(segments: Segment[]): string {
  return toCues(segments)
    .map((c, i) => `${i + 1}\n${formatTimestamp(c.start, ',')} --> ${formatTimestamp(c.end, ',')}\n${wrapCueText(c.text)}\n`)
    .join('\n');
}

export function toVtt(segments: Segment[]): string {
  // "-->" inside cue text would end the cue; WebVTT escapes & and < as entities.
  const escape = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/-->/g, '--&gt;');
  const cues = toCues(segments).map((c) => `${formatTimestamp(c.start, '.')} --> ${formatTimestamp(c.end, '.')}\n${escape(wrapCueText(c.text))}\n`);
  return ['WEBVTT\n', ...cues].join('\n');
}

/** Plain text: one paragraph per segment. */
export function toText(segments: Segment[], fallbackText = ''): string {
  const lines = segments.map((s) => s.text.trim()).filter(Boolean);
  return `${lines.length ? lines.join('\n') : fallbackText.trim()}\n`;
}

export const EXPORT_FORMATS = {
  txt: { contentType: 'text/plain; charset=utf-8', extension: 'txt' },
  srt: { contentType: 'application/x-subrip; charset=utf-8', extension: 'srt' },
  vtt: { contentType: 'text/vtt; charset=utf-8', extension: 'vtt' },
  json: { contentType: 'application/json; charset=utf-8', extension: 'json' },
  docx: { contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', extension: 'docx' },
} as const;

export type ExportFormat = keyof typeof EXPORT_FORMATS;

/** Content-Disposition for a download named after the uploaded file (RFC 6266 with an ASCII fallback). */
export function contentDisposition(uploadName: string, format: ExportFormat, fallbackBase = 'transcript'): string {
  const base = (uploadName.split(/[\\/]/).pop() ?? '').replace(/\.[^.]*$/, '').trim() || fallbackBase;
  const filename = `${base}.${EXPORT_FORMATS[format].extension}`;
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
