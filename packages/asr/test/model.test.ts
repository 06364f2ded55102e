// The shipped model end to end: espeak-ng speech -> decodeAudio -> VAD -> onnxruntime -> beam
// search. Skipped (with a note) until models/verbatim-ctc-en/CURRENT names a model, or when
// VERBATIM_MODEL_DIR points elsewhere. Bounds are stated per test; they track the model card.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAudio, defaultModelDir, loadEngine, StreamingRecognizer, wordErrorRate, type Segment, type SpeechEngine } from '../src/index.js';

const MODEL = defaultModelDir();
const present = existsSync(join(MODEL, 'manifest.json'));
if (!present) console.warn(`model.test: no model at ${MODEL}; skipping the real-model tests`);

/**
 * WER bound for espeak-ng's default en-us voice on these sentences (a seen voice, unseen text):
 * the model card's own seen-voice/unseen-sentence WER plus 0.2 (other sentences, this decoder),
 * never above 0.95; 0.95 — "not garbage" — for an interim export without an evaluation.
 * VERBATIM_TEST_WER_BOUND overrides.
 */
function werBound(): number {
  if (process.env.VERBATIM_TEST_WER_BOUND) return Number(process.env.VERBATIM_TEST_WER_BOUND);
  try {
    const m = JSON.parse(readFileSync(join(MODEL, 'manifest.json'), 'utf8')) as { evaluation?: Record<string, { wer?: number }> };
    const seen = m.evaluation?.seen_voices_unseen_sentences?.wer;
    if (typeof seen === 'number') return Math.min(0.95, seen + 0.2);
  } catch {
    // no manifest: the suite is skipped anyway
  }
  return 0.95;
}
const WER_BOUND = present ? werBound() : 1;

const SENTENCES = [
  'the patient was given metformin for her diabetes',
  'we talked about poverty and the cost of housing in the city',
  'i have been writing ruby code for about ten years',
  'could you tell me a little more about your family',
];

const tmp = mkdtempSync(join(tmpdir(), 'asr-model-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function speak(text: string, name: string, voice = 'en-us'): Promise<Float32Array> {
  const f = join(tmp, `${name}.wav`);
  execFileSync('espeak-ng', ['-v', voice, '-w', f, text]);
  return decodeAudio(f);
}

(present ? describe : describe.skip)(`the shipped model (${MODEL})`, () => {
  let engine: SpeechEngine;
  beforeAll(async () => { engine = await loadEngine(MODEL, { threads: 1 }); });
  afterAll(async () => { await engine?.close(); });

  it(`transcribes espeak-ng sentences with WER ≤ ${WER_BOUND.toFixed(2)}`, async () => {
    let errors = 0;
    let words = 0;
    for (const [i, s] of SENTENCES.entries()) {
      const t = await engine.transcribe(await speak(s, `s${i}`));
      const r = wordErrorRate(s, t.text);
      errors += r.substitutions + r.deletions + r.insertions;
      words += r.refWords;
      console.log(`WER ${r.wer.toFixed(2)}  ref: ${s}\n          hyp: ${t.text}`);
    }
    expect(errors / words).toBeLessThanOrEqual(WER_BOUND);
  });

  it('cuts two minutes with pauses into several segments with monotonic word times', async () => {
    const parts: Float32Array[] = [];
    const silence = new Float32Array(16000 * 1.5);
    let n = 0;
    for (let i = 0; n < 16000 * 120; i++) {
      const pcm = await speak(SENTENCES[i % SENTENCES.length]!, `long${i % SENTENCES.length}`, i % 2 ? 'en-gb' : 'en-us');
      parts.push(pcm, silence);
      n += pcm.length + silence.length;
    }
    const all = new Float32Array(n);
    let at = 0;
    for (const p of parts) { all.set(p, at); at += p.length; }
    const progress: number[] = [];
    const t = await engine.transcribe(all, { onProgress: (d) => progress.push(d) });
    expect(t.durationSeconds).toBeGreaterThanOrEqual(120);
    expect(t.segments.length).toBeGreaterThanOrEqual(parts.length / 2 - 2);
    let last = 0;
    for (const s of t.segments) {
      expect(s.start).toBeGreaterThanOrEqual(last);
      expect(s.end).toBeGreaterThan(s.start);
      for (const w of s.words) {
        expect(w.start).toBeGreaterThanOrEqual(last);
        expect(w.end).toBeGreaterThanOrEqual(w.start);
        expect(w.start).toBeGreaterThanOrEqual(s.start);
        expect(w.end).toBeLessThanOrEqual(s.end);
        last = w.end;
      }
    }
    expect(t.segments[t.segments.length - 1]!.end).toBeLessThanOrEqual(t.durationSeconds);
    expect(progress[progress.length - 1]).toBeCloseTo(t.durationSeconds, 3);
  });

  it('streams live captions whose final text matches decoding the whole recording', async () => {
    const a = await speak(SENTENCES[1]!, 'live1');
    const b = await speak(SENTENCES[3]!, 'live2');
    const pcm = new Float32Array(a.length + b.length + 16000 * 2);
    pcm.set(a, 8000);
    pcm.set(b, 8000 + a.length + 16000);
    const whole = await engine.transcribe(pcm);
    const rec = new StreamingRecognizer(engine);
    const finals: Segment[] = [];
    let partials = 0;
    for (let i = 0; i < pcm.length; i += 1600) {
      const u = await rec.push(pcm.subarray(i, i + 1600));
      if (u.partial) partials++;
      if (u.final) finals.push(...u.final);
    }
    finals.push(...(await rec.flush()).final);
    const live = finals.map((s) => s.text).join(' ');
    console.log(`whole: ${whole.text}\nlive:  ${live}`);
    expect(partials).toBeGreaterThan(0);
    expect(finals.length).toBeGreaterThanOrEqual(2);
    const ref = `${SENTENCES[1]} ${SENTENCES[3]}`;
    // Live captions decode a sliding window with less context than the whole recording, and the
    // model's in-graph gain control sees a different window each time: with the shipped model they
    // run about 0.2 WER behind (0.45 vs 0.27 on these sentences). Beyond 0.25 behind is a regression.
    expect(wordErrorRate(ref, live).wer).toBeLessThanOrEqual(wordErrorRate(ref, whole.text).wer + 0.25);
  });

  it('boosting a term the audio contains does not make the transcript worse', async () => {
    const s = 'the doctor prescribed metformin and lisinopril';
    const pcm = await speak(s, 'boost');
    const plain = await engine.transcribe(pcm);
    const boosted = await engine.transcribe(pcm, { domain: 'medicine', vocabulary: ['lisinopril'] });
    console.log(`plain:   ${plain.text}\nboosted: ${boosted.text}`);
    expect(wordErrorRate(s, boosted.text).wer).toBeLessThanOrEqual(wordErrorRate(s, plain.text).wer);
  });
});
