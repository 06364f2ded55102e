// Read-side queries: usage and statements of one account, margin reports, ledger checks and the
// numbers the metrics scrape reads. Customer queries are always scoped by account_id.
import type { Queryable } from '@verbatim/common';
import { LEDGER } from '../domain/ledger.js';
import { toBigInt } from '../domain/money.js';
import type { StatementLine, StatementTopUpLine } from '../domain/statement.js';

export interface MarginRowData {
  key: string;
  jobs: bigint;
  audioSeconds: number;
  revenueMicros: bigint;
  costMicros: bigint;
  cpuSeconds: number;
  gpuSeconds: number;
}

export type MarginGroup = 'job' | 'account' | 'day';

const GROUP_SQL: Record<MarginGroup, string> = {
  job: 'job_id',
  account: 'account_id',
  day: "to_char(settled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
};

export const reports = {
  async usageLines(db: Queryable, accountId: string, start: Date, end: Date): Promise<StatementLine[]> {
    const { rows } = await db.query<{ job_id: string; settled_at: Date; domain: string; audio_seconds: number; billed_seconds: string; per_minute_micros: string; charged_micros: string }>(
      `SELECT j.job_id, j.settled_at, j.domain, j.audio_seconds, j.billed_seconds, p.per_minute_micros, j.charged_micros
       FROM jobs j JOIN prices p ON p.id = j.price_id
       WHERE j.account_id = $1 AND j.state = 'charged' AND j.settled_at >= $2 AND j.settled_at < $3
       ORDER BY j.settled_at, j.job_id`,
      [accountId, start, end],
    );
    return rows.map((r) => ({
      jobId: r.job_id, at: r.settled_at, domain: r.domain, audioSeconds: r.audio_seconds, billedSeconds: BigInt(r.billed_seconds),
      perMinuteMicros: BigInt(r.per_minute_micros), chargedMicros: BigInt(r.charged_micros),
    }));
  },

  /** The customer's funds (available + reserved) per the ledger entries posted before `at`. */
  async fundsBefore(db: Queryable, accountId: string, at: Date): Promise<bigint> {
    const { rows } = await db.query<{ s: string | null }>(
      'SELECT sum(amount_micros) AS s FROM ledger_entries WHERE ledger_account = ANY($1) AND created_at < $2',
      [[LEDGER.available(accountId), LEDGER.reserved(accountId)], at],
    );
    return toBigInt(rows[0]?.s);
  },

  async topUps(db: Queryable, accountId: string, start: Date, end: Date): Promise<StatementTopUpLine[]> {
    const { rows } = await db.query<{ created_at: Date; amount: string; source: string; memo: string }>(
      `SELECT t.created_at, e.amount_micros AS amount, src.ledger_account AS source, t.memo
       FROM ledger_transactions t
       JOIN ledger_entries e ON e.transaction_id = t.id AND e.ledger_account = $2
       JOIN ledger_entries src ON src.transaction_id = t.id AND src.ledger_account LIKE 'topups:%'
       WHERE t.account_id = $1 AND t.kind = 'topup' AND t.created_at >= $3 AND t.created_at < $4
       ORDER BY t.created_at, t.id`,
      [accountId, LEDGER.available(accountId), start, end],
    );
    return rows.map((r) => ({ at: r.created_at, amountMicros: BigInt(r.amount), source: r.source.replace(/^topups:/, ''), reference: r.memo }));
  },

  /** Revenue the ledger holds for an account's charges in a period (the statement must equal it). */
  async ledgerRevenue(db: Queryable, accountId: string, start: Date, end: Date): Promise<bigint> {
    const { rows } = await db.query<{ s: string | null }>(
      `SELECT sum(e.amount_micros) AS s FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
       WHERE t.account_id = $1 AND t.kind = 'charge' AND e.ledger_account = $2 AND t.created_at >= $3 AND t.created_at < $4`,
      [accountId, LEDGER.revenue, start, end],
    );
    return toBigInt(rows[0]?.s);
  },

  async margin(db: Queryable, group: MarginGroup, from: Date, to: Date, accountId: string | undefined, limit: number): Promise<MarginRowData[]> {
    const key = GROUP_SQL[group];
    const order = group === 'day' ? 'key DESC' : 'revenue DESC, key';
    const { rows } = await db.query<{ key: string; jobs: string; audio: number | null; revenue: string | null; cost: string | null; cpu: number | null; gpu: number | null }>(
      `SELECT ${key} AS key, count(*) AS jobs, sum(audio_seconds) AS audio, sum(charged_micros) AS revenue, sum(cost_micros) AS cost,
              sum(cpu_seconds) AS cpu, sum(gpu_seconds) AS gpu
       FROM jobs WHERE state = 'charged' AND settled_at >= $1 AND settled_at < $2 AND ($3::text IS NULL OR account_id = $3)
       GROUP BY 1 ORDER BY ${order} LIMIT $4`,
      [from, to, accountId ?? null, limit],
    );
    return rows.map((r) => ({
      key: r.key, jobs: BigInt(r.jobs), audioSeconds: r.audio ?? 0, revenueMicros: toBigInt(r.revenue), costMicros: toBigInt(r.cost), cpuSeconds: r.cpu ?? 0, gpuSeconds: r.gpu ?? 0,
    }));
  },

  async marginTotal(db: Queryable, from: Date, to: Date, accountId: string | undefined): Promise<MarginRowData> {
    const { rows } = await db.query<{ jobs: string; audio: number | null; revenue: string | null; cost: string | null; cpu: number | null; gpu: number | null }>(
      `SELECT count(*) AS jobs, sum(audio_seconds) AS audio, sum(charged_micros) AS revenue, sum(cost_micros) AS cost, sum(cpu_seconds) AS cpu, sum(gpu_seconds) AS gpu
       FROM jobs WHERE state = 'charged' AND settled_at >= $1 AND settled_at < $2 AND ($3::text IS NULL OR account_id = $3)`,
      [from, to, accountId ?? null],
    );
    const r = rows[0]!;
    return { key: 'total', jobs: BigInt(r.jobs), audioSeconds: r.audio ?? 0, revenueMicros: toBigInt(r.revenue), costMicros: toBigInt(r.cost), cpuSeconds: r.cpu ?? 0, gpuSeconds: r.gpu ?? 0 };
  },

  /** Today's (UTC) revenue and cost per plan, for the margin gauge. */
  async todayByPlan(db: Queryable): Promise<{ plan: string; revenue: bigint; cost: bigint }[]> {
    const { rows } = await db.query<{ plan_id: string; revenue: string | null; cost: string | null }>(
      `SELECT plan_id, sum(charged_micros) AS revenue, sum(cost_micros) AS cost FROM jobs
       WHERE state = 'charged' AND settled_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' GROUP BY plan_id`,
    );
    return rows.map((r) => ({ plan: r.plan_id, revenue: toBigInt(r.revenue), cost: toBigInt(r.cost) }));
  },

  async reservationsOutstanding(db: Queryable): Promise<{ count: number; micros: bigint }> {
    const { rows } = await db.query<{ n: string; s: string | null }>("SELECT count(*) AS n, sum(reserved_micros) AS s FROM jobs WHERE state = 'reserved'");
    return { count: Number(rows[0]!.n), micros: toBigInt(rows[0]!.s) };
  },

  /** Sum over transactions of |credits - debits| (0 when every transaction balances), and counts. */
  async ledgerCheck(db: Queryable): Promise<{ imbalance: bigint; unbalanced: bigint; mismatches: bigint; transactions: bigint; entries: bigint }> {
    const { rows } = await db.query<{ imbalance: string | null; unbalanced: string; mismatches: string; transactions: string; entries: string }>(
      `SELECT
         (SELECT sum(abs(s)) FROM (SELECT sum(amount_micros) AS s FROM ledger_entries GROUP BY transaction_id) x WHERE s <> 0) AS imbalance,
         (SELECT count(*) FROM (SELECT sum(amount_micros) AS s FROM ledger_entries GROUP BY transaction_id) x WHERE s <> 0) AS unbalanced,
         (SELECT count(*) FROM (
            SELECT coalesce(b.ledger_account, e.ledger_account) AS a, coalesce(b.balance_micros, 0) AS cached, coalesce(e.s, 0) AS derived
            FROM balances b FULL JOIN (SELECT ledger_account, sum(amount_micros) AS s FROM ledger_entries GROUP BY ledger_account) e
              ON e.ledger_account = b.ledger_account) y WHERE cached <> derived) AS mismatches,
         (SELECT count(*) FROM ledger_transactions) AS transactions,
         (SELECT count(*) FROM ledger_entries) AS entries`,
    );
    const r = rows[0]!;
    return { imbalance: toBigInt(r.imbalance), unbalanced: BigInt(r.unbalanced), mismatches: BigInt(r.mismatches), transactions: BigInt(r.transactions), entries: BigInt(r.entries) };
  },
};
