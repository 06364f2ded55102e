// GET /v1/captions: live captions over a WebSocket, bridged to inference's bidi StreamCaptions RPC.
//
// Protocol (README "Live captions"):
//   client → {"domain":"general","vocabulary":["..."],"format":"f32le"|"s16le"}   first, as text
//   server → {"type":"ready","format":"f32le","sample_rate":16000}
//   client → binary frames of 16 kHz mono PCM (float32 LE, or int16 LE with format "s16le")
//   server → {"type":"partial","text":"..."} (may still change), {"type":"final","segments":[...]} (never rewritten)
//   client → {"type":"stop"}  → the rest is flushed as final, then the server closes with 1000
// Errors close the socket with 4000 + the HTTP status of the error (4400 bad config, 4429 too
// many streams, 4503 model not loaded, …) and a readable reason; 1003 for a frame of the wrong
// kind, 1001 when the gateway shuts down. The key comes as "Authorization: Bearer" or ?token=
// (browsers cannot set headers on a WebSocket); the query string is kept out of the logs.
import websocket from '@fastify/websocket';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { inference } from '@verbatim/proto';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { accountOf } from '../http/auth.js';
import * as S from '../http/schemas.js';
import { AsyncQueue, PcmConverter, SAMPLE_RATE, clip, closeFor, parseCaptionConfig } from '../services/captions.js';
import { segmentsView } from '../services/views.js';
import type { RouteContext } from './context.js';

type CaptionAudio = MessageInitShape<typeof inference.CaptionAudioSchema>;

/** Longest caption stream (inference refuses more than its CAPTIONS_MAX_SECONDS of audio anyway). */
const MAX_STREAM_MS = 5 * 60 * 60 * 1000;
const MAX_FRAME_BYTES = 1024 * 1024;
/** Audio queued for inference beyond this pauses reading from the socket until it drains. */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;

const CAPTIONS_DESCRIPTION = [
  'A WebSocket (ws:// or wss://). Authenticate with "Authorization: Bearer <key>" or, from a browser, ?token=<key>.',
  'Send first a JSON text message {"domain":"general","vocabulary":["..."],"format":"f32le"} (format "s16le" for 16-bit PCM); the server answers {"type":"ready"}.',
  'Then send binary frames of 16 kHz mono PCM, little-endian. The server sends {"type":"partial","text"} (may still change) and {"type":"final","segments"} (never rewritten).',
  'Send {"type":"stop"} to flush the rest as final; the server then closes with 1000.',
  'Errors close with 4000 + the HTTP status (4400 invalid config, 4429 too many streams, 4503 unavailable) and a reason; 1003 for a frame of the wrong kind; 1001 on server shutdown.',
  'A plain GET without the upgrade is answered 426.',
].join(' ');

