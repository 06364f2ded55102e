// PostgreSQL repository of transcription jobs. Every state change that other services must hear
// about is written together with its event in the outbox (one transaction); every transition is
// guarded by the state it starts from, so a redelivered message or a retried call changes nothing twice.
import { randomUUID } from 'node:crypto';
import { enqueueEvent, withTransaction, type Pool, type PoolClient, type Queryable } from '@verbatim/common';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { Cursor, Failure, JobRow, JobStatus, NewJob } from '../domain/jobs.js';

const COLUMNS: Record<keyof JobRow, string> = {
  id: 'id',
  accountId: 'account_id',
  mediaId: 'media_id',
  storageKey: 'storage_key',
  filename: 'filename',
  idempotencyKey: 'idempotency_key',
  status: 'status',
  failureReason: 'failure_reason',
  failureCode: 'failure_code',
  domain: 'domain',
  vocabulary: 'vocabulary',
  durationSeconds: 'duration_seconds',
  progress: 'progress',
  attempts: 'attempts',
  enqueues: 'enqueues',
  currentEventId: 'current_event_id',
  claimedEventId: 'claimed_event_id',
  modelName: 'model_name',
  modelVersion: 'model_version',
  transcriptKey: 'transcript_key',
  computeCpuSeconds: 'compute_cpu_seconds',
  computeGpuSeconds: 'compute_gpu_seconds',
  computeWallSeconds: 'compute_wall_seconds',
  computeDevice: 'compute_device',
  wordCount: 'word_count',
  meanConfidence: 'mean_confidence',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  enqueuedAt: 'enqueued_at',
  startedAt: 'started_at',
  completedAt: 'completed_at',
  lastProgressAt: 'last_progress_at',
  deadlineAt: 'deadline_at',
};

const SELECT = Object.entries(COLUMNS)
  .map(([k, c]) => `${c} AS "${k}"`)
  .join(', ');
// The cursor needs created_at at full (microsecond) precision, which a JS Date cannot hold.
const SELECT_WITH_CURSOR = `${SELECT}, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorTs"`;

export interface Completion {
  modelName: string;
  modelVersion: string;
  transcriptKey: string;
  durationSeconds: number;
  compute: { cpuSeconds: number; gpuSeconds: number; wallSeconds: number; device: string };
  wordCount: number;
  meanConfidence: number;
}

export interface StaleJob {
  id: string;
  status: 'queued' | 'processing';
  attempts: number;
  enqueues: number;
  accountId: string;
  /** Published time of its current request event; null when that event is not in the outbox. */
  publishedAt: Date | null;
  /** True when the current event is still waiting in the outbox (the relay will send it). */
  unpublished: boolean;
}

export interface Staleness {
  queuedStaleSeconds: number;
  processingStaleSeconds: number;
}

