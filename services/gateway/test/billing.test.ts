// Customer billing routes against real PostgreSQL and a real gRPC billing server (in-test
// implementation): statements as JSON and printable HTML, month validation, Stripe Checkout, and
// the Stripe webhook whose raw bytes must reach billing untouched for the signature to verify.
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { AppError } from '@verbatim/common';
import type { billing } from '@verbatim/proto';
import { startBackend, startBackendGateway, type BackendGateway } from './backend';

const usd = (micros: bigint) => ({ micros, currency: 'USD' });
const GOOD_SIGNATURE = 't=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd';

let g: BackendGateway;
let alice: Awaited<ReturnType<BackendGateway['customer']>>;
let stripeConfigured = true;

beforeAll(async () => {
  const backend = await startBackend({
    billing: {
      getStatement: async (req: billing.GetStatementRequest) => ({
        accountId: req.accountId,
        month: req.month,
        plan: 'payg',
        openingBalance: usd(10_000_000n),
        topUps: usd(5_000_000n),
        charges: usd(250_000n),
        adjustments: usd(0n),
        closingBalance: usd(14_750_000n),
        audioSeconds: 150,
        lines: [
          { jobId: 'job-1', audioSeconds: 150, charged: usd(250_000n), at: timestampFromDate(new Date('2026-11-03T09:00:00Z')), domain: 'medicine', billedSeconds: 150n, pricePerMinute: usd(100_000n) },
        ],
        topUpLines: [{ at: timestampFromDate(new Date('2026-11-01T08:00:00Z')), amount: usd(5_000_000n), source: 'stripe', reference: 'cs_test_1' }],
        html: req.includeHtml ? `<!doctype html><html><body><h1>Statement ${req.month}</h1></body></html>` : '',
        generatedAt: timestampFromDate(new Date('2026-11-27T12:00:00Z')),
      }),
      createCheckoutSession: async (req: billing.CreateCheckoutSessionRequest) => {
        if (!stripeConfigured) throw new AppError('failed_precondition', 'online payments are not configured; ask an operator to add credit');
        return { sessionId: 'cs_test_123', url: `https://checkout.stripe.test/pay/cs_test_123?amount=${req.amount?.micros}` };
      },
      handleStripeWebhook: async (req: billing.StripeWebhookRequest) => {
        if (req.signature !== GOOD_SIGNATURE) throw new AppError('invalid_argument', 'webhook signature verification failed');
        return { eventId: 'evt_1', type: 'checkout.session.completed', credited: true, duplicate: false, accountId: 'a' };
      },
    },
  });
  g = await startBackendGateway(backend);
  alice = await g.customer('Alice');
});

afterAll(async () => {
  await g.close();
});

const inject = (...args: Parameters<BackendGateway['t']['gateway']['http']['inject']>) => g.t.gateway.http.inject(...args);

describe('GET /v1/billing/statements/:month', () => {
  it('answers JSON for the caller\'s account', async () => {
    const res = await inject({ method: 'GET', url: '/v1/billing/statements/2026-11', headers: alice.auth });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const s = res.json();
    expect(s).toMatchObject({
      month: '2026-11',
      plan: 'payg',
      opening_balance: { micros: 10_000_000, amount: '10.00', currency: 'USD' },
      top_ups: { amount: '5.00' },
      charges: { amount: '0.25' },
      closing_balance: { amount: '14.75' },
      audio_seconds: 150,
      generated_at: '2026-11-27T12:00:00.000Z',
    });
    expect(s.lines).toEqual([
      { job_id: 'job-1', domain: 'medicine', audio_seconds: 150, billed_seconds: 150, price_per_minute: { micros: 100_000, currency: 'USD', amount: '0.10' }, charged: { micros: 250_000, currency: 'USD', amount: '0.25' }, at: '2026-11-03T09:00:00.000Z' },
    ]);
    expect(s.top_up_lines).toEqual([{ at: '2026-11-01T08:00:00.000Z', amount: { micros: 5_000_000, currency: 'USD', amount: '5.00' }, source: 'stripe', reference: 'cs_test_1' }]);
    expect(s).not.toHaveProperty('html');
    expect(g.backend.last<billing.GetStatementRequest>('GetStatement')).toMatchObject({ accountId: alice.accountId, month: '2026-11', includeHtml: false });
  });

  it('answers the printable HTML page with ?format=html or Accept: text/html', async () => {
    for (const req of [
      { url: '/v1/billing/statements/2026-10?format=html', headers: alice.auth },
      { url: '/v1/billing/statements/2026-10', headers: { ...alice.auth, accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' } },
    ]) {
      const res = await inject({ method: 'GET', ...req });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toBe('<!doctype html><html><body><h1>Statement 2026-10</h1></body></html>');
      expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
      expect(g.backend.last<billing.GetStatementRequest>('GetStatement')).toMatchObject({ accountId: alice.accountId, month: '2026-10', includeHtml: true });
    }
    const json = await inject({ method: 'GET', url: '/v1/billing/statements/2026-10?format=json', headers: { ...alice.auth, accept: 'text/html' } });
    expect(json.headers['content-type']).toMatch(/^application\/json/);
  });

  it('400 unless the month is YYYY-MM, without asking billing', async () => {
    const before = g.backend.count('GetStatement');
    for (const month of ['2026-13', '2026-1', 'november', '2026-00', '26-11']) {
      const res = await inject({ method: 'GET', url: `/v1/billing/statements/${month}`, headers: alice.auth });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: { code: 'invalid_argument', message: 'month must be YYYY-MM, e.g. 2026-11' } });
    }
    expect(g.backend.count('GetStatement')).toBe(before);
  });

  it('needs an API key', async () => {
    expect((await inject({ method: 'GET', url: '/v1/billing/statements/2026-11' })).statusCode).toBe(401);
  });
});

