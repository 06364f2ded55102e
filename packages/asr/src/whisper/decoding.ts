// Whisper decoding rules as openai/whisper and transformers apply them, kept free of the runtime
// so they can be tested on plain arrays: token suppression, the timestamp rules, the split of a
// window's tokens into timed segments (and how far to move to the next window), and words with
// approximate timings and confidences.
import { deflateSync } from 'node:zlib';
import type { Word } from '../types.js';
import type { WhisperSpec } from './config.js';
import type { WhisperTokenizer } from './tokenizer.js';

export type RuleIds = Pick<WhisperSpec, 'eot' | 'noTimestamps' | 'timestampBegin' | 'suppressTokens' | 'beginSuppressTokens' | 'maxInitialTimestampIndex'>;

/**
 * In place: the logit processors of a greedy Whisper step, in transformers' order
 * (SuppressTokensAtBegin, SuppressTokens, WhisperTimeStampLogitsProcessor).
 * `generated` are the tokens after the prompt so far.
 */
export function applyRules(scores: Float32Array, generated: readonly number[], ids: RuleIds, timestamps: boolean): void {
  if (generated.length === 0) for (const t of ids.beginSuppressTokens) scores[t] = -Infinity;
  for (const t of ids.suppressTokens) scores[t] = -Infinity;
  if (timestamps) applyTimestampRules(scores, generated, ids);
}

export function applyTimestampRules(scores: Float32Array, seq: readonly number[], ids: RuleIds): void {
  const tb = ids.timestampBegin;
  const n = scores.length;
  scores[ids.noTimestamps] = -Infinity;
  const lastTs = seq.length >= 1 && seq[seq.length - 1]! >= tb;
  const penultTs = seq.length < 2 || seq[seq.length - 2]! >= tb;
  if (lastTs) {
    if (penultTs) scores.fill(-Infinity, tb, n); // a pair just closed: text or end next
    else scores.fill(-Infinity, 0, ids.eot); // a segment just ended: its partner timestamp or end
  }
  let lastStamp = -1;
  for (let i = seq.length - 1; i >= 0; i--) {
    if (seq[i]! >= tb) {
      lastStamp = seq[i]!;
      break;
    }
  }
  if (lastStamp >= 0) {
    // timestamps never decrease (the partner of a segment end may repeat it)
    const floor = lastTs && !penultTs ? lastStamp : lastStamp + 1;
    scores.fill(-Infinity, tb, Math.min(floor, n));
  }
  if (seq.length === 0) {
    scores.fill(-Infinity, 0, tb); // the first token is a timestamp
    if (ids.maxInitialTimestampIndex !== null) scores.fill(-Infinity, Math.min(n, tb + ids.maxInitialTimestampIndex + 1), n);
  }
  // if all timestamps together are likelier than any single text token, emit a timestamp
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (scores[i]! > max) max = scores[i]!;
  if (max === -Infinity) return;
  let total = 0;
  let tsSum = 0;
  let tsMax = -Infinity;
  for (let i = tb; i < n; i++) if (scores[i]! > tsMax) tsMax = scores[i]!;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(scores[i]! - max);
    total += e;
  }
  if (tsMax === -Infinity) return;
  for (let i = tb; i < n; i++) tsSum += Math.exp(scores[i]! - tsMax);
  const logZ = max + Math.log(total);
  const tsLogprob = tsMax + Math.log(tsSum) - logZ;
  let textMax = -Infinity;
  for (let i = 0; i < tb; i++) if (scores[i]! > textMax) textMax = scores[i]!;
  if (tsLogprob > textMax - logZ) scores.fill(-Infinity, 0, tb);
}

/** Index of the largest score (the first one on ties, like argmax). */
export function argmax(scores: Float32Array): number {
  let best = 0;
  let bestV = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    if (scores[i]! > bestV) {
      bestV = scores[i]!;
      best = i;
    }
  }
  return best;
}

/** A token drawn from softmax(scores / temperature); `rng` gives uniform numbers in [0, 1). */
export function sampleToken(scores: Float32Array, temperature: number, rng: () => number): number {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > max) max = scores[i]!;
  const w = new Float64Array(scores.length);
  let total = 0;
  for (let i = 0; i < scores.length; i++) {
    const e = scores[i]! === -Infinity ? 0 : Math.exp((scores[i]! - max) / temperature);
    w[i] = e;
    total += e;
  }
  let r = rng() * total;
  let last = 0;
  for (let i = 0; i < w.length; i++) {
    if (w[i]! === 0) continue;
    last = i;
    r -= w[i]!;
    if (r < 0) return i;
  }
  return last;
}

/** A small seeded PRNG (mulberry32) so that fallback sampling gives the same transcript every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** openai/whisper's repetition measure: UTF-8 length / zlib-compressed length (> 2.4: a loop). */
export function compressionRatio(text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return 0;
  return bytes.length / deflateSync(bytes).length;
}

/** log softmax(scores)[index]. */
export function logProbOf(scores: Float32Array, index: number): number {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > max) max = scores[i]!;
  let s = 0;
  for (let i = 0; i < scores.length; i++) s += Math.exp(scores[i]! - max);
  return scores[index]! - max - Math.log(s);
}

export function softmaxAt(scores: Float32Array, index: number): number {
  return Math.exp(logProbOf(scores, index));
}

export interface RawSegment {
  /** Seconds from the start of the audio. */
  start: number;
  end: number;
  /** The segment's tokens including its timestamp tokens. */
  tokens: number[];
  /** log P of each token in `tokens` (as decoded). */
  logprobs: number[];
}

