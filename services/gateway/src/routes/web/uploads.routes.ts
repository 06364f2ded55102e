// Resumable uploads for the web app: a large file goes up in parts (each stored as an object
// uploads/<account>/<id>/<offset>), and after a dropped connection the page asks for the offset and
// continues. Completing streams the parts in order into the same path POST /v1/transcripts takes
// (upload service → billing reserve → inference CreateJob), never holding the file in memory.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError, createS3Client, errors, isAppError, type Pool } from '@verbatim/common';
import { accountOf } from '../../http/auth.js';
import * as S from '../../http/schemas.js';
import { formatBytes } from '../../services/streams.js';
import { parseJobOptions } from '../transcripts.routes.js';
import { disconnectSignal, type RouteContext } from '../context.js';

const UploadView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  offset: Type.Integer({ description: 'bytes received so far; the next part starts here' }),
  size: Type.Integer(),
  chunk_size: Type.Integer({ description: 'the largest part accepted' }),
  status: Type.Union([Type.Literal('open'), Type.Literal('completing'), Type.Literal('completed')]),
  job_id: Type.Optional(Type.String({ format: 'uuid' })),
});
const CreateUpload = Type.Object(
  {
    filename: Type.String({ minLength: 1, maxLength: 255 }),
    size: Type.Integer({ minimum: 1 }),
    content_type: Type.Optional(Type.String({ maxLength: 200 })),
    domain: Type.Optional(S.DomainSchema),
    vocabulary: Type.Optional(Type.Union([Type.Array(Type.String({ maxLength: 100 }), { maxItems: 500 }), Type.String({ maxLength: 20_000 })])),
  },
  { additionalProperties: false },
);
const PartQuery = Type.Object({ offset: Type.Integer({ minimum: 0 }) });

