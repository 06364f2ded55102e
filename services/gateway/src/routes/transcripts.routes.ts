// /v1/transcripts: create (multipart upload or audio_url), read, export, list, delete.
import { randomUUID } from 'node:crypto';
import type { Multipart, MultipartFile } from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errors } from '@verbatim/common';
import type { FastifyRequest } from 'fastify';
import type { upload } from '@verbatim/proto';
import * as webhooks from '../adapters/webhooks.repository.js';
import { EXPORT_FORMATS, contentDisposition, toSrt, toText, toVtt } from '../domain/export.js';
import { toDocx } from '../domain/docx.js';
import { DOMAINS, type Domain } from '../domain/transcript.js';
import { VocabularyError, parseVocabulary } from '../domain/vocabulary.js';
import { accountOf } from '../http/auth.js';
import * as S from '../http/schemas.js';
import type { JobOptions, TranscriptionService } from '../services/transcriptions.service.js';
import { jobSummary, STATUS_BY_NAME } from '../services/views.js';
import { disconnectSignal, type RouteContext } from './context.js';

/** Reads domain, vocabulary and webhook_url from JSON or multipart fields; 400 saying what is wrong. */
export function parseJobOptions(fields: { domain?: unknown; vocabulary?: unknown; webhook_url?: unknown }): JobOptions {
  const domain = fields.domain === undefined || fields.domain === '' ? 'general' : fields.domain;
  if (typeof domain !== 'string' || !(DOMAINS as readonly string[]).includes(domain)) {
    throw errors.invalid(`domain must be one of ${DOMAINS.join(', ')}`);
  }
  let vocabulary: string[];
  try {
    vocabulary = parseVocabulary(fields.vocabulary);
  } catch (e) {
    if (e instanceof VocabularyError) throw errors.invalid(e.message);
    throw e;
  }
  const webhookUrl = fields.webhook_url === undefined || fields.webhook_url === '' ? undefined : String(fields.webhook_url);
  return { domain: domain as Domain, vocabulary, webhookUrl };
}

/**
 * Consumes a multipart request: the `file` part is streamed to the upload service as it arrives,
 * other parts are collected as fields. On any failure the uploaded media is deleted.
 */
export async function readMultipartUpload(
  parts: AsyncIterableIterator<Multipart>,
  transcriptions: TranscriptionService,
  accountId: string,
  signal: AbortSignal,
): Promise<{ media: upload.Media; fields: Record<string, string[]> }> {
  const fields: Record<string, string[]> = {};
  let media: upload.Media | undefined;
  try {
    for await (const part of parts) {
      if (part.type === 'file') {
        const file = part as MultipartFile;
        if (file.fieldname !== 'file' || media) {
          file.file.resume();
          throw errors.invalid(media ? 'send exactly one file' : `unexpected file field "${file.fieldname}": send the audio as the field "file"`, { param: 'file' });
        }
        try {
          media = await transcriptions.upload(accountId, { filename: file.filename || 'audio', contentType: file.mimetype, body: file.file, truncated: () => file.file.truncated }, signal);
        } catch (e) {
          file.file.resume(); // let the rest of the request flow past so the answer can go out
          throw e;
        }
      } else {
        (fields[part.fieldname] ??= []).push(String(part.value));
      }
    }
  } catch (e) {
    if (media) await transcriptions.discardMedia(accountId, media.id);
    throw e;
  }
  if (!media) throw errors.invalid('no audio: send the file as the multipart field "file"', { param: 'file' });
  return { media, fields };
}

/** m:ss or h:mm:ss. */
function clockOf(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const hms = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  return hms[0] ? `${hms[0]}:${String(hms[1]).padStart(2, '0')}:${String(hms[2]).padStart(2, '0')}` : `${hms[1]}:${String(hms[2]).padStart(2, '0')}`;
}

