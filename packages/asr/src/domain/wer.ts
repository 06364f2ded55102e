// Word error rate: Levenshtein alignment of normalised reference and hypothesis words, with the
// edit counts a quality report needs (substitutions, deletions, insertions).
import { normalizeText } from './text.js';

export interface WerResult {
  wer: number;
  substitutions: number;
  deletions: number;
  insertions: number;
  refWords: number;
}

export function wordErrorRate(ref: string, hyp: string): WerResult {
  const r = splitWords(normalizeText(ref));
  const h = splitWords(normalizeText(hyp));
  const n = r.length;
  const m = h.length;
  // cost[i][j] with a backpointer so the three kinds of edit can be counted on one best path.
  const cost = new Uint32Array((n + 1) * (m + 1));
  const back = new Uint8Array((n + 1) * (m + 1)); // 0 match/sub, 1 deletion, 2 insertion
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let i = 1; i <= n; i++) { cost[at(i, 0)] = i; back[at(i, 0)] = 1; }
  for (let j = 1; j <= m; j++) { cost[at(0, j)] = j; back[at(0, j)] = 2; }
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const sub = cost[at(i - 1, j - 1)]! + (r[i - 1] === h[j - 1] ? 0 : 1);
      const del = cost[at(i - 1, j)]! + 1;
      const ins = cost[at(i, j - 1)]! + 1;
      let best = sub;
      let b = 0;
      if (del < best) { best = del; b = 1; }
      if (ins < best) { best = ins; b = 2; }
      cost[at(i, j)] = best;
      back[at(i, j)] = b;
    }
  }
  let substitutions = 0;
  let deletions = 0;
  let insertions = 0;
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    const b = back[at(i, j)];
    if (i > 0 && j > 0 && b === 0) {
      if (r[i - 1] !== h[j - 1]) substitutions++;
      i--; j--;
    } else if (i > 0 && (b === 1 || j === 0)) {
      deletions++; i--;
    } else {
      insertions++; j--;
    }
  }
  const errors = substitutions + deletions + insertions;
  return { wer: n === 0 ? (m === 0 ? 0 : 1) : errors / n, substitutions, deletions, insertions, refWords: n };
}

function splitWords(s: string): string[] {
  return s ? s.split(' ') : [];
}
