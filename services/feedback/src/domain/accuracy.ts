// Measured accuracy of the machine transcript against a corrected revision: word and character
// error rates, domain-term errors and, from the same word alignment, whether each machine word
// was right (for calibration). Corrections never move words between segments, so segments are
// aligned one to one by id: exact for our edits, and bounded in cost on long recordings.
import { align, editDistance } from './align.js';
import { fineBucket, type BucketCount } from './calibration.js';
import { normalizeWords } from './normalize.js';
import type { Segment, TranscriptDoc } from './transcript.js';

export interface Accuracy {
  referenceWords: number;
  substitutions: number;
  deletions: number;
  insertions: number;
  referenceChars: number;
  charErrors: number;
  wer: number;
  cer: number;
  /** Occurrences of vocabulary terms in the reference. */
  domainTerms: number;
  /** Occurrences the machine missed or misrecognised. */
  domainTermErrors: number;
  missedTerms: string[];
  calibration: BucketCount[];
}

interface Tokens {
  words: string[];
  /** For each token, the index of the transcript word it came from. */
  source: number[];
}

function tokens(seg: Segment | undefined): Tokens {
  const out: Tokens = { words: [], source: [] };
  if (!seg) return out;
  seg.words.forEach((w, i) => {
    for (const t of normalizeWords(w.word)) {
      out.words.push(t);
      out.source.push(i);
    }
  });
  return out;
}

/** Word error rate of a hypothesis against a reference, as plain strings (the same normalisation). */
export function wordErrorRate(reference: string, hypothesis: string) {
  const r = normalizeWords(reference);
  const h = normalizeWords(hypothesis);
  const steps = align(r, h);
  const count = (op: string) => steps.filter((s) => s.op === op).length;
  const substitutions = count('sub');
  const deletions = count('del');
  const insertions = count('ins');
  return { referenceWords: r.length, substitutions, deletions, insertions, wer: rate(substitutions + deletions + insertions, r.length) };
}

/** Character error rate over the normalised texts (single spaces between words count as characters). */
export function characterErrorRate(reference: string, hypothesis: string) {
  const r = normalizeWords(reference).join(' ');
  const h = normalizeWords(hypothesis).join(' ');
  const errors = editDistance(r, h);
  return { referenceChars: r.length, charErrors: errors, cer: rate(errors, r.length) };
}

function rate(errors: number, n: number): number {
  return n === 0 ? (errors === 0 ? 0 : 1) : errors / n;
}

export function measureAccuracy(machine: TranscriptDoc, reference: TranscriptDoc, vocabulary: readonly string[] = []): Accuracy {
  const terms = [...new Set(vocabulary.map((v) => normalizeWords(v).join(' ')).filter(Boolean))].map((t) => t.split(' '));
  const refById = new Map(reference.segments.map((s) => [s.id, s]));
  const ids = new Set<number>([...machine.segments.map((s) => s.id), ...reference.segments.map((s) => s.id)]);
  const machineById = new Map(machine.segments.map((s) => [s.id, s]));
  const fine = new Map<number, BucketCount>();
  const missed = new Set<string>();
  const acc = { referenceWords: 0, substitutions: 0, deletions: 0, insertions: 0, referenceChars: 0, charErrors: 0, domainTerms: 0, domainTermErrors: 0 };

  for (const id of ids) {
    const hypSeg = machineById.get(id);
    const ref = tokens(refById.get(id));
    const hyp = tokens(hypSeg);
    const refMatched = new Array<boolean>(ref.words.length).fill(false);
    const hypMatched = new Array<boolean>(hyp.words.length).fill(false);
    const same = ref.words.length === hyp.words.length && ref.words.every((w, i) => w === hyp.words[i]);
    if (same) {
      refMatched.fill(true);
      hypMatched.fill(true);
    } else {
      for (const step of align(ref.words, hyp.words)) {
        if (step.op === 'match') {
          refMatched[step.ref!] = true;
          hypMatched[step.hyp!] = true;
        } else if (step.op === 'sub') acc.substitutions++;
        else if (step.op === 'del') acc.deletions++;
        else acc.insertions++;
      }
    }
    acc.referenceWords += ref.words.length;
    const refText = ref.words.join(' ');
    acc.referenceChars += refText.length;
    if (!same) acc.charErrors += editDistance(refText, hyp.words.join(' '));

    for (const term of terms) {
      for (let i = 0; i + term.length <= ref.words.length; i++) {
        if (!term.every((t, k) => ref.words[i + k] === t)) continue;
        acc.domainTerms++;
        if (!term.every((_t, k) => refMatched[i + k])) {
          acc.domainTermErrors++;
          missed.add(term.join(' '));
        }
      }
    }

    // A machine word is right when every token it normalises to was matched.
    if (hypSeg) {
      const right = new Map<number, boolean>();
      hyp.source.forEach((src, k) => right.set(src, (right.get(src) ?? true) && hypMatched[k]!));
      for (const [src, ok] of right) {
        const c = hypSeg.words[src]!.confidence;
        const b = fineBucket(c);
        const f = fine.get(b) ?? { bucket: b, words: 0, correct: 0, confidenceSum: 0 };
        f.words++;
        if (ok) f.correct++;
        f.confidenceSum += c;
        fine.set(b, f);
      }
    }
  }
  const errors = acc.substitutions + acc.deletions + acc.insertions;
  return {
    ...acc,
    wer: rate(errors, acc.referenceWords),
    cer: rate(acc.charErrors, acc.referenceChars),
    missedTerms: [...missed].sort(),
    calibration: [...fine.values()].sort((a, b) => a.bucket - b.bucket),
  };
}
