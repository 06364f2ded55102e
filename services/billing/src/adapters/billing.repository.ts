// PostgreSQL access for billing: prices, accounts, jobs and the ledger. Every function takes the
// connection of the caller's transaction; the service decides transaction boundaries and locks.
import type { Queryable } from '@verbatim/common';
import type { Posting, TransactionKind } from '../domain/ledger.js';
import { toBigInt } from '../domain/money.js';
import type { PriceVersion } from '../domain/pricing.js';

export type JobState = 'reserved' | 'released' | 'charged';

export interface JobRow {
  jobId: string;
  accountId: string;
  planId: string;
  domain: string;
  priceId: bigint | null;
  state: JobState;
  reservedMicros: bigint;
  chargedMicros: bigint;
}

interface PriceDbRow {
  id: string;
  plan_id: string;
  domain: string;
  per_minute_micros: string;
  minimum_micros: string;
  effective_from: Date;
}

const toPrice = (r: PriceDbRow): PriceVersion => ({
  id: BigInt(r.id),
  plan: r.plan_id,
  domain: r.domain,
  perMinuteMicros: BigInt(r.per_minute_micros),
  minimumMicros: BigInt(r.minimum_micros),
  effectiveFrom: r.effective_from,
});

export const repo = {
  /** Creates the plan and, if it has no price at all, a first version in force since forever. */
  async ensurePlanWithPrice(db: Queryable, plan: string, perMinute: bigint, minimum: bigint): Promise<void> {
    await db.query('INSERT INTO plans (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING', [plan]);
    await db.query(
      `INSERT INTO prices (plan_id, domain, per_minute_micros, minimum_micros, effective_from)
       SELECT $1, '', $2, $3, 'epoch' WHERE NOT EXISTS (SELECT 1 FROM prices WHERE plan_id = $1)
       ON CONFLICT DO NOTHING`,
      [plan, perMinute.toString(), minimum.toString()],
    );
  },

  async planExists(db: Queryable, plan: string): Promise<boolean> {
    const { rowCount } = await db.query('SELECT 1 FROM prices WHERE plan_id = $1 LIMIT 1', [plan]);
    return (rowCount ?? 0) > 0;
  },

  async ensurePlan(db: Queryable, plan: string): Promise<void> {
    await db.query('INSERT INTO plans (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING', [plan]);
  },

  async pricesOf(db: Queryable, plan?: string): Promise<PriceVersion[]> {
    const { rows } = await db.query<PriceDbRow>(
      `SELECT id, plan_id, domain, per_minute_micros, minimum_micros, effective_from FROM prices
       WHERE $1::text IS NULL OR plan_id = $1 ORDER BY plan_id, domain, effective_from`,
      [plan ?? null],
    );
    return rows.map(toPrice);
  },

  async priceById(db: Queryable, id: bigint): Promise<PriceVersion> {
    const { rows } = await db.query<PriceDbRow>('SELECT id, plan_id, domain, per_minute_micros, minimum_micros, effective_from FROM prices WHERE id = $1', [id.toString()]);
    if (!rows[0]) throw new Error(`price ${id} missing`);
    return toPrice(rows[0]);
  },

  async insertPrice(db: Queryable, p: Omit<PriceVersion, 'id'>): Promise<PriceVersion | undefined> {
    const { rows } = await db.query<PriceDbRow>(
      `INSERT INTO prices (plan_id, domain, per_minute_micros, minimum_micros, effective_from) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING RETURNING id, plan_id, domain, per_minute_micros, minimum_micros, effective_from`,
      [p.plan, p.domain, p.perMinuteMicros.toString(), p.minimumMicros.toString(), p.effectiveFrom],
    );
    return rows[0] ? toPrice(rows[0]) : undefined;
  },

  /** The account's plan, creating the account on the default plan on first use. */
  async ensureAccount(db: Queryable, accountId: string, defaultPlan: string): Promise<string> {
    await db.query('INSERT INTO accounts (account_id, plan_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [accountId, defaultPlan]);
    const { rows } = await db.query<{ plan_id: string }>('SELECT plan_id FROM accounts WHERE account_id = $1', [accountId]);
    return rows[0]!.plan_id;
  },

  async accountPlan(db: Queryable, accountId: string): Promise<string | undefined> {
    const { rows } = await db.query<{ plan_id: string }>('SELECT plan_id FROM accounts WHERE account_id = $1', [accountId]);
    return rows[0]?.plan_id;
  },

  async setAccountPlan(db: Queryable, accountId: string, plan: string): Promise<void> {
    await db.query('INSERT INTO accounts (account_id, plan_id) VALUES ($1, $2) ON CONFLICT (account_id) DO UPDATE SET plan_id = EXCLUDED.plan_id', [accountId, plan]);
  },

  /** Serialises everything that touches one job (reserve, release, charge, sweep) until COMMIT. */
  async lockJob(db: Queryable, jobId: string): Promise<void> {
    await db.query("SELECT pg_advisory_xact_lock(hashtext('billing-job:' || $1))", [jobId]);
  },

  async job(db: Queryable, jobId: string): Promise<JobRow | undefined> {
    const { rows } = await db.query<{
      job_id: string; account_id: string; plan_id: string; domain: string; price_id: string | null; state: JobState; reserved_micros: string; charged_micros: string | null;
    }>('SELECT job_id, account_id, plan_id, domain, price_id, state, reserved_micros, charged_micros FROM jobs WHERE job_id = $1', [jobId]);
    const r = rows[0];
    if (!r) return undefined;
    return {
      jobId: r.job_id, accountId: r.account_id, planId: r.plan_id, domain: r.domain, priceId: r.price_id === null ? null : BigInt(r.price_id),
      state: r.state, reservedMicros: BigInt(r.reserved_micros), chargedMicros: toBigInt(r.charged_micros),
    };
  },

  async insertJob(db: Queryable, j: { jobId: string; accountId: string; planId: string; domain: string; priceId: bigint | null; state: JobState; estimatedSeconds: number; reservedMicros: bigint; releaseReason?: string }): Promise<void> {
    await db.query(
      `INSERT INTO jobs (job_id, account_id, plan_id, domain, price_id, state, estimated_seconds, reserved_micros, reserved_at, release_reason, settled_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $6 = 'reserved' THEN now() END, $9, CASE WHEN $6 = 'released' THEN now() END)`,
      [j.jobId, j.accountId, j.planId, j.domain, j.priceId?.toString() ?? null, j.state, j.estimatedSeconds, j.reservedMicros.toString(), j.releaseReason ?? null],
    );
  },

  async markReleased(db: Queryable, jobId: string, reason: string): Promise<void> {
    await db.query("UPDATE jobs SET state = 'released', release_reason = $2, settled_at = now() WHERE job_id = $1", [jobId, reason]);
  },

  async markCharged(
    db: Queryable,
    jobId: string,
    c: { priceId: bigint; audioSeconds: number; billedSeconds: bigint; chargedMicros: bigint; cpuSeconds: number; gpuSeconds: number; storageGbMonths: number; costMicros: bigint; device: string; model: string },
  ): Promise<void> {
    await db.query(
      `UPDATE jobs SET state = 'charged', price_id = $2, audio_seconds = $3, billed_seconds = $4, charged_micros = $5, cpu_seconds = $6,
         gpu_seconds = $7, storage_gb_months = $8, cost_micros = $9, device = $10, model = $11, settled_at = now()
       WHERE job_id = $1`,
      [jobId, c.priceId.toString(), c.audioSeconds, c.billedSeconds.toString(), c.chargedMicros.toString(), c.cpuSeconds, c.gpuSeconds, c.storageGbMonths, c.costMicros.toString(), c.device, c.model],
    );
  },

  /** Locks the cached balance row of a ledger account and returns it (0 when it has none yet). */
  async lockBalance(db: Queryable, ledgerAccount: string): Promise<bigint> {
    await db.query('INSERT INTO balances (ledger_account) VALUES ($1) ON CONFLICT DO NOTHING', [ledgerAccount]);
    const { rows } = await db.query<{ balance_micros: string }>('SELECT balance_micros FROM balances WHERE ledger_account = $1 FOR UPDATE', [ledgerAccount]);
    return BigInt(rows[0]!.balance_micros);
  },

  async balances(db: Queryable, ledgerAccounts: string[]): Promise<Map<string, bigint>> {
    const { rows } = await db.query<{ ledger_account: string; balance_micros: string }>('SELECT ledger_account, balance_micros FROM balances WHERE ledger_account = ANY($1)', [ledgerAccounts]);
    return new Map(rows.map((r) => [r.ledger_account, BigInt(r.balance_micros)]));
  },

  /**
   * Posts a balanced transaction under its idempotency key and updates the cached balances.
   * Returns its id, or undefined when a transaction with that key already exists (nothing changed).
   */
  async post(db: Queryable, t: { key: string; kind: TransactionKind; accountId: string; jobId?: string; memo?: string; postings: Posting[] }): Promise<bigint | undefined> {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO ledger_transactions (idempotency_key, kind, account_id, job_id, memo) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
      [t.key, t.kind, t.accountId, t.jobId ?? null, t.memo ?? ''],
    );
    if (!rows[0]) return undefined;
    const id = rows[0].id;
    if (t.postings.length === 0) return BigInt(id);
    // One row per ledger account, in a fixed order, so concurrent transactions lock balances alike.
    const sorted = [...t.postings].sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
    await db.query(
      'INSERT INTO ledger_entries (transaction_id, ledger_account, amount_micros) SELECT $1, a, m FROM unnest($2::text[], $3::bigint[]) AS u(a, m)',
      [id, sorted.map((p) => p.account), sorted.map((p) => p.amount.toString())],
    );
    const merged = new Map<string, bigint>();
    for (const p of sorted) merged.set(p.account, (merged.get(p.account) ?? 0n) + p.amount);
    await db.query(
      `INSERT INTO balances (ledger_account, balance_micros) SELECT a, m FROM unnest($1::text[], $2::bigint[]) AS u(a, m)
       ON CONFLICT (ledger_account) DO UPDATE SET balance_micros = balances.balance_micros + EXCLUDED.balance_micros, updated_at = now()`,
      [[...merged.keys()], [...merged.values()].map(String)],
    );
    return BigInt(id);
  },

  /** The amount a transaction moved into one ledger account (for idempotent replays). */
  async postedTo(db: Queryable, key: string, ledgerAccount: string): Promise<bigint | undefined> {
    const { rows } = await db.query<{ s: string | null; n: string }>(
      `SELECT sum(e.amount_micros) AS s, count(t.id) AS n FROM ledger_transactions t LEFT JOIN ledger_entries e ON e.transaction_id = t.id AND e.ledger_account = $2
       WHERE t.idempotency_key = $1`,
      [key, ledgerAccount],
    );
    return rows[0] && rows[0].n !== '0' ? toBigInt(rows[0].s) : undefined;
  },

  async expiredReservations(db: Queryable, cutoff: Date, limit: number): Promise<{ jobId: string; accountId: string }[]> {
    const { rows } = await db.query<{ job_id: string; account_id: string }>(
      "SELECT job_id, account_id FROM jobs WHERE state = 'reserved' AND reserved_at < $1 ORDER BY reserved_at LIMIT $2",
      [cutoff, limit],
    );
    return rows.map((r) => ({ jobId: r.job_id, accountId: r.account_id }));
  },

  /** Records a provider event; false when it was recorded before (a redelivery). */
  async recordPaymentEvent(db: Queryable, provider: string, eventId: string, type: string, accountId: string | null): Promise<boolean> {
    const { rowCount } = await db.query(
      'INSERT INTO payment_events (provider, event_id, type, account_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [provider, eventId, type, accountId],
    );
    return (rowCount ?? 0) > 0;
  },
};
