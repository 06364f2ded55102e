// Whisper's decoding rules on hand-made logits and token sequences: suppression, the timestamp
// rules of openai/whisper and transformers, the split of a window into segments and the seek to
// the next window, and the approximate word timings.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_DIR } from '../../test/whisper-fixture';
import { applyRules, applyTimestampRules, argmax, compressionRatio, logProbOf, type RuleIds, sampleToken, seededRandom, segmentText, splitWindow } from './decoding';
import { fromFloat16, toFloat16 } from './onnx';
import { WhisperTokenizer } from './tokenizer';

// A toy vocabulary: text 0..9, eot 10, sot 11, notimestamps 12, timestamps 13.. (0.00, 0.02, …)
const EOT = 10;
const NO_TS = 12;
const TB = 13;
const V = TB + 1501;
const ids: RuleIds = { eot: EOT, noTimestamps: NO_TS, timestampBegin: TB, suppressTokens: [3, 11], beginSuppressTokens: [4, EOT], maxInitialTimestampIndex: 50 };
const ts = (seconds: number) => TB + Math.round(seconds / 0.02);
const allowed = (s: Float32Array) => [...s.keys()].filter((i) => s[i]! > -Infinity);

function flat(v = 0): Float32Array {
  return new Float32Array(V).fill(v);
}

describe('suppression and timestamp rules', () => {
  it('the first token is a timestamp no later than 1.00 s; begin-suppressed and suppressed tokens never appear', () => {
    const s = flat();
    applyRules(s, [], ids, true);
    expect(allowed(s)).toEqual(Array.from({ length: 51 }, (_, i) => TB + i));
  });

  it('without timestamps only the suppression lists apply', () => {
    const s = flat();
    applyRules(s, [], ids, false);
    expect(s[3]).toBe(-Infinity);
    expect(s[4]).toBe(-Infinity);
    expect(s[EOT]).toBe(-Infinity);
    expect(s[5]).toBe(0);
    expect(s[ts(3)]).toBe(0);
    const t = flat();
    applyRules(t, [5], ids, false);
    expect(t[4]).toBe(0); // begin suppression is for the first step only
    expect(t[EOT]).toBe(0);
  });

  it('after the opening timestamp comes text (or the end), never another timestamp', () => {
    const s = flat();
    applyTimestampRules(s, [ts(0.4)], ids);
    expect(allowed(s).every((i) => i < TB && i !== NO_TS)).toBe(true);
  });

  it('after text that closes with a timestamp, only its partner timestamp or the end may follow', () => {
    const s = flat();
    s[5] = 20; // text is much likelier, but the rules forbid it
    s[EOT] = 10; // (and the end stays possible only while it outweighs all timestamps together)
    applyTimestampRules(s, [ts(0.4), 5, ts(2)], ids);
    const a = allowed(s);
    expect(a.filter((i) => i < TB)).toEqual([EOT, 11]); // eot and the (separately suppressed) specials
    expect(a.filter((i) => i >= TB)[0]).toBe(ts(2)); // the partner may repeat the closing time
    expect(argmax(s)).toBe(EOT);
  });

  it('timestamps never go back, and a new segment cannot start at the time already used', () => {
    const s = flat();
    applyTimestampRules(s, [ts(0.4), 5, ts(2), ts(2), 6], ids);
    expect(s[ts(2)]).toBe(-Infinity);
    expect(s[ts(2.02)]).toBeGreaterThan(-Infinity);
  });

  it('forces a timestamp when all timestamps together outweigh the best text token', () => {
    const s = flat(0);
    s[5] = 5; // e^5 ≈ 148 < 1500 timestamps of weight 1
    applyTimestampRules(s, [ts(0), 5], ids);
    expect(allowed(s).every((i) => i >= TB)).toBe(true);
    const t = flat(-100);
    t[5] = 5;
    applyTimestampRules(t, [ts(0), 5], ids);
    expect(argmax(t)).toBe(5);
  });

  it('<|notimestamps|> is never generated in timestamp mode', () => {
    const s = flat();
    s[NO_TS] = 100;
    applyTimestampRules(s, [ts(0), 5], ids);
    expect(s[NO_TS]).toBe(-Infinity);
  });

  it('argmax takes the first of equal scores; logProbOf normalises', () => {
    expect(argmax(Float32Array.from([1, 3, 3, 2]))).toBe(1);
    expect(Math.exp(logProbOf(Float32Array.from([0, 0, -Infinity, 0]), 1))).toBeCloseTo(1 / 3, 10);
  });
});

