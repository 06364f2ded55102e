// The default trained model end to end through the service: speech synthesised by espeak-ng from a
// known sentence is put in S3, a job is created over gRPC, and the transcript is checked against
// the sentence (word error rate bound below), with word timings, and the completed event carries
// the compute the job used. Skipped, with a message, only while models/verbatim-ctc-en/CURRENT
// does not exist (the model is trained by training/run.sh).
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultModelDir, wordErrorRate } from '@verbatim/asr';
import { keys } from '@verbatim/common';
import { inference } from '@verbatim/proto';
import { startHarness, until, type Harness } from './harness.js';

const CURRENT = resolve(__dirname, '../../../models/verbatim-ctc-en/CURRENT');
const SENTENCE = 'my mother was worried about paying the rent last year so she started working two jobs';
/**
 * Bounds set from what the shipped model reaches, with margin: verbatim-ctc-en 2026.11.27-1 as
 * exported at the end of its 70-minute training run (13:04 UTC) reads this clip as "mother was
 * worried about paying the rent last year so she strewing two jobs" — WER 0.188, letter error
 * rate 0.114. An untrained or broken pipeline scores about 1.0 on both.
 */
const WER_BOUND = 0.4;
/** Edit distance over the letters alone (word boundaries ignored) / reference letters. */
const LETTER_BOUND = 0.3;

function letterErrorRate(ref: string, hyp: string): number {
  const clean = (s: string) => s.toLowerCase().replace(/[^a-z']/g, '');
  const r = clean(ref);
  const h = clean(hyp);
  let prev = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= r.length; i++) {
    const cur = [i];
    for (let j = 1; j <= h.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (r[i - 1] === h[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[h.length]! / Math.max(1, r.length);
}

// VERBATIM_MODEL_DIR (honoured by defaultModelDir) points the test at another trained model.
const haveModel = existsSync(CURRENT) || Boolean(process.env.VERBATIM_MODEL_DIR);
if (!haveModel) {
  console.warn(`skipping the trained-model test: ${CURRENT} does not exist yet (train it with training/run.sh)`);
}

(haveModel ? describe : describe.skip)('transcription with the trained default model', () => {
  let h: Harness;
  const work = mkdtempSync(join(tmpdir(), 'inference-speech-'));

  beforeAll(async () => {
    h = await startHarness({ MODEL_DIR: defaultModelDir(), ORT_THREADS: '1' });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('transcribes espeak-ng speech of a known sentence within the WER bound', async () => {
    const wav = join(work, 'speech.wav');
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', wav, SENTENCE]);
    const account = 'acct-speech';
    const mediaId = randomUUID();
    const storageKey = keys.audio(account, mediaId);
    await h.put(storageKey, readFileSync(wav));

    const started = Date.now();
    const created = await h.client.createJob({ accountId: account, jobId: randomUUID(), mediaId, storageKey, filename: 'speech.wav', durationSeconds: 0 });
    const job = await until(
      () => h.client.getJob({ accountId: account, jobId: created.id }),
      (j) => j.status === inference.JobStatus.COMPLETED || j.status === inference.JobStatus.FAILED,
      50,
    );
    const elapsed = (Date.now() - started) / 1000;
    expect(job.failureReason).toBe('');
    expect(job.status).toBe(inference.JobStatus.COMPLETED);

    const t = await h.client.getTranscript({ accountId: account, jobId: created.id });
    const wer = wordErrorRate(SENTENCE, t.text);
    const cer = letterErrorRate(SENTENCE, t.text);
    console.log(`trained model: "${t.text}" — WER ${wer.wer.toFixed(3)}, letter error rate ${cer.toFixed(3)}; ${t.durationSeconds.toFixed(2)} s of audio, CreateJob→completed ${elapsed.toFixed(2)} s`);
    expect(wer.wer).toBeLessThanOrEqual(WER_BOUND);
    expect(cer).toBeLessThanOrEqual(LETTER_BOUND);
    expect(t.model!.name).toBe('verbatim-ctc-en');
    const words = t.segments.flatMap((s) => s.words);
    expect(words.length).toBeGreaterThan(0);
    expect(words[0]!.start).toBeGreaterThanOrEqual(0);
    expect(words[words.length - 1]!.end).toBeLessThanOrEqual(t.durationSeconds + 0.01);
    for (let i = 1; i < words.length; i++) expect(words[i]!.start).toBeGreaterThanOrEqual(words[i - 1]!.start);

    const events = await until(() => h.events('transcription.completed.v1'), (evs) => evs.some((e) => e.jobId === created.id));
    const ev = events.find((e) => e.jobId === created.id)!;
    expect(ev.compute!.cpuSeconds).toBeGreaterThan(0);
    expect(ev.compute!.wallSeconds).toBeGreaterThan(0);
    expect(ev.model).toMatchObject({ name: 'verbatim-ctc-en', version: t.model!.version });
    expect(ev.wordCount).toBe(words.length);
    expect(ev.meanConfidence).toBeGreaterThan(0);
  }, 180_000);
});
