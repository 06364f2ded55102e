// The transcription flow behind the public API: stream the audio to the upload service, reserve
// credit, create the job, remember the webhook; each step undoes the ones before it when it
// fails, so a refused request leaves neither stored audio nor held credit behind.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AppError, errors, type Logger, type Pool } from '@verbatim/common';
import { inference, type upload } from '@verbatim/proto';
import type { Clients } from '../adapters/clients.js';
import type { SafeHttp } from '../adapters/safe-http.js';
import * as webhooks from '../adapters/webhooks.repository.js';
import type { Domain } from '../domain/transcript.js';
import { formatBytes, rechunk, tooLarge } from './streams.js';

export interface TranscriptionLimits {
  maxUploadBytes: number;
  uploadDeadlineMs: number;
  audioUrlTimeoutMs: number;
  audioUrlMaxRedirects: number;
}

export interface JobOptions {
  domain: Domain;
  vocabulary: string[];
  webhookUrl?: string | undefined;
}

export interface UploadSource {
  filename: string;
  contentType: string;
  declaredSize?: number;
  body: AsyncIterable<Buffer | Uint8Array>;
  /** True when the producer cut the stream at its own size limit (multipart). */
  truncated?: () => boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A job id from a URL: anything that is not a UUID cannot exist, so it is simply not found. */
export function assertJobId(id: string): string {
  if (!UUID.test(id)) throw errors.notFound('transcript');
  return id.toLowerCase();
}

function usd(micros: number): string {
  return `$${(micros / 1_000_000).toFixed(2)}`;
}

/** Billing's refusal as a 402 that says how much is missing. */
function insufficientCredit(e: AppError): AppError {
  const d = (e.details ?? {}) as Record<string, unknown>;
  const num = (k: string) => (typeof d[k] === 'number' || typeof d[k] === 'string' ? Number(d[k]) : undefined);
  const required = num('required_micros') ?? num('requiredMicros');
  const available = num('available_micros') ?? num('availableMicros');
  const missing = num('missing_micros') ?? num('missingMicros') ?? (required !== undefined && available !== undefined ? required - available : undefined);
  if (/\$\d/.test(e.message)) return new AppError('insufficient_credit', e.message, e.details); // billing already said how much
  if (missing !== undefined && Number.isFinite(missing)) {
    const parts = [`insufficient credit: ${usd(missing)} more is needed for this transcription`];
    if (required !== undefined && available !== undefined) parts.push(`(it costs ${usd(required)}, the available balance is ${usd(available)})`);
    return new AppError('insufficient_credit', `${parts.join(' ')}; top up your balance and try again`, e.details);
  }
  return new AppError('insufficient_credit', e.message || 'insufficient credit for this transcription; top up your balance and try again', e.details);
}

export class TranscriptionService {
  constructor(
    private readonly deps: { clients: Clients; db: Pool; http: SafeHttp; logger: Logger; limits: TranscriptionLimits },
  ) {}

  /** Streams the audio to the upload service in ≤256 KiB chunks; never holds the whole file. */
  async upload(accountId: string, source: UploadSource, signal?: AbortSignal): Promise<upload.Media> {
    const { maxUploadBytes, uploadDeadlineMs } = this.deps.limits;
    if (source.declaredSize && source.declaredSize > maxUploadBytes) throw tooLarge(maxUploadBytes);
    async function* requests() {
      yield { part: { case: 'metadata' as const, value: { accountId, filename: source.filename, contentType: source.contentType, declaredSize: BigInt(source.declaredSize ?? 0) } } };
      for await (const chunk of rechunk(source.body, { limit: maxUploadBytes, truncated: source.truncated })) {
        yield { part: { case: 'chunk' as const, value: chunk } };
      }
    }
    const res = await this.deps.clients.upload.upload(requests(), { deadlineMs: uploadDeadlineMs, signal });
    if (!res.media) throw new AppError('internal', 'upload service returned no media');
    return res.media;
  }

  /** Fetches a customer's audio_url (SSRF-guarded) and streams it to the upload service. */
  async uploadFromUrl(accountId: string, audioUrl: string, signal?: AbortSignal): Promise<upload.Media> {
    const { limits } = this.deps;
    const { response, url } = await this.deps.http.request(
      audioUrl,
      { timeoutMs: limits.audioUrlTimeoutMs, maxRedirects: limits.audioUrlMaxRedirects, signal },
      'audio_url',
    );
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      response.resume();
      throw errors.invalid(`audio_url could not be fetched: the server answered HTTP ${status}`);
    }
    const length = Number(response.headers['content-length'] ?? 0);
    if (length > limits.maxUploadBytes) {
      response.destroy();
      throw new AppError('payload_too_large', `audio_url is ${formatBytes(length)}, larger than the limit of ${formatBytes(limits.maxUploadBytes)}`);
    }
    try {
      return await this.upload(
        accountId,
        { filename: filenameFrom(response, url), contentType: String(response.headers['content-type'] ?? ''), declaredSize: length || undefined, body: response },
        signal,
      );
    } finally {
      response.destroy();
    }
  }

