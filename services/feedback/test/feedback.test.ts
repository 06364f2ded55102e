// The feedback service against real PostgreSQL, NATS JetStream and S3, through a real gRPC client:
// snapshots from transcription.completed.v1, revisions, aggregation, calibration, the review
// queue, the export manifest with consent, and the metrics. Waits poll for a state; nothing is timed.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { AppError, EventBus, createClient, createLogger, createPool, createS3Client, dropSchema, ensureDatabase, keys, type ServiceClient } from '@verbatim/common';
import { startEmbeddedS3, uniqueName, type EmbeddedS3 } from '@verbatim/devkit';
import { feedback } from '@verbatim/proto';
import { build, type FeedbackApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const DB = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/verbatim_test';
const NATS = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const TODAY = '2026-11-27';
const logger = createLogger('feedback-test', 'silent');

const schema = uniqueName('feedback');
const namespace = uniqueName('fb');
const bucket = uniqueName('fb').replace(/_/g, '-');
let s3: EmbeddedS3;
let app: FeedbackApp;
let client: ServiceClient<typeof feedback.FeedbackService>;
let bus: EventBus;
let opsPort: number;

type W = [word: string, confidence: number];
interface JobSpec {
  account: string;
  job: string;
  model: string;
  domain: string;
  vocabulary?: string[];
  segments: W[][];
}

function transcriptJson(spec: JobSpec) {
  const segments = spec.segments.map((words, id) => {
    const start = id * 10;
    return {
      id,
      start,
      end: start + words.length,
      text: words.map((w) => w[0]).join(' '),
      confidence: words.reduce((s, w) => s + w[1], 0) / words.length,
      words: words.map(([word, confidence], i) => ({ word, start: start + i, end: start + i + 0.8, confidence })),
    };
  });
  return { text: segments.map((s) => s.text).join(' '), segments, durationSeconds: spec.segments.length * 10, model: { name: 'default', version: spec.model } };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch {
      await sleep(50);
    }
  }
}

async function storeTranscript(spec: JobSpec) {
  const s3c = createS3Client(s3.options);
  const key = keys.transcript(spec.account, spec.job);
  await s3c.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(transcriptJson(spec)), ContentType: 'application/json' }));
  s3c.destroy();
  return key;
}

function publishCompleted(spec: JobSpec, key: string, eventId: string) {
  return bus.publish(
    'transcription.completed.v1',
    {
      eventId,
      occurredAt: timestampNow(),
      jobId: spec.job,
      accountId: spec.account,
      mediaId: `media-${spec.job}`,
      durationSeconds: spec.segments.length * 10,
      model: { name: 'default', version: spec.model },
      transcriptKey: key,
      domain: spec.domain,
      vocabulary: spec.vocabulary ?? [],
    },
    eventId,
  );
}

/** Stores the transcript where inference would, publishes the event, and waits for the snapshot. */
async function completeJob(spec: JobSpec, eventId = spec.job) {
  await publishCompleted(spec, await storeTranscript(spec), eventId);
  return waitFor(() => client.getCorrectedTranscript({ accountId: spec.account, jobId: spec.job, revision: 0 }));
}

/** Waits until the durable has acknowledged everything in its stream so far. */
async function processed(durable: string, stream: string) {
  const streamName = bus.names.stream(stream);
  const last = (await bus.jsm.streams.info(streamName)).state.last_seq;
  await waitFor(async () => {
    const info = await bus.jsm.consumers.info(streamName, bus.names.durable(durable));
    if (info.ack_floor.stream_seq < last && info.num_pending + info.num_ack_pending > 0) throw new Error('not yet');
  });
}

const replace = (segmentId: number, wordIndex: number, word: string) => ({ segmentId, wordIndex, word });

async function expectError(p: Promise<unknown>, kind: string, message?: RegExp) {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).kind).toBe(kind);
  if (message) expect((e as AppError).message).toMatch(message);
}

