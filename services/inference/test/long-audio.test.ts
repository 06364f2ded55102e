// A measurement, not part of the default run: a long recording (espeak-ng reading LONG_AUDIO_MINUTES
// of interview-style sentences, default 10) through the service with the trained model; prints the
// time from CreateJob to completed, the real-time factor and the WER. Run it with
//   MEASURE_LONG=1 pnpm --filter @verbatim/inference exec jest test/long-audio.test.ts
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultModelDir, wordErrorRate } from '@verbatim/asr';
import { keys } from '@verbatim/common';
import { inference } from '@verbatim/proto';
import { startHarness, until } from './harness.js';

const CURRENT = resolve(__dirname, '../../../models/verbatim-ctc-en/CURRENT');
const run = process.env.MEASURE_LONG === '1' && (existsSync(CURRENT) || Boolean(process.env.VERBATIM_MODEL_DIR));
const MINUTES = Number(process.env.LONG_AUDIO_MINUTES ?? 10);

const SUBJECTS = ['my mother', 'my neighbor', 'the teacher', 'our doctor', 'my manager', 'a friend', 'my brother', 'the landlord'];
const VERBS = ['was worried about', 'kept talking about', 'never understood', 'helped us with', 'complained about', 'asked me about'];
const THINGS = ['the rent', 'the bills', 'the job', 'the house', 'the car', 'the school', 'the weather', 'the money', 'the meeting', 'the schedule'];
const TIMES = ['last year', 'every morning', 'at the weekend', 'after the pandemic', 'most days', 'back then', 'a few months ago', 'these days'];

function script(words: number): string {
  const out: string[] = [];
  let n = 0;
  for (let i = 0; n < words; i++) {
    const s = `${SUBJECTS[i % SUBJECTS.length]} ${VERBS[(i * 7) % VERBS.length]} ${THINGS[(i * 3) % THINGS.length]} ${TIMES[(i * 5) % TIMES.length]}`;
    out.push(s);
    n += s.split(' ').length;
  }
  return out.join('. ') + '.';
}

(run ? it : it.skip)(`transcribes ${MINUTES} minutes of speech (measurement)`, async () => {
  const work = mkdtempSync(join(tmpdir(), 'inference-long-'));
  const h = await startHarness({ MODEL_DIR: defaultModelDir(), ORT_THREADS: process.env.ORT_THREADS ?? '2' });
  try {
    // espeak-ng at -s 150 speaks about 192 of these words a minute.
    const text = script(MINUTES * 192);
    writeFileSync(join(work, 'script.txt'), text);
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-f', join(work, 'script.txt'), '-w', join(work, 'long.wav')]);
    execFileSync('ffmpeg', ['-loglevel', 'error', '-i', join(work, 'long.wav'), '-b:a', '64k', join(work, 'long.mp3')]);
    const account = 'acct-long';
    const mediaId = randomUUID();
    const storageKey = keys.audio(account, mediaId);
    await h.put(storageKey, readFileSync(join(work, 'long.mp3')));

    const started = Date.now();
    const created = await h.client.createJob({ accountId: account, jobId: randomUUID(), mediaId, storageKey, filename: 'long.mp3', durationSeconds: 0 });
    const job = await until(
      () => h.client.getJob({ accountId: account, jobId: created.id }),
      (j) => j.status === inference.JobStatus.COMPLETED || j.status === inference.JobStatus.FAILED,
      250,
    );
    const elapsed = (Date.now() - started) / 1000;
    expect(job.status).toBe(inference.JobStatus.COMPLETED);
    const t = await h.client.getTranscript({ accountId: account, jobId: created.id });
    const wer = wordErrorRate(text, t.text);
    const ev = (await until(() => h.events('transcription.completed.v1'), (evs) => evs.some((e) => e.jobId === created.id))).find((e) => e.jobId === created.id)!;
    console.log(
      `long audio: ${(t.durationSeconds / 60).toFixed(1)} min (mp3) → CreateJob→completed ${elapsed.toFixed(1)} s; ` +
        `compute cpu ${ev.compute!.cpuSeconds.toFixed(1)} s, wall ${ev.compute!.wallSeconds.toFixed(1)} s, RTF(wall) ${(elapsed / t.durationSeconds).toFixed(3)}; ` +
        `${t.segments.length} segments, WER ${wer.wer.toFixed(3)}; ORT_THREADS=${process.env.ORT_THREADS ?? '2'}`,
    );
  } finally {
    await h.close();
    rmSync(work, { recursive: true, force: true });
  }
}, 1_800_000);