  /** Reserve → webhook → CreateJob, undoing earlier steps on failure. Returns the new job id. */
  async start(accountId: string, media: upload.Media, options: JobOptions, jobId: string = randomUUID()): Promise<string> {
    const { clients, db, http, logger } = this.deps;
    try {
      if (options.webhookUrl) await http.checkUrl(options.webhookUrl, 'webhook_url');
      await clients.billing.reserve({ accountId, jobId, estimatedSeconds: media.durationSeconds, domain: options.domain }).catch((e: unknown) => {
        const err = e as AppError;
        if (err.kind === 'insufficient_credit' || err.kind === 'failed_precondition') throw insufficientCredit(err);
        throw e;
      });
    } catch (e) {
      await this.discardMedia(accountId, media.id);
      throw e;
    }
    try {
      // Stored before the job exists, so a job that finishes at once still finds its webhook.
      if (options.webhookUrl) await webhooks.saveWebhook(db, jobId, accountId, options.webhookUrl);
      await clients.inference.createJob({
        accountId,
        jobId,
        mediaId: media.id,
        storageKey: media.storageKey,
        durationSeconds: media.durationSeconds,
        domain: options.domain,
        vocabulary: options.vocabulary,
        idempotencyKey: jobId,
        filename: media.filename,
      });
    } catch (e) {
      logger.warn({ err: e, jobId }, 'creating the job failed: releasing the reservation and the media');
      await clients.billing.release({ accountId, jobId, reason: 'job could not be created' }).catch(() => undefined);
      await webhooks.deleteWebhook(db, jobId, accountId).catch(() => undefined);
      await this.discardMedia(accountId, media.id);
      throw e;
    }
    return jobId;
  }

  async discardMedia(accountId: string, mediaId: string): Promise<void> {
    await this.deps.clients.upload.deleteMedia({ accountId, mediaId }).catch((e: unknown) => this.deps.logger.warn({ err: e, mediaId }, 'could not delete media of a refused request'));
  }

  async getJob(accountId: string, id: string): Promise<inference.Job> {
    return this.deps.clients.inference.getJob({ accountId, jobId: assertJobId(id) });
  }

  /** Polls the job until it is completed or failed, the timeout passes, or `signal` aborts. */
  async waitForCompletion(accountId: string, jobId: string, o: { timeoutMs: number; pollMs: number; signal: AbortSignal }): Promise<inference.Job> {
    const deadline = Date.now() + o.timeoutMs;
    for (;;) {
      const job = await this.deps.clients.inference.getJob({ accountId, jobId });
      if (job.status === inference.JobStatus.COMPLETED || job.status === inference.JobStatus.FAILED) return job;
      if (o.signal.aborted) throw new AppError('cancelled', 'the client went away');
      if (Date.now() >= deadline) {
        throw new AppError('deadline_exceeded', `the transcription did not finish within ${Math.round(o.timeoutMs / 1000)} s; it goes on as job ${jobId} (GET /v1/transcripts/${jobId})`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(o.pollMs, Math.max(0, deadline - Date.now())));
        o.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    }
  }

  /** Deletes the transcript, then the audio; a job that is already gone is not found. */
  async delete(accountId: string, id: string): Promise<void> {
    const jobId = assertJobId(id);
    const res = await this.deps.clients.inference.deleteJob({ accountId, jobId });
    if (!res.deleted) throw errors.notFound('transcript');
    if (res.mediaId) await this.deps.clients.upload.deleteMedia({ accountId, mediaId: res.mediaId });
    await webhooks.deleteWebhook(this.deps.db, jobId, accountId);
  }
}

function filenameFrom(response: IncomingMessage, url: URL): string {
  const cd = String(response.headers['content-disposition'] ?? '');
  const m = /filename\*=UTF-8''([^;]+)|filename="?([^";]+)"?/i.exec(cd);
  if (m) {
    try {
      return decodeURIComponent((m[1] ?? m[2] ?? '').trim());
    } catch {
      /* fall through to the path */
    }
  }
  const last = url.pathname.split('/').filter(Boolean).pop();
  try {
    return last ? decodeURIComponent(last) : 'audio';
  } catch {
    return last ?? 'audio';
  }
}
