// Billing's use cases: reserve, release, charge, top up, statements, reports. Each money movement
// is one PostgreSQL transaction that takes the job's advisory lock, checks the job's state and
// posts a balanced ledger transaction under an idempotency key, so retries, redeliveries and
// racing replicas change nothing twice.
import { AppError, withTransaction, type Pool, type Queryable } from '@verbatim/common';
import type { Logger } from '@verbatim/common';
import { repo, type JobRow } from './adapters/billing.repository.js';
import { reports, type MarginGroup, type MarginRowData } from './adapters/reports.repository.js';
import { computeCost, type UnitCosts } from './domain/compute-cost.js';
import { LEDGER, chargePostings, releasePostings, reservePostings, topUpPostings, topUpSourceForKey } from './domain/ledger.js';
import { MICROS_PER_CENT, formatUsd } from './domain/money.js';
import { InvalidMonthError, monthRange } from './domain/month.js';
import { InvalidSignatureError, type PaymentProvider } from './domain/payments.js';
import { MAX_JOB_SECONDS, chargeFor, selectPrice, type PriceVersion } from './domain/pricing.js';
import { renderStatementHtml, type StatementData } from './domain/statement.js';
import type { BillingMetrics } from './metrics.js';

export interface BillingSettings {
  defaultPlan: string;
  unitCosts: UnitCosts;
  reservationTtlMs: number;
}

export interface ReservationView {
  jobId: string;
  amountMicros: bigint;
  state: JobRow['state'];
  chargedMicros: bigint;
}

export interface BalanceView {
  accountId: string;
  availableMicros: bigint;
  reservedMicros: bigint;
  plan: string;
  perMinuteMicros: bigint;
  minimumMicros: bigint;
}

export interface Completion {
  jobId: string;
  accountId: string;
  durationSeconds: number;
  domain: string;
  cpuSeconds: number;
  gpuSeconds: number;
  device: string;
  model: string;
  occurredAt: Date;
}

/** Test hook: runs inside the charge transaction just before COMMIT (to simulate a crash there). */
export type BeforeChargeCommit = (jobId: string) => Promise<void> | void;

const ID = /^[A-Za-z0-9_.:@-]{1,128}$/;
const PLAN = /^[a-z0-9_-]{1,64}$/;

function requireId(what: string, v: string): string {
  if (!ID.test(v)) throw new AppError('invalid_argument', `${what} is required (letters, digits and _.:@- only, at most 128)`);
  return v;
}

export class BillingService {
  constructor(
    private readonly pool: Pool,
    private readonly settings: BillingSettings,
    private readonly metrics: BillingMetrics,
    private readonly logger: Logger,
    private readonly payments: PaymentProvider | undefined,
    private readonly beforeChargeCommit?: BeforeChargeCommit,
  ) {}

  private async currentPrice(db: Queryable, plan: string, domain: string, at: Date): Promise<PriceVersion> {
    const price = selectPrice(await repo.pricesOf(db, plan), plan, domain, at);
    if (!price) throw new Error(`plan ${plan} has no price in force at ${at.toISOString()}`);
    return price;
  }