describe('POST /v1/billing/checkout', () => {
  it('creates a checkout session for whole cents', async () => {
    const res = await inject({ method: 'POST', url: '/v1/billing/checkout', headers: { ...alice.auth, host: 'app.verbatim.test' }, payload: { amount_usd: 25.5 } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ session_id: 'cs_test_123', url: 'https://checkout.stripe.test/pay/cs_test_123?amount=25500000' });
    const req = g.backend.last<billing.CreateCheckoutSessionRequest>('CreateCheckoutSession');
    expect(req).toMatchObject({ accountId: alice.accountId, amount: { micros: 25_500_000n, currency: 'USD' }, successUrl: 'http://app.verbatim.test/?checkout=success', cancelUrl: 'http://app.verbatim.test/?checkout=cancelled' });
  });

  it('400 for fractions of a cent or less than $0.50', async () => {
    expect((await inject({ method: 'POST', url: '/v1/billing/checkout', headers: alice.auth, payload: { amount_usd: 10.005 } })).json().error.message).toMatch(/whole number of cents/);
    expect((await inject({ method: 'POST', url: '/v1/billing/checkout', headers: alice.auth, payload: { amount_usd: 0.2 } })).statusCode).toBe(400);
  });

  it('409 with billing\'s message when Stripe is not configured', async () => {
    stripeConfigured = false;
    const res = await inject({ method: 'POST', url: '/v1/billing/checkout', headers: alice.auth, payload: { amount_usd: 10 } });
    stripeConfigured = true;
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ error: { code: 'failed_precondition', message: 'online payments are not configured; ask an operator to add credit' } });
  });
});

describe('POST /v1/billing/stripe/webhook', () => {
  // Spacing, key order and non-ASCII text that any parse-and-reserialise would change.
  const body = Buffer.from('{\n  "id": "evt_1",\t"type":"checkout.session.completed",  "data": {"object": {"name": "Zoë \\u00e9", "amount_total": 2550.0}}}\n', 'utf8');

  it('passes the raw body bytes and the signature to billing, without an API key', async () => {
    const res = await inject({ method: 'POST', url: '/v1/billing/stripe/webhook', headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': GOOD_SIGNATURE }, payload: body });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: true, event_id: 'evt_1', type: 'checkout.session.completed', credited: true, duplicate: false });
    const req = g.backend.last<billing.StripeWebhookRequest>('HandleStripeWebhook');
    expect(Buffer.from(req.payload).equals(body)).toBe(true);
    expect(req.signature).toBe(GOOD_SIGNATURE);
  });

  it('400 for a bad or missing signature', async () => {
    const bad = await inject({ method: 'POST', url: '/v1/billing/stripe/webhook', headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' }, payload: body });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ error: { code: 'invalid_argument', message: 'webhook signature verification failed' } });
    const calls = g.backend.count('HandleStripeWebhook');
    const missing = await inject({ method: 'POST', url: '/v1/billing/stripe/webhook', headers: { 'content-type': 'application/json' }, payload: body });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.message).toBe('missing Stripe-Signature header');
    expect(g.backend.count('HandleStripeWebhook')).toBe(calls);
  });

  it('leaves JSON parsing of the other routes alone', async () => {
    const res = await inject({ method: 'POST', url: '/v1/billing/checkout', headers: alice.auth, payload: { amount_usd: 1 } });
    expect(res.statusCode).toBe(201);
  });
});
