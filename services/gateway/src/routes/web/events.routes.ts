// GET /v1/events: the account's job changes as Server-Sent Events, for the web app's live list.
// `event: job` carries the job summary the list uses, `event: deleted` {id}. A comment every 15 s
// keeps proxies from closing an idle stream. Ends when the client goes or the gateway drains.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { accountOf } from '../../http/auth.js';
import * as S from '../../http/schemas.js';
import type { LiveJobs } from '../../services/live-jobs.js';
import type { RouteContext } from '../context.js';

const HEARTBEAT_MS = 15_000;

export const eventsRoutes: FastifyPluginAsyncTypebox<RouteContext & { live: LiveJobs }> = async (app, ctx) => {
  app.get(
    '/v1/events',
    {
      schema: {
        summary: 'Live job updates (Server-Sent Events)',
        description: '`event: job` with the transcript summary whenever status, progress or queue position changes; `event: deleted` with {"id"}.',
        tags: ['transcripts'],
        response: { 200: Type.String({ description: 'text/event-stream' }), ...S.errorResponses() },
      },
    },
    async (request, reply) => {
      const accountId = accountOf(request);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write('retry: 3000\n\n');
      const unsubscribe = ctx.live.subscribe(accountId, (e) => {
        res.write(e.type === 'job' ? `event: job\ndata: ${JSON.stringify(e.job)}\n\n` : `event: deleted\ndata: ${JSON.stringify({ id: e.id })}\n\n`);
      });
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      const end = () => {
        clearInterval(heartbeat);
        unsubscribe();
        ctx.shutdown.removeEventListener('abort', end);
        if (!res.writableEnded) res.end();
      };
      res.on('close', end);
      ctx.shutdown.addEventListener('abort', end, { once: true });
    },
  );
};
