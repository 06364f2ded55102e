// Stripe as the payment provider: Checkout Sessions for top-ups, and webhooks verified with
// stripe.webhooks.constructEvent over the raw body (a re-serialised body would not verify).
import Stripe from 'stripe';
import { MICROS_PER_CENT } from '../domain/money.js';
import { InvalidSignatureError, type CheckoutRequest, type CheckoutResult, type PaymentEvent, type PaymentProvider } from '../domain/payments.js';

/** Marks our sessions so a webhook for some other product on the same Stripe account is ignored. */
const PURPOSE = 'verbatim_credit_topup';

export interface StripeOptions {
  secretKey: string;
  webhookSecret: string;
  /** Tests point the client at a local server; production leaves these unset. */
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
}

export class StripePaymentProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  private readonly stripe: Stripe;

  constructor(private readonly options: StripeOptions) {
    this.stripe = new Stripe(options.secretKey, {
      maxNetworkRetries: 2,
      timeout: 20_000,
      ...(options.host ? { host: options.host, port: options.port, protocol: options.protocol ?? 'https' } : {}),
    });
  }

  async createCheckout(req: CheckoutRequest): Promise<CheckoutResult> {
    const cents = Number(req.amountMicros / MICROS_PER_CENT);
    const session = await this.stripe.checkout.sessions.create(
      {
        mode: 'payment',
        client_reference_id: req.accountId,
        metadata: { purpose: PURPOSE, account_id: req.accountId },
        line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: cents, product_data: { name: 'Verbatim transcription credit' } } }],
        success_url: req.successUrl,
        cancel_url: req.cancelUrl,
      },
      // Two identical requests (a retried RPC) create one session for a while.
      { idempotencyKey: `checkout:${req.accountId}:${cents}:${req.successUrl}:${Math.floor(Date.now() / 60_000)}` },
    );
    if (!session.url) throw new Error('Stripe returned a checkout session without a URL');
    return { sessionId: session.id, url: session.url };
  }

  parseWebhook(payload: Buffer, signature: string): PaymentEvent {
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(payload, signature, this.options.webhookSecret);
    } catch (e) {
      throw new InvalidSignatureError((e as Error).message);
    }
    const out: PaymentEvent = { eventId: event.id, type: event.type };
    // A card payment is paid at completion; a delayed method (bank debit) pays later.
    const paid =
      (event.type === 'checkout.session.completed' && event.data.object.payment_status === 'paid') ||
      event.type === 'checkout.session.async_payment_succeeded';
    if (paid) {
      const session = event.data.object as Stripe.Checkout.Session;
      const accountId = session.metadata?.account_id ?? session.client_reference_id ?? '';
      if (session.metadata?.purpose === PURPOSE && accountId && session.amount_total && session.currency === 'usd') {
        out.credit = { accountId, amountMicros: BigInt(session.amount_total) * MICROS_PER_CENT, reference: session.id };
      }
    }
    return out;
  }
}
