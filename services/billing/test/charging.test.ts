// Reserve, charge and release against a real PostgreSQL, NATS and gRPC: exactly-once charging
// under duplicate deliveries and two consuming replicas, 402 without credit, statements that
// equal the ledger, price versions, the sweeper and the metrics.
import { randomUUID } from 'node:crypto';
import { AppError } from '@verbatim/common';
import { reports } from '../src/adapters/reports.repository.js';
import { monthRange } from '../src/domain/month.js';
import { Harness, eventually, usd, type BillingClient } from './harness.js';
import type { BillingApp } from '../src/app.js';

const h = new Harness();
let a: { app: BillingApp; client: BillingClient };
let b: { app: BillingApp; client: BillingClient };

const SUBJECT = 'transcription.completed.v1';
const newAccount = () => `acct-${randomUUID().slice(0, 8)}`;
const newJob = () => `job-${randomUUID()}`;

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    return e as AppError;
  }
  throw new Error('expected the call to fail');
}

async function chargeTransactions(jobId: string): Promise<number> {
  const { rows } = await a.app.pool.query("SELECT count(*)::int AS n FROM ledger_transactions WHERE job_id = $1 AND kind = 'charge'", [jobId]);
  return rows[0].n as number;
}

async function expectLedgerSound(): Promise<void> {
  const check = await a.client.verifyLedger({});
  expect(check.imbalanceMicros).toBe(0n);
  expect(check.unbalancedTransactions).toBe(0n);
  expect(check.balanceMismatches).toBe(0n);
  expect(check.transactions).toBeGreaterThan(0n);
}

beforeAll(async () => {
  await h.setUp();
  // Two replicas on one schema and one durable consumer, as in production.
  a = await h.startApp();
  b = await h.startApp();
});

afterAll(() => h.tearDown());

describe('credit', () => {
  it('refuses a reservation without credit with insufficient_credit naming the missing amount', async () => {
    const account = newAccount();
    await a.client.topUp({ accountId: account, amount: usd(0.2), idempotencyKey: `signup:${account}` });
    const e = await rejection(a.client.reserve({ accountId: account, jobId: newJob(), estimatedSeconds: 75, domain: '' }));
    expect(e).toBeInstanceOf(AppError);
    expect(e.kind).toBe('insufficient_credit'); // FAILED_PRECONDITION on the wire, 402 at the gateway
    expect(e.message).toContain('add at least $0.55');
    expect(e.details).toMatchObject({ required_micros: '750000', available_micros: '200000', missing_micros: '550000' });
    const balance = await a.client.getBalance({ accountId: account });
    expect(balance.available?.micros).toBe(200_000n);
    expect(balance.reserved?.micros).toBe(0n);
  });

  it('tops up once per idempotency key and refuses the key with another amount', async () => {
    const account = newAccount();
    const key = `signup:${account}`;
    const results = await Promise.all([a.client, b.client, a.client].map((c) => c.topUp({ accountId: account, amount: usd(5), idempotencyKey: key, note: 'signup credit' })));
    for (const r of results) expect(r.available?.micros).toBe(5_000_000n);
    const e = await rejection(a.client.topUp({ accountId: account, amount: usd(6), idempotencyKey: key }));
    expect(e.kind).toBe('already_exists');
    expect((await b.client.getBalance({ accountId: account })).available?.micros).toBe(5_000_000n);
  });

  it('reserves once per job, whichever replica is asked and however often', async () => {
    const account = newAccount();
    await a.client.topUp({ accountId: account, amount: usd(10), idempotencyKey: 'first' });
    const jobId = newJob();
    const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).client.reserve({ accountId: account, jobId, estimatedSeconds: 120, domain: '' })));
    for (const r of rs) expect(r).toMatchObject({ jobId, state: 'reserved', amount: { micros: 1_200_000n } });
    const balance = await a.client.getBalance({ accountId: account });
    expect(balance.available?.micros).toBe(8_800_000n);
    expect(balance.reserved?.micros).toBe(1_200_000n);
  });

  it('holds the minimum for a job of unknown length and refuses impossible estimates', async () => {
    const account = newAccount();
    await a.client.topUp({ accountId: account, amount: usd(1), idempotencyKey: 'k' });
    expect((await a.client.reserve({ accountId: account, jobId: newJob(), estimatedSeconds: 0, domain: '' })).amount?.micros).toBe(50_000n);
    for (const estimatedSeconds of [-1, Number.NaN, 8 * 24 * 3600]) {
      expect((await rejection(a.client.reserve({ accountId: account, jobId: newJob(), estimatedSeconds, domain: '' }))).kind).toBe('invalid_argument');
    }
    expect((await rejection(a.client.reserve({ accountId: '', jobId: newJob(), estimatedSeconds: 1, domain: '' }))).kind).toBe('invalid_argument');
  });

  it('never lets concurrent reservations overdraw the balance', async () => {
    const account = newAccount();
    await a.client.topUp({ accountId: account, amount: usd(1), idempotencyKey: 'k' });
    // Ten jobs of 30 s at a cent a second: only three fit in a dollar.
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).client.reserve({ accountId: account, jobId: newJob(), estimatedSeconds: 30, domain: '' })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    const balance = await a.client.getBalance({ accountId: account });
    expect(balance.available?.micros).toBe(100_000n);
    expect(balance.reserved?.micros).toBe(900_000n);
  });
});

