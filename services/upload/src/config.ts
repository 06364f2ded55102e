// The only place that reads process.env: validated once at start-up, every problem reported together.
import { commonEnv, parseConfig, z } from '@verbatim/common';

export const uploadEnv = {
  ...commonEnv,
  GRPC_PORT: z.coerce.number().int().min(0).max(65535).default(50051),
  OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9101),
  DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'lowercase letters, digits and _ only').default('upload'),
  /** Largest upload accepted, bytes (default 2 GiB: four hours of 16-bit 44.1 kHz stereo WAV is ~2.5 GB). */
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(2 * 1024 ** 3),
  /** Longest audio accepted, seconds of decoded audio (default 4 h). */
  MAX_DURATION_SECONDS: z.coerce.number().positive().default(4 * 3600),
  /** Media older than this many days are deleted by the retention sweep; 0 keeps media forever. */
  RETENTION_DAYS: z.coerce.number().min(0).default(0),
  RETENTION_SWEEP_INTERVAL_SECONDS: z.coerce.number().int().positive().default(3600),
  FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  /** Concurrent uploads per replica (each runs one ffmpeg); more are refused with RESOURCE_EXHAUSTED. */
  MAX_CONCURRENT_UPLOADS: z.coerce.number().int().positive().default(8),
  /** S3 multipart part size (min 5 MiB) and parts in flight: memory per upload is about part × (queue + 1). */
  S3_PART_SIZE_BYTES: z.coerce.number().int().min(5 * 1024 * 1024).default(5 * 1024 * 1024),
  S3_UPLOAD_QUEUE_SIZE: z.coerce.number().int().min(1).max(16).default(2),
  /** Where M4A/MP4 uploads are spooled for probing (they need a seekable input); the OS temp dir when unset. */
  UPLOAD_TMP_DIR: z.string().optional(),
};

export const configSchema = z.object(uploadEnv);
export type Config = z.infer<typeof configSchema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseConfig(configSchema, env);
}
