// Word edits that turn a revision of a transcript into a full reference text (a human
// transcript, or the known script of a synthetic recording): the whole recording is aligned at
// once, so reference words land in the segment whose machine words they sit between.
import type { WordEditInput } from './edits.js';
import { normalizeWords } from './normalize.js';
import type { TranscriptDoc } from './transcript.js';

/** Above this many DP cells the alignment is restricted to a diagonal band. */
const FULL_CELLS = 4_000_000;
const MAX_CELLS = 60_000_000;

export class ReferenceTooLong extends Error {}

type Step = { op: 'match' | 'sub' | 'del' | 'ins'; ref?: number; hyp?: number };

/**
 * Levenshtein alignment limited to |i*m/n - j| <= band, which is exact when the best path stays
 * near the diagonal (long recordings with a reasonable error rate) and otherwise still a valid,
 * if longer, edit script.
 */
function bandedAlign(ref: readonly string[], hyp: readonly string[]): Step[] {
  const n = ref.length;
  const m = hyp.length;
  const full = (n + 1) * (m + 1) <= FULL_CELLS;
  let band = full ? Math.max(n, m) + 1 : Math.max(256, Math.ceil(FULL_CELLS / Math.max(1, n) / 2));
  if (!full && (n + 1) * (2 * band + 1) > MAX_CELLS) band = Math.floor(MAX_CELLS / (n + 1) / 2);
  if (band < 1) throw new ReferenceTooLong('the reference text is too long to align');
  const width = 2 * band + 1;
  const INF = 0xffffffff;
  const cost = new Uint32Array((n + 1) * width).fill(INF);
  const back = new Uint8Array((n + 1) * width);
  const centre = (i: number) => (n === 0 ? 0 : Math.round((i * m) / n));
  const idx = (i: number, j: number) => {
    const k = j - centre(i) + band;
    return k >= 0 && k < width ? i * width + k : -1;
  };
  const get = (i: number, j: number) => {
    if (j < 0) return INF;
    const k = idx(i, j);
    return k < 0 ? INF : cost[k]!;
  };
  for (let i = 0; i <= n; i++) {
    const lo = Math.max(0, centre(i) - band);
    const hi = Math.min(m, centre(i) + band);
    for (let j = lo; j <= hi; j++) {
      const k = idx(i, j);
      if (i === 0 && j === 0) {
        cost[k] = 0;
        continue;
      }
      let best = INF;
      let b = 0;
      if (i > 0 && j > 0) {
        const d = get(i - 1, j - 1);
        if (d !== INF) {
          best = d + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
          b = 0;
        }
      }
      if (i > 0) {
        const d = get(i - 1, j);
        if (d !== INF && d + 1 < best) {
          best = d + 1;
          b = 1;
        }
      }
      if (j > 0) {
        const d = get(i, j - 1);
        if (d !== INF && d + 1 < best) {
          best = d + 1;
          b = 2;
        }
      }
      cost[k] = best;
      back[k] = b;
    }
  }
  if (get(n, m) === INF) throw new ReferenceTooLong('the reference text does not fit the transcript closely enough to align');
  const steps: Step[] = [];
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    const b = back[idx(i, j)];
    if (i > 0 && j > 0 && b === 0) {
      steps.push({ op: ref[i - 1] === hyp[j - 1] ? 'match' : 'sub', ref: i - 1, hyp: j - 1 });
      i--;
      j--;
    } else if (i > 0 && (b === 1 || j === 0)) {
      steps.push({ op: 'del', ref: i - 1 });
      i--;
    } else {
      steps.push({ op: 'ins', hyp: j - 1 });
      j--;
    }
  }
  return steps.reverse();
}

/** The edits that make `base` read as `referenceText` (word for word, with its punctuation and case). */
export function editsFromReference(base: TranscriptDoc, referenceText: string): WordEditInput[] {
  const refRaw: string[] = [];
  const refKeys: string[] = [];
  for (const raw of referenceText.split(/\s+/)) {
    const key = normalizeWords(raw).join(' ');
    if (!key) continue; // stray punctuation
    refRaw.push(raw);
    refKeys.push(key);
  }
  const positions: Array<{ segmentId: number; wordIndex: number; raw: string }> = [];
  for (const s of base.segments) s.words.forEach((w, i) => positions.push({ segmentId: s.id, wordIndex: i, raw: w.word }));
  const hypKeys = positions.map((p) => normalizeWords(p.raw).join(' '));

  const edits: WordEditInput[] = [];
  let lastHyp = -1;
  for (const step of bandedAlign(refKeys, hypKeys)) {
    if (step.op === 'del') {
      // A reference word the machine missed: after the previous machine word, in its segment.
      const at = lastHyp >= 0 ? { segmentId: positions[lastHyp]!.segmentId, wordIndex: positions[lastHyp]!.wordIndex + 1 } : positions[0] ? { segmentId: positions[0].segmentId, wordIndex: 0 } : undefined;
      if (!at) {
        const first = base.segments[0];
        if (!first) throw new ReferenceTooLong('the transcript has no segments to put the reference text in');
        edits.push({ segmentId: first.id, wordIndex: 0, word: refRaw[step.ref!]!, op: 'insert' });
      } else edits.push({ ...at, word: refRaw[step.ref!]!, op: 'insert' });
      continue;
    }
    const p = positions[step.hyp!]!;
    lastHyp = step.hyp!;
    if (step.op === 'ins') edits.push({ segmentId: p.segmentId, wordIndex: p.wordIndex, word: '', op: 'replace' });
    else if (refRaw[step.ref!] !== p.raw) edits.push({ segmentId: p.segmentId, wordIndex: p.wordIndex, word: refRaw[step.ref!]!, op: 'replace' });
  }
  return edits;
}