describe('temperature fallback helpers', () => {
  it('measures repetition like openai/whisper (zlib compression ratio)', () => {
    expect(compressionRatio('')).toBe(0);
    expect(compressionRatio(' The patient was given twenty milligrams of atorvastatin.')).toBeLessThan(1.5);
    expect(compressionRatio(' I am sorry.'.repeat(30))).toBeGreaterThan(2.4);
  });

  it('samples from softmax(scores / T), never a suppressed token, reproducibly with a seed', () => {
    const s = Float32Array.from([Math.log(0.7), Math.log(0.2), -Infinity, Math.log(0.1)]);
    const rng = seededRandom(7);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 20000; i++) counts[sampleToken(s, 1, rng)]!++;
    expect(counts[2]).toBe(0);
    expect(counts[0]! / 20000).toBeCloseTo(0.7, 1);
    expect(counts[1]! / 20000).toBeCloseTo(0.2, 1);
    const a = seededRandom(42);
    const b = seededRandom(42);
    expect(Array.from({ length: 5 }, a)).toEqual(Array.from({ length: 5 }, b));
    // a low temperature sharpens towards the argmax
    const cold = seededRandom(1);
    let top = 0;
    for (let i = 0; i < 1000; i++) if (sampleToken(s, 0.05, cold) === 0) top++;
    expect(top).toBeGreaterThan(990);
  });
});

describe('splitting a window into segments', () => {
  const SR = 16000;
  const WIN = 30 * SR;

  it('cuts at timestamp pairs; a single closing timestamp means the window is done', () => {
    const tokens = [ts(0), 1, 2, ts(2), ts(2), 5, ts(3.5)];
    const r = splitWindow(tokens, tokens.map(() => -0.1), TB, 60, WIN, SR, 0.02);
    expect(r.segments.map((s) => [s.start, s.end])).toEqual([[60, 62], [62, 63.5]]);
    expect(r.segments[0]!.tokens).toEqual([ts(0), 1, 2, ts(2)]);
    expect(r.advanceSamples).toBe(WIN);
  });

  it('drops an unfinished last segment and resumes at the last complete one', () => {
    const tokens = [ts(0), 1, ts(7.5), ts(7.5), 5, 6, 7];
    const r = splitWindow(tokens, tokens.map(() => -0.1), TB, 0, WIN, SR, 0.02);
    expect(r.segments.map((s) => [s.start, s.end])).toEqual([[0, 7.5]]);
    expect(r.advanceSamples).toBe(7.5 * SR);
  });

  it('without a pair, the window is one segment up to its last timestamp', () => {
    const r = splitWindow([ts(0.5), 1, 2, ts(4)], [-1, -1, -1, -1], TB, 30, WIN, SR, 0.02);
    expect(r.segments.map((s) => [s.start, s.end])).toEqual([[30, 34]]);
    expect(r.advanceSamples).toBe(WIN);
    const none = splitWindow([1, 2], [-1, -1], TB, 30, 10 * SR, SR, 0.02);
    expect(none.segments.map((s) => [s.start, s.end])).toEqual([[30, 40]]);
  });

  it('never stalls on a window whose only pair is at 0.00, and clamps times to the audio', () => {
    const r = splitWindow([ts(0), 1, ts(0), ts(0), 2], [-1, -1, -1, -1, -1], TB, 0, WIN, SR, 0.02);
    expect(r.advanceSamples).toBe(WIN);
    const short = splitWindow([ts(0), 1, ts(20)], [-1, -1, -1], TB, 60, 5 * SR, SR, 0.02);
    expect(short.segments[0]!.end).toBe(65);
    expect(short.advanceSamples).toBe(5 * SR);
  });
});

describe('segment text and approximate word timings', () => {
  const tok = WhisperTokenizer.fromJson(readFileSync(join(FIXTURE_DIR, 'tokenizer.json'), 'utf8'));
  const eot = tok.tokenToId('<|endoftext|>')!;
  const tb = tok.tokenToId('<|0.00|>')!;

  it('spreads the segment over its words by character length, with per-word confidence', () => {
    const text = tok.encode(' Hello world, again');
    const tokens = [tb + 50, ...text, tb + 250];
    const logprobs = [0, ...text.map((_, i) => (i === 0 ? Math.log(0.5) : Math.log(0.9))), 0];
    const r = segmentText({ start: 1, end: 5, tokens, logprobs }, tok, eot);
    expect(r.text).toBe('Hello world, again');
    expect(r.words.map((w) => w.word)).toEqual(['Hello', 'world,', 'again']);
    // 5 + 6 + 5 characters over 4 s
    expect(r.words.map((w) => [w.start, w.end])).toEqual([[1, 2.25], [2.25, 3.75], [3.75, 5]]);
    expect(r.words[0]!.confidence).toBeLessThan(r.words[2]!.confidence);
    expect(r.words[2]!.confidence).toBeCloseTo(0.9, 3);
    expect(r.confidence).toBeGreaterThan(0.5);
    expect(r.confidence).toBeLessThan(0.9);
  });
});

describe('float16 conversion for fp16 exports', () => {
  it('round-trips representable values and rounds others to nearest', () => {
    const x = Float32Array.from([0, -0, 1, -2.5, 65504, 1e-7, 3.14159, 1e6, -Infinity, 6.1e-5]);
    const back = fromFloat16(toFloat16(x));
    expect(Array.from(back.slice(0, 5))).toEqual([0, -0, 1, -2.5, 65504]);
    expect(back[5]).toBeCloseTo(1.1920928955078125e-7, 12); // subnormal
    expect(back[6]).toBeCloseTo(3.140625, 6);
    expect(back[7]).toBe(Infinity);
    expect(back[8]).toBe(-Infinity);
    expect(back[9]).toBeCloseTo(6.1e-5, 7);
  });
});
