// The embedded S3 endpoint that local runs and tests rely on, driven by the real AWS SDK with
// the platform's client options (a streamed body must be stored as sent, not chunk-framed).
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createS3Client } from '@verbatim/common';
import { freePort, startEmbeddedS3, uniqueBucket, uniqueName, type EmbeddedS3 } from '../src/index.js';

describe('embedded S3', () => {
  let s3: EmbeddedS3;
  const bucket = uniqueBucket('devkit');

  beforeAll(async () => {
    s3 = await startEmbeddedS3({ buckets: [bucket] });
  });
  afterAll(() => s3.close());

  it('stores a streamed multipart upload byte for byte', async () => {
    const client = createS3Client(s3.options);
    const body = Buffer.alloc(11 * 1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31) % 251;
    const upload = new Upload({ client, params: { Bucket: bucket, Key: 'audio/a/m1', Body: Readable.from([body.subarray(0, 6e6), body.subarray(6e6)]) }, partSize: 5 * 1024 * 1024 });
    await upload.done();
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'audio/a/m1' }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(bytes.length).toBe(body.length);
    expect(bytes.equals(body)).toBe(true);
    client.destroy();
  });

  it('round-trips a small object', async () => {
    const client = createS3Client(s3.options);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'transcripts/a/j.json', Body: '{"text":"hello"}', ContentType: 'application/json' }));
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'transcripts/a/j.json' }));
    expect(await got.Body!.transformToString()).toBe('{"text":"hello"}');
    client.destroy();
  });
});

describe('names and ports', () => {
  it('makes unique names that are safe as SQL identifiers and bucket names', () => {
    const a = uniqueName('t');
    expect(a).toMatch(/^[a-z_][a-z0-9_]*$/);
    expect(uniqueName('t')).not.toBe(a);
    expect(uniqueBucket('x')).toMatch(/^[a-z0-9-]{3,63}$/);
  });

  it('finds a free port', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(1024);
  });
});
