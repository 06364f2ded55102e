// Transcript export formats: plain text, SubRip (SRT) and WebVTT. Long segments are split into
// readable cues (at most two lines of ~42 characters and ~6 seconds) using the word timings.
import type { Segment, Transcript, Word } from '../types.js';

const MAX_LINE = 42;
const MAX_CUE_CHARS = 2 * MAX_LINE;
const MAX_CUE_SECONDS = 6;

export interface Cue { start: number; end: number; text: string }

export function toText(t: Transcript): string {
  const text = t.segments.map((s) => s.text.trim()).filter(Boolean).join('\n');
  return text ? text + '\n' : '';
}

export function toSrt(t: Transcript): string {
  return toCues(t).map((c, i) => `${i + 1}\n${timestamp(c.start, ',')} --> ${timestamp(c.end, ',')}\n${c.text}\n`).join('\n');
}

export function toVtt(t: Transcript): string {
  const cues = toCues(t).map((c) => `${timestamp(c.start, '.')} --> ${timestamp(c.end, '.')}\n${c.text}\n`);
  return ['WEBVTT\n', ...cues].join('\n');
}

/** HH:MM:SS,mmm (SRT) or HH:MM:SS.mmm (VTT). */
export function timestamp(seconds: number, decimalMark: ',' | '.'): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const r = ms % 1000;
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${decimalMark}${pad(r, 3)}`;
}

export function toCues(t: Transcript): Cue[] {
  const cues: Cue[] = [];
  for (const seg of t.segments) {
    if (!seg.text.trim()) continue;
    if (seg.words.length === 0) {
      cues.push({ start: seg.start, end: Math.max(seg.end, seg.start + 0.001), text: wrap(seg.text.trim()) });
      continue;
    }
    let group: Word[] = [];
    const flush = () => {
      if (group.length === 0) return;
      cues.push({ start: group[0]!.start, end: group[group.length - 1]!.end, text: wrap(group.map((w) => w.word).join(' ')) });
      group = [];
    };
    for (const w of seg.words) {
      const chars = group.reduce((n, g) => n + g.word.length + 1, 0) + w.word.length;
      if (group.length > 0 && (chars > MAX_CUE_CHARS || w.end - group[0]!.start > MAX_CUE_SECONDS)) flush();
      group.push(w);
    }
    flush();
  }
  // Cues must not overlap (players show both); clip each at the next one's start.
  for (let i = 0; i + 1 < cues.length; i++) {
    const next = cues[i + 1]!;
    if (cues[i]!.end > next.start) cues[i]!.end = Math.max(cues[i]!.start + 0.001, next.start);
  }
  return cues;
}

/** Break text into at most two balanced lines of ≤ MAX_LINE characters where possible. */
function wrap(text: string): string {
  if (text.length <= MAX_LINE) return text;
  const words = text.split(' ');
  let best = text;
  let bestScore = Infinity;
  for (let i = 1; i < words.length; i++) {
    const a = words.slice(0, i).join(' ');
    const b = words.slice(i).join(' ');
    const score = Math.max(a.length, b.length);
    if (score < bestScore) { bestScore = score; best = a + '\n' + b; }
  }
  return best;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export type { Segment };
