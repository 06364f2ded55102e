// S3-compatible object storage (AWS S3, MinIO, Ceph, or the embedded endpoint for local runs).
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';

export interface S3Options {
  endpoint?: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

export function createS3Client(o: S3Options): S3Client {
  return new S3Client({
    endpoint: o.endpoint,
    region: o.region,
    forcePathStyle: o.forcePathStyle,
    credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey },
    // Streamed bodies must not be framed with aws-chunked checksums: endpoints such as s3rver
    // would store the framing as content.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((e: { name?: string }) => {
      if (e.name !== 'BucketAlreadyOwnedByYou' && e.name !== 'BucketAlreadyExists') throw e;
    });
  }
}

/** Object keys, in one place (DESIGN.md, Storage). */
export const keys = {
  audio: (account: string, media: string) => `audio/${account}/${media}`,
  transcript: (account: string, job: string) => `transcripts/${account}/${job}.json`,
  model: (name: string, version: string, file: string) => `models/${name}/${version}/${file}`,
};