  async reserve(accountId: string, jobId: string, estimatedSeconds: number, domain: string): Promise<ReservationView> {
    requireId('account_id', accountId);
    requireId('job_id', jobId);
    // 0 (a duration the probe could not tell) holds the minimum charge; the charge settles the rest.
    if (!Number.isFinite(estimatedSeconds) || estimatedSeconds < 0 || estimatedSeconds > MAX_JOB_SECONDS) {
      throw new AppError('invalid_argument', `estimated_seconds must be between 0 and ${MAX_JOB_SECONDS}`);
    }
    return withTransaction(this.pool, async (tx) => {
      await repo.lockJob(tx, jobId);
      const existing = await repo.job(tx, jobId);
      if (existing) {
        if (existing.accountId !== accountId) throw new AppError('invalid_argument', 'job_id is already in use');
        this.metrics.reservations.labels('existing').inc();
        return view(existing);
      }
      const plan = await repo.ensureAccount(tx, accountId, this.settings.defaultPlan);
      const price = await this.currentPrice(tx, plan, domain, new Date());
      const { micros } = chargeFor(estimatedSeconds, price);
      const available = await repo.lockBalance(tx, LEDGER.available(accountId));
      if (available < micros) {
        this.metrics.reservations.labels('insufficient_credit').inc();
        const missing = micros - available;
        throw new AppError(
          'insufficient_credit',
          `insufficient credit: this job needs ${formatUsd(micros)} (${Math.ceil(estimatedSeconds)} s at ${formatUsd(price.perMinuteMicros)} per minute) ` +
            `but the available balance is ${formatUsd(available)}; add at least ${formatUsd(missing)}`,
          { required_micros: micros.toString(), available_micros: available.toString(), missing_micros: missing.toString() },
        );
      }
      await repo.insertJob(tx, { jobId, accountId, planId: plan, domain, priceId: price.id, state: 'reserved', estimatedSeconds, reservedMicros: micros });
      await repo.post(tx, { key: `reserve:${jobId}`, kind: 'reserve', accountId, jobId, postings: reservePostings(accountId, micros) });
      this.metrics.reservations.labels('reserved').inc();
      return { jobId, amountMicros: micros, state: 'reserved', chargedMicros: 0n };
    });
  }

  /**
   * Returns a reservation to the balance. For a job billing never saw it leaves a released
   * tombstone, so a Reserve that arrives late (its caller gave up on it) holds nothing.
   */
  async release(accountId: string, jobId: string, reason: string, tx?: Queryable): Promise<ReservationView> {
    requireId('account_id', accountId);
    requireId('job_id', jobId);
    const body = async (db: Queryable): Promise<ReservationView> => {
      await repo.lockJob(db, jobId);
      const job = await repo.job(db, jobId);
      if (job && job.accountId !== accountId) throw new AppError('not_found', `reservation for job ${jobId} not found`);
      if (!job) {
        const plan = await repo.ensureAccount(db, accountId, this.settings.defaultPlan);
        await repo.insertJob(db, { jobId, accountId, planId: plan, domain: '', priceId: null, state: 'released', estimatedSeconds: 0, reservedMicros: 0n, releaseReason: reason });
        return { jobId, amountMicros: 0n, state: 'released', chargedMicros: 0n };
      }
      if (job.state !== 'reserved') return view(job);
      await repo.post(db, { key: `release:${jobId}`, kind: 'release', accountId, jobId, memo: reason.slice(0, 200), postings: releasePostings(accountId, job.reservedMicros) });
      await repo.markReleased(db, jobId, reason.slice(0, 500));
      return { ...view(job), state: 'released' };
    };
    return tx ? body(tx) : withTransaction(this.pool, body);
  }

