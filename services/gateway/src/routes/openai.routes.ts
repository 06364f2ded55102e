// POST /v1/audio/transcriptions, compatible with OpenAI's audio transcription API: existing
// OpenAI SDK clients work unchanged. Synchronous: the job is created as for /v1/transcripts and
// the answer waits for it. Errors use OpenAI's shape, and say when a retry would not help.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError } from '@verbatim/common';
import { OPENAI_RESPONSE_FORMATS, openAiError, shapeOpenAiResponse, type OpenAiResponseFormat } from '../domain/openai.js';
import { vocabularyFromPrompt } from '../domain/vocabulary.js';
import { accountOf } from '../http/auth.js';
import { describeError, withPublicMessage } from '../http/errors.js';
import * as S from '../http/schemas.js';
import { statusName } from '../services/views.js';
import { disconnectSignal, type RouteContext } from './context.js';
import { readMultipartUpload } from './transcripts.routes.js';

const CODE_BY_STATUS: Record<number, string> = { 401: 'invalid_api_key', 402: 'insufficient_credit', 404: 'not_found', 413: 'file_too_large', 415: 'unsupported_format', 422: 'invalid_audio' };

export const openAiRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const { transcriptions, reader, config } = ctx;

  app.setErrorHandler((err, request, reply) => {
    const { status, kind, message, details } = describeError(err, request);
    const param = typeof details?.param === 'string' ? details.param : status === 413 || status === 415 || status === 422 ? 'file' : null;
    // The OpenAI SDK retries 5xx, 408, 409 and 429; a timed-out or failed transcription would
    // only be transcribed (and paid for) again.
    if (kind === 'deadline_exceeded' || kind === 'unprocessable' || status < 500 || ctx.shutdown.aborted) void reply.header('x-should-retry', 'false');
    void reply.status(status).send(openAiError(status, message, CODE_BY_STATUS[status] ?? kind, param));
  });

  app.get(
    '/v1/models',
    {
      schema: {
        summary: 'Models that transcribe (OpenAI list shape)',
        description: '"whisper-1" is an alias of the default model, so OpenAI clients need no change.',
        tags: ['openai'],
        response: { 200: S.ModelList, ...Object.fromEntries([401, 500, 503].map((s) => [s, Type.Ref('OpenAiError')])) },
      },
    },
    async () => {
      const { models } = await ctx.clients.inference.listModels({});
      const entry = (id: string, m: (typeof models)[number] | undefined, isDefault: boolean) => ({
        id,
        object: 'model' as const,
        created: 0,
        owned_by: 'verbatim',
        version: m?.version ?? null,
        family: m?.family ?? null,
        is_default: isDefault,
      });
      const def = models.find((m) => m.isDefault) ?? models[0];
      return { object: 'list' as const, data: [entry('whisper-1', def, false), ...models.map((m) => entry(m.name, m, m === def))] };
    },
  );

  app.post(
    '/v1/audio/transcriptions',
    {
      schema: {
        summary: 'Transcribe audio (OpenAI-compatible)',
        description:
          'Multipart like OpenAI\'s /v1/audio/transcriptions: file, model, response_format (json, text, srt, vtt, verbose_json), prompt (used as vocabulary), language, temperature, timestamp_granularities[]. Waits for the transcript.',
        tags: ['openai'],
        body: { content: { 'multipart/form-data': { schema: S.OpenAiTranscriptionMultipart } } } as never,
        response: {
          200: Type.Union([Type.Object({ text: Type.String() }, { additionalProperties: true }), Type.String()], { description: 'the transcript in response_format' }),
          ...Object.fromEntries([400, 401, 402, 404, 413, 415, 422, 500, 503, 504].map((s) => [s, Type.Ref('OpenAiError')])),
        },
      },
    },
    async (request, reply) => {
      const accountId = accountOf(request);
      if (!request.isMultipart()) throw new AppError('invalid_argument', 'send the audio as multipart/form-data with the field "file"', { param: 'file' });
      const signal = disconnectSignal(reply);
      const { media, fields } = await readMultipartUpload(request.parts(), transcriptions, accountId, signal);
      let format: OpenAiResponseFormat;
      let vocabulary: string[];
      try {
        const f = fields.response_format?.[0] ?? 'json';
        if (!(OPENAI_RESPONSE_FORMATS as readonly string[]).includes(f)) throw new AppError('invalid_argument', `response_format must be one of ${OPENAI_RESPONSE_FORMATS.join(', ')}`, { param: 'response_format' });
        format = f as OpenAiResponseFormat;
        const temperature = fields.temperature?.[0];
        if (temperature !== undefined && !(Number(temperature) >= 0 && Number(temperature) <= 1)) throw new AppError('invalid_argument', 'temperature must be between 0 and 1', { param: 'temperature' });
        vocabulary = vocabularyFromPrompt(fields.prompt?.[0]);
      } catch (e) {
        await transcriptions.discardMedia(accountId, media.id);
        throw e;
      }
      const granularities = [...(fields['timestamp_granularities[]'] ?? []), ...(fields.timestamp_granularities ?? [])];
      const jobId = await transcriptions.start(accountId, media, { domain: 'general', vocabulary });
      const job = await transcriptions
        .waitForCompletion(accountId, jobId, { timeoutMs: config.SYNC_TRANSCRIPTION_TIMEOUT_MS, pollMs: config.SYNC_POLL_INTERVAL_MS, signal: AbortSignal.any([signal, ctx.shutdown]) })
        .catch((e: unknown) => {
          if (ctx.shutdown.aborted) {
            throw withPublicMessage(new AppError('unavailable', `the server is restarting; the transcription goes on as job ${jobId} (GET /v1/transcripts/${jobId})`));
          }
          throw (e as AppError).kind === 'deadline_exceeded' ? withPublicMessage(e as AppError) : e;
        });
      if (statusName(job.status) === 'failed') throw new AppError('unprocessable', `the transcription failed: ${job.failureReason || 'unknown reason'}`);
      const r = await reader.readCompleted(accountId, jobId);
      const shaped = shapeOpenAiResponse(r.body, format, { language: fields.language?.[0], words: granularities.includes('word') });
      if (typeof shaped.body === 'string') return reply.type(shaped.contentType).serializer((p: unknown) => p as string).send(shaped.body);
      return reply.type(shaped.contentType).serializer((p: unknown) => JSON.stringify(p)).send(shaped.body as never);
    },
  );
};