export interface WindowSplit {
  segments: RawSegment[];
  /** Samples to move the window forward by. */
  advanceSamples: number;
}

/**
 * openai/whisper's split of one window's output into segments at consecutive timestamp pairs.
 * `tokens` are the generated tokens without the prompt and without the final <|endoftext|>.
 * When the output ends mid-segment (the token limit hit), the unfinished part is dropped and the
 * next window starts at the last timestamp pair, as in the reference.
 */
export function splitWindow(
  tokens: readonly number[],
  logprobs: readonly number[],
  timestampBegin: number,
  timeOffset: number,
  windowSamples: number,
  sampleRate: number,
  timePrecision: number,
): WindowSplit {
  const isTs = tokens.map((t) => t >= timestampBegin);
  const samplesPerStep = Math.round(timePrecision * sampleRate);
  const windowSeconds = windowSamples / sampleRate;
  const singleEnding = isTs.length >= 2 && !isTs[isTs.length - 2] && isTs[isTs.length - 1]!;
  const consecutive: number[] = [];
  for (let i = 1; i < isTs.length; i++) if (isTs[i - 1] && isTs[i]) consecutive.push(i);
  const segments: RawSegment[] = [];
  if (consecutive.length > 0) {
    const slices = [...consecutive];
    if (singleEnding) slices.push(tokens.length);
    let last = 0;
    for (const cur of slices) {
      const sl = tokens.slice(last, cur);
      const lp = logprobs.slice(last, cur);
      const startPos = sl[0]! >= timestampBegin ? sl[0]! - timestampBegin : 0;
      const endPos = sl[sl.length - 1]! >= timestampBegin ? sl[sl.length - 1]! - timestampBegin : startPos;
      segments.push({ start: timeOffset + startPos * timePrecision, end: timeOffset + endPos * timePrecision, tokens: sl, logprobs: lp });
      last = cur;
    }
    let advance: number;
    if (singleEnding) advance = windowSamples;
    else advance = (tokens[last - 1]! - timestampBegin) * samplesPerStep;
    if (advance <= 0) advance = windowSamples; // never stall on a window
    return { segments: segments.map((s) => clampSegment(s, timeOffset, windowSeconds)), advanceSamples: Math.min(advance, windowSamples) };
  }
  let duration = windowSeconds;
  for (let i = tokens.length - 1; i >= 0; i--) {
    if (isTs[i]) {
      if (tokens[i]! !== timestampBegin) duration = (tokens[i]! - timestampBegin) * timePrecision;
      break;
    }
  }
  if (tokens.length > 0) segments.push({ start: timeOffset, end: timeOffset + duration, tokens: [...tokens], logprobs: [...logprobs] });
  return { segments: segments.map((s) => clampSegment(s, timeOffset, windowSeconds)), advanceSamples: windowSamples };
}

function clampSegment(s: RawSegment, offset: number, windowSeconds: number): RawSegment {
  const hi = offset + windowSeconds;
  const start = Math.min(Math.max(s.start, offset), hi);
  const end = Math.min(Math.max(s.end, start), hi);
  return { ...s, start, end };
}

export interface TextWithWords {
  text: string;
  words: Word[];
  confidence: number;
}

/**
 * Text, words and confidences of one segment. Whisper gives no word timings here: the segment's
 * duration is spread over its words in proportion to their length in characters (an
 * approximation; cross-attention alignment would be the accurate way). A word's confidence is
 * the geometric mean of its tokens' probabilities; the segment's is that of all its text tokens.
 */
export function segmentText(seg: RawSegment, tok: WhisperTokenizer, eot: number): TextWithWords {
  const groups: Array<{ bytes: number[]; logprobs: number[] }> = [];
  let all = 0;
  let count = 0;
  seg.tokens.forEach((id, i) => {
    if (id >= eot) return;
    const b = tok.tokenBytes(id);
    const lp = seg.logprobs[i] ?? 0;
    all += lp;
    count++;
    const startsWord = b.length > 0 && (b[0] === 0x20 || b[0] === 0x0a || b[0] === 0x09);
    if (startsWord || groups.length === 0) groups.push({ bytes: [], logprobs: [] });
    const g = groups[groups.length - 1]!;
    for (const x of b) g.bytes.push(x);
    g.logprobs.push(lp);
  });
  const pieces: Array<{ word: string; conf: number }> = [];
  for (const g of groups) {
    const word = tok.decodeBytes(new Uint8Array(g.bytes)).trim();
    if (!word) continue;
    const conf = Math.exp(g.logprobs.reduce((a, b) => a + b, 0) / Math.max(1, g.logprobs.length));
    // a group can hold more than one word when a token carries inner whitespace
    for (const w of word.split(/\s+/)) pieces.push({ word: w, conf });
  }
  const text = tok.decode(seg.tokens.filter((t) => t < eot)).trim();
  const chars = pieces.reduce((s, p) => s + p.word.length, 0);
  const dur = seg.end - seg.start;
  let acc = 0;
  const words: Word[] = pieces.map((p) => {
    const start = seg.start + (chars > 0 ? (dur * acc) / chars : 0);
    acc += p.word.length;
    const end = seg.start + (chars > 0 ? (dur * acc) / chars : dur);
    return { word: p.word, start: round3(start), end: round3(end), confidence: round3(p.conf) };
  });
  return { text, words, confidence: round3(count > 0 ? Math.exp(all / count) : 0) };
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
