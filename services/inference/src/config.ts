// The inference service's configuration: the only place that reads process.env. Every problem is
// reported together and the service refuses to start (STYLE.md, convention 2).
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { commonEnv, flags, parseConfig, z } from '@verbatim/common';

const schema = z.object({
  ...commonEnv,
  GRPC_HOST: z.string().default('0.0.0.0'),
  GRPC_PORT: z.coerce.number().int().min(0).max(65535).default(50052),
  OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9102),
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'lowercase letters, digits and _').default('inference'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(2).max(100).default(10),

  /** Jobs transcribed at once by this replica (each uses ORT_THREADS cores); 0 = no worker. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(0).max(64).default(1),
  /** false (or WORKER_CONCURRENCY=0) runs an API/captions-only replica that takes no jobs. */
  WORKER_ENABLED: flags.bool.default('true'),
  /** How often a running job writes its progress and heartbeat to its row. */
  PROGRESS_INTERVAL_MS: z.coerce.number().int().min(50).default(2_000),
  /** On SIGTERM, in-flight jobs get this long to finish before they are handed back. */
  DRAIN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),

  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(50).default(30_000),
  QUEUED_STALE_SECONDS: z.coerce.number().min(0).default(300),
  PROCESSING_STALE_SECONDS: z.coerce.number().min(1).default(600),
  /** Processing attempts of one job (across redeliveries and re-enqueues) before it is failed. */
  MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),

  MODEL_DIR: z.string().optional(),
  /** e.g. models/verbatim-ctc-en/20261127/ in S3_BUCKET: downloaded to MODEL_CACHE_DIR, then loaded. */
  MODEL_S3_PREFIX: z.string().optional(),
  MODEL_CACHE_DIR: z.string().default(join(tmpdir(), 'verbatim-models')),
  ORT_THREADS: z.coerce.number().int().min(1).max(256).default(availableParallelism()),
  ORT_BATCH_SIZE: z.coerce.number().int().min(1).max(512).optional(),
  EXECUTION_PROVIDER: z.enum(['cpu', 'cuda']).default('cpu'),

  /** Live caption streams one replica serves at once (they share the CPU with batch jobs). */
  CAPTIONS_MAX_STREAMS: z.coerce.number().int().min(0).default(4),
  CAPTIONS_MAX_SECONDS: z.coerce.number().int().min(1).default(4 * 3600),

  /** Vocabulary limits of a request (a customer's names and jargon). */
  MAX_VOCABULARY_ENTRIES: z.coerce.number().int().min(0).default(1_000),
  MAX_VOCABULARY_ENTRY_CHARS: z.coerce.number().int().min(1).default(100),
});

export type Config = z.infer<typeof schema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseConfig(schema, env);
}
