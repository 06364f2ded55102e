// The job API, the worker and the reconciler against real PostgreSQL, NATS and S3, with the
// tiny-ctc fixture model fetched from the model store (MODEL_S3_PREFIX) and run by onnxruntime:
// its output is predictable, so every path can be checked exactly without the trained model.
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { AppError, keys } from '@verbatim/common';
import { inference } from '@verbatim/proto';
import { TINY_MODEL_DIR, floatWav, startHarness, tinySay, until, uploadFolder, type Harness } from './harness.js';

const { JobStatus } = inference;
const ACCOUNT = 'acct-a';
const OTHER = 'acct-b';
const MAX_ATTEMPTS = 3;

let h: Harness;
const flaked = new Set<string>();

beforeAll(async () => {
  h = await startHarness(
    {
      MODEL_S3_PREFIX: 'models/tiny-ctc/0.0.1/',
      MODEL_CACHE_DIR: join(tmpdir(), `verbatim-inference-test-${randomUUID()}`),
      RECONCILE_INTERVAL_MS: '200',
      QUEUED_STALE_SECONDS: '2',
      PROCESSING_STALE_SECONDS: '5',
      MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    },
    ({ put }) => uploadFolder(put, TINY_MODEL_DIR, 'models/tiny-ctc/0.0.1'),
    {
      beforeS3Send: async (command, options) => {
        const key = (command.input as { Key?: string }).Key ?? '';
        if (command.constructor.name !== 'GetObjectCommand') return;
        if (key.includes('/slow-') && !flaked.has(key)) {
          // The first read stalls until the worker gives up on it (shutdown).
          flaked.add(key);
          const signal = options?.abortSignal;
          await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
        }
        if (key.includes('/broken-') || (key.includes('/flaky-') && !flaked.has(key))) {
          flaked.add(key);
          throw Object.assign(new Error('simulated object store outage'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
        }
      },
    },
  );
});
afterAll(async () => {
  await h?.close();
});

async function upload(account: string, audio: Buffer | string, prefix = ''): Promise<{ mediaId: string; storageKey: string }> {
  const mediaId = `${prefix}${randomUUID()}`;
  const storageKey = keys.audio(account, mediaId);
  await h.put(storageKey, audio);
  return { mediaId, storageKey };
}

function createJob(account: string, media: { mediaId: string; storageKey: string }, extra: Partial<{ jobId: string; domain: string; vocabulary: string[]; filename: string }> = {}) {
  return h.client.createJob({ accountId: account, jobId: extra.jobId ?? randomUUID(), ...media, durationSeconds: 3, filename: 'interview.wav', ...extra });
}

const finished = (account: string, id: string) =>
  until(
    () => h.client.getJob({ accountId: account, jobId: id }),
    (j) => j.status === JobStatus.COMPLETED || j.status === JobStatus.FAILED,
  );

async function kindOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof AppError ? e.kind : `unexpected: ${String(e)}`;
  }
}

const SPEECH = floatWav(tinySay([0.6, 'good morning', 1.2, 'the patient', 0.8]));

