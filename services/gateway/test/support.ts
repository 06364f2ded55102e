// Test support: the services behind the gateway as REAL gRPC servers (GrpcServer from
// @verbatim/common on an ephemeral port) with in-test implementations that record their calls,
// a gateway built against them and a scratch PostgreSQL schema, and multipart bodies.
import { randomUUID } from 'node:crypto';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { AppError, GrpcServer, createLogger, createMetrics, createPool, dropSchema, ensureDatabase, type AnyService } from '@verbatim/common';
import { localServices, uniqueName } from '@verbatim/devkit';
import { billing, feedback, inference, upload, type common } from '@verbatim/proto';
import { build, type Gateway, type GatewayDeps } from '../src/app';
import { createAccountWithKey } from '../src/bootstrap';
import { loadConfig, type Config } from '../src/config';

/** Fills methods a fake does not implement, so the fakes keep working when a proto gains RPCs. */
function complete<S extends AnyService>(service: S, impl: Record<string, unknown>): never {
  const out: Record<string, unknown> = { ...impl };
  for (const m of service.methods) {
    if (!out[m.localName]) {
      out[m.localName] = async () => {
        throw new AppError('internal', `${m.name} is not implemented by the test fake`);
      };
    }
  }
  return out as never;
}

export interface FakeJob {
  job: inference.Job;
  transcript?: common.Transcript;
}

export class Fakes {
  readonly calls: Array<{ method: string; request: unknown }> = [];
  readonly uploads: Array<{ accountId: string; filename: string; chunkSizes: number[]; bytes: number }> = [];
  readonly media = new Map<string, upload.Media>();
  /** The bytes of each stored media (test files are small), for ReadMedia. */
  readonly mediaBytes = new Map<string, Buffer>();
  readonly jobs = new Map<string, FakeJob>();
  /** Credit per account in micros; accounts not listed have plenty. */
  readonly balances = new Map<string, number>();
  readonly corrections = new Map<string, { revision: number; transcript: common.Transcript }>();
  pricePerMinuteMicros = 6_000;
  /** GetJob calls before a created job completes by itself (null: it never does). */
  autoCompleteAfterPolls: number | null = null;
  /** Queued jobs fail with this reason when polled (null: they do not). */
  failJobsWith: string | null = null;
  feedbackDown = false;
  private server!: GrpcServer;
  address = '';

  count(method: string): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  private record(method: string, request: unknown): void {
    this.calls.push({ method, request });
  }

  completeJob(jobId: string, text = 'hello world from verbatim'): void {
    const j = this.jobs.get(jobId);
    if (!j) throw new Error(`no job ${jobId}`);
    const words = text.split(' ').map((w, i) => ({ word: w, start: i * 0.5, end: i * 0.5 + 0.4, confidence: 0.9 }));
    j.job.status = inference.JobStatus.COMPLETED;
    j.job.progress = 1;
    j.job.completedAt = timestampFromDate(new Date());
    j.job.model = { $typeName: 'verbatim.common.v1.ModelRef', name: 'verbatim-en', version: '1.2.0' } as never;
    j.transcript = {
      $typeName: 'verbatim.common.v1.Transcript',
      jobId,
      text,
      durationSeconds: j.job.durationSeconds,
      model: j.job.model,
      segments: [{ $typeName: 'verbatim.common.v1.Segment', id: 0, start: 0, end: words.length * 0.5, text, confidence: 0.9, words: words.map((w) => ({ $typeName: 'verbatim.common.v1.Word', ...w })) }],
    } as never;
  }

  failJob(jobId: string, reason: string): void {
    const j = this.jobs.get(jobId)!;
    j.job.status = inference.JobStatus.FAILED;
    j.job.failureReason = reason;
  }

  private ownJob(accountId: string, jobId: string): FakeJob {
    const j = this.jobs.get(jobId);
    if (!j || j.job.accountId !== accountId || j.job.status === inference.JobStatus.UNSPECIFIED) throw new AppError('not_found', 'job not found');
    return j;
  }

