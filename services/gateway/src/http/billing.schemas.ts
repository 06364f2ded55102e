// TypeBox schemas of the billing routes: customer statements and checkout, the Stripe webhook,
// and the operator's admin routes (top-ups, prices, plans, margin, ledger check).
import { Type, type Static } from '@sinclair/typebox';
import { Balance, Money } from './schemas.js';

export const MONTH_PATTERN = '^\\d{4}-(0[1-9]|1[0-2])$';
/** RFC 3339 timestamp or YYYY-MM-DD date (midnight UTC). */
const TIME = Type.String({ maxLength: 40, description: 'RFC 3339 timestamp or YYYY-MM-DD (midnight UTC)' });

export const StatementParams = Type.Object({ month: Type.String({ pattern: MONTH_PATTERN, description: 'YYYY-MM', examples: ['2026-11'] }) });
export const StatementQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('html')], { description: 'html: the printable page (also chosen by Accept: text/html)' })),
});

const UsageLine = Type.Object({
  job_id: Type.String(),
  domain: Type.String(),
  audio_seconds: Type.Number(),
  billed_seconds: Type.Integer(),
  price_per_minute: Money,
  charged: Money,
  at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const Statement = Type.Object({
  month: Type.String(),
  plan: Type.String(),
  opening_balance: Money,
  top_ups: Money,
  charges: Money,
  adjustments: Money,
  closing_balance: Money,
  audio_seconds: Type.Number(),
  lines: Type.Array(UsageLine),
  top_up_lines: Type.Array(Type.Object({ at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]), amount: Money, source: Type.String(), reference: Type.String() })),
  generated_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const CheckoutBody = Type.Object(
  {
    amount_usd: Type.Number({ minimum: 0.5, maximum: 10_000, description: 'whole cents, at least 0.50' }),
    success_url: Type.Optional(Type.String({ format: 'uri', maxLength: 2048, description: 'where the payment page returns after paying; default: this server /?checkout=success' })),
    cancel_url: Type.Optional(Type.String({ format: 'uri', maxLength: 2048, description: 'default: this server /?checkout=cancelled' })),
  },
  { additionalProperties: false },
);
export const CheckoutSession = Type.Object({ session_id: Type.String(), url: Type.String({ description: 'send the customer here to pay' }) });

export const StripeWebhookResult = Type.Object({ received: Type.Literal(true), event_id: Type.String(), type: Type.String(), credited: Type.Boolean(), duplicate: Type.Boolean() });

export const AccountParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const TopUpBody = Type.Object(
  {
    amount_usd: Type.Number({ exclusiveMinimum: 0, maximum: 100_000 }),
    idempotency_key: Type.String({ minLength: 1, maxLength: 200, description: 'a retry with the same key adds nothing' }),
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type TopUpBody = Static<typeof TopUpBody>;

export const MarginQuery = Type.Object({
  group_by: Type.Union([Type.Literal('job'), Type.Literal('account'), Type.Literal('day')], { default: 'day' }),
  since: Type.Optional(TIME),
  until: Type.Optional(TIME),
  account_id: Type.Optional(Type.String({ format: 'uuid' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});

const MarginRow = Type.Object({
  key: Type.String({ description: 'job id, account id or YYYY-MM-DD' }),
  jobs: Type.Integer(),
  audio_seconds: Type.Number(),
  revenue: Money,
  compute_cost: Money,
  margin: Money,
  margin_ratio: Type.Number({ description: 'margin / revenue; 0 without revenue' }),
  cpu_seconds: Type.Number(),
  gpu_seconds: Type.Number(),
});
export const MarginReport = Type.Object({ group_by: Type.String(), rows: Type.Array(MarginRow), total: Type.Union([MarginRow, Type.Null()]) });

export const Price = Type.Object({
  id: Type.Integer(),
  plan: Type.String(),
  domain: Type.String({ description: 'empty: the plan default' }),
  price_per_minute: Money,
  minimum_charge: Money,
  effective_from: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export const PricesQuery = Type.Object({ plan: Type.Optional(Type.String({ maxLength: 64 })) });
export const PriceList = Type.Object({ data: Type.Array(Price) });
export const SetPriceBody = Type.Object(
  {
    plan: Type.String({ minLength: 1, maxLength: 64 }),
    domain: Type.Optional(Type.String({ maxLength: 64, description: 'empty or absent: the plan default' })),
    price_per_minute_usd: Type.Number({ minimum: 0, maximum: 1000 }),
    minimum_charge_usd: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
    effective_from: Type.Optional(Type.String({ format: 'date-time', description: 'default now; never in the past' })),
  },
  { additionalProperties: false },
);
export const SetPlanBody = Type.Object({ plan: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
export { Balance };

export const LedgerCheck = Type.Object({
  ok: Type.Boolean({ description: 'imbalance, unbalanced transactions and balance mismatches are all 0' }),
  imbalance_micros: Type.Integer(),
  unbalanced_transactions: Type.Integer(),
  balance_mismatches: Type.Integer(),
  transactions: Type.Integer(),
  entries: Type.Integer(),
});