function send(socket: WebSocket, message: Record<string, unknown>): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export const captionsRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const { clients, shutdown } = ctx;
  await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });
  // A handshake answered with an HTTP error (401 from authentication, which runs before the
  // plugin's own hooks) would leave the upgrade socket open: end it once the answer is out.
  app.addHook('onResponse', async (request) => {
    if (/\bwebsocket\b/i.test(request.headers.upgrade ?? '')) request.raw.socket?.end();
  });

  function session(socket: WebSocket, request: FastifyRequest): void {
    const accountId = accountOf(request);
    const log = request.log;
    const cancel = new AbortController();
    const queue = new AsyncQueue<CaptionAudio>(
      (m) => (m.part?.case === 'pcm' ? m.part.value.length : 0),
      () => socket.isPaused && socket.resume(),
    );
    let state: 'config' | 'streaming' | 'stopping' | 'closed' = 'config';
    let converter: PcmConverter | undefined;

    const finish = (code: number, reason: string) => {
      if (state === 'closed') return;
      state = 'closed';
      cancel.abort();
      queue.end();
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, clip(reason));
    };
    const onShutdown = () => finish(1001, 'the server is restarting; reconnect');
    if (shutdown.aborted) return onShutdown();
    shutdown.addEventListener('abort', onShutdown, { once: true });

    socket.on('close', () => {
      shutdown.removeEventListener('abort', onShutdown);
      if (state !== 'closed') {
        state = 'closed';
        cancel.abort(); // the client went away: cancel (not end) the stream, nothing is flushed for it
        queue.end();
      }
    });

    async function relay(updates: AsyncIterable<inference.CaptionUpdate>): Promise<void> {
      let lastPartial = '';
      try {
        for await (const u of updates) {
          if (u.final.length) send(socket, { type: 'final', segments: segmentsView(u.final) });
          if (u.partial !== lastPartial) {
            lastPartial = u.partial;
            send(socket, { type: 'partial', text: u.partial });
          }
        }
        finish(1000, 'end of stream');
      } catch (e) {
        if (state === 'closed') return;
        const { code, reason } = closeFor(e);
        if (code >= 4500) log.error({ err: e }, 'caption stream failed');
        else log.info({ reason }, 'caption stream refused');
        finish(code, reason);
      }
    }

    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (state === 'closed' || state === 'stopping') return;
      if (state === 'config') {
        if (isBinary) return finish(1003, 'send the JSON config as a text message before any audio');
        let config;
        try {
          config = parseCaptionConfig(toBuffer(data).toString('utf8'));
        } catch (e) {
          return finish(closeFor(e).code, closeFor(e).reason);
        }
        converter = new PcmConverter(config.format);
        state = 'streaming';
        queue.push({ part: { case: 'config', value: { accountId, domain: config.domain, vocabulary: config.vocabulary } } });
        void relay(clients.inference.streamCaptions(queue, { deadlineMs: MAX_STREAM_MS, signal: cancel.signal }));
        send(socket, { type: 'ready', format: config.format, sample_rate: SAMPLE_RATE });
        return;
      }
      if (isBinary) {
        const pcm = converter!.push(toBuffer(data));
        if (pcm.length === 0) return;
        queue.push({ part: { case: 'pcm', value: pcm } });
        if (queue.bytes > HIGH_WATER_BYTES) socket.pause();
        return;
      }
      let message: { type?: unknown } | undefined;
      try {
        message = JSON.parse(toBuffer(data).toString('utf8')) as { type?: unknown };
      } catch {
        message = undefined;
      }
      if (message?.type === 'stop') {
        state = 'stopping';
        queue.end(); // inference flushes the rest as final, then the stream ends and relay closes
        return;
      }
      finish(1003, 'audio must be binary frames; the only text message after the config is {"type":"stop"}');
    });
  }

  app.route({
    method: 'GET',
    url: '/v1/captions',
    config: { allowQueryToken: true },
    // The default request serialiser logs the URL, which may carry ?token=<api key>.
    logSerializers: {
      req: (req: { method?: string; url?: string; id?: string }) => ({ method: req.method, url: (req.url ?? '').split('?')[0], id: req.id }),
    },
    schema: {
      summary: 'Live captions (WebSocket)',
      description: CAPTIONS_DESCRIPTION,
      tags: ['captions'],
      querystring: Type.Object({ token: Type.Optional(Type.String({ maxLength: 200, description: 'the API key, for browsers (instead of the Authorization header)' })) }),
      response: { 101: Type.Null({ description: 'switching to the WebSocket protocol' }), 426: Type.Ref('Error'), ...S.errorResponses(429) },
    },
    handler: async (_request, reply) =>
      reply
        .code(426)
        .header('upgrade', 'websocket')
        .send({ error: { code: 'upgrade_required', message: 'this route is a WebSocket: connect with ws:// or wss:// (Upgrade: websocket)' } }),
    wsHandler: (socket, request) => session(socket as WebSocket, request as FastifyRequest),
  });
};