  async start(): Promise<string> {
    const logger = createLogger('fakes', 'silent');
    const self = this;
    const server = new GrpcServer({ logger, metrics: createMetrics('fakes', { defaultMetrics: false }) });
    server.add(
      upload.UploadService,
      complete(upload.UploadService, {
        upload: async (reqs: AsyncIterable<upload.UploadRequest>) => {
          let meta: upload.UploadMetadata | undefined;
          const chunkSizes: number[] = [];
          let head = Buffer.alloc(0);
          const stored: Buffer[] = [];
          for await (const r of reqs) {
            if (r.part.case === 'metadata') meta = r.part.value;
            else if (r.part.case === 'chunk') {
              // Like the real service: a format is refused on its first bytes, not after the whole file.
              if (chunkSizes.length === 0 && Buffer.from(r.part.value.subarray(0, 5)).toString('latin1') === '%PDF-') {
                this.uploads.push({ accountId: meta?.accountId ?? '', filename: meta?.filename ?? '', chunkSizes: [r.part.value.length], bytes: r.part.value.length });
                throw new AppError('unsupported_media_type', 'unsupported audio format: the file looks like a PDF document');
              }
              chunkSizes.push(r.part.value.length);
              stored.push(Buffer.from(r.part.value));
              if (head.length < 16) head = Buffer.concat([head, Buffer.from(r.part.value.subarray(0, 16))]);
            }
          }
          if (!meta) throw new AppError('invalid_argument', 'metadata first');
          const bytes = chunkSizes.reduce((a, b) => a + b, 0);
          this.record('Upload', { filename: meta.filename, accountId: meta.accountId, bytes });
          this.uploads.push({ accountId: meta.accountId, filename: meta.filename, chunkSizes, bytes });
          if (bytes === 0) throw new AppError('unprocessable', 'the file is empty');
          if (head.toString('latin1').startsWith('%PDF')) throw new AppError('unsupported_media_type', 'unsupported audio format: the file looks like a PDF document');
          if (head.toString('latin1').startsWith('GARBAGE')) throw new AppError('unprocessable', 'the audio could not be decoded');
          if (head.toString('latin1').startsWith('LONG')) throw new AppError('payload_too_large', 'the audio is longer than the limit of 4 hours');
          const media = {
            id: randomUUID(),
            accountId: meta.accountId,
            filename: meta.filename,
            format: 'wav',
            durationSeconds: bytes / 32_000,
            channels: 1,
            sampleRate: 16_000,
            sizeBytes: BigInt(bytes),
            storageKey: `audio/${meta.accountId}/x`,
          };
          this.media.set(media.id, media as never);
          this.mediaBytes.set(media.id, Buffer.concat(stored));
          return { media };
        },
        getMedia: async (req: upload.GetMediaRequest) => {
          const m = this.media.get(req.mediaId);
          if (!m || m.accountId !== req.accountId) throw new AppError('not_found', 'media not found');
          return m;
        },
        readMedia: async function* (this: void, req: upload.ReadMediaRequest) {
          const m = self.media.get(req.mediaId);
          const bytes = self.mediaBytes.get(req.mediaId);
          if (!m || !bytes || m.accountId !== req.accountId) throw new AppError('not_found', 'media not found');
          const start = Number(req.offset);
          const end = req.length ? start + Number(req.length) : bytes.length;
          for (let i = start; i < end; i += 1000) yield { data: bytes.subarray(i, Math.min(end, i + 1000)), totalSize: BigInt(bytes.length), format: m.format };
        },
        deleteMedia: async (req: upload.DeleteMediaRequest) => {
          this.record('DeleteMedia', req);
          const m = this.media.get(req.mediaId);
          if (m && m.accountId === req.accountId) this.media.delete(req.mediaId);
          return { deleted: true };
        },
      }),
    );
    server.add(
      inference.InferenceService,
      complete(inference.InferenceService, {
        createJob: async (req: inference.CreateJobRequest) => {
          this.record('CreateJob', req);
          if (req.domain === 'software' && req.vocabulary.includes('explode')) throw new AppError('unavailable', 'database down');
          const job = {
            $typeName: 'verbatim.inference.v1.Job',
            id: req.jobId,
            accountId: req.accountId,
            mediaId: req.mediaId,
            status: inference.JobStatus.QUEUED,
            failureReason: '',
            domain: req.domain,
            vocabulary: req.vocabulary,
            durationSeconds: req.durationSeconds,
            progress: 0,
            attempts: 0,
            createdAt: timestampFromDate(new Date()),
            filename: req.filename,
            queuePosition: 0n,
          } as unknown as inference.Job;
          this.jobs.set(req.jobId, { job });
          return job;
        },
        getJob: async (req: inference.GetJobRequest) => {
          this.record('GetJob', req);
          const j = this.ownJob(req.accountId, req.jobId);
          if (this.failJobsWith && j.job.status === inference.JobStatus.QUEUED) this.failJob(req.jobId, this.failJobsWith);
          if (this.autoCompleteAfterPolls !== null && j.job.status === inference.JobStatus.QUEUED) {
            if (this.count('GetJob') >= this.autoCompleteAfterPolls) this.completeJob(req.jobId);
          }
          return j.job;
        },
        getTranscript: async (req: inference.GetTranscriptRequest) => {
          const j = this.ownJob(req.accountId, req.jobId);
          if (!j.transcript) throw new AppError('failed_precondition', 'not completed');
          return j.transcript;
        },
        listJobs: async (req: inference.ListJobsRequest) => {
          this.record('ListJobs', req);
          const all = [...this.jobs.values()]
            .map((j) => j.job)
            .filter((j) => j.accountId === req.accountId && j.status !== inference.JobStatus.UNSPECIFIED && (!req.status || j.status === req.status))
            .reverse();
          const start = req.pageToken ? Number(req.pageToken) : 0;
          const page = all.slice(start, start + req.pageSize);
          return { jobs: page, nextPageToken: start + req.pageSize < all.length ? String(start + req.pageSize) : '' };
        },
        listModels: async () => ({ models: [{ name: 'verbatim-en', version: '1.2.0', family: 'ctc', isDefault: true }] }),
        deleteJob: async (req: inference.DeleteJobRequest) => {
          this.record('DeleteJob', req);
          const j = this.ownJob(req.accountId, req.jobId);
          j.job.status = inference.JobStatus.UNSPECIFIED; // tombstone
          return { deleted: true, mediaId: j.job.mediaId };
        },
      }),
    );
    server.add(
      billing.BillingService,
      complete(billing.BillingService, {
        reserve: async (req: billing.ReserveRequest) => {
          this.record('Reserve', req);
          const cost = Math.ceil((req.estimatedSeconds / 60) * this.pricePerMinuteMicros);
          const available = this.balances.get(req.accountId) ?? 1e12;
          if (cost > available) {
            throw new AppError('insufficient_credit', 'insufficient credit', { required_micros: cost, available_micros: available });
          }
          return { jobId: req.jobId, amount: { micros: BigInt(cost), currency: 'USD' }, state: 'reserved' };
        },
        release: async (req: billing.ReleaseRequest) => {
          this.record('Release', req);
          return { jobId: req.jobId, state: 'released' };
        },
        getBalance: async (req: billing.GetBalanceRequest) => ({
          accountId: req.accountId,
          available: { micros: BigInt(this.balances.get(req.accountId) ?? 10_000_000), currency: 'USD' },
          reserved: { micros: 0n, currency: 'USD' },
          plan: 'prepaid',
          pricePerMinute: { micros: BigInt(this.pricePerMinuteMicros), currency: 'USD' },
        }),
        topUp: async (req: billing.TopUpRequest) => {
          this.record('TopUp', req);
          return { accountId: req.accountId };
        },
        getUsage: async (req: billing.GetUsageRequest) => {
          this.record('GetUsage', req);
          return {
            accountId: req.accountId,
            month: req.month || '2026-11',
            audioSeconds: 120,
            charged: { micros: 12_000n, currency: 'USD' },
            lines: [{ jobId: 'j1', audioSeconds: 120, charged: { micros: 12_000n, currency: 'USD' }, at: timestampFromDate(new Date('2026-11-02T10:00:00Z')) }],
          };
        },
      }),
    );
    server.add(
      feedback.FeedbackService,
      complete(feedback.FeedbackService, {
        getCorrectedTranscript: async (req: feedback.GetCorrectedTranscriptRequest) => {
          if (this.feedbackDown) throw new AppError('unavailable', 'feedback down');
          const c = this.corrections.get(req.jobId);
          if (!c) throw new AppError('not_found', 'no correction');
          return { jobId: req.jobId, revision: c.revision, transcript: c.transcript };
        },
        setConsent: async (req: { accountId: string; exportAllowed: boolean }) => {
          this.record('SetConsent', req);
          return { accountId: req.accountId, exportAllowed: req.exportAllowed };
        },
        submitRating: async (req: feedback.SubmitRatingRequest) => {
          this.record('SubmitRating', req);
          return { jobId: req.jobId, score: req.score, comment: req.comment, createdAt: timestampFromDate(new Date()) };
        },
        submitCorrection: async (req: feedback.SubmitCorrectionRequest) => {
          this.record('SubmitCorrection', req);
          if (req.baseRevision !== 0) throw new AppError('failed_precondition', `revision ${req.baseRevision} is not the latest`);
          return { jobId: req.jobId, revision: 1, wer: 0.1, cer: 0.05, createdAt: timestampFromDate(new Date()) };
        },
      }),
    );
    const port = await server.listen('127.0.0.1:0');
    server.health.setAll(true);
    this.server = server;
    this.address = `127.0.0.1:${port}`;
    return this.address;
  }