describe('charging', () => {
  it('charges exactly once for dozens of duplicate deliveries consumed by two replicas', async () => {
    const account = newAccount();
    await a.client.topUp({ accountId: account, amount: usd(10), idempotencyKey: 'k' });
    const jobId = newJob();
    await a.client.reserve({ accountId: account, jobId, estimatedSeconds: 120, domain: '' });
    const event = h.completion(jobId, account, 90.4, { cpuSeconds: 30 });
    const ackedBefore = (await h.acked(a.app, SUBJECT)) + (await h.acked(b.app, SUBJECT));
    await Promise.all(Array.from({ length: 40 }, () => h.publishCompletion(event)));
    await h.drained('billing--transcription-completed');
    const split = [(await h.acked(a.app, SUBJECT)), (await h.acked(b.app, SUBJECT))];
    // Every one of the 40 deliveries was handled and acked (none dead-lettered), across both replicas.
    expect(split[0]! + split[1]! - ackedBefore).toBe(40);
    console.log(`duplicate completions acked per replica: ${split.join(' / ')} (cumulative)`);

    expect(await chargeTransactions(jobId)).toBe(1);
    const balance = await a.client.getBalance({ accountId: account });
    expect(balance.reserved?.micros).toBe(0n);
    expect(balance.available?.micros).toBe(10_000_000n - 910_000n); // 91 started seconds at a cent
    const report = await a.client.getMarginReport({ groupBy: 'job', accountId: account });
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]).toMatchObject({ key: jobId, revenue: { micros: 910_000n }, cpuSeconds: 30 });
    // 30 CPU-s at 12.4 micros, plus 90.4 s of audio stored 30 days at 16 kB/s and $0.023 per GB-month.
    expect(report.rows[0]!.computeCost?.micros).toBe(BigInt(Math.round(30 * 12.4 + ((90.4 * 16_000) / 1e9) * 23_000)));
    await expectLedgerSound();
  });

  it('charges once when both replicas handle the same completion at the same moment', async () => {
    const account = newAccount();
    await a.client.topUp({ accountId: account, amount: usd(10), idempotencyKey: 'k' });
    const jobId = newJob();
    await b.client.reserve({ accountId: account, jobId, estimatedSeconds: 60, domain: '' });
    const completion = { jobId, accountId: account, durationSeconds: 59.2, domain: '', cpuSeconds: 10, gpuSeconds: 0, device: 'cpu', model: 'm@1', occurredAt: new Date() };
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 2 ? a : b).app.service.charge(completion)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await chargeTransactions(jobId)).toBe(1);
    expect((await a.client.getBalance({ accountId: account })).available?.micros).toBe(10_000_000n - 600_000n);
  });

  it('takes a longer-than-estimated job’s difference from the balance and charges the minimum for a short one', async () => {
    const account = newAccount();
    await a.client.topUp({ accountId: account, amount: usd(3), idempotencyKey: 'k' });
    const long = newJob();
    const short = newJob();
    await a.client.reserve({ accountId: account, jobId: long, estimatedSeconds: 60, domain: '' });
    await a.client.reserve({ accountId: account, jobId: short, estimatedSeconds: 60, domain: '' });
    await h.publishCompletion(h.completion(long, account, 100));
    await h.publishCompletion(h.completion(short, account, 2));
    await h.drained('billing--transcription-completed');
    const balance = await a.client.getBalance({ accountId: account });
    expect(balance.reserved?.micros).toBe(0n);
    expect(balance.available?.micros).toBe(3_000_000n - 1_000_000n - 50_000n);
  });

  it('releases the reservation when the job fails, once', async () => {
    const account = newAccount();
    await a.client.topUp({ accountId: account, amount: usd(2), idempotencyKey: 'k' });
    const jobId = newJob();
    await a.client.reserve({ accountId: account, jobId, estimatedSeconds: 100, domain: '' });
    await Promise.all([h.publishFailure(jobId, account), h.publishFailure(jobId, account), h.publishFailure(jobId, account)]);
    await h.drained('billing--transcription-failed');
    const balance = await b.client.getBalance({ accountId: account });
    expect(balance).toMatchObject({ available: { micros: 2_000_000n }, reserved: { micros: 0n } });
    const again = await a.client.release({ accountId: account, jobId, reason: 'retry' });
    expect(again.state).toBe('released');
    expect((await b.client.getBalance({ accountId: account })).available?.micros).toBe(2_000_000n);
  });

  it('does not let another account release a reservation, and tombstones an unknown job', async () => {
    const account = newAccount();
    await a.client.topUp({ accountId: account, amount: usd(2), idempotencyKey: 'k' });
    const jobId = newJob();
    await a.client.reserve({ accountId: account, jobId, estimatedSeconds: 10, domain: '' });
    expect((await rejection(a.client.release({ accountId: newAccount(), jobId }))).kind).toBe('not_found');

    // The gateway gave up on a Reserve and released it: a late Reserve must then hold nothing.
    const late = newJob();
    expect((await a.client.release({ accountId: account, jobId: late, reason: 'job not created' })).state).toBe('released');
    expect((await a.client.reserve({ accountId: account, jobId: late, estimatedSeconds: 10, domain: '' })).state).toBe('released');
    expect((await a.client.getBalance({ accountId: account })).reserved?.micros).toBe(100_000n);
  });

  it('sweeps reservations older than the TTL and leaves fresh ones', async () => {
    const account = newAccount();
    await a.client.topUp({ accountId: account, amount: usd(2), idempotencyKey: 'k' });
    const jobId = newJob();
    await a.client.reserve({ accountId: account, jobId, estimatedSeconds: 100, domain: '' });
    await a.app.sweepOnce(new Date());
    expect((await a.client.getBalance({ accountId: account })).reserved?.micros).toBe(1_000_000n);
    const later = new Date(Date.now() + 25 * 3600 * 1000);
    const [n1, n2] = await Promise.all([a.app.sweepOnce(later), b.app.sweepOnce(later)]);
    expect(n1 + n2).toBeGreaterThanOrEqual(1);
    const balance = await a.client.getBalance({ accountId: account });
    expect(balance).toMatchObject({ available: { micros: 2_000_000n }, reserved: { micros: 0n } });
    await expectLedgerSound();
  });
});

