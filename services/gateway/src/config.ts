// The gateway's configuration: the only module that reads process.env. Validated once at start-up;
// every problem is reported together (STYLE.md, convention 2).
import { commonEnv, parseConfig, z } from '@verbatim/common';

const csv = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

export const configSchema = z.object({
  ...commonEnv,
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  /** PostgreSQL schema the gateway owns (tests use a unique one). */
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('gateway'),
  UPLOAD_ADDR: z.string().default('127.0.0.1:50051'),
  INFERENCE_ADDR: z.string().default('127.0.0.1:50052'),
  BILLING_ADDR: z.string().default('127.0.0.1:50053'),
  FEEDBACK_ADDR: z.string().default('127.0.0.1:50054'),
  /** Default deadline of a unary gRPC call to another service. */
  GRPC_DEADLINE_MS: z.coerce.number().int().positive().default(10_000),
  /** Deadline of one streamed upload (a 2 GiB file over a slow link takes a while). */
  UPLOAD_DEADLINE_MS: z.coerce.number().int().positive().default(60 * 60 * 1000),
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(2 * 1024 * 1024 * 1024),
  /** Hosts, IPs or CIDRs that outbound fetches (audio_url, webhooks) may reach even when private. */
  AUDIO_URL_ALLOWLIST: csv,
  AUDIO_URL_TIMEOUT_MS: z.coerce.number().int().positive().default(10 * 60 * 1000),
  AUDIO_URL_MAX_REDIRECTS: z.coerce.number().int().min(0).max(20).default(5),
  SYNC_TRANSCRIPTION_TIMEOUT_MS: z.coerce.number().int().positive().default(15 * 60 * 1000),
  SYNC_POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(300),
  SIGNUP_CREDIT_MICROS: z.coerce.number().int().min(0).default(10_000_000),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(12),
  /** First retry delay; each later one doubles, capped at WEBHOOK_RETRY_MAX_MS (12 attempts ≈ 21 h). */
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().positive().default(30_000),
  WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().positive().default(6 * 60 * 60 * 1000),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  WEBHOOK_POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(1_000),
  /** How long a web sign-in lasts. */
  SESSION_TTL_HOURS: z.coerce.number().positive().default(24 * 14),
  /** Size of each part of a resumable web upload (the last may be smaller). */
  UPLOAD_PART_BYTES: z.coerce.number().int().min(64 * 1024).max(64 * 1024 * 1024).default(8 * 1024 * 1024),
  /** An unfinished resumable upload and its parts are removed after this long. */
  UPLOAD_SESSION_TTL_HOURS: z.coerce.number().positive().default(24),
  /** The built web app; the default is packages/web/dist of this repository. */
  WEB_DIST_DIR: z.string().optional(),
  /** Run the JetStream consumers and the webhook delivery worker (off for API-only replicas and some tests). */
  WEBHOOKS_ENABLED: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
});

export type Config = z.infer<typeof configSchema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseConfig(configSchema, env);
}
