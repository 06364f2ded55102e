// The transcription worker: the durable consumer of transcription.requested.v1 shared by every
// replica. One delivery claims its job in PostgreSQL, streams the audio from S3 into the decoder,
// runs the model, stores the transcript, and completes the job with its event in one transaction.
// Bad audio fails the job for good (the message is terminated); anything else is thrown so the
// consume loop naks it with back-off, and after the last delivery the job is failed with a reason.
import type { Readable } from 'node:stream';
import { create } from '@bufbuild/protobuf';
import { AudioDecodeError, InvalidRequestError, decodeAudio as asrDecodeAudio, type SpeechEngine } from '@verbatim/asr';
import { keys, type ConsumerRegistration, type Logger, type MessageContext, type PayloadOf } from '@verbatim/common';
import { common } from '@verbatim/proto';
import { FAILURES, GENERAL_DOMAIN, JobFailedError, transcriptStats, type JobRow } from '../domain/jobs.js';
import type { JobsRepository } from '../adapters/jobs.repository.js';
import type { ModelRuntime } from '../adapters/model.runtime.js';
import { ObjectMissingError, type ObjectStore } from '../adapters/objects.store.js';
import type { InferenceMetrics } from '../metrics.js';

type Requested = PayloadOf<'transcription.requested.v1'>;

/** The replica is shutting down: the job goes back to the queue for another replica. */
export class HandBackError extends Error {
  constructor() {
    super('the replica is shutting down; the job is handed back');
    this.name = 'HandBackError';
  }
}

/** The engine made no progress for too long: abort this attempt and retry it. */
class StalledError extends Error {
  constructor(seconds: number) {
    super(`no transcription progress for ${seconds} s: attempt aborted`);
    this.name = 'StalledError';
  }
}

/** The job stopped being this delivery's (deleted, or re-enqueued to another replica). */
class ClaimLostError extends Error {
  constructor() {
    super('the job is no longer held by this delivery');
    this.name = 'ClaimLostError';
  }
}

export interface WorkerOptions {
  concurrency: number;
  maxAttempts: number;
  progressIntervalMs: number;
  processingStaleSeconds: number;
}

export interface WorkerDeps {
  repo: JobsRepository;
  store: ObjectStore;
  model: () => ModelRuntime;
  metrics: InferenceMetrics;
  logger: Logger;
  /** Injected so tests can decode without ffmpeg; defaults to @verbatim/asr's decodeAudio. */
  decodeAudio?: (input: NodeJS.ReadableStream, opts: { signal?: AbortSignal }) => Promise<Float32Array>;
}

export class TranscriptionWorker {
  private readonly draining = new AbortController();
  private readonly decodeAudio: NonNullable<WorkerDeps['decodeAudio']>;

  constructor(
    private readonly deps: WorkerDeps,
    private readonly options: WorkerOptions,
  ) {
    this.decodeAudio = deps.decodeAudio ?? ((input, opts) => asrDecodeAudio(input, opts));
  }

  registration(): ConsumerRegistration<'transcription.requested.v1'> {
    return {
      durable: 'inference--transcription-requested',
      concurrency: this.options.concurrency,
      handle: (payload, ctx) => this.handle(payload, ctx),
      onExhausted: (payload, error) => this.exhausted(payload, error),
    };
  }

  /** Aborts every job in flight; each is handed back (its message naked, its row re-queued). */
  handBack(): void {
    this.draining.abort(new HandBackError());
  }

  async handle(p: Requested, ctx: Pick<MessageContext, 'deliveryCount' | 'signal'>): Promise<void> {
    const log = this.deps.logger.child({ job_id: p.jobId, event_id: p.eventId, delivery: ctx.deliveryCount });
    if (this.draining.signal.aborted) throw new HandBackError();
    const job = await this.deps.repo.find(p.jobId);
    if (!job) {
      // The row and its event are committed together, so this is a message from another
      // deployment sharing the stream, or hand-made: nothing to do.
      log.warn('transcription request for an unknown job: dropped');
      return;
    }
    if (job.status === 'completed' || job.status === 'failed' || job.status === 'deleted') {
      log.info({ status: job.status }, 'job already finished: redelivery acknowledged');
      return;
    }
    const claimed = await this.deps.repo.claim(job.id, p.eventId);
    if (!claimed) {
      log.info({ status: job.status }, 'job is held by another delivery: duplicate request dropped');
      return;
    }
    if (claimed.attempts > this.options.maxAttempts) {
      if (await this.deps.repo.fail(job.id, FAILURES.retriesExhausted(this.options.maxAttempts), p.eventId)) this.deps.metrics.jobs.labels('failed').inc();
      log.error({ attempts: claimed.attempts - 1 }, 'job out of attempts: failed');
      return;
    }
    await this.process(claimed, p.eventId, ctx.signal, log);
  }