describe('prices', () => {
  it('charges a job at the price in force when it was reserved, even after a price change', async () => {
    const plan = `plan-${randomUUID().slice(0, 6)}`;
    const account = newAccount();
    await a.client.setPrice({ plan, pricePerMinute: usd(0.3), minimumCharge: usd(0) });
    await a.client.setPrice({ plan, domain: 'medical', pricePerMinute: usd(0.9), minimumCharge: usd(0) });
    await a.client.setAccountPlan({ accountId: account, plan });
    await a.client.topUp({ accountId: account, amount: usd(10), idempotencyKey: 'k' });

    const before = newJob();
    expect((await a.client.reserve({ accountId: account, jobId: before, estimatedSeconds: 60, domain: '' })).amount?.micros).toBe(300_000n);
    const medical = newJob();
    expect((await a.client.reserve({ accountId: account, jobId: medical, estimatedSeconds: 60, domain: 'medical' })).amount?.micros).toBe(900_000n);

    await a.client.setPrice({ plan, pricePerMinute: usd(0.45), minimumCharge: usd(0) });
    const after = newJob();
    expect((await a.client.reserve({ accountId: account, jobId: after, estimatedSeconds: 60, domain: '' })).amount?.micros).toBe(450_000n);

    for (const j of [before, medical, after]) await h.publishCompletion(h.completion(j, account, 60, { domain: j === medical ? 'medical' : '' }));
    await h.drained('billing--transcription-completed');
    const usage = await a.client.getUsage({ accountId: account });
    const charged = Object.fromEntries(usage.lines.map((l) => [l.jobId, l.charged?.micros]));
    expect(charged).toEqual({ [before]: 300_000n, [medical]: 900_000n, [after]: 450_000n });
    const prices = await a.client.listPrices({ plan });
    expect(prices.prices).toHaveLength(3);
    expect((await rejection(a.client.setPrice({ plan, pricePerMinute: usd(1), effectiveFrom: { seconds: 1n, nanos: 0 } }))).kind).toBe('invalid_argument');
  });
});

