// Stripe top-ups: webhooks verified with the official library's signature scheme (payloads
// signed with stripe.webhooks.generateTestHeaderString, correctly and incorrectly), idempotent
// on the event id and on the checkout session; checkout sessions created through the library
// against a local stand-in for api.stripe.com.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { AppError } from '@verbatim/common';
import Stripe from 'stripe';
import { StripePaymentProvider } from '../src/adapters/stripe.payment-provider.js';
import { Harness, usd, type BillingClient } from './harness.js';

const SECRET_KEY = 'sk_test_verbatim';
const WEBHOOK_SECRET = 'whsec_verbatim_test';
const stripe = new Stripe(SECRET_KEY);

const h = new Harness({ STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET });
let client: BillingClient;
let fakeApi: Server;
const apiRequests: { path: string; body: string }[] = [];

beforeAll(async () => {
  await h.setUp();
  fakeApi = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      apiRequests.push({ path: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_test' });
      res.end(JSON.stringify({ id: 'cs_test_123', object: 'checkout.session', url: 'https://checkout.stripe.com/c/pay/cs_test_123' }));
    });
  });
  await new Promise<void>((r) => fakeApi.listen(0, '127.0.0.1', r));
  const port = (fakeApi.address() as { port: number }).port;
  const payments = new StripePaymentProvider({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, host: '127.0.0.1', port, protocol: 'http' });
  ({ client } = await h.startApp({ payments }));
});

afterAll(async () => {
  await h.tearDown();
  await new Promise((r) => fakeApi.close(r));
});

function sessionCompleted(opts: { eventId?: string; type?: string; session: string; account: string; cents: number; purpose?: string; paid?: boolean }): string {
  return JSON.stringify({
    id: opts.eventId ?? `evt_${randomUUID().replace(/-/g, '')}`,
    object: 'event',
    api_version: '2025-01-27.acacia',
    created: Math.floor(Date.now() / 1000),
    type: opts.type ?? 'checkout.session.completed',
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: {
      object: {
        id: opts.session,
        object: 'checkout.session',
        mode: 'payment',
        amount_total: opts.cents,
        currency: 'usd',
        client_reference_id: opts.account,
        metadata: { purpose: opts.purpose ?? 'verbatim_credit_topup', account_id: opts.account },
        payment_status: opts.paid === false ? 'unpaid' : 'paid',
        status: 'complete',
      },
    },
  });
}

const signed = (payload: string, secret = WEBHOOK_SECRET) => ({ payload: Buffer.from(payload), signature: stripe.webhooks.generateTestHeaderString({ payload, secret }) });

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    return e as AppError;
  }
  throw new Error('expected the call to fail');
}

it('credits a correctly signed checkout.session.completed once, however often it is delivered', async () => {
  const account = `acct-${randomUUID().slice(0, 8)}`;
  const payload = sessionCompleted({ session: 'cs_test_a1', account, cents: 2_500 });
  const first = await client.handleStripeWebhook(signed(payload));
  expect(first).toMatchObject({ credited: true, duplicate: false, accountId: account, type: 'checkout.session.completed' });
  // Stripe retries the same event (re-signed, as it would be), twice at once.
  const again = await Promise.all([client.handleStripeWebhook(signed(payload)), client.handleStripeWebhook(signed(payload))]);
  for (const r of again) expect(r).toMatchObject({ credited: false, duplicate: true });
  // A later event for the same session (a delayed payment method settling) does not credit again.
  const settled = await client.handleStripeWebhook(signed(sessionCompleted({ type: 'checkout.session.async_payment_succeeded', session: 'cs_test_a1', account, cents: 2_500 })));
  expect(settled).toMatchObject({ credited: false, duplicate: false });

  expect((await client.getBalance({ accountId: account })).available?.micros).toBe(25_000_000n);
  const st = await client.getStatement({ accountId: account });
  expect(st.topUpLines).toHaveLength(1);
  expect(st.topUpLines[0]).toMatchObject({ source: 'stripe', reference: 'cs_test_a1' });
});

it('rejects a payload signed with another secret or altered after signing, and changes nothing', async () => {
  const account = `acct-${randomUUID().slice(0, 8)}`;
  const payload = sessionCompleted({ session: 'cs_test_b1', account, cents: 10_000 });
  const wrongSecret = await rejection(client.handleStripeWebhook(signed(payload, 'whsec_someone_else')));
  expect(wrongSecret.kind).toBe('invalid_argument');
  expect(wrongSecret.message).toBe('webhook signature verification failed');

  const good = signed(payload);
  const tampered = { payload: Buffer.from(payload.replace('10000', '99999999')), signature: good.signature };
  expect((await rejection(client.handleStripeWebhook(tampered))).kind).toBe('invalid_argument');
  expect((await rejection(client.handleStripeWebhook({ payload: Buffer.from(payload), signature: '' }))).kind).toBe('invalid_argument');
  expect((await client.getBalance({ accountId: account })).available?.micros).toBe(0n);
});

it('acknowledges events that grant no credit without crediting', async () => {
  const account = `acct-${randomUUID().slice(0, 8)}`;
  const unpaid = await client.handleStripeWebhook(signed(sessionCompleted({ session: 'cs_test_c1', account, cents: 500, paid: false })));
  const foreign = await client.handleStripeWebhook(signed(sessionCompleted({ session: 'cs_test_c2', account, cents: 500, purpose: 'merch' })));
  for (const r of [unpaid, foreign]) expect(r).toMatchObject({ credited: false, duplicate: false });
  expect((await client.getBalance({ accountId: account })).available?.micros).toBe(0n);
});

it('creates a checkout session for a top-up through the Stripe library', async () => {
  const session = await client.createCheckoutSession({ accountId: 'acct-checkout', amount: usd(20), successUrl: 'https://app.example/billing?ok=1', cancelUrl: 'https://app.example/billing' });
  expect(session).toEqual(expect.objectContaining({ sessionId: 'cs_test_123', url: 'https://checkout.stripe.com/c/pay/cs_test_123' }));
  const req = apiRequests.find((r) => r.path === '/v1/checkout/sessions')!;
  const form = new URLSearchParams(req.body);
  expect(form.get('line_items[0][price_data][unit_amount]')).toBe('2000');
  expect(form.get('client_reference_id')).toBe('acct-checkout');
  expect(form.get('metadata[purpose]')).toBe('verbatim_credit_topup');
  expect((await rejection(client.createCheckoutSession({ accountId: 'a', amount: usd(0.1), successUrl: 'https://x', cancelUrl: 'https://x' }))).kind).toBe('invalid_argument');
});