  async stop(): Promise<void> {
    await this.server.stop(1_000);
  }
}

export interface TestGateway {
  gateway: Gateway;
  fakes: Fakes;
  config: Config;
  schema: string;
  port: number;
  newAccount(name?: string): Promise<{ accountId: string; apiKey: string; auth: { authorization: string } }>;
  close(): Promise<void>;
}

export async function startTestGateway(env: Record<string, string> = {}, deps: Partial<GatewayDeps> = {}): Promise<TestGateway> {
  await ensureDatabase(localServices.databaseUrl);
  const fakes = new Fakes();
  const address = await fakes.start();
  const schema = uniqueName('gateway_test');
  const config = loadConfig({
    DATABASE_URL: localServices.databaseUrl,
    NATS_URL: localServices.natsUrl,
    DATABASE_SCHEMA: schema,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    UPLOAD_ADDR: address,
    INFERENCE_ADDR: address,
    BILLING_ADDR: address,
    FEEDBACK_ADDR: address,
    GRPC_DEADLINE_MS: '5000',
    MAX_UPLOAD_BYTES: String(1024 * 1024),
    WEBHOOKS_ENABLED: 'false',
    SYNC_POLL_INTERVAL_MS: '20',
    ...env,
  });
  const gateway = await build(config, deps);
  const port = await gateway.start();
  return {
    gateway,
    fakes,
    config,
    schema,
    port,
    async newAccount(name = 'Test') {
      const created = await createAccountWithKey(gateway.deps.db, name);
      return { accountId: created.account.id, apiKey: created.apiKey, auth: { authorization: `Bearer ${created.apiKey}` } };
    },
    async close() {
      await gateway.stop();
      const db = createPool({ connectionString: localServices.databaseUrl, schema });
      await dropSchema(db, schema).finally(() => db.end());
      await fakes.stop();
    },
  };
}

/** A multipart/form-data body (what a browser or curl -F sends). */
export function multipart(fields: Record<string, string | string[]>, file?: { name?: string; filename: string; content: Buffer; contentType?: string }) {
  const boundary = `----verbatim${randomUUID().replace(/-/g, '')}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    for (const value of Array.isArray(v) ? v : [v]) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.name ?? 'file'}"; filename="${file.filename}"\r\nContent-Type: ${file.contentType ?? 'audio/wav'}\r\n\r\n`),
      file.content,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** Bytes that the fake upload service accepts as audio (RIFF header, then silence). */
export function fakeAudio(bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  b.write('RIFF', 0, 'latin1');
  return b;
}