describe('inference service', () => {
  it('lists the model it serves', async () => {
    const { models } = await h.client.listModels({});
    expect(models.map((m) => [m.name, m.version, m.family, m.isDefault])).toEqual([['tiny-ctc', '0.0.1', 'ctc', true]]);
  });

  it('transcribes a job end to end: transcript in S3, GetTranscript with word timings, completed event with compute', async () => {
    const media = await upload(ACCOUNT, SPEECH);
    const created = await createJob(ACCOUNT, media, { domain: 'medicine', vocabulary: ['Dr. Okafor'] });
    expect(created.status).toBe(JobStatus.QUEUED);
    const job = await finished(ACCOUNT, created.id);
    expect(job.failureReason).toBe('');
    expect(job.status).toBe(JobStatus.COMPLETED);
    expect(job.progress).toBe(1);
    expect(job.attempts).toBe(1);
    expect(job.model).toMatchObject({ name: 'tiny-ctc', version: '0.0.1' });
    expect(job.durationSeconds).toBeGreaterThan(3);

    const stored = await h.s3.send(new HeadObjectCommand({ Bucket: h.bucket, Key: keys.transcript(ACCOUNT, created.id) }));
    expect(stored.ContentLength).toBeGreaterThan(0);
    const t = await h.client.getTranscript({ accountId: ACCOUNT, jobId: created.id });
    expect(t.jobId).toBe(created.id);
    expect(t.text).toBe('good morning the patient');
    expect(t.segments).toHaveLength(2);
    const words = t.segments.flatMap((s) => s.words);
    expect(words.map((w) => w.word)).toEqual(['good', 'morning', 'the', 'patient']);
    for (let i = 1; i < words.length; i++) expect(words[i]!.start).toBeGreaterThanOrEqual(words[i - 1]!.end);
    expect(words.every((w) => w.confidence > 0 && w.confidence <= 1)).toBe(true);

    const completed = await until(
      () => h.events('transcription.completed.v1'),
      (evs) => evs.some((e) => e.jobId === created.id),
    );
    const ev = completed.find((e) => e.jobId === created.id)!;
    expect(ev).toMatchObject({ accountId: ACCOUNT, mediaId: media.mediaId, domain: 'medicine', vocabulary: ['Dr. Okafor'], wordCount: 4, transcriptKey: keys.transcript(ACCOUNT, created.id) });
    expect(ev.compute!.cpuSeconds).toBeGreaterThan(0);
    expect(ev.compute!.wallSeconds).toBeGreaterThan(0);
    expect(ev.compute!.device).toBe('cpu');
    expect(ev.durationSeconds).toBeGreaterThan(3);
    expect(ev.eventId).not.toBe('');
  });

  it('is idempotent on job_id: the same request twice is one job and one event; a different one is refused', async () => {
    const media = await upload(ACCOUNT, SPEECH);
    const jobId = randomUUID();
    const [a, b] = await Promise.all([createJob(ACCOUNT, media, { jobId }), createJob(ACCOUNT, media, { jobId })]);
    expect(a.id).toBe(jobId);
    expect(b.id).toBe(jobId);
    await finished(ACCOUNT, jobId);
    const again = await createJob(ACCOUNT, media, { jobId });
    expect(again.status).toBe(JobStatus.COMPLETED);
    const { rows } = await h.pool.query<{ n: string }>(`SELECT count(*) AS n FROM jobs WHERE id = $1`, [jobId]);
    expect(rows[0]!.n).toBe('1');
    const requested = await h.pool.query<{ payload: Buffer }>(`SELECT payload FROM outbox WHERE subject = 'transcription.requested.v1' AND position($1::bytea IN payload) > 0`, [Buffer.from(jobId)]);
    expect(requested.rowCount).toBe(1);
    const completed = await until(() => h.events('transcription.completed.v1'), (evs) => evs.some((e) => e.jobId === jobId));
    expect(completed.filter((e) => e.jobId === jobId)).toHaveLength(1);

    const other = await upload(ACCOUNT, SPEECH);
    expect(await kindOf(createJob(ACCOUNT, other, { jobId }))).toBe('already_exists');
    expect(await kindOf(createJob(OTHER, await upload(OTHER, SPEECH), { jobId }))).toBe('already_exists');
  });

  it('refuses bad requests with invalid_argument', async () => {
    const media = await upload(ACCOUNT, SPEECH);
    expect(await kindOf(createJob(ACCOUNT, media, { domain: 'astrology' }))).toBe('invalid_argument');
    expect(await kindOf(createJob(ACCOUNT, media, { vocabulary: Array.from({ length: 1001 }, (_, i) => `term${i}`) }))).toBe('invalid_argument');
    expect(await kindOf(createJob(ACCOUNT, media, { vocabulary: ['x'.repeat(101)] }))).toBe('invalid_argument');
    expect(await kindOf(createJob(ACCOUNT, media, { jobId: 'not-a-uuid' }))).toBe('invalid_argument');
    // Audio of another account is never transcribed for this one.
    expect(await kindOf(createJob(OTHER, media))).toBe('invalid_argument');
    const err = await createJob(ACCOUNT, media, { domain: 'astrology' }).catch((e: AppError) => e);
    expect((err as AppError).message).toMatch(/unknown domain "astrology"; known domains: general, medicine/);
  });

  it('fails a job with undecodable audio with a readable reason and transcription.failed.v1', async () => {
    const media = await upload(ACCOUNT, Buffer.from('this is not audio at all, just some text pretending to be a recording'.repeat(20)));
    const created = await createJob(ACCOUNT, media);
    const job = await finished(ACCOUNT, created.id);
    expect(job.status).toBe(JobStatus.FAILED);
    expect(job.failureReason).toMatch(/could not be decoded/);
    expect(await kindOf(h.client.getTranscript({ accountId: ACCOUNT, jobId: created.id }))).toBe('failed_precondition');
    const failed = await until(() => h.events('transcription.failed.v1'), (evs) => evs.some((e) => e.jobId === created.id));
    expect(failed.find((e) => e.jobId === created.id)).toMatchObject({ accountId: ACCOUNT, code: 'undecodable_audio', reason: job.failureReason });
  });

  it('fails a job whose audio is gone', async () => {
    const mediaId = randomUUID();
    const created = await createJob(ACCOUNT, { mediaId, storageKey: keys.audio(ACCOUNT, mediaId) });
    const job = await finished(ACCOUNT, created.id);
    expect(job.status).toBe(JobStatus.FAILED);
    expect(job.failureReason).toMatch(/no longer available/);
  });

  it('retries a transient fault with back-off, and fails the job once its attempts are used up', async () => {
    const flaky = await createJob(ACCOUNT, await upload(ACCOUNT, SPEECH, 'flaky-'));
    const broken = await createJob(ACCOUNT, await upload(ACCOUNT, SPEECH, 'broken-'));
    const [a, b] = await Promise.all([finished(ACCOUNT, flaky.id), finished(ACCOUNT, broken.id)]);
    expect(a.status).toBe(JobStatus.COMPLETED);
    expect(a.attempts).toBe(2);
    expect(b.status).toBe(JobStatus.FAILED);
    expect(b.failureReason).toBe(`transcription failed after ${MAX_ATTEMPTS} attempts; our team has been alerted`);
  });

  it("never shows one account's job to another", async () => {
    const media = await upload(ACCOUNT, SPEECH);
    const created = await createJob(ACCOUNT, media);
    await finished(ACCOUNT, created.id);
    expect(await kindOf(h.client.getJob({ accountId: OTHER, jobId: created.id }))).toBe('not_found');
    expect(await kindOf(h.client.getTranscript({ accountId: OTHER, jobId: created.id }))).toBe('not_found');
    expect(await kindOf(h.client.deleteJob({ accountId: OTHER, jobId: created.id }))).toBe('not_found');
    expect(await kindOf(h.client.getJob({ accountId: OTHER, jobId: 'nonsense' }))).toBe('not_found');
    const list = await h.client.listJobs({ accountId: OTHER, pageSize: 100 });
    expect(list.jobs.map((j) => j.id)).not.toContain(created.id);
  });

  it('deletes a job: transcript removed, deleted event, then not found', async () => {
    const media = await upload(ACCOUNT, SPEECH);
    const created = await createJob(ACCOUNT, media);
    await finished(ACCOUNT, created.id);
    const res = await h.client.deleteJob({ accountId: ACCOUNT, jobId: created.id });
    expect(res).toMatchObject({ deleted: true, mediaId: media.mediaId });
    const gone = await h.s3.send(new GetObjectCommand({ Bucket: h.bucket, Key: keys.transcript(ACCOUNT, created.id) })).then(
      () => false,
      () => true,
    );
    expect(gone).toBe(true);
    expect(await kindOf(h.client.getJob({ accountId: ACCOUNT, jobId: created.id }))).toBe('not_found');
    expect(await kindOf(h.client.deleteJob({ accountId: ACCOUNT, jobId: created.id }))).toBe('not_found');
    const deleted = await until(() => h.events('transcription.deleted.v1'), (evs) => evs.some((e) => e.jobId === created.id));
    expect(deleted.find((e) => e.jobId === created.id)!.accountId).toBe(ACCOUNT);
  });

  it('recovers jobs whose message was lost or whose worker died, and fails jobs out of attempts', async () => {
    const plant = async (status: 'queued' | 'processing', attempts = 0) => {
      const media = await upload(ACCOUNT, SPEECH);
      const id = randomUUID();
      // As if CreateJob committed but the message never reached JetStream (or a replica died mid-job).
      await h.pool.query(
        `INSERT INTO jobs (id, account_id, media_id, storage_key, status, attempts, claimed_event_id, created_at, enqueued_at, last_progress_at, deadline_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 minute')`,
        [id, ACCOUNT, media.mediaId, media.storageKey, status, attempts, status === 'processing' ? randomUUID() : null],
      );
      return id;
    };
    const lost = await plant('queued');
    const dead = await plant('processing', 1);
    const spent = await plant('processing', MAX_ATTEMPTS);

    const [a, b, c] = await Promise.all([finished(ACCOUNT, lost), finished(ACCOUNT, dead), finished(ACCOUNT, spent)]);
    expect(a.status).toBe(JobStatus.COMPLETED);
    expect(b.status).toBe(JobStatus.COMPLETED);
    expect(b.attempts).toBe(2);
    expect(c.status).toBe(JobStatus.FAILED);
    expect(c.failureReason).toBe(`transcription failed after ${MAX_ATTEMPTS} attempts; our team has been alerted`);
    const t = await h.client.getTranscript({ accountId: ACCOUNT, jobId: lost });
    expect(t.text).toBe('good morning the patient');
    const failed = await until(() => h.events('transcription.failed.v1'), (evs) => evs.some((e) => e.jobId === spent));
    expect(failed.find((e) => e.jobId === spent)!.code).toBe('retries_exhausted');
  });

  it('reports the queue position of queued jobs', async () => {
    const ids = [randomUUID(), randomUUID()];
    for (const [i, id] of ids.entries()) {
      // Queued with a deadline far ahead, so neither the worker nor the reconciler touches them.
      await h.pool.query(
        `INSERT INTO jobs (id, account_id, media_id, storage_key, status, created_at, deadline_at)
         VALUES ($1, $2, 'm', 'audio/x/m', 'queued', now() - make_interval(secs => $3), now() + interval '1 day')`,
        [id, ACCOUNT, 100 - i],
      );
    }
    const [first, second] = await Promise.all(ids.map((id) => h.client.getJob({ accountId: ACCOUNT, jobId: id })));
    expect(second!.queuePosition - first!.queuePosition).toBe(1n);
    await h.pool.query(`UPDATE jobs SET status = 'deleted' WHERE id = ANY($1)`, [ids]);
  });

  it('lists jobs newest first with an opaque cursor and a status filter', async () => {
    const account = `acct-list-${randomUUID()}`;
    const media = await upload(account, SPEECH);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createJob(account, media, { filename: `f${i}.wav` })).id);
    await Promise.all(ids.map((id) => finished(account, id)));
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = await h.client.listJobs({ accountId: account, pageSize: 2, pageToken: token });
      expect(page.jobs.length).toBeLessThanOrEqual(2);
      seen.push(...page.jobs.map((j) => j.id));
      token = page.nextPageToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
    const completed = await h.client.listJobs({ accountId: account, status: JobStatus.COMPLETED, pageSize: 500 });
    expect(completed.jobs).toHaveLength(5);
    expect((await h.client.listJobs({ accountId: account, status: JobStatus.FAILED })).jobs).toHaveLength(0);
    expect(await kindOf(h.client.listJobs({ accountId: account, pageToken: 'bogus' }))).toBe('invalid_argument');
  });

  it('streams live captions: partial text while audio arrives, final segments at the end', async () => {
    const pcm = tinySay([0.3, 'good morning', 1.0, 'the patient', 1.0]);
    const bytes = new Uint8Array(pcm.buffer);
    async function* audio() {
      yield { part: { case: 'config' as const, value: { accountId: ACCOUNT, domain: 'medicine' } } };
      // Chunks that do not fall on sample boundaries must still be reassembled.
      for (let i = 0; i < bytes.length; i += 4_001) yield { part: { case: 'pcm' as const, value: bytes.subarray(i, i + 4_001) } };
    }
    const finals: string[] = [];
    let updates = 0;
    for await (const u of h.client.streamCaptions(audio())) {
      updates++;
      finals.push(...u.final.map((s) => s.text));
    }
    expect(updates).toBeGreaterThan(1);
    expect(finals.join(' ')).toBe('good morning the patient');

    async function* badFirst() {
      yield { part: { case: 'pcm' as const, value: bytes.subarray(0, 400) } };
    }
    const it = h.client.streamCaptions(badFirst());
    expect(await kindOf((async () => { for await (const _ of it) void _; })())).toBe('invalid_argument');
  });

  it('serves readiness and the domain metrics', async () => {
    const ready = await fetch(`http://127.0.0.1:${h.app.opsPort}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { postgres: 'ok', nats: 'ok', s3: 'ok', model: 'ok' } });
    const text = await (await fetch(`http://127.0.0.1:${h.app.opsPort}/metrics`)).text();
    for (const name of [
      'verbatim_inference_jobs_total{',
      'verbatim_inference_job_duration_seconds_bucket',
      'verbatim_inference_real_time_factor_bucket',
      'verbatim_inference_audio_seconds_total',
      'verbatim_inference_queue_oldest_pending_age_seconds',
      'verbatim_inference_jobs_in_state{',
      'verbatim_inference_word_confidence_bucket',
      'verbatim_inference_dead_lettered_total',
      'verbatim_inference_model_info{',
    ]) expect(text).toContain(name);
    expect(text).toMatch(/verbatim_inference_jobs_total\{status="completed"[^}]*\} [1-9]/);
    expect(text).toMatch(/verbatim_inference_reconciled_total\{action="reenqueued"[^}]*\} [1-9]/);
  });

  it('hands a job in flight back on shutdown; the next instance finishes it', async () => {
    const created = await createJob(ACCOUNT, await upload(ACCOUNT, SPEECH, 'slow-'));
    await until(() => h.client.getJob({ accountId: ACCOUNT, jobId: created.id }), (j) => j.status === JobStatus.PROCESSING);
    await h.restart();
    const job = await finished(ACCOUNT, created.id);
    expect(job.status).toBe(JobStatus.COMPLETED);
    expect(job.attempts).toBe(2);
    expect((await h.client.getTranscript({ accountId: ACCOUNT, jobId: created.id })).text).toBe('good morning the patient');
  });
});
