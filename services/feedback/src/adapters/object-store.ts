// S3 adapter: reads transcripts the inference service stored and writes dataset manifests.
import { GetObjectCommand, HeadBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

export class ObjectMissing extends Error {}

export class ObjectStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async getJson(key: string): Promise<unknown> {
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = await res.Body!.transformToString('utf8');
      return JSON.parse(text) as unknown;
    } catch (e) {
      const name = (e as { name?: string }).name;
      if (name === 'NoSuchKey' || name === 'NotFound') throw new ObjectMissing(`s3 object ${key} does not exist`);
      throw e;
    }
  }

  async putText(key: string, body: string, contentType: string): Promise<void> {
    const bytes = Buffer.from(body, 'utf8');
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentLength: bytes.length, ContentType: contentType }));
  }

  async getText(key: string): Promise<string> {
    const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return res.Body!.transformToString('utf8');
  }

  async ping(): Promise<void> {
    await this.s3.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }
}
