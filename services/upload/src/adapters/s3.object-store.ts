// Object storage for uploaded audio: bytes stream into an S3 multipart upload through a small
// buffer, so at most partSize × (queueSize + 1) bytes of a file are in memory at once.
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { AppError, isAppError, type Logger } from '@verbatim/common';
import type { ByteSink, ObjectStore } from '../domain/media.js';

export interface S3ObjectStoreOptions {
  /** Bytes per multipart part (S3's minimum is 5 MiB). */
  partSizeBytes: number;
  /** Parts uploaded concurrently. */
  queueSize: number;
}

const storeUnavailable = () => new AppError('unavailable', 'the media store is unavailable; try again shortly');

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly logger: Logger,
    private readonly options: S3ObjectStoreOptions = { partSizeBytes: 5 * 1024 * 1024, queueSize: 2 },
  ) {}

  beginUpload(key: string, contentType: string): ByteSink {
    const body = new PassThrough({ highWaterMark: 256 * 1024 });
    body.on('error', () => undefined); // surfaced through the upload's promise
    const upload = new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType },
      partSize: this.options.partSizeBytes,
      queueSize: this.options.queueSize,
      leavePartsOnError: false,
    });
    // Aborted when the upload fails, so a writer waiting for 'drain' is released.
    const broken = new AbortController();
    let aborted = false;
    const done: Promise<void> = upload.done().then(
      () => undefined,
      (e: unknown) => {
        broken.abort(e);
        throw e;
      },
    );
    done.catch(() => undefined);
    const failure = (e: unknown) => {
      if (aborted) return new AppError('cancelled', 'the upload was aborted');
      if (isAppError(e)) return e;
      this.logger.warn({ err: e, key }, 'writing to object storage failed');
      return storeUnavailable();
    };

    return {
      write: async (chunk) => {
        if (aborted || broken.signal.aborted) throw failure(broken.signal.reason);
        if (body.write(chunk)) return;
        await new Promise<void>((resolve, reject) => {
          const onBroken = () => {
            body.off('drain', onDrain);
            reject(failure(broken.signal.reason));
          };
          const onDrain = () => {
            broken.signal.removeEventListener('abort', onBroken);
            resolve();
          };
          body.once('drain', onDrain);
          broken.signal.addEventListener('abort', onBroken, { once: true });
        });
      },
      finish: async () => {
        body.end();
        try {
          await done;
        } catch (e) {
          throw failure(e);
        }
      },
      abort: async () => {
        if (aborted) return;
        aborted = true;
        // Failing the body stream makes lib-storage abort the multipart upload (no parts left behind).
        body.destroy(new Error('upload aborted'));
        broken.abort(new AppError('cancelled', 'the upload was aborted'));
        await done.catch(() => undefined);
      },
    };
  }

  async delete(key: string): Promise<void> {
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (e) {
      if ((e as { name?: string }).name === 'NoSuchKey') return;
      this.logger.warn({ err: e, key }, 'deleting from object storage failed');
      throw storeUnavailable();
    }
  }

  async read(key: string, range: { start: number; end?: number }, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${range.start}-${range.end ?? ''}` }), { abortSignal: signal });
      return res.Body as Readable;
    } catch (e) {
      if ((e as { name?: string }).name === 'NoSuchKey') throw new AppError('not_found', 'media not found');
      this.logger.warn({ err: e, key }, 'reading from object storage failed');
      throw storeUnavailable();
    }
  }

  async ping(): Promise<void> {
    await this.s3.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }
}
