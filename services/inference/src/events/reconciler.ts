// The reconciler: JetStream is transport, not the system of record, so a job whose message was
// lost (NATS crash with lazy fsync, a purge, an outbox row never written) or whose worker died
// must still end. Every interval, one replica at a time (PostgreSQL advisory lock) looks at
// active jobs past their deadline:
//   - processing with no heartbeat for PROCESSING_STALE_SECONDS: its worker is gone → re-enqueued;
//   - queued for QUEUED_STALE_SECONDS whose request message is provably not in the work queue
//     (never published, queue drained, or older than the oldest message still queued) → re-enqueued;
//   - either, once MAX_ATTEMPTS is used up → failed with a reason.
// Re-enqueueing writes a new transcription.requested.v1 (new event id) through the outbox; a
// stale duplicate that is still delivered later finds the job held and is dropped.
import type { EventBus, Logger } from '@verbatim/common';
import { FAILURES } from '../domain/jobs.js';
import type { JobsRepository, StaleJob } from '../adapters/jobs.repository.js';
import type { InferenceMetrics } from '../metrics.js';

export interface ReconcilerOptions {
  intervalMs: number;
  maxAttempts: number;
  batch?: number;
}

export interface WorkQueueState {
  /** Messages in the work-queue stream. */
  messages: number;
  /** Timestamp of the oldest message still in it. */
  firstTs: Date | undefined;
  /** Messages not yet delivered to any replica. */
  pending: number;
}

export interface PassResult {
  reenqueued: number;
  failed: number;
  postponed: number;
}

/** Clock skew allowed between PostgreSQL (published_at) and the NATS server (message timestamps). */
const SKEW_MS = 5_000;

export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly repo: JobsRepository,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly options: ReconcilerOptions,
    private readonly metrics?: Pick<InferenceMetrics, 'reconciled' | 'jobs'>,
  ) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.pass()
        .catch((e: unknown) => this.logger.warn({ err: e }, 'reconciler pass failed; will retry'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs);
        });
    };
    this.timer = setTimeout(tick, this.options.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  async workQueueState(): Promise<WorkQueueState | undefined> {
    try {
      const stream = this.bus.names.stream('TRANSCRIPTION_JOBS');
      const [si, ci] = await Promise.all([
        this.bus.jsm.streams.info(stream),
        this.bus.jsm.consumers.info(stream, this.bus.names.durable('inference--transcription-requested')),
      ]);
      return { messages: si.state.messages, firstTs: si.state.first_ts ? new Date(si.state.first_ts) : undefined, pending: ci.num_pending };
    } catch (e) {
      this.logger.warn({ err: e }, 'work queue state unavailable: queued jobs are left for the next pass');
      return undefined;
    }
  }

  /** One reconciliation pass (exported for tests and for operators' one-off runs). */
  async pass(): Promise<PassResult | undefined> {
    const queue = await this.workQueueState();
    const result = await this.repo.withReconcilerLock(async (tx) => {
      const result: PassResult = { reenqueued: 0, failed: 0, postponed: 0 };
      for (const job of await this.repo.findStale(tx, this.options.batch ?? 100)) {
        const used = Math.max(job.attempts, job.enqueues - 1);
        if (job.status === 'processing' || messageGone(job, queue)) {
          if (used >= this.options.maxAttempts) {
            await this.repo.fail(job.id, FAILURES.retriesExhausted(Math.max(job.attempts, 1)), undefined, tx);
            result.failed++;
            this.logger.error({ job_id: job.id, status: job.status, attempts: job.attempts, enqueues: job.enqueues }, 'reconciler: job out of attempts: failed');
          } else {
            await this.repo.reenqueue(tx, job.id);
            result.reenqueued++;
            this.logger.warn({ job_id: job.id, status: job.status, attempts: job.attempts, enqueues: job.enqueues }, 'reconciler: job re-enqueued');
          }
        } else if (queue) {
          // Its message is still waiting in the queue (a backlog) or still in the outbox.
          await this.repo.postpone(tx, job.id);
          result.postponed++;
        }
      }
      return result;
    });
    // Counted once the transaction has committed.
    if (result) {
      this.metrics?.reconciled.labels('reenqueued').inc(result.reenqueued);
      this.metrics?.reconciled.labels('failed').inc(result.failed);
      this.metrics?.jobs.labels('failed').inc(result.failed);
    }
    return result;
  }
}

/** True when the queued job's current request message cannot be in the work queue any more. */
export function messageGone(job: Pick<StaleJob, 'publishedAt' | 'unpublished'>, queue: WorkQueueState | undefined): boolean {
  if (job.unpublished) return false; // the relay will still publish it
  if (!job.publishedAt) return true; // no such event in the outbox: nothing was ever sent
  if (!queue) return false;
  if (queue.messages === 0 || queue.pending === 0) return true;
  return queue.firstTs !== undefined && job.publishedAt.getTime() < queue.firstTs.getTime() - SKEW_MS;
}