async function scrape(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${opsPort}/metrics`);
  return res.text();
}

function metric(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').pop());
  }
  return undefined;
}

beforeAll(async () => {
  await ensureDatabase(DB);
  s3 = await startEmbeddedS3({ buckets: [bucket] });
  const config = loadConfig({
    DATABASE_URL: DB,
    DATABASE_SCHEMA: schema,
    NATS_URL: NATS,
    NATS_NAMESPACE: namespace,
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: bucket,
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: '0',
    OPS_PORT: '0',
    LOG_LEVEL: 'silent',
    FEEDBACK_COHORT_MIN_JOBS: '1',
    FEEDBACK_CONSUMER_CONCURRENCY: '2',
  });
  app = build(config, { now: () => new Date(`${TODAY}T12:00:00Z`) });
  const ports = await app.start();
  opsPort = ports.opsPort;
  client = createClient(feedback.FeedbackService, `127.0.0.1:${ports.grpcPort}`);
  bus = await EventBus.connect({ url: NATS, namespace, name: 'feedback-test', logger });
});

afterAll(async () => {
  client?.close();
  await app?.stop();
  await bus?.destroyNamespace();
  await bus?.close();
  const pool = createPool({ connectionString: DB, schema: 'public' });
  await dropSchema(pool, schema);
  await pool.end();
  await s3?.close();
});

describe('machine transcript snapshot', () => {
  it('is recorded from a transcription.completed.v1 event, once, and only for its account', async () => {
    const spec: JobSpec = { account: 'acc-snap', job: 'job-snap', model: 'm-snap', domain: 'general', segments: [[['Hello', 0.9], ['world.', 0.8]]] };
    const rev0 = await completeJob(spec);
    expect(rev0.revision).toBe(0);
    expect(rev0.transcript?.text).toBe('Hello world.');
    expect(rev0.transcript?.model?.version).toBe('m-snap');
    expect(rev0.transcript?.segments[0]?.words.map((w) => w.confidence)).toEqual([0.9, 0.8]);

    await expectError(client.getCorrectedTranscript({ accountId: 'acc-snap', jobId: 'job-snap' }), 'not_found', /not been corrected/);
    await expectError(client.getCorrectedTranscript({ accountId: 'someone-else', jobId: 'job-snap', revision: 0 }), 'not_found');

    // A redelivered or re-published event changes nothing.
    await completeJob(spec, 'job-snap-again');
    const list = await client.listRevisions({ accountId: 'acc-snap', jobId: 'job-snap' });
    expect(list.revisions.map((r) => r.revision)).toEqual([0]);
  });

  it('is forgotten when the transcript is deleted, and a replayed completion does not bring it back', async () => {
    await bus.publish('transcription.deleted.v1', { jobId: 'job-snap', accountId: 'acc-snap' }, 'del-job-snap');
    await waitFor(async () => {
      const still = await client.listRevisions({ accountId: 'acc-snap', jobId: 'job-snap' }).then(
        () => true,
        () => false,
      );
      if (still) throw new Error('not yet');
    });
    await bus.publish(
      'transcription.completed.v1',
      { jobId: 'job-snap', accountId: 'acc-snap', transcriptKey: keys.transcript('acc-snap', 'job-snap'), model: { version: 'm-snap' } },
      'job-snap-replayed',
    );
    await processed('feedback--transcription-completed', 'TRANSCRIPTION_EVENTS');
    await expectError(client.listRevisions({ accountId: 'acc-snap', jobId: 'job-snap' }), 'not_found');
  });
});

describe('corrections', () => {
  const spec: JobSpec = {
    account: 'acc-rev',
    job: 'job-rev',
    model: 'm-rev',
    domain: 'medical',
    vocabulary: ['metformin'],
    segments: [[['the', 0.9], ['patient', 0.9], ['takes', 0.8], ['met', 0.4], ['forming', 0.3]]],
  };

  it('are stored as new revisions; revision 0 is kept and a stale base is refused', async () => {
    await completeJob(spec);
    const edits = [replace(0, 3, 'metformin'), replace(0, 4, '')];
    const rev1 = await client.submitCorrection({ accountId: 'acc-rev', jobId: 'job-rev', userId: 'u1', baseRevision: 0, edits });
    expect(rev1.revision).toBe(1);
    expect(rev1.transcript?.text).toBe('the patient takes metformin');
    // Reference "the patient takes metformin" (4 words); the machine had "met forming": 1 substitution + 1 insertion.
    expect(rev1.wer).toBeCloseTo(2 / 4);
    expect(rev1.domainTerms).toBe(1);
    expect(rev1.domainTermErrors).toBe(1);
    expect(rev1.missedTerms).toEqual(['metformin']);

    // The same request retried returns what it created.
    const again = await client.submitCorrection({ accountId: 'acc-rev', jobId: 'job-rev', userId: 'u1', baseRevision: 0, edits });
    expect(again.revision).toBe(1);
    // Someone else editing revision 0 after revision 1 exists is refused.
    await expectError(
      client.submitCorrection({ accountId: 'acc-rev', jobId: 'job-rev', userId: 'u2', baseRevision: 0, edits: [replace(0, 0, 'a')] }),
      'failed_precondition',
      /latest is revision 1/,
    );
    await expectError(client.submitCorrection({ accountId: 'acc-rev', jobId: 'job-rev', userId: 'u2', baseRevision: 1, edits: [replace(0, 9, 'a')] }), 'invalid_argument', /no word 9/);
    await expectError(client.submitCorrection({ accountId: 'other', jobId: 'job-rev', userId: 'u2', baseRevision: 1, edits: [replace(0, 0, 'a')] }), 'not_found');

    const rev2 = await client.submitCorrection({ accountId: 'acc-rev', jobId: 'job-rev', userId: 'u2', baseRevision: 1, edits: [replace(0, 0, 'The'), { segmentId: 0, wordIndex: 4, word: 'daily', op: feedback.EditOp.INSERT }] });
    expect(rev2.revision).toBe(2);
    expect(rev2.transcript?.text).toBe('The patient takes metformin daily');

    const latest = await client.getCorrectedTranscript({ accountId: 'acc-rev', jobId: 'job-rev' });
    expect(latest.revision).toBe(2);
    const original = await client.getCorrectedTranscript({ accountId: 'acc-rev', jobId: 'job-rev', revision: 0 });
    expect(original.transcript?.text).toBe('the patient takes met forming');
    const list = await client.listRevisions({ accountId: 'acc-rev', jobId: 'job-rev' });
    expect(list.revisions.map((r) => [r.revision, r.baseRevision, r.userId])).toEqual([[0, 0, ''], [1, 0, 'u1'], [2, 1, 'u2']]);

    // Each new revision (not the retry) is announced through the outbox.
    const pool = createPool({ connectionString: DB, schema });
    const published = await waitFor(async () => {
      const { rows } = await pool.query<{ n: string }>("SELECT count(*) AS n FROM outbox WHERE subject = 'feedback.correction.v1' AND published_at IS NOT NULL");
      if (Number(rows[0]!.n) < 2) throw new Error('not yet');
      return Number(rows[0]!.n);
    });
    await pool.end();
    expect(published).toBe(2);
  });

  it('are accepted before transcription.completed.v1 arrives, and measured again once it has', async () => {
    const early: JobSpec = { ...spec, job: 'job-early', model: 'm-early', domain: 'early-dom' };
    const key = await storeTranscript(early);
    const rev1 = await client.submitCorrection({ accountId: 'acc-rev', jobId: 'job-early', userId: 'u1', baseRevision: 0, edits: [replace(0, 3, 'metformin'), replace(0, 4, '')] });
    expect(rev1.revision).toBe(1);
    expect(rev1.domainTerms).toBe(0); // the vocabulary is not known yet
    await expectError(client.submitCorrection({ accountId: 'acc-rev', jobId: 'no-such-job', userId: 'u1', baseRevision: 0, edits: [replace(0, 0, 'x')] }), 'not_found');

    await publishCompleted(early, key, 'job-early');
    const quality = await waitFor(async () => {
      const q = await client.getQuality({ domain: 'early-dom' });
      if (!q.groups.length) throw new Error('not yet');
      return q;
    });
    expect(quality.groups[0]).toMatchObject({ modelVersion: 'm-early', correctedJobs: 1n, domainTerms: 1n, domainTermErrors: 1n });
    expect((await client.getCorrectedTranscript({ accountId: 'acc-rev', jobId: 'job-early' })).missedTerms).toEqual(['metformin']);
  });

  it('can be made from a full reference text', async () => {
    const job: JobSpec = { account: 'acc-ref', job: 'job-ref', model: 'm-ref', domain: 'ref-dom', segments: [[['the', 0.9], ['patient', 0.9], ['takes', 0.8], ['met', 0.4], ['forming', 0.3]], [['twice', 0.9], ['a', 0.5], ['day', 0.6]]] };
    await completeJob(job);
    const reference = 'The patient takes metformin twice daily.';
    const rev = await client.submitCorrection({ accountId: 'acc-ref', jobId: 'job-ref', userId: 'script', baseRevision: 0, referenceText: reference });
    expect(rev.transcript?.text).toBe(reference);
    expect(rev.transcript?.segments.map((s) => s.text)).toEqual(['The patient takes metformin', 'twice daily.']);
    // met->metformin, +forming, a->daily, +day: 4 errors over 6 reference words.
    expect(rev.wer).toBeCloseTo(4 / 6);
    await expectError(client.submitCorrection({ accountId: 'acc-ref', jobId: 'job-ref', userId: 'script', baseRevision: 1, referenceText: reference }), 'invalid_argument', /already reads/);
    await expectError(client.submitCorrection({ accountId: 'acc-ref', jobId: 'job-ref', userId: 'x', baseRevision: 1, referenceText: 'a', edits: [replace(0, 0, 'a')] }), 'invalid_argument', /either/);
  });

  it('ratings take a score or a thumb, one per user', async () => {
    const r = await client.submitRating({ accountId: 'acc-rev', jobId: 'job-rev', userId: 'u1', thumb: feedback.Thumb.DOWN, comment: 'drug names wrong' });
    expect(r.score).toBe(1);
    const r2 = await client.submitRating({ accountId: 'acc-rev', jobId: 'job-rev', userId: 'u1', score: 2, comment: 'better now' });
    expect(r2.score).toBe(2);
    await expectError(client.submitRating({ accountId: 'acc-rev', jobId: 'job-rev', userId: 'u1', score: 9 }), 'invalid_argument', /score/);
    await expectError(client.submitRating({ accountId: 'other', jobId: 'job-rev', userId: 'u1', score: 3 }), 'not_found');
  });
});

describe('quality aggregation', () => {
  it('sums errors per model version, domain and cohort, and shows them on /metrics', async () => {
    const five = (words: string): W[] => words.split(' ').map((w) => [w, 0.9]);
    await completeJob({ account: 'acc-q1', job: 'job-q1', model: 'm-agg-1', domain: 'medical', segments: [five('the patient has a fever')] });
    await completeJob({ account: 'acc-q1', job: 'job-q2', model: 'm-agg-1', domain: 'medical', segments: [five('please take two tablets daily')] });
    await completeJob({ account: 'acc-q2', job: 'job-q3', model: 'm-agg-2', domain: 'medical', segments: [five('the patient has a fever')] });
    await client.setCohort({ accountId: 'acc-q1', jobId: 'job-q1', attributes: { accent: 'north' } });
    await client.setCohort({ accountId: 'acc-q1', jobId: 'job-q2', attributes: { accent: 'south' } });
    await client.setCohort({ accountId: 'acc-q2', jobId: 'job-q3', attributes: { accent: 'north' } });
    // job-q1: 1 substitution / 5; job-q2: 2 substitutions / 5; job-q3: only case and punctuation change: 0.
    await client.submitCorrection({ accountId: 'acc-q1', jobId: 'job-q1', userId: 'u', baseRevision: 0, edits: [replace(0, 4, 'cough')] });
    await client.submitCorrection({ accountId: 'acc-q1', jobId: 'job-q2', userId: 'u', baseRevision: 0, edits: [replace(0, 2, 'ten'), replace(0, 3, 'drops')] });
    await client.submitCorrection({ accountId: 'acc-q2', jobId: 'job-q3', userId: 'u', baseRevision: 0, edits: [replace(0, 0, 'The'), replace(0, 4, 'fever.')] });

    const byModel = await client.getQuality({ domain: 'medical', since: TODAY.slice(0, 4) + '-01-01' });
    const m1 = byModel.groups.find((g) => g.modelVersion === 'm-agg-1')!;
    const m2 = byModel.groups.find((g) => g.modelVersion === 'm-agg-2')!;
    expect([m1.correctedJobs, m1.referenceWords, m1.substitutions, m1.domain]).toEqual([2n, 10n, 3n, 'medical']);
    expect(m1.wer).toBeCloseTo(0.3);
    expect(m2.wer).toBe(0);

    const byCohort = await client.getQuality({ modelVersion: 'm-agg-1', groupBy: feedback.QualityGrouping.COHORT });
    expect(byCohort.groups.map((g) => [g.cohortAttribute, g.cohortValue, Number(g.wer.toFixed(6))])).toEqual([
      ['accent', 'north', 0.2],
      ['accent', 'south', 0.4],
    ]);
    expect(byCohort.cohortGaps).toHaveLength(1);
    expect(byCohort.cohortGaps[0]).toMatchObject({ modelVersion: 'm-agg-1', bestValue: 'north', worstValue: 'south' });
    expect(byCohort.cohortGaps[0]!.gap).toBeCloseTo(0.2);

    const byAccount = await client.getQuality({ accountId: 'acc-q1', groupBy: feedback.QualityGrouping.ACCOUNT, window: 'day' });
    expect(byAccount.groups).toHaveLength(1);
    expect(byAccount.groups[0]).toMatchObject({ accountId: 'acc-q1', correctedJobs: 2n });
    expect(byAccount.groups[0]!.windowStart).toBeDefined();

    await expectError(client.getQuality({ since: 'yesterday' }), 'invalid_argument', /since/);

    const text = await scrape();
    expect(metric(text, 'verbatim_feedback_wer', { model_version: 'm-agg-1', domain: 'medical' })).toBeCloseTo(0.3);
    expect(metric(text, 'verbatim_feedback_wer', { model_version: 'm-agg-2', domain: 'medical' })).toBe(0);
    expect(metric(text, 'verbatim_feedback_cohort_wer_gap', { model_version: 'm-agg-1' })).toBeCloseTo(0.2);
    expect(metric(text, 'verbatim_feedback_calibration_error', { model_version: 'm-agg-1' })).toBeDefined();
    expect(metric(text, 'verbatim_feedback_corrections_total', {})).toBeGreaterThanOrEqual(3);
    expect(metric(text, 'verbatim_feedback_ratings_total', { score: '2' })).toBeGreaterThanOrEqual(1);
  });
});

describe('calibration', () => {
  it('buckets machine words by confidence against being right', async () => {
    const high: W[] = ['alpha', 'beta', 'gamma', 'delta'].map((w) => [w, 0.95]);
    const low: W[] = ['one', 'two', 'three', 'four', 'five', 'six'].map((w) => [w, 0.35]);
    await completeJob({ account: 'acc-cal', job: 'job-cal', model: 'm-cal', domain: 'general', segments: [[...high, ...low]] });
    // Wrong: delta (0.95) and one, two, three (0.35).
    await client.submitCorrection({ accountId: 'acc-cal', jobId: 'job-cal', userId: 'u', baseRevision: 0, edits: [replace(0, 3, 'x'), replace(0, 4, 'won'), replace(0, 5, 'too'), replace(0, 6, 'tree')] });
    const report = await client.getCalibration({ modelVersion: 'm-cal' });
    expect(report.models).toHaveLength(1);
    const m = report.models[0]!;
    expect(m.words).toBe(10n);
    expect(m.buckets).toHaveLength(10);
    expect(m.buckets[9]).toMatchObject({ words: 4n, correct: 3n, accuracy: 0.75 });
    expect(m.buckets[3]).toMatchObject({ words: 6n, correct: 3n, accuracy: 0.5 });
    // ECE = 0.4 * |0.75 - 0.95| + 0.6 * |0.5 - 0.35| = 0.17
    expect(m.expectedCalibrationError).toBeCloseTo(0.17, 6);
    await expectError(client.getCalibration({ buckets: 7 }), 'invalid_argument', /divide/);
  });
});

describe('review queue', () => {
  it('lists the lowest-confidence segments and worst-rated jobs sampled across accounts, with audio spans', async () => {
    await completeJob({ account: 'acc-x', job: 'job-x', model: 'm-queue', domain: 'legal', segments: [[['a', 0.2]], [['b', 0.3]], [['c', 0.9]]] });
    await completeJob({ account: 'acc-y', job: 'job-y', model: 'm-queue', domain: 'legal', segments: [[['d', 0.5]], [['e', 0.95]]] });
    await client.submitRating({ accountId: 'acc-x', jobId: 'job-x', userId: 'u', score: 2 });
    await client.submitRating({ accountId: 'acc-y', jobId: 'job-y', userId: 'u', score: 4 });
    await client.submitRating({ accountId: 'acc-y', jobId: 'job-y', userId: 'v', score: 1, comment: 'names wrong' });

    const q = await client.getReviewQueue({ modelVersion: 'm-queue', limit: 2 });
    // Not acc-x's two lowest: one from each account first.
    expect(q.segments.map((s) => [s.accountId, s.segmentId, s.confidence])).toEqual([
      ['acc-x', 0, 0.2],
      ['acc-y', 0, 0.5],
    ]);
    expect(q.segments[0]!.span).toMatchObject({ jobId: 'job-x', audioKey: 'audio/acc-x/media-job-x', start: 0, end: 1 });
    expect(q.jobs.map((j) => [j.jobId, j.meanScore, j.ratings, j.latestComment])).toEqual([
      ['job-x', 2, 1, ''],
      ['job-y', 2.5, 2, 'names wrong'],
    ]);
  });
});

describe('export for retraining', () => {
  it('writes corrected segments of consenting accounts to a JSON-lines manifest', async () => {
    const segs: W[][] = [[['all', 0.9], ['good', 0.9]], [['the', 0.9], ['dosage', 0.5], ['is', 0.9], ['ten', 0.4]]];
    await completeJob({ account: 'acc-in', job: 'job-in', model: 'm-exp', domain: 'export-dom', segments: segs });
    await completeJob({ account: 'acc-out', job: 'job-out', model: 'm-exp', domain: 'export-dom', segments: segs });
    expect((await client.getConsent({ accountId: 'acc-in' })).exportAllowed).toBe(true);
    const consent = await client.setConsent({ accountId: 'acc-out', exportAllowed: false, userId: 'admin' });
    expect(consent.exportAllowed).toBe(false);
    await client.setCohort({ accountId: 'acc-in', jobId: 'job-in', attributes: { setup: 'phone' } });
    for (const [account, job] of [['acc-in', 'job-in'], ['acc-out', 'job-out']] as const) {
      await client.submitCorrection({ accountId: account, jobId: job, userId: 'u', baseRevision: 0, edits: [replace(1, 3, 'tan')] });
    }

    const result = await client.exportDataset({ domain: 'export-dom', since: TODAY.slice(0, 4) + '-01-01' });
    expect(result.manifestKey).toBe(`datasets/corrections/${TODAY}/export-dom/manifest.jsonl`);
    expect([result.segments, result.jobs, result.excludedJobs]).toEqual([1n, 1n, 1n]);

    const s3c = createS3Client(s3.options);
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const body = await (await s3c.send(new GetObjectCommand({ Bucket: bucket, Key: result.manifestKey }))).Body!.transformToString();
    s3c.destroy();
    const lines = body.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    const { corrected_at: correctedAt, ...line } = lines[0]!;
    expect(typeof correctedAt).toBe('string');
    expect(line).toEqual({
      job_id: 'job-in',
      account_id: 'acc-in',
      segment_id: 1,
      audio_key: 'audio/acc-in/media-job-in',
      start: 10,
      end: 14,
      text: 'the dosage is tan',
      machine_text: 'the dosage is ten',
      domain: 'export-dom',
      model_name: 'default',
      model_version: 'm-exp',
      revision: 1,
      cohort: { setup: 'phone' },
    });
    expect(body).not.toContain('acc-out');
  });

  it('leaves out segments whose audio was deleted', async () => {
    await bus.publish('media.deleted.v1', { mediaId: 'media-job-in', accountId: 'acc-in' }, 'del-media-job-in');
    await processed('feedback--media-deleted', 'MEDIA');
    const result = await client.exportDataset({ domain: 'export-dom' });
    expect([result.segments, result.jobs]).toEqual([0n, 0n]);
  });
});
