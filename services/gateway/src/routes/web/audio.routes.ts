// GET /v1/transcripts/:id/audio: the original recording for the web player, with HTTP Range
// support (an <audio> element seeks with ranges). The bytes come from the upload service's
// ReadMedia stream, so the browser never needs to reach the object store.
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { accountOf } from '../../http/auth.js';
import * as S from '../../http/schemas.js';
import { disconnectSignal, type RouteContext } from '../context.js';

const CONTENT_TYPES: Record<string, string> = {
  wav: 'audio/wav',
  flac: 'audio/flac',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  m4a: 'audio/mp4',
  webm: 'audio/webm',
};

/** The first range of a Range header as [start, end] (inclusive), or undefined for none or an unusable one. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)(?:,.*)?$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

export const audioRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const { transcriptions, clients, config } = ctx;
  app.get(
    '/v1/transcripts/:id/audio',
    {
      schema: {
        summary: 'The original audio of a transcript (HTTP Range supported)',
        tags: ['transcripts'],
        params: S.IdParams,
        response: { 200: Type.Unknown({ description: 'the audio' }), 206: Type.Unknown({ description: 'the requested range of the audio' }), ...S.errorResponses(404, 416) },
      },
    },
    async (request, reply) => {
      const accountId = accountOf(request);
      const job = await transcriptions.getJob(accountId, request.params.id);
      const media = await clients.upload.getMedia({ accountId, mediaId: job.mediaId });
      const size = Number(media.sizeBytes);
      const range = parseRange(request.headers.range, size);
      if (range === 'unsatisfiable') {
        return (reply as unknown as FastifyReply)
          .code(416)
          .header('content-range', `bytes */${size}`)
          .send({ error: { code: 'range_not_satisfiable', message: `the range is outside the ${size}-byte recording` } });
      }
      const start = range?.start ?? 0;
      const end = range?.end ?? size - 1;
      const signal = disconnectSignal(reply);
      const chunks = clients.upload.readMedia({ accountId, mediaId: media.id, offset: BigInt(start), length: BigInt(end - start + 1) }, { deadlineMs: config.UPLOAD_DEADLINE_MS, signal });
      // The first chunk is awaited before the headers go out, so a refusal is still a clean error.
      const it = chunks[Symbol.asyncIterator]();
      const first = await it.next();
      const body = Readable.from(
        (async function* () {
          if (!first.done) yield Buffer.from(first.value.data);
          for (let r = await it.next(); !r.done; r = await it.next()) yield Buffer.from(r.value.data);
        })(),
      );
      void reply
        .code(range ? 206 : 200)
        .header('content-type', CONTENT_TYPES[media.format] ?? 'application/octet-stream')
        .header('content-length', String(end - start + 1))
        .header('accept-ranges', 'bytes')
        .header('cache-control', 'private, max-age=3600');
      if (range) void reply.header('content-range', `bytes ${start}-${end}/${size}`);
      return reply.send(body);
    },
  );
};
