// Applying a customer's word edits to a revision of a transcript, producing the next revision.
// Word indexes refer to the base revision (not shifted by other edits of the same request), so a
// client can send every change it made to what it was shown in one request.
import { joinText, type Segment, type TranscriptDoc, type Word } from './transcript.js';

export type EditOp = 'replace' | 'insert';

export interface WordEditInput {
  segmentId: number;
  wordIndex: number;
  word: string;
  op: EditOp;
}

/** What was changed, kept with the revision: the words, their time spans, the previous word. */
export interface AppliedEdit extends WordEditInput {
  previous: string;
  start: number;
  end: number;
}

export class InvalidEdit extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEdit';
  }
}

export const MAX_EDITS = 10_000;
export const MAX_WORD_LENGTH = 200;

export function applyEdits(base: TranscriptDoc, edits: readonly WordEditInput[], maxEdits = MAX_EDITS): { transcript: TranscriptDoc; applied: AppliedEdit[] } {
  if (!edits.length) throw new InvalidEdit('a correction needs at least one edit');
  if (edits.length > maxEdits) throw new InvalidEdit(`at most ${maxEdits} edits per correction`);
  const bySegment = new Map<number, WordEditInput[]>();
  const segIds = new Set(base.segments.map((s) => s.id));
  for (const e of edits) {
    if (!segIds.has(e.segmentId)) throw new InvalidEdit(`segment ${e.segmentId} does not exist in the transcript`);
    if (e.word.length > MAX_WORD_LENGTH) throw new InvalidEdit(`a corrected word may be at most ${MAX_WORD_LENGTH} characters`);
    if (e.op === 'insert' && !e.word.trim()) throw new InvalidEdit(`an insertion in segment ${e.segmentId} needs a word`);
    const list = bySegment.get(e.segmentId) ?? [];
    list.push(e);
    bySegment.set(e.segmentId, list);
  }
  const applied: AppliedEdit[] = [];
  const segments = base.segments.map((seg) => {
    const segEdits = bySegment.get(seg.id);
    return segEdits ? editSegment(seg, segEdits, applied) : seg;
  });
  return { transcript: { ...base, segments, text: joinText(segments) }, applied };
}

function editSegment(seg: Segment, edits: readonly WordEditInput[], applied: AppliedEdit[]): Segment {
  const n = seg.words.length;
  const replaced = new Map<number, WordEditInput>();
  const inserted = new Map<number, WordEditInput[]>();
  for (const e of edits) {
    if (e.op === 'replace') {
      if (!Number.isInteger(e.wordIndex) || e.wordIndex < 0 || e.wordIndex >= n) throw new InvalidEdit(`segment ${seg.id} has no word ${e.wordIndex} (it has ${n})`);
      if (replaced.has(e.wordIndex)) throw new InvalidEdit(`word ${e.wordIndex} of segment ${seg.id} is edited twice`);
      replaced.set(e.wordIndex, e);
    } else {
      if (!Number.isInteger(e.wordIndex) || e.wordIndex < 0 || e.wordIndex > n) throw new InvalidEdit(`cannot insert at word ${e.wordIndex} of segment ${seg.id} (it has ${n})`);
      const list = inserted.get(e.wordIndex) ?? [];
      list.push(e);
      inserted.set(e.wordIndex, list);
    }
  }
  const words: Word[] = [];
  for (let i = 0; i <= n; i++) {
    const ins = inserted.get(i);
    if (ins) {
      // An inserted word takes the gap between its neighbours (often zero-length).
      const from = i > 0 ? seg.words[i - 1]!.end : seg.start;
      const to = i < n ? Math.max(from, seg.words[i]!.start) : Math.max(from, seg.end);
      const parts = ins.flatMap((e) => e.word.trim().split(/\s+/));
      words.push(...spread(parts, from, to));
      for (const e of ins) applied.push({ ...e, word: e.word.trim(), previous: '', start: from, end: to });
    }
    if (i === n) break;
    const w = seg.words[i]!;
    const r = replaced.get(i);
    if (!r) {
      words.push(w);
      continue;
    }
    const parts = r.word.trim() ? r.word.trim().split(/\s+/) : [];
    words.push(...spread(parts, w.start, w.end));
    applied.push({ ...r, word: r.word.trim(), previous: w.word, start: w.start, end: w.end });
  }
  return { ...seg, words, text: words.map((w) => w.word).join(' ') };
}

/** Words a person typed: their span split evenly, and full confidence (a human verified them). */
function spread(parts: string[], start: number, end: number): Word[] {
  const step = parts.length ? (end - start) / parts.length : 0;
  return parts.map((word, k) => ({ word, start: start + k * step, end: start + (k + 1) * step, confidence: 1 }));
}
