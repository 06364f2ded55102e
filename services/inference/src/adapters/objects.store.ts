// The object store as the inference service uses it: customer audio in (streamed, never whole in
// memory), transcripts out (JSON of verbatim.common.v1.Transcript), and model folders.
import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { fromJson, toJson } from '@bufbuild/protobuf';
import { AppError } from '@verbatim/common';
import { common } from '@verbatim/proto';

/** The object does not exist (deleted media, never uploaded). */
export class ObjectMissingError extends Error {
  constructor(readonly key: string) {
    super(`object ${key} does not exist`);
    this.name = 'ObjectMissingError';
  }
}

function isMissing(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'NoSuchKey' || err?.name === 'NotFound' || err?.$metadata?.httpStatusCode === 404;
}

export class ObjectStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  /** A readable stream of the object; ObjectMissingError when it is not there. */
  async openStream(key: string, signal?: AbortSignal): Promise<Readable> {
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
      if (!res.Body) throw new ObjectMissingError(key);
      return res.Body as Readable;
    } catch (e) {
      if (isMissing(e)) throw new ObjectMissingError(key);
      throw e;
    }
  }

  async putTranscript(key: string, transcript: common.Transcript): Promise<void> {
    const body = JSON.stringify(toJson(common.TranscriptSchema, transcript, { alwaysEmitImplicit: true }));
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json' }));
  }

  async getTranscript(key: string): Promise<common.Transcript> {
    let text: string;
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      text = await res.Body!.transformToString('utf8');
    } catch (e) {
      if (isMissing(e)) throw new AppError('not_found', 'transcript not found');
      throw e;
    }
    return fromJson(common.TranscriptSchema, JSON.parse(text), { ignoreUnknownFields: true });
  }

  /** A small text object (a model manifest); ObjectMissingError when it is not there. */
  async getText(key: string): Promise<string> {
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await res.Body!.transformToString('utf8');
    } catch (e) {
      if (isMissing(e)) throw new ObjectMissingError(key);
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async ping(): Promise<void> {
    await this.s3.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  /** Downloads every object under `prefix` into `dir` (same relative paths); returns how many. */
  async downloadPrefix(prefix: string, dir: string): Promise<number> {
    const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
    let token: string | undefined;
    let n = 0;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        const rel = o.Key!.slice(base.length);
        if (!rel || rel.endsWith('/') || rel.split('/').includes('..')) continue;
        const target = `${dir}/${rel}`;
        await mkdir(dirname(target), { recursive: true });
        const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: o.Key! }));
        const partial = `${target}.partial`;
        await pipeline(res.Body as Readable, createWriteStream(partial));
        await rename(partial, target);
        n++;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return n;
  }
}
