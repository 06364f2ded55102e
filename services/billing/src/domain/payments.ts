// The payment provider behind one interface: start a hosted top-up payment, and turn the
// provider's signed webhook into a verified event (with the credit it grants, if any).

export interface CheckoutRequest {
  accountId: string;
  amountMicros: bigint;
  successUrl: string;
  cancelUrl: string;
}

export interface CheckoutResult {
  sessionId: string;
  url: string;
}

export interface PaymentEvent {
  /** The provider's event id: handling is idempotent on it. */
  eventId: string;
  type: string;
  /** Set when the event means money was received for an account. */
  credit?: {
    accountId: string;
    amountMicros: bigint;
    /** The provider's payment reference (checkout session id); one credit per reference. */
    reference: string;
  };
}

export class InvalidSignatureError extends Error {}

export interface PaymentProvider {
  readonly name: 'stripe';
  createCheckout(request: CheckoutRequest): Promise<CheckoutResult>;
  /** Verifies the signature over the raw body and parses it; throws InvalidSignatureError. */
  parseWebhook(payload: Buffer, signature: string): PaymentEvent;
}
