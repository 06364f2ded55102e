// An in-process S3-compatible endpoint for local runs and tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { createS3Client, ensureBucket, type S3Options } from '@verbatim/common';

export interface EmbeddedS3 {
  endpoint: string;
  options: S3Options;
  close(): Promise<void>;
}

/** Starts an in-process S3-compatible endpoint (s3rver) storing objects under `directory`. */
export async function startEmbeddedS3(options: { port?: number; directory?: string; buckets?: string[] } = {}): Promise<EmbeddedS3> {
  const temporary = !options.directory;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'verbatim-s3-')));
  const server = new S3rver({ port: options.port ?? 0, address: '127.0.0.1', directory, silent: true });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const s3Options: S3Options = { endpoint, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true };
  const client = createS3Client(s3Options);
  for (const b of options.buckets ?? []) await ensureBucket(client, b);
  client.destroy();
  return {
    endpoint,
    options: s3Options,
    close: async () => {
      await server.close();
      if (temporary) await rm(directory, { recursive: true, force: true });
    },
  };
}