  /**
   * Turns the reservation into the actual charge (actual seconds at the price reserved under),
   * returning the difference, and records the compute cost. A job charged before is left alone;
   * one without a reservation (or whose reservation was swept) is charged from available credit.
   * Returns false when nothing changed (a duplicate delivery).
   */
  async charge(c: Completion): Promise<boolean> {
    requireId('job_id', c.jobId);
    requireId('account_id', c.accountId);
    if (!Number.isFinite(c.durationSeconds) || c.durationSeconds < 0 || c.durationSeconds > MAX_JOB_SECONDS) {
      throw new AppError('invalid_argument', `job ${c.jobId}: impossible duration ${c.durationSeconds}`);
    }
    const outcome = await withTransaction(this.pool, async (tx) => {
      await repo.lockJob(tx, c.jobId);
      let job = await repo.job(tx, c.jobId);
      if (job && job.accountId !== c.accountId) throw new AppError('invalid_argument', `job ${c.jobId}: completion names another account than its reservation`);
      if (job?.state === 'charged') return undefined;
      let price: PriceVersion;
      if (job?.priceId) {
        price = await repo.priceById(tx, job.priceId);
      } else {
        const plan = await repo.ensureAccount(tx, c.accountId, this.settings.defaultPlan);
        price = await this.currentPrice(tx, job?.planId ?? plan, c.domain, c.occurredAt);
        if (!job) {
          this.logger.warn({ jobId: c.jobId }, 'completion for a job with no reservation: charging available credit');
          await repo.insertJob(tx, { jobId: c.jobId, accountId: c.accountId, planId: plan, domain: c.domain, priceId: price.id, state: 'released', estimatedSeconds: 0, reservedMicros: 0n, releaseReason: 'no reservation' });
          job = (await repo.job(tx, c.jobId))!;
        }
      }
      const held = job.state === 'reserved' ? job.reservedMicros : 0n;
      const { billedSeconds, micros } = chargeFor(c.durationSeconds, price);
      const cost = computeCost({ cpuSeconds: c.cpuSeconds, gpuSeconds: c.gpuSeconds }, c.durationSeconds, this.settings.unitCosts);
      const posted = await repo.post(tx, {
        key: `charge:${c.jobId}`,
        kind: 'charge',
        accountId: c.accountId,
        jobId: c.jobId,
        postings: chargePostings(c.accountId, held, micros, cost.totalMicros),
      });
      if (posted === undefined) return undefined;
      await repo.markCharged(tx, c.jobId, {
        priceId: price.id, audioSeconds: c.durationSeconds, billedSeconds, chargedMicros: micros, cpuSeconds: c.cpuSeconds, gpuSeconds: c.gpuSeconds,
        storageGbMonths: cost.storageGbMonths, costMicros: cost.totalMicros, device: c.device, model: c.model,
      });
      await this.beforeChargeCommit?.(c.jobId);
      return { plan: job.planId, micros, cost: cost.totalMicros };
    });
    if (!outcome) return false;
    this.metrics.revenue.labels(outcome.plan).inc(Number(outcome.micros));
    this.metrics.computeCost.labels(outcome.plan).inc(Number(outcome.cost));
    this.metrics.charges.labels(outcome.plan).inc();
    return true;
  }

