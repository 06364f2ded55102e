// Per-job webhook registrations and the delivery queue. A delivery row is keyed by the event id
// that caused it, so a redelivered event adds nothing; workers claim due rows with SKIP LOCKED so
// several gateway replicas never send the same attempt twice.
import type { Queryable } from '@verbatim/common';

export interface Delivery {
  eventId: string;
  jobId: string;
  accountId: string;
  url: string;
  eventType: string;
  body: string;
  attempts: number;
}

export async function saveWebhook(db: Queryable, jobId: string, accountId: string, url: string): Promise<void> {
  await db.query('INSERT INTO webhooks (job_id, account_id, url) VALUES ($1, $2, $3) ON CONFLICT (job_id) DO UPDATE SET url = EXCLUDED.url', [jobId, accountId, url]);
}

export async function deleteWebhook(db: Queryable, jobId: string, accountId: string): Promise<void> {
  await db.query('DELETE FROM webhooks WHERE job_id = $1 AND account_id = $2', [jobId, accountId]);
}

export async function findWebhook(db: Queryable, jobId: string, accountId: string): Promise<{ url: string } | undefined> {
  const { rows } = await db.query<{ url: string }>('SELECT url FROM webhooks WHERE job_id = $1 AND account_id = $2', [jobId, accountId]);
  return rows[0];
}

/** Queues a delivery; false when this event was already queued (a redelivery). */
export async function enqueueDelivery(db: Queryable, d: Omit<Delivery, 'attempts'>): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO webhook_deliveries (event_id, job_id, account_id, url, event_type, body) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (event_id) DO NOTHING`,
    [d.eventId, d.jobId, d.accountId, d.url, d.eventType, d.body],
  );
  return (rowCount ?? 0) > 0;
}

/** Claims due deliveries by pushing their next attempt past the lease; a crashed worker's claim expires. */
export async function claimDueDeliveries(db: Queryable, limit: number, leaseSeconds: number): Promise<Delivery[]> {
  const { rows } = await db.query<{ event_id: string; job_id: string; account_id: string; url: string; event_type: string; body: string; attempts: number }>(
    `UPDATE webhook_deliveries SET next_attempt_at = now() + make_interval(secs => $2)
     WHERE event_id IN (
       SELECT event_id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
       ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING event_id, job_id, account_id, url, event_type, body, attempts`,
    [limit, leaseSeconds],
  );
  return rows.map((r) => ({ eventId: r.event_id, jobId: r.job_id, accountId: r.account_id, url: r.url, eventType: r.event_type, body: r.body, attempts: r.attempts }));
}

export async function markDelivered(db: Queryable, eventId: string, statusCode: number): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = now(), last_status_code = $2, last_error = NULL WHERE event_id = $1`,
    [eventId, statusCode],
  );
}

/** Records a failed attempt: retried after `retryInMs`, or failed for good when `final`. */
export async function markAttemptFailed(db: Queryable, eventId: string, error: string, statusCode: number | null, retryInMs: number, final: boolean): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = $2, last_status_code = $3,
       status = CASE WHEN $5 THEN 'failed' ELSE 'pending' END,
       next_attempt_at = now() + make_interval(secs => $4::double precision / 1000)
     WHERE event_id = $1`,
    [eventId, error.slice(0, 500), statusCode, retryInMs, final],
  );
}

export async function deliveriesFor(db: Queryable, jobId: string): Promise<Array<{ eventId: string; status: string; attempts: number; lastError: string | null }>> {
  const { rows } = await db.query<{ event_id: string; status: string; attempts: number; last_error: string | null }>(
    'SELECT event_id, status, attempts, last_error FROM webhook_deliveries WHERE job_id = $1 ORDER BY created_at',
    [jobId],
  );
  return rows.map((r) => ({ eventId: r.event_id, status: r.status, attempts: r.attempts, lastError: r.last_error }));
}

/**
 * Claims an Idempotency-Key for a job id before any work is done. Returns the job id that owns
 * the key: `jobId` when this request claimed it, the earlier job's id on a replay.
 */
export async function claimIdempotencyKey(db: Queryable, accountId: string, key: string, jobId: string): Promise<string> {
  for (;;) {
    const inserted = await db.query('INSERT INTO idempotency_keys (account_id, key, job_id) VALUES ($1, $2, $3) ON CONFLICT (account_id, key) DO NOTHING', [accountId, key, jobId]);
    if (inserted.rowCount) return jobId;
    // A separate statement: its snapshot sees the row of the request that won (the insert waited for it).
    const { rows } = await db.query<{ job_id: string }>('SELECT job_id FROM idempotency_keys WHERE account_id = $1 AND key = $2', [accountId, key]);
    if (rows[0]) return rows[0].job_id;
    // The winner failed and gave the key back in between: try to claim it again.
  }
}

/** Gives a key back when its request failed, so that a retry with it can succeed. */
export async function releaseIdempotencyKey(db: Queryable, accountId: string, key: string, jobId: string): Promise<void> {
  await db.query('DELETE FROM idempotency_keys WHERE account_id = $1 AND key = $2 AND job_id = $3', [accountId, key, jobId]);
}