describe('statements and reports', () => {
  it('has statement totals equal to the ledger', async () => {
    const account = newAccount();
    await a.client.topUp({ accountId: account, amount: usd(5), idempotencyKey: `signup:${account}`, note: 'signup credit' });
    await a.client.topUp({ accountId: account, amount: usd(7.5), idempotencyKey: 'invoice-1' });
    const jobs = [newJob(), newJob(), newJob(), newJob()];
    const seconds = [61.5, 300, 12, 45.01];
    for (const j of jobs) await b.client.reserve({ accountId: account, jobId: j, estimatedSeconds: 300, domain: '' });
    for (const [i, j] of jobs.slice(0, 3).entries()) await h.publishCompletion(h.completion(j, account, seconds[i]!));
    await h.drained('billing--transcription-completed');

    const st = await a.client.getStatement({ accountId: account, includeHtml: true });
    const range = monthRange(st.month);
    const sumLines = st.lines.reduce((s, l) => s + (l.charged?.micros ?? 0n), 0n);
    expect(st.lines).toHaveLength(3);
    expect(st.charges?.micros).toBe(sumLines);
    expect(st.charges?.micros).toBe(620_000n + 3_000_000n + 120_000n);
    expect(st.charges?.micros).toBe(await reports.ledgerRevenue(a.app.pool, account, range.start, range.end));
    expect(st.topUps?.micros).toBe(12_500_000n);
    expect(st.topUpLines.map((t) => t.source).sort()).toEqual(['manual', 'promotional']);
    expect(st.adjustments?.micros).toBe(0n);
    const balance = await a.client.getBalance({ accountId: account });
    // Closing = opening + top-ups - charges, and equals what the ledger holds for the customer.
    expect(st.closingBalance?.micros).toBe((st.openingBalance?.micros ?? 0n) + 12_500_000n - sumLines);
    expect(st.closingBalance?.micros).toBe((balance.available?.micros ?? 0n) + (balance.reserved?.micros ?? 0n));
    expect(balance.reserved?.micros).toBe(3_000_000n); // the fourth job is still running
    expect(st.html).toContain(jobs[0]);
    expect(st.html).toContain('$3.74');

    const usage = await a.client.getUsage({ accountId: account, month: st.month });
    expect(usage.charged?.micros).toBe(sumLines);
    expect((await rejection(a.client.getStatement({ accountId: account, month: '2026-13' }))).kind).toBe('invalid_argument');
    // Another account's statement has none of these lines.
    expect((await a.client.getStatement({ accountId: newAccount() })).lines).toHaveLength(0);
    await expectLedgerSound();
  });

  it('reports revenue, cost and margin per account and per day', async () => {
    const byAccount = await a.client.getMarginReport({ groupBy: 'account' });
    const byDay = await a.client.getMarginReport({ groupBy: 'day' });
    expect(byAccount.rows.length).toBeGreaterThan(1);
    expect(byDay.total?.revenue?.micros).toBe(byAccount.total?.revenue?.micros);
    const today = new Date().toISOString().slice(0, 10);
    expect(byDay.rows[0]?.key).toBe(today);
    const t = byDay.total!;
    expect(t.margin?.micros).toBe((t.revenue?.micros ?? 0n) - (t.computeCost?.micros ?? 0n));
    expect(t.marginRatio).toBeGreaterThan(0.9);
    expect((await rejection(a.client.getMarginReport({ groupBy: 'week' }))).kind).toBe('invalid_argument');
  });

  it('exposes the ledger imbalance (0), outstanding reservations and revenue on /metrics', async () => {
    const text = await fetch(`http://127.0.0.1:${a.app.opsPort}/metrics`).then((r) => r.text());
    expect(text).toMatch(/^verbatim_billing_ledger_imbalance_micros\{[^}]*\} 0$/m);
    expect(text).toMatch(/^verbatim_billing_balance_mismatches\{[^}]*\} 0$/m);
    expect(text).toMatch(/^verbatim_billing_reservations_outstanding\{[^}]*\} [1-9]/m);
    expect(text).toMatch(/^verbatim_billing_margin_ratio\{[^}]*plan="payg"[^}]*\} 0\.9/m);
    const revenue = [a, b].map(async (x) => fetch(`http://127.0.0.1:${x.app.opsPort}/metrics`).then((r) => r.text()));
    expect((await Promise.all(revenue)).some((t) => /^verbatim_billing_revenue_micros_total\{[^}]*plan="payg"[^}]*\} [1-9]/m.test(t))).toBe(true);
    const ready = await fetch(`http://127.0.0.1:${a.app.opsPort}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('refuses online payments when no provider is configured', async () => {
    const e = await rejection(a.client.createCheckoutSession({ accountId: newAccount(), amount: usd(10), successUrl: 'https://x/ok', cancelUrl: 'https://x/no' }));
    expect(e.kind).toBe('failed_precondition');
  });
});

// Keep an eye on the helper itself: it must not resolve before the condition holds.
it('eventually waits for its condition', async () => {
  let n = 0;
  await eventually(() => ++n >= 3, 1);
  expect(n).toBe(3);
});