  /** Releases reservations older than the TTL with no completion; returns how many. */
  async sweep(now: Date = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.settings.reservationTtlMs);
    let released = 0;
    for (;;) {
      const batch = await repo.expiredReservations(this.pool, cutoff, 100);
      if (batch.length === 0) return released;
      for (const r of batch) {
        const after = await this.release(r.accountId, r.jobId, 'reservation expired without a completion');
        if (after.state === 'released') released++;
      }
      if (batch.length < 100) return released;
    }
  }

  async balance(accountId: string, db: Queryable = this.pool): Promise<BalanceView> {
    requireId('account_id', accountId);
    const plan = (await repo.accountPlan(db, accountId)) ?? this.settings.defaultPlan;
    const b = await repo.balances(db, [LEDGER.available(accountId), LEDGER.reserved(accountId)]);
    const price = selectPrice(await repo.pricesOf(db, plan), plan, '', new Date());
    return {
      accountId,
      availableMicros: b.get(LEDGER.available(accountId)) ?? 0n,
      reservedMicros: b.get(LEDGER.reserved(accountId)) ?? 0n,
      plan,
      perMinuteMicros: price?.perMinuteMicros ?? 0n,
      minimumMicros: price?.minimumMicros ?? 0n,
    };
  }

  async topUp(accountId: string, amountMicros: bigint, idempotencyKey: string, note: string): Promise<BalanceView> {
    requireId('account_id', accountId);
    if (amountMicros <= 0n) throw new AppError('invalid_argument', 'amount must be more than 0');
    if (!idempotencyKey || idempotencyKey.length > 200) throw new AppError('invalid_argument', 'idempotency_key is required (at most 200 characters)');
    const key = `topup:${accountId}:${idempotencyKey}`;
    return withTransaction(this.pool, async (tx) => {
      await repo.ensureAccount(tx, accountId, this.settings.defaultPlan);
      const memo = note ? `${idempotencyKey}: ${note.slice(0, 200)}` : idempotencyKey;
      const posted = await repo.post(tx, { key, kind: 'topup', accountId, memo, postings: topUpPostings(accountId, amountMicros, topUpSourceForKey(idempotencyKey)) });
      if (posted === undefined) {
        const before = await repo.postedTo(tx, key, LEDGER.available(accountId));
        if (before !== amountMicros) throw new AppError('already_exists', `idempotency_key ${idempotencyKey} was already used for a top-up of ${formatUsd(before ?? 0n)}`);
      }
      return this.balance(accountId, tx);
    });
  }

  async usage(accountId: string, month: string) {
    requireId('account_id', accountId);
    const range = parseMonth(month);
    const lines = await reports.usageLines(this.pool, accountId, range.start, range.end);
    return {
      accountId,
      month: range.month,
      lines,
      audioSeconds: lines.reduce((s, l) => s + l.audioSeconds, 0),
      chargedMicros: lines.reduce((s, l) => s + l.chargedMicros, 0n),
      balance: await this.balance(accountId),
    };
  }

  async statement(accountId: string, month: string, includeHtml: boolean): Promise<StatementData & { html?: string }> {
    requireId('account_id', accountId);
    const range = parseMonth(month);
    // One snapshot, so opening + movements = closing holds even while charges are being posted.
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const [lines, topUps, opening, closing, plan] = [
        await reports.usageLines(client, accountId, range.start, range.end),
        await reports.topUps(client, accountId, range.start, range.end),
        await reports.fundsBefore(client, accountId, range.start),
        await reports.fundsBefore(client, accountId, range.end),
        (await repo.accountPlan(client, accountId)) ?? this.settings.defaultPlan,
      ];
      await client.query('COMMIT');
      const topUpsMicros = topUps.reduce((s, t) => s + t.amountMicros, 0n);
      const chargesMicros = lines.reduce((s, l) => s + l.chargedMicros, 0n);
      const data: StatementData = {
        accountId,
        month: range.month,
        plan,
        openingMicros: opening,
        topUpsMicros,
        chargesMicros,
        adjustmentsMicros: opening + topUpsMicros - chargesMicros - closing,
        closingMicros: closing,
        audioSeconds: lines.reduce((s, l) => s + l.audioSeconds, 0),
        lines,
        topUps,
        generatedAt: new Date(),
      };
      return includeHtml ? { ...data, html: renderStatementHtml(data) } : data;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async marginReport(group: string, from: Date | undefined, to: Date | undefined, accountId: string, limit: number): Promise<{ rows: MarginRowData[]; total: MarginRowData }> {
    if (group !== 'job' && group !== 'account' && group !== 'day') throw new AppError('invalid_argument', 'group_by must be job, account or day');
    const end = to ?? new Date();
    const start = from ?? new Date(end.getTime() - 30 * 24 * 3600 * 1000);
    if (start >= end) throw new AppError('invalid_argument', 'from must be before to');
    const n = limit > 0 ? Math.min(limit, 1000) : 100;
    const acc = accountId ? requireId('account_id', accountId) : undefined;
    return {
      rows: await reports.margin(this.pool, group as MarginGroup, start, end, acc, n),
      total: await reports.marginTotal(this.pool, start, end, acc),
    };
  }

  async setPrice(plan: string, domain: string, perMinuteMicros: bigint, minimumMicros: bigint, effectiveFrom: Date | undefined): Promise<PriceVersion> {
    if (!PLAN.test(plan)) throw new AppError('invalid_argument', 'plan must be 1-64 lowercase letters, digits, _ or -');
    if (domain && !PLAN.test(domain)) throw new AppError('invalid_argument', 'domain must be 1-64 lowercase letters, digits, _ or -');
    if (perMinuteMicros < 0n || minimumMicros < 0n) throw new AppError('invalid_argument', 'prices cannot be negative');
    const now = Date.now();
    const from = effectiveFrom ?? new Date(now);
    // A version that starts in the past would re-price what was already quoted.
    if (from.getTime() < now - 60_000) throw new AppError('invalid_argument', 'effective_from cannot be in the past');
    return withTransaction(this.pool, async (tx) => {
      await repo.ensurePlan(tx, plan);
      const inserted = await repo.insertPrice(tx, { plan, domain, perMinuteMicros, minimumMicros, effectiveFrom: from });
      if (!inserted) throw new AppError('already_exists', `plan ${plan} already has a price for ${domain || 'all domains'} starting ${from.toISOString()}`);
      return inserted;
    });
  }

  listPrices(plan: string): Promise<PriceVersion[]> {
    return repo.pricesOf(this.pool, plan || undefined);
  }

  async setAccountPlan(accountId: string, plan: string): Promise<BalanceView> {
    requireId('account_id', accountId);
    if (!(await repo.planExists(this.pool, plan))) throw new AppError('not_found', `plan ${plan} not found`);
    await repo.setAccountPlan(this.pool, accountId, plan);
    return this.balance(accountId);
  }

  verifyLedger() {
    return reports.ledgerCheck(this.pool);
  }

  async createCheckout(accountId: string, amountMicros: bigint, successUrl: string, cancelUrl: string) {
    requireId('account_id', accountId);
    if (!this.payments) throw new AppError('failed_precondition', 'online payments are not configured; ask an operator to add credit');
    if (amountMicros < 500_000n || amountMicros % MICROS_PER_CENT !== 0n) throw new AppError('invalid_argument', 'amount must be whole cents and at least $0.50');
    if (amountMicros > 10_000_000_000n) throw new AppError('invalid_argument', 'amount must be at most $10,000');
    for (const [name, url] of [['success_url', successUrl], ['cancel_url', cancelUrl]] as const) {
      if (!/^https?:\/\/\S+$/.test(url)) throw new AppError('invalid_argument', `${name} must be an http(s) URL`);
    }
    try {
      return await this.payments.createCheckout({ accountId, amountMicros, successUrl, cancelUrl });
    } catch (e) {
      this.logger.error({ err: e }, 'payment provider refused the checkout session');
      throw new AppError('unavailable', 'the payment provider is not reachable; try again shortly');
    }
  }

  async handleStripeWebhook(payload: Buffer, signature: string): Promise<{ eventId: string; type: string; credited: boolean; duplicate: boolean; accountId: string }> {
    if (!this.payments) throw new AppError('failed_precondition', 'online payments are not configured');
    let event;
    try {
      event = this.payments.parseWebhook(payload, signature);
    } catch (e) {
      if (e instanceof InvalidSignatureError) throw new AppError('invalid_argument', 'webhook signature verification failed');
      throw e;
    }
    const credit = event.credit;
    return withTransaction(this.pool, async (tx) => {
      const fresh = await repo.recordPaymentEvent(tx, 'stripe', event.eventId, event.type, credit?.accountId ?? null);
      if (!fresh || !credit) return { eventId: event.eventId, type: event.type, credited: false, duplicate: !fresh, accountId: credit?.accountId ?? '' };
      await repo.ensureAccount(tx, credit.accountId, this.settings.defaultPlan);
      // Keyed by the checkout session too: "completed" and a later "async_payment_succeeded" credit once.
      const posted = await repo.post(tx, {
        key: `stripe:${credit.reference}`, kind: 'topup', accountId: credit.accountId, memo: credit.reference,
        postings: topUpPostings(credit.accountId, credit.amountMicros, 'stripe'),
      });
      return { eventId: event.eventId, type: event.type, credited: posted !== undefined, duplicate: false, accountId: credit.accountId };
    });
  }
}

function parseMonth(month: string) {
  try {
    return monthRange(month);
  } catch (e) {
    if (e instanceof InvalidMonthError) throw new AppError('invalid_argument', e.message);
    throw e;
  }
}

function view(job: JobRow): ReservationView {
  return { jobId: job.jobId, amountMicros: job.reservedMicros, state: job.state, chargedMicros: job.chargedMicros };
}
