// Levenshtein alignment of a reference (the corrected words) and a hypothesis (the machine's
// words), with the path kept so each word can be labelled: match, substitution, deletion (a
// reference word the machine missed) or insertion (a machine word not in the reference).

export type AlignOp = 'match' | 'sub' | 'del' | 'ins';

export interface AlignStep {
  op: AlignOp;
  /** Index into the reference, absent for an insertion. */
  ref?: number;
  /** Index into the hypothesis, absent for a deletion. */
  hyp?: number;
}

export function align<T>(ref: readonly T[], hyp: readonly T[]): AlignStep[] {
  const n = ref.length;
  const m = hyp.length;
  const w = m + 1;
  const cost = new Uint32Array((n + 1) * w);
  const back = new Uint8Array((n + 1) * w); // 0 diagonal, 1 deletion, 2 insertion
  for (let i = 1; i <= n; i++) {
    cost[i * w] = i;
    back[i * w] = 1;
  }
  for (let j = 1; j <= m; j++) {
    cost[j] = j;
    back[j] = 2;
  }
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      // Ties prefer the diagonal, then a deletion: the usual convention of WER tools.
      let best = cost[(i - 1) * w + j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      let b = 0;
      const del = cost[(i - 1) * w + j]! + 1;
      if (del < best) {
        best = del;
        b = 1;
      }
      const ins = cost[i * w + j - 1]! + 1;
      if (ins < best) {
        best = ins;
        b = 2;
      }
      cost[i * w + j] = best;
      back[i * w + j] = b;
    }
  }
  const steps: AlignStep[] = [];
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    const b = back[i * w + j];
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

/** Edit distance only (two rows of memory): for characters, where the path is not needed. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  let prev = new Uint32Array(b.length + 1);
  let cur = new Uint32Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j - 1]! + (ca === b.charCodeAt(j - 1) ? 0 : 1), prev[j]! + 1, cur[j - 1]! + 1);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}
