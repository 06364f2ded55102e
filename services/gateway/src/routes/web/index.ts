// The routes the web app needs beyond the public API: sign-in, resumable uploads, live job
// events and the audio for the player. Registered inside /v1 (same authentication).
import type { FastifyPluginAsync } from 'fastify';
import type { EventBus } from '@verbatim/common';
import { LiveJobs } from '../../services/live-jobs.js';
import type { RouteContext } from '../context.js';
import { audioRoutes } from './audio.routes.js';
import { eventsRoutes } from './events.routes.js';
import { sessionRoutes } from './session.routes.js';
import { uploadsRoutes } from './uploads.routes.js';

export const webRoutes: FastifyPluginAsync<RouteContext & { bus: EventBus | null }> = async (app, ctx) => {
  const live = new LiveJobs({ clients: ctx.clients, bus: ctx.bus, logger: ctx.logger, pollMs: 1_500 });
  app.addHook('onClose', async () => live.close());
  await app.register(sessionRoutes, ctx);
  await app.register(uploadsRoutes, ctx);
  await app.register(eventsRoutes, { ...ctx, live });
  await app.register(audioRoutes, ctx);
};
