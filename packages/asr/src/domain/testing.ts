// Helpers for tests of the decoder: hand-built posteriors over the default character tokens.
import type { Posteriors } from './ctc-decoder.js';

export const CHAR_TOKENS: string[] = ['<blank>', ' ', "'", ...'abcdefghijklmnopqrstuvwxyz'];

/**
 * Frames from a compact spec: each frame is a map token -> probability ('_' is blank); the mass
 * left over is spread evenly over the other tokens. A string frame "x" means {x: 0.95}.
 */
export function posteriors(frames: Array<string | Record<string, number>>, tokens: string[] = CHAR_TOKENS): Posteriors {
  const V = tokens.length;
  const data = new Float32Array(frames.length * V);
  frames.forEach((f, t) => {
    const spec: Record<string, number> = typeof f === 'string' ? { [f]: 0.95 } : f;
    const probs = new Float64Array(V);
    let mass = 0;
    for (const [k, p] of Object.entries(spec)) {
      const id = k === '_' ? 0 : tokens.indexOf(k);
      if (id < 0) throw new Error(`no token ${k}`);
      probs[id] = p;
      mass += p;
    }
    const rest = Math.max(0, 1 - mass);
    const others = V - Object.keys(spec).length;
    for (let k = 0; k < V; k++) {
      if (probs[k] === 0) probs[k] = rest / others;
      data[t * V + k] = Math.log(Math.max(probs[k]!, 1e-12));
    }
  });
  return { data, frames: frames.length, vocab: V };
}

/** Frames spelling `text` with a blank after every character (spaces as the delimiter). */
export function spell(text: string, p = 0.95): Array<string | Record<string, number>> {
  const out: Array<string | Record<string, number>> = ['_'];
  for (const ch of text) out.push({ [ch]: p }, '_');
  return out;
}

/** A tiny 3-gram LM (<s> the cat sat </s>) in ARPA format, for the LM and decoder tests. */
export const ARPA = `
\\data\\
ngram 1=6
ngram 2=4
ngram 3=1

\\1-grams:
-1.0\t<s>\t-0.3
-1.0\t</s>
-2.0\t<unk>
-1.2\tthe\t-0.2
-1.5\tcat\t-0.25
-1.6\tsat

\\2-grams:
-0.5\t<s> the\t-0.1
-0.4\tthe cat\t-0.15
-0.3\tcat sat
-0.7\tcat </s>

\\3-grams:
-0.2\t<s> the cat

\\end\\
`;