export const transcriptsRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const { transcriptions, reader, clients, db } = ctx;

  /** Upload (multipart or audio_url), then reserve and create the job under `jobId`. */
  async function createTranscript(request: FastifyRequest, accountId: string, jobId: string, signal: AbortSignal): Promise<void> {
    let media: upload.Media;
    let options: JobOptions;
    if (request.isMultipart()) {
      const read = await readMultipartUpload(request.parts(), transcriptions, accountId, signal);
      media = read.media;
      try {
        options = parseJobOptions({ domain: read.fields.domain?.[0], vocabulary: read.fields.vocabulary?.[0], webhook_url: read.fields.webhook_url?.[0] });
      } catch (e) {
        await transcriptions.discardMedia(accountId, media.id);
        throw e;
      }
    } else {
      const body = request.body as S.CreateTranscriptJson | undefined;
      if (!body?.audio_url) throw errors.invalid('send the audio as multipart/form-data (field "file") or JSON with "audio_url"');
      options = parseJobOptions(body);
      media = await transcriptions.uploadFromUrl(accountId, body.audio_url, signal);
    }
    await transcriptions.start(accountId, media, options, jobId);
  }

  app.post(
    '/v1/transcripts',
    {
      schema: {
        summary: 'Transcribe audio',
        description:
          'Upload audio as multipart/form-data (field "file", plus optional domain, vocabulary, webhook_url) or send JSON with an audio_url. The audio is streamed to storage, never held whole. Answers 202 with the job id; poll GET /v1/transcripts/{id} or pass webhook_url.',
        tags: ['transcripts'],
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 200 })) }),
        body: { content: { 'application/json': { schema: S.CreateTranscriptJson }, 'multipart/form-data': { schema: S.CreateTranscriptMultipart } } } as never,
        response: { 202: S.Created, ...S.errorResponses(402, 404, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const accountId = accountOf(request);
      const signal = disconnectSignal(reply);
      const idempotencyKey = request.headers['idempotency-key'];
      const jobId = randomUUID();
      if (idempotencyKey) {
        // Claimed before any work: a concurrent or later replay gets the same job, never a second one.
        const owner = await webhooks.claimIdempotencyKey(db, accountId, idempotencyKey, jobId);
        if (owner !== jobId) {
          if (request.isMultipart()) request.raw.resume(); // the body is not needed
          return reply.code(202).header('location', `/v1/transcripts/${owner}`).send({ id: owner, status: 'queued' as const });
        }
      }
      try {
        await createTranscript(request, accountId, jobId, signal);
      } catch (e) {
        if (idempotencyKey) await webhooks.releaseIdempotencyKey(db, accountId, idempotencyKey, jobId).catch(() => undefined);
        throw e;
      }
      return reply.code(202).header('location', `/v1/transcripts/${jobId}`).send({ id: jobId, status: 'queued' as const });
    },
  );

  app.get(
    '/v1/transcripts/:id',
    {
      schema: {
        summary: 'Get a transcript and its status',
        description: 'Status, progress and, once completed, the text with time-aligned segments and words. A corrected revision is served when the customer has corrected the transcript; machine_text keeps the original.',
        tags: ['transcripts'],
        params: S.IdParams,
        response: { 200: S.TranscriptView, ...S.errorResponses(404) },
      },
    },
    async (request) => {
      const r = await reader.read(accountOf(request), request.params.id);
      if (!r.body) return r.summary;
      return { ...r.summary, text: r.body.text, segments: r.body.segments, ...(r.revision !== undefined ? { revision: r.revision, machine_text: r.machineText } : {}) };
    },
  );

  app.get(
    '/v1/transcripts/:id/export',
    {
      schema: {
        summary: 'Export a completed transcript',
        description: 'txt, srt (SubRip), vtt (WebVTT), json or docx (Word, a timestamped paragraph per segment), as a download named after the uploaded file. 409 until the transcript is completed.',
        tags: ['transcripts'],
        params: S.IdParams,
        querystring: S.ExportQuery,
        response: { 200: Type.Unknown({ description: 'the transcript in the requested format' }), ...S.errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      const r = await reader.readCompleted(accountOf(request), request.params.id);
      const format = request.query.format;
      const body =
        format === 'docx'
          ? toDocx(r.summary.filename || 'Transcript', `${clockOf(r.summary.duration_seconds)} · ${r.summary.domain.replace('_', ' ')}${r.revision !== undefined ? ` · corrected (revision ${r.revision})` : ''}`, r.body.segments, r.body.text)
          : format === 'srt'
          ? toSrt(r.body.segments)
          : format === 'vtt'
            ? toVtt(r.body.segments)
            : format === 'json'
              ? JSON.stringify({ ...r.summary, ...r.body, ...(r.revision !== undefined ? { revision: r.revision, machine_text: r.machineText } : {}) }, null, 2)
              : toText(r.body.segments, r.body.text);
      return reply.type(EXPORT_FORMATS[format].contentType).header('content-disposition', contentDisposition(r.summary.filename, format)).send(body);
    },
  );

  app.get(
    '/v1/transcripts',
    {
      schema: {
        summary: 'List transcripts, newest first',
        tags: ['transcripts'],
        querystring: S.ListQuery,
        response: { 200: S.ListResponse, ...S.errorResponses() },
      },
    },
    async (request) => {
      const { limit, cursor, status } = request.query;
      const res = await clients.inference.listJobs({ accountId: accountOf(request), pageSize: limit ?? 20, pageToken: cursor ?? '', status: status ? STATUS_BY_NAME[status] : 0 });
      return { data: res.jobs.map(jobSummary), next_cursor: res.nextPageToken || null };
    },
  );

  app.delete(
    '/v1/transcripts/:id',
    {
      schema: {
        summary: 'Delete a transcript and its audio for good',
        tags: ['transcripts'],
        params: S.IdParams,
        response: { 204: Type.Null({ description: 'deleted' }), ...S.errorResponses(404) },
      },
    },
    async (request, reply) => {
      await transcriptions.delete(accountOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};