export class JobsRepository {
  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly stale: Staleness,
  ) {}

  /**
   * Inserts the job and its transcription.requested.v1 event in one transaction. Returns the
   * existing job (and created=false) when the id, or the account's idempotency key, is taken.
   */
  async create(job: NewJob): Promise<{ job: JobRow; created: boolean }> {
    return withTransaction(this.pool, async (tx) => {
      const eventId = randomUUID();
      const inserted = await tx.query<JobRow>(
        `INSERT INTO jobs (id, account_id, media_id, storage_key, filename, idempotency_key, status, domain, vocabulary,
                           duration_seconds, current_event_id, deadline_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8, $9, $10, now() + make_interval(secs => $11))
         ON CONFLICT DO NOTHING
         RETURNING ${SELECT}`,
        [job.id, job.accountId, job.mediaId, job.storageKey, job.filename, job.idempotencyKey, job.domain, job.vocabulary, job.durationSeconds, eventId, this.stale.queuedStaleSeconds],
      );
      const row = inserted.rows[0];
      if (!row) {
        const existing = await tx.query<JobRow>(
          `SELECT ${SELECT} FROM jobs WHERE id = $1 OR (account_id = $2 AND idempotency_key = $3) ORDER BY (id = $1) DESC LIMIT 1`,
          [job.id, job.accountId, job.idempotencyKey],
        );
        return { job: existing.rows[0]!, created: false };
      }
      await enqueueRequested(tx, row, eventId);
      return { job: row, created: true };
    });
  }

  /** A job of the account, unless deleted. */
  async findForAccount(accountId: string, id: string): Promise<JobRow | undefined> {
    const { rows } = await this.pool.query<JobRow>(`SELECT ${SELECT} FROM jobs WHERE id = $1 AND account_id = $2 AND status <> 'deleted'`, [id, accountId]);
    return rows[0];
  }

  async find(id: string): Promise<JobRow | undefined> {
    const { rows } = await this.pool.query<JobRow>(`SELECT ${SELECT} FROM jobs WHERE id = $1`, [id]);
    return rows[0];
  }

  /** Queued jobs created before this one (all accounts share the queue). */
  async queuePosition(job: JobRow): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM jobs WHERE status = 'queued' AND (created_at, id) < (SELECT created_at, id FROM jobs WHERE id = $1)`,
      [job.id],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async list(accountId: string, options: { limit: number; after?: Cursor; status?: JobStatus }): Promise<{ jobs: JobRow[]; next?: Cursor }> {
    const params: unknown[] = [accountId, options.limit + 1];
    let where = `account_id = $1 AND status <> 'deleted'`;
    if (options.status) {
      params.push(options.status);
      where += ` AND status = $${params.length}`;
    }
    if (options.after) {
      params.push(options.after.createdAt, options.after.id);
      where += ` AND (created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
    }
    const { rows } = await this.pool.query<JobRow & { cursorTs: string }>(
      `SELECT ${SELECT_WITH_CURSOR} FROM jobs WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $2`,
      params,
    );
    const more = rows.length > options.limit;
    const page = rows.slice(0, options.limit);
    const last = page[page.length - 1];
    return { jobs: page, ...(more && last ? { next: { createdAt: last.cursorTs, id: last.id } } : {}) };
  }

  /**
   * Claims the job for one delivery of a request event: a queued job is claimed by any of its
   * events; a processing job only by a redelivery of the event that claimed it (a transient fault
   * or a crashed replica). Any other delivery is a superseded duplicate: undefined.
   */
  async claim(id: string, eventId: string): Promise<JobRow | undefined> {
    const { rows } = await this.pool.query<JobRow>(
      `UPDATE jobs SET status = 'processing', claimed_event_id = $2, attempts = attempts + 1, progress = 0,
              started_at = now(), last_progress_at = now(), updated_at = now(),
              deadline_at = now() + make_interval(secs => $3)
        WHERE id = $1 AND (status = 'queued' OR (status = 'processing' AND claimed_event_id = $2))
        RETURNING ${SELECT}`,
      [id, eventId, this.stale.processingStaleSeconds],
    );
    return rows[0];
  }

  /** Progress and heartbeat of a running job; false when the job is no longer this claim's (deleted, taken over). */
  async heartbeat(id: string, eventId: string, progress: number, durationSeconds?: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE jobs SET progress = GREATEST(progress, $3), last_progress_at = now(), updated_at = now(),
              duration_seconds = COALESCE($4, duration_seconds), deadline_at = now() + make_interval(secs => $5)
        WHERE id = $1 AND status = 'processing' AND claimed_event_id = $2`,
      [id, eventId, progress, durationSeconds ?? null, this.stale.processingStaleSeconds],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Completed + transcription.completed.v1, once: false when the claim was lost meanwhile. */
  async complete(job: JobRow, eventId: string, c: Completion): Promise<boolean> {
    return withTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<JobRow>(
        `UPDATE jobs SET status = 'completed', progress = 1, completed_at = now(), updated_at = now(), deadline_at = NULL,
                model_name = $3, model_version = $4, transcript_key = $5, duration_seconds = $6,
                compute_cpu_seconds = $7, compute_gpu_seconds = $8, compute_wall_seconds = $9, compute_device = $10,
                word_count = $11, mean_confidence = $12, failure_reason = NULL, failure_code = NULL
          WHERE id = $1 AND status = 'processing' AND claimed_event_id = $2
          RETURNING ${SELECT}`,
        [job.id, eventId, c.modelName, c.modelVersion, c.transcriptKey, c.durationSeconds, c.compute.cpuSeconds, c.compute.gpuSeconds, c.compute.wallSeconds, c.compute.device, c.wordCount, c.meanConfidence],
      );
      const row = rows[0];
      if (!row) return false;
      await enqueueEvent(tx, 'transcription.completed.v1', {
        occurredAt: timestampFromDate(new Date()),
        jobId: row.id,
        accountId: row.accountId,
        mediaId: row.mediaId,
        durationSeconds: c.durationSeconds,
        model: { name: c.modelName, version: c.modelVersion },
        compute: c.compute,
        transcriptKey: c.transcriptKey,
        domain: row.domain,
        wordCount: c.wordCount,
        meanConfidence: c.meanConfidence,
        vocabulary: row.vocabulary,
      });
      return true;
    });
  }

  /**
   * Failed + transcription.failed.v1, once, for a job still queued or processing. With an event
   * id, only while that event's delivery holds the job (or nobody does).
   */
  async fail(id: string, failure: Failure, eventId?: string, tx?: PoolClient): Promise<boolean> {
    const run = async (q: PoolClient) => {
      const { rows } = await q.query<JobRow>(
        `UPDATE jobs SET status = 'failed', failure_reason = $2, failure_code = $3, completed_at = now(), updated_at = now(), deadline_at = NULL
          WHERE id = $1 AND status IN ('queued', 'processing') AND ($4::uuid IS NULL OR claimed_event_id IS NULL OR claimed_event_id = $4)
          RETURNING ${SELECT}`,
        [id, failure.reason, failure.code, eventId ?? null],
      );
      const row = rows[0];
      if (!row) return false;
      await enqueueEvent(q, 'transcription.failed.v1', {
        occurredAt: timestampFromDate(new Date()),
        jobId: row.id,
        accountId: row.accountId,
        reason: failure.reason,
        code: failure.code,
      });
      return true;
    };
    return tx ? run(tx) : withTransaction(this.pool, run);
  }

  /** Gives a claimed job back to the queue (shutdown): the reconciler re-enqueues it if its message is gone. */
  async release(id: string, eventId: string): Promise<void> {
    await this.pool.query(
      `UPDATE jobs SET status = 'queued', claimed_event_id = NULL, progress = 0, updated_at = now(), enqueued_at = now(),
              deadline_at = now() + make_interval(secs => $3)
        WHERE id = $1 AND status = 'processing' AND claimed_event_id = $2`,
      [id, eventId, this.stale.queuedStaleSeconds],
    );
  }

  /** Tombstone + transcription.deleted.v1; false if the job is not the account's or already deleted. */
  async markDeleted(accountId: string, id: string): Promise<JobRow | undefined> {
    return withTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<JobRow>(
        `UPDATE jobs SET status = 'deleted', updated_at = now(), deadline_at = NULL, claimed_event_id = NULL, vocabulary = '{}', filename = ''
          WHERE id = $1 AND account_id = $2 AND status <> 'deleted'
          RETURNING ${SELECT}`,
        [id, accountId],
      );
      const row = rows[0];
      if (!row) return undefined;
      await enqueueEvent(tx, 'transcription.deleted.v1', { occurredAt: timestampFromDate(new Date()), jobId: row.id, accountId: row.accountId });
      return row;
    });
  }

  /**
   * Runs `fn` while holding this schema's reconciler lock, in one transaction; returns undefined
   * without running it when another replica holds the lock.
   */
  async withReconcilerLock<T>(fn: (tx: PoolClient) => Promise<T>): Promise<T | undefined> {
    return withTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', [`reconciler:${this.schema}`]);
      if (!rows[0]?.locked) return undefined;
      return fn(tx);
    });
  }

  /** Active jobs past their deadline, with what the outbox knows of their current event. */
  async findStale(tx: Queryable, limit: number): Promise<StaleJob[]> {
    const { rows } = await tx.query<StaleJob>(
      `SELECT j.id, j.status, j.attempts, j.enqueues, j.account_id AS "accountId",
              o.published_at AS "publishedAt", (o.id IS NOT NULL AND o.published_at IS NULL) AS unpublished
         FROM jobs j LEFT JOIN outbox o ON o.id = j.current_event_id
        WHERE j.status IN ('queued', 'processing') AND j.deadline_at < now()
        ORDER BY j.deadline_at
        LIMIT $1
        FOR UPDATE OF j SKIP LOCKED`,
      [limit],
    );
    return rows;
  }

  /** Puts a job back in the queue with a new request event (the old message is lost or its worker dead). */
  async reenqueue(tx: PoolClient, id: string): Promise<void> {
    const eventId = randomUUID();
    const { rows } = await tx.query<JobRow>(
      `UPDATE jobs SET status = 'queued', claimed_event_id = NULL, current_event_id = $2, enqueues = enqueues + 1, progress = 0,
              enqueued_at = now(), updated_at = now(), deadline_at = now() + make_interval(secs => $3)
        WHERE id = $1 RETURNING ${SELECT}`,
      [id, eventId, this.stale.queuedStaleSeconds],
    );
    await enqueueRequested(tx, rows[0]!, eventId);
  }

  /** Moves a queued job's deadline on without re-enqueueing (its message is still in the queue). */
  async postpone(tx: PoolClient, id: string): Promise<void> {
    await tx.query(`UPDATE jobs SET deadline_at = now() + make_interval(secs => $2) WHERE id = $1`, [id, this.stale.queuedStaleSeconds]);
  }

  async countByStatus(): Promise<Record<string, number>> {
    const { rows } = await this.pool.query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM jobs GROUP BY status`);
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  async oldestQueuedAgeSeconds(): Promise<number> {
    const { rows } = await this.pool.query<{ age: number | null }>(`SELECT EXTRACT(EPOCH FROM now() - min(created_at))::float AS age FROM jobs WHERE status = 'queued'`);
    return rows[0]?.age ?? 0;
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }
}

async function enqueueRequested(tx: Queryable, row: JobRow, eventId: string): Promise<void> {
  await enqueueEvent(
    tx,
    'transcription.requested.v1',
    {
      occurredAt: timestampFromDate(new Date()),
      jobId: row.id,
      accountId: row.accountId,
      mediaId: row.mediaId,
      storageKey: row.storageKey,
      domain: row.domain,
      vocabulary: row.vocabulary,
      durationSeconds: row.durationSeconds,
    },
    eventId,
  );
}
