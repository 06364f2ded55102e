// Support for running the platform on one machine and for tests against real services:
// an embedded S3 endpoint, unique names, a scratch database schema and NATS namespace.
import { randomBytes } from 'node:crypto';
export { startEmbeddedS3, type EmbeddedS3 } from './embedded-s3.js';

/** A name unique to this test run: lowercase letters, digits and '_' (safe for SQL, NATS, S3). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`.toLowerCase();
}

export { startPlatform, freePort, SERVICES, type Platform, type PlatformOptions, type ServiceName } from './platform.js';

export const localServices = {
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/verbatim_test',
  natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
};

/** A unique S3 bucket name (lowercase letters, digits and '-'). */
export function uniqueBucket(prefix = 'test'): string {
  return uniqueName(prefix).replace(/_/g, '-');
}
