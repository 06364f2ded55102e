// The only place billing reads process.env: the shared variables plus billing's own, validated
// together so every problem is reported at once.
import { commonEnv, parseConfig, z } from '@verbatim/common';

const micros = z.coerce.number().int().nonnegative();
/** Unit costs may be fractional micros (a vCPU-second costs about 12.4 micros). */
const fractionalMicros = z.coerce.number().nonnegative().finite();

export const billingEnv = z
  .object({
    ...commonEnv,
    GRPC_PORT: z.coerce.number().int().min(0).max(65535).default(50053),
    OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9103),
    DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'lowercase letters, digits and _ only').default('billing'),

    /** The plan new accounts get, created with the price below if it has no price yet. */
    DEFAULT_PLAN: z.string().regex(/^[a-z0-9_-]+$/).default('payg'),
    DEFAULT_PRICE_PER_MINUTE_MICROS: micros.default(100_000),
    MINIMUM_CHARGE_MICROS: micros.default(10_000),

    COST_PER_CPU_SECOND_MICROS: fractionalMicros.default(12.4),
    COST_PER_GPU_SECOND_MICROS: fractionalMicros.default(280),
    COST_PER_GB_MONTH_MICROS: fractionalMicros.default(23_000),
    /** Stored bytes per second of audio, for the storage share of a job's cost (the event has no size). */
    AUDIO_STORAGE_BYTES_PER_SECOND: z.coerce.number().nonnegative().default(16_000),
    AUDIO_RETENTION_DAYS: z.coerce.number().nonnegative().default(30),

    /** A reservation with no completion after this long is released by the sweeper. */
    RESERVATION_TTL_SECONDS: z.coerce.number().int().positive().default(24 * 3600),
    SWEEP_INTERVAL_SECONDS: z.coerce.number().int().positive().default(60),
    /** The imbalance gauges reuse a ledger check younger than this (it scans the whole ledger). */
    LEDGER_CHECK_MAX_AGE_SECONDS: z.coerce.number().int().nonnegative().default(60),
    CONSUMER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),

    STRIPE_SECRET_KEY: z.string().min(1).optional(),
    STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  })
  .superRefine((c, ctx) => {
    if (Boolean(c.STRIPE_SECRET_KEY) !== Boolean(c.STRIPE_WEBHOOK_SECRET)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['STRIPE_WEBHOOK_SECRET'], message: 'set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET together, or neither' });
    }
  });

export type BillingConfig = z.infer<typeof billingEnv>;

export function loadConfig(env: Record<string, string | undefined> = process.env): BillingConfig {
  return parseConfig(billingEnv, env);
}