/** Refusals that no retry can fix: the parts are dropped with the upload. */
const FINAL = new Set(['unsupported_media_type', 'unprocessable', 'payload_too_large', 'invalid_argument']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Row {
  id: string;
  account_id: string;
  filename: string;
  content_type: string;
  size: string;
  received: string;
  domain: string;
  vocabulary: string[];
  status: 'open' | 'completing' | 'completed';
  job_id: string | null;
}

const prefixOf = (accountId: string, id: string) => `uploads/${accountId}/${id}/`;

export const uploadsRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const { db, config, transcriptions, logger } = ctx;
  const bucket = config.S3_BUCKET;
  const partBytes = config.UPLOAD_PART_BYTES;
  const s3: S3Client = createS3Client({
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    accessKeyId: config.S3_ACCESS_KEY_ID,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
  });

  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: partBytes }, (_request, body, done) => done(null, body));

  const view = (r: Row) => ({
    id: r.id,
    offset: Number(r.received),
    size: Number(r.size),
    chunk_size: partBytes,
    status: r.status,
    ...(r.job_id ? { job_id: r.job_id } : {}),
  });

  async function find(accountId: string, id: string): Promise<Row> {
    if (!UUID.test(id)) throw errors.notFound('upload');
    const { rows } = await db.query<Row>('SELECT * FROM web_uploads WHERE id = $1 AND account_id = $2 AND expires_at > now()', [id, accountId]);
    if (!rows[0]) throw errors.notFound('upload');
    return rows[0];
  }

  async function partKeys(accountId: string, id: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefixOf(accountId, id), ContinuationToken: token }));
      for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return keys.sort((a, b) => Number(a.split('/').pop()) - Number(b.split('/').pop()));
  }

  async function dropParts(accountId: string, id: string): Promise<void> {
    for (const Key of await partKeys(accountId, id)) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
  }

  /** The parts in order, as one byte stream: one part is read at a time. */
  async function* partsOf(accountId: string, id: string): AsyncIterable<Buffer> {
    for (const Key of await partKeys(accountId, id)) {
      const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
      for await (const chunk of res.Body as Readable) yield chunk as Buffer;
    }
  }

  app.post(
    '/v1/uploads',
    {
      schema: {
        summary: 'Start a resumable upload',
        description: 'Then PUT the bytes in parts of at most chunk_size to /v1/uploads/{id}/parts?offset=N and POST /v1/uploads/{id}/complete.',
        tags: ['transcripts'],
        body: CreateUpload,
        response: { 201: UploadView, ...S.errorResponses(413) },
      },
    },
    async (request, reply) => {
      const accountId = accountOf(request);
      const b = request.body;
      if (b.size > config.MAX_UPLOAD_BYTES) throw new AppError('payload_too_large', `the file is ${formatBytes(b.size)}, larger than the limit of ${formatBytes(config.MAX_UPLOAD_BYTES)}`);
      const options = parseJobOptions({ domain: b.domain, vocabulary: b.vocabulary });
      const { rows } = await db.query<Row>(
        `INSERT INTO web_uploads (id, account_id, filename, content_type, size, domain, vocabulary, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8)) RETURNING *`,
        [randomUUID(), accountId, b.filename, b.content_type ?? '', b.size, options.domain, options.vocabulary, config.UPLOAD_SESSION_TTL_HOURS * 3600],
      );
      return reply.code(201).send(view(rows[0]!));
    },
  );

  app.get(
    '/v1/uploads/:id',
    { schema: { summary: 'Where a resumable upload stands', tags: ['transcripts'], params: S.IdParams, response: { 200: UploadView, ...S.errorResponses(404) } } },
    async (request) => view(await find(accountOf(request), request.params.id)),
  );

  app.put(
    '/v1/uploads/:id/parts',
    {
      schema: {
        summary: 'Send the next part of a resumable upload',
        description: 'Body: application/octet-stream, at most chunk_size bytes, starting at the current offset (409 with the current offset otherwise).',
        tags: ['transcripts'],
        params: S.IdParams,
        querystring: PartQuery,
        response: { 200: UploadView, ...S.errorResponses(404, 409, 413) },
      },
    },
    async (request) => {
      const accountId = accountOf(request);
      const row = await find(accountId, request.params.id);
      const body = request.body as Buffer | undefined;
      if (!Buffer.isBuffer(body) || body.length === 0) throw errors.invalid('send the part as an application/octet-stream body');
      const offset = request.query.offset;
      const received = Number(row.received);
      if (row.status !== 'open') throw new AppError('failed_precondition', 'this upload is already complete');
      if (offset !== received) throw new AppError('failed_precondition', `the upload is at offset ${received}, not ${offset}: send the part that starts at ${received}`, { offset: received });
      if (offset + body.length > Number(row.size)) throw new AppError('payload_too_large', `the part ends at ${offset + body.length}, past the declared size of ${row.size} bytes`);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefixOf(accountId, row.id)}${offset}`, Body: body, ContentLength: body.length }));
      const { rows } = await db.query<Row>("UPDATE web_uploads SET received = received + $3 WHERE id = $1 AND received = $2 AND status = 'open' RETURNING *", [row.id, offset, body.length]);
      if (!rows[0]) {
        const now = await find(accountId, row.id);
        throw new AppError('failed_precondition', `the upload is at offset ${now.received}: send the part that starts there`, { offset: Number(now.received) });
      }
      return view(rows[0]);
    },
  );

  app.post(
    '/v1/uploads/:id/complete',
    {
      schema: {
        summary: 'Finish a resumable upload and start its transcription',
        tags: ['transcripts'],
        params: S.IdParams,
        response: { 202: S.Created, ...S.errorResponses(402, 404, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const accountId = accountOf(request);
      const row = await find(accountId, request.params.id);
      if (row.status === 'completed' && row.job_id) return reply.code(202).send({ id: row.job_id, status: 'queued' as const });
      if (Number(row.received) !== Number(row.size)) throw new AppError('failed_precondition', `only ${row.received} of ${row.size} bytes have arrived: send the rest first`);
      const claimed = await db.query("UPDATE web_uploads SET status = 'completing' WHERE id = $1 AND status = 'open'", [row.id]);
      if (!claimed.rowCount) throw new AppError('failed_precondition', 'this upload is being completed already');
      const jobId = randomUUID();
      try {
        const media = await transcriptions.upload(
          accountId,
          { filename: row.filename, contentType: row.content_type, declaredSize: Number(row.size), body: partsOf(accountId, row.id) },
          disconnectSignal(reply),
        );
        await transcriptions.start(accountId, media, { domain: row.domain as never, vocabulary: row.vocabulary }, jobId);
      } catch (e) {
        if (isAppError(e) && FINAL.has(e.kind)) {
          await db.query('DELETE FROM web_uploads WHERE id = $1', [row.id]);
          await dropParts(accountId, row.id).catch((err: unknown) => logger.warn({ err, uploadId: row.id }, 'could not delete upload parts'));
        } else {
          await db.query("UPDATE web_uploads SET status = 'open' WHERE id = $1", [row.id]);
        }
        throw e;
      }
      await db.query("UPDATE web_uploads SET status = 'completed', job_id = $2 WHERE id = $1", [row.id, jobId]);
      await dropParts(accountId, row.id).catch((err: unknown) => logger.warn({ err, uploadId: row.id }, 'could not delete upload parts'));
      return reply.code(202).header('location', `/v1/transcripts/${jobId}`).send({ id: jobId, status: 'queued' as const });
    },
  );

  // Expired uploads (finished or not) and their parts are removed in the background.
  const sweep = () => sweepExpired(db, dropParts).catch((err: unknown) => logger.warn({ err }, 'sweeping expired uploads failed'));
  const timer = setInterval(sweep, 10 * 60 * 1000);
  timer.unref();
  app.addHook('onReady', async () => void sweep());
  app.addHook('onClose', async () => {
    clearInterval(timer);
    s3.destroy();
  });
};

async function sweepExpired(db: Pool, dropParts: (accountId: string, id: string) => Promise<void>): Promise<void> {
  const { rows } = await db.query<{ id: string; account_id: string }>("SELECT id, account_id FROM web_uploads WHERE expires_at < now() AND status <> 'completing' LIMIT 100");
  for (const r of rows) {
    await dropParts(r.account_id, r.id);
    await db.query('DELETE FROM web_uploads WHERE id = $1', [r.id]);
  }
}