  private async process(job: JobRow, eventId: string, consumerSignal: AbortSignal, log: Logger): Promise<void> {
    const { repo, store, metrics } = this.deps;
    const runtime = this.deps.model();
    const engine: SpeechEngine = runtime.engine;
    const abort = new AbortController();
    const onAbort = (s: AbortSignal) => () => abort.abort(s.reason);
    const detach = [consumerSignal, this.draining.signal].map((s) => {
      const fn = onAbort(s);
      if (s.aborted) fn();
      else s.addEventListener('abort', fn, { once: true });
      return () => s.removeEventListener('abort', fn);
    });

    const startedAt = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    let progress = 0;
    let decodedSeconds: number | undefined;
    let lastProgressAt = Date.now();
    let beating = false;
    const ticker = setInterval(() => {
      if (beating || abort.signal.aborted) return;
      if (Date.now() - lastProgressAt > this.options.processingStaleSeconds * 1000) {
        abort.abort(new StalledError(this.options.processingStaleSeconds));
        return;
      }
      beating = true;
      repo
        .heartbeat(job.id, eventId, progress, decodedSeconds)
        .then((mine) => {
          if (!mine) abort.abort(new ClaimLostError());
        })
        // A database blip must not stop the work; the completion will tell whether it still counts.
        .catch((e: unknown) => log.warn({ err: e }, 'progress update failed'))
        .finally(() => (beating = false));
    }, this.options.progressIntervalMs);

    log.info({ attempt: job.attempts, domain: job.domain, vocabulary: job.vocabulary.length }, 'transcription started');
    try {
      const pcm = await this.decode(job, abort.signal);
      decodedSeconds = pcm.length / engine.info.sampleRate;
      lastProgressAt = Date.now();
      const domain = job.domain === GENERAL_DOMAIN && !runtime.domains.includes(GENERAL_DOMAIN) ? undefined : job.domain;
      const inferenceStarted = process.hrtime.bigint();
      const t = await engine.transcribe(pcm, {
        ...(domain ? { domain } : {}),
        ...(job.vocabulary.length ? { vocabulary: job.vocabulary } : {}),
        signal: abort.signal,
        onProgress: (done, total) => {
          progress = total > 0 ? Math.min(1, done / total) : 1;
          lastProgressAt = Date.now();
        },
      });
      abort.signal.throwIfAborted();
      const inferenceSeconds = Number(process.hrtime.bigint() - inferenceStarted) / 1e9;

      const transcriptKey = keys.transcript(job.accountId, job.id);
      await store.putTranscript(transcriptKey, create(common.TranscriptSchema, { jobId: job.id, text: t.text, segments: t.segments, durationSeconds: t.durationSeconds, model: t.model }));

      const cpu = process.cpuUsage(cpuBefore);
      const wallSeconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      const compute = {
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        gpuSeconds: runtime.device === 'cuda' ? inferenceSeconds : 0,
        wallSeconds,
        device: runtime.device,
      };
      const stats = transcriptStats(t.segments);
      const completed = await repo.complete(job, eventId, {
        modelName: t.model.name,
        modelVersion: t.model.version,
        transcriptKey,
        durationSeconds: t.durationSeconds,
        compute,
        wordCount: stats.wordCount,
        meanConfidence: stats.meanConfidence,
      });
      if (!completed) {
        await this.afterLostClaim(job, transcriptKey, log);
        return;
      }
      metrics.jobs.labels('completed').inc();
      metrics.jobDuration.observe(wallSeconds);
      metrics.audioSeconds.inc(t.durationSeconds);
      if (t.durationSeconds > 0) metrics.realTimeFactor.observe((compute.cpuSeconds + compute.gpuSeconds) / t.durationSeconds);
      for (const c of stats.confidences) metrics.wordConfidence.observe(c);
      log.info({ audio_seconds: t.durationSeconds, wall_seconds: wallSeconds, cpu_seconds: compute.cpuSeconds, words: stats.wordCount, device: compute.device }, 'transcription completed');
    } catch (e) {
      const reason: unknown = abort.signal.aborted ? abort.signal.reason : e;
      if (reason instanceof ClaimLostError) {
        log.info('job deleted or taken over while transcribing: attempt abandoned');
        return;
      }
      if (reason instanceof HandBackError || reason instanceof StalledError) throw reason;
      if (e instanceof AudioDecodeError) throw new JobFailedError(FAILURES.undecodableAudio(e.message));
      if (e instanceof ObjectMissingError) throw new JobFailedError(FAILURES.audioMissing());
      if (e instanceof InvalidRequestError) throw new JobFailedError(FAILURES.invalidRequest(e.message));
      metrics.jobDuration.observe(Number(process.hrtime.bigint() - startedAt) / 1e9);
      throw e;
    } finally {
      clearInterval(ticker);
      for (const d of detach) d();
    }
  }

  /** Streams the audio object into the decoder; a failure of the stream is transient, not bad audio. */
  private async decode(job: JobRow, signal: AbortSignal): Promise<Float32Array> {
    const body: Readable = await this.deps.store.openStream(job.storageKey, signal);
    let streamError: Error | undefined;
    body.on('error', (e) => (streamError = e));
    try {
      return await this.decodeAudio(body, { signal });
    } catch (e) {
      if (streamError && !signal.aborted) throw new Error(`reading the audio from the object store failed: ${streamError.message}`);
      throw e;
    } finally {
      body.destroy();
    }
  }

  private async afterLostClaim(job: JobRow, transcriptKey: string, log: Logger): Promise<void> {
    const now = await this.deps.repo.find(job.id);
    // Deleted while we worked: the transcript we just wrote must not outlive the job.
    if (now?.status === 'deleted') await this.deps.store.delete(transcriptKey);
    log.info({ status: now?.status }, 'job changed hands while transcribing: result discarded');
  }

  /** The last delivery failed, or the message is poison: the job fails with a reason (or, on shutdown, goes back). */
  async exhausted(p: Requested, error: unknown): Promise<void> {
    this.deps.metrics.deadLettered.inc();
    if (error instanceof HandBackError) {
      await this.deps.repo.release(p.jobId, p.eventId);
      return;
    }
    let failure = error instanceof JobFailedError ? error.failure : undefined;
    if (!failure) {
      const job = await this.deps.repo.find(p.jobId);
      failure = FAILURES.retriesExhausted(Math.max(1, job?.attempts ?? 1));
    }
    if (await this.deps.repo.fail(p.jobId, failure, p.eventId)) {
      this.deps.metrics.jobs.labels('failed').inc();
      this.deps.logger.warn({ job_id: p.jobId, code: failure.code }, 'transcription failed');
    }
  }
}
