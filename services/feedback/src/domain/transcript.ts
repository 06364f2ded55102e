// The transcript document as the inference service stores it in S3 (transcripts/<account>/<job>.json)
// and as feedback keeps each revision of it: segments of time-aligned words with confidences.

export type { TranscriptWord as Word, TranscriptSegment as Segment } from '@verbatim/common';
import type { TranscriptSegment as Segment, TranscriptWord as Word } from '@verbatim/common';

export interface TranscriptDoc {
  text: string;
  segments: Segment[];
  durationSeconds: number;
  model: { name: string; version: string };
}

export class InvalidTranscript extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTranscript';
  }
}

const num = (v: unknown, fallback = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * Reads the stored JSON into a TranscriptDoc, tolerating missing optional fields. A segment with
 * text but no words gets words spread evenly over its span (at the segment's confidence), so that
 * word-level edits and alignment work the same for every transcript.
 */
export function parseTranscript(raw: unknown): TranscriptDoc {
  if (!raw || typeof raw !== 'object') throw new InvalidTranscript('transcript is not a JSON object');
  const o = raw as Record<string, unknown>;
  if (!Array.isArray(o.segments)) throw new InvalidTranscript('transcript has no segments array');
  const segments: Segment[] = o.segments.map((s: unknown, i: number) => {
    if (!s || typeof s !== 'object') throw new InvalidTranscript(`segment ${i} is not an object`);
    const seg = s as Record<string, unknown>;
    const start = num(seg.start);
    const end = Math.max(start, num(seg.end, start));
    const text = str(seg.text);
    let words: Word[] = Array.isArray(seg.words)
      ? seg.words
          .filter((w: unknown): w is Record<string, unknown> => !!w && typeof w === 'object' && typeof (w as Record<string, unknown>).word === 'string')
          .map((w) => ({ word: str(w.word), start: num(w.start, start), end: num(w.end, num(w.start, start)), confidence: clamp01(num(w.confidence, 0)) }))
      : [];
    const wordConfs = words.map((w) => w.confidence);
    const confidence = clamp01(num(seg.confidence, wordConfs.length ? wordConfs.reduce((a, b) => a + b, 0) / wordConfs.length : 0));
    if (!words.length && text.trim()) words = spreadWords(text, start, end, confidence);
    return { id: Number.isInteger(seg.id) ? (seg.id as number) : i, start, end, text: text || words.map((w) => w.word).join(' '), confidence, words };
  });
  const ids = new Set<number>();
  for (const s of segments) {
    if (ids.has(s.id)) throw new InvalidTranscript(`segment id ${s.id} appears twice`);
    ids.add(s.id);
  }
  const model = o.model;
  const modelRef =
    typeof model === 'string'
      ? { name: model, version: '' }
      : model && typeof model === 'object'
        ? { name: str((model as Record<string, unknown>).name), version: str((model as Record<string, unknown>).version) }
        : { name: '', version: '' };
  return { text: str(o.text) || joinText(segments), segments, durationSeconds: num(o.durationSeconds), model: modelRef };
}

export function joinText(segments: readonly Segment[]): string {
  return segments
    .map((s) => s.text.trim())
    .filter(Boolean)
    .join(' ');
}

function spreadWords(text: string, start: number, end: number, confidence: number): Word[] {
  const parts = text.trim().split(/\s+/);
  const step = (end - start) / parts.length;
  return parts.map((word, i) => ({ word, start: start + i * step, end: start + (i + 1) * step, confidence }));
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

/** Mean and minimum word confidence of a segment (the review queue ranks by these). */
export function segmentConfidence(s: Segment): { mean: number; min: number } {
  if (!s.words.length) return { mean: s.confidence, min: s.confidence };
  let sum = 0;
  let min = 1;
  for (const w of s.words) {
    sum += w.confidence;
    min = Math.min(min, w.confidence);
  }
  return { mean: sum / s.words.length, min };
}
