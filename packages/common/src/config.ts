// Configuration is read from the environment once, validated as a whole, and every problem is
// reported together; a service refuses to start on bad configuration (STYLE.md, convention 2).
import { z } from 'zod';

export { z };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig<S extends z.ZodTypeAny>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return result.data;
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Environment variables every service understands, with local-machine defaults. */
export const commonEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  /** Prefix for every subject, stream and durable name: isolates tests and tenants of one NATS. */
  NATS_NAMESPACE: z.string().regex(/^[a-z0-9_-]*$/i, 'letters, digits, _ and - only').default(''),
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/verbatim'),
  S3_ENDPOINT: z.string().url().optional(),
  S3_REGION: z.string().default('us-east-1'),
  S3_BUCKET: z.string().default('verbatim'),
  S3_ACCESS_KEY_ID: z.string().default('S3RVER'),
  S3_SECRET_ACCESS_KEY: z.string().default('S3RVER'),
  S3_FORCE_PATH_STYLE: bool.default('true'),
  SHUTDOWN_DEADLINE_MS: z.coerce.number().int().positive().default(25_000),
};

export const flags = { bool };
