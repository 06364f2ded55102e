// The only place that reads process.env: common settings plus feedback's own, validated at once.
import { commonEnv, parseConfig, z } from '@verbatim/common';

export const configSchema = z.object({
  ...commonEnv,
  GRPC_PORT: z.coerce.number().int().min(0).max(65535).default(50054),
  GRPC_HOST: z.string().default('0.0.0.0'),
  OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9104),
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'lowercase letters, digits and _').default('feedback'),
  /** Create the database when missing (local runs); production databases are provisioned. */
  DATABASE_ENSURE: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** Quality gauges on /metrics cover corrections of the last N days. */
  FEEDBACK_METRICS_WINDOW_DAYS: z.coerce.number().positive().default(30),
  /** A cohort needs this many corrected jobs before it counts in the best/worst cohort gap. */
  FEEDBACK_COHORT_MIN_JOBS: z.coerce.number().int().min(1).default(5),
  FEEDBACK_CONSUMER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
});

export type Config = z.infer<typeof configSchema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseConfig(configSchema, env);
}
