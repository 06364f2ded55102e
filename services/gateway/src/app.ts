// Builds the gateway from its dependencies: the HTTP app (a fastify instance with every route as
// a plugin), the JetStream consumers and the webhook delivery worker. main.ts wires real
// dependencies; tests inject their own (a scratch schema, gRPC servers on ephemeral ports).
import { join } from 'node:path';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  EventBus,
  checkRegistrations,
  createLogger,
  createMetrics,
  createPool,
  migrate,
  runChecks,
  type Logger,
  type Metrics,
  type Pool,
} from '@verbatim/common';
import { health } from '@verbatim/proto';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { closeClients, createClients, type Clients } from './adapters/clients.js';
import { SafeHttp } from './adapters/safe-http.js';
import type { Config } from './config.js';
import { parseAllowList } from './domain/ssrf.js';
import { WebhookDeliveryWorker } from './events/webhook-delivery.worker.js';
import { OWNED_DURABLES, webhookConsumers } from './events/webhooks.consumer.js';
import { authenticate } from './http/auth.js';
import { sessionOrKey } from './http/session-auth.js';
import { errorHandler } from './http/errors.js';
import * as S from './http/schemas.js';
import { accountRoutes } from './routes/account.routes.js';
import { billingRoutes, stripeWebhookRoutes } from './routes/billing.routes.js';
import { captionsRoutes } from './routes/captions.routes.js';
import { feedbackRoutes } from './routes/feedback.routes.js';
import { operatorRoutes } from './routes/operator.routes.js';
import type { RouteContext } from './routes/context.js';
import { openAiRoutes } from './routes/openai.routes.js';
import { transcriptsRoutes } from './routes/transcripts.routes.js';
import { webRoutes } from './routes/web/index.js';
import { defaultWebDist, registerWebApp } from './routes/web/static.js';
import { TranscriptReader } from './services/transcript-reader.js';
import { TranscriptionService } from './services/transcriptions.service.js';

export const MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

export interface GatewayDeps {
  logger: Logger;
  metrics: Metrics;
  db: Pool;
  clients: Clients;
  /** JetStream; null runs the API without webhook consumers (the delivery worker still runs). */
  bus: EventBus | null;
  http: SafeHttp;
}

export interface Gateway {
  http: FastifyInstance;
  deps: GatewayDeps;
  /** Migrations, streams and consumers, delivery worker, then listening. Returns the bound port. */
  start(): Promise<number>;
  stop(): Promise<void>;
}

async function checkGrpcHealth(client: Clients['health'][keyof Clients['health']]): Promise<void> {
  const res = await client.check({ service: '' });
  if (res.status !== health.HealthCheckResponse_ServingStatus.SERVING) throw new Error('not serving');
}

/** The HTTP application: docs, ops endpoints, the error handler and every /v1 route. */
export async function buildHttpApp(config: Config, deps: GatewayDeps, shutdown: AbortSignal = new AbortController().signal): Promise<FastifyInstance> {
  const isDraining = () => shutdown.aborted;
  const { logger, metrics, db, clients } = deps;
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: 1024 * 1024,
    requestIdHeader: 'x-request-id',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  for (const s of S.SHARED_SCHEMAS) app.addSchema(s);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });

  // While draining, each answer closes its connection: the server's close waits for every open
  // connection, and a keep-alive one would otherwise hold the drain until its idle time-out.
  app.addHook('onSend', async (_request, reply) => {
    if (shutdown.aborted) void reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpServerDuration.labels(request.method, request.routeOptions.url ?? 'unmatched', String(reply.statusCode)).observe(reply.elapsedTime / 1000);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Verbatim API', version: '1.0.0', description: 'Domain-specific speech transcription: upload audio, get time-aligned, editable transcripts.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'vb_<prefix>_<secret>' } } },
      tags: [{ name: 'transcripts' }, { name: 'openai' }, { name: 'billing' }, { name: 'feedback' }, { name: 'captions' }, { name: 'webhooks' }, { name: 'keys' }, { name: 'account' }, { name: 'admin', description: 'operator keys only' }, { name: 'quality', description: 'operator keys only' }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Ops endpoints: outside /v1, no authentication, hidden from the API document, and quiet in the
  // log (probes call them every few seconds).
  const ops = (response: Record<number, unknown>) => ({ schema: { hide: true, response }, logLevel: 'warn' as const });
  app.get('/healthz', ops({ 200: S.Health }), async () => ({ status: 'ok' }));
  app.get('/readyz', ops({ 200: S.Readiness, 503: S.Readiness }), async (_request, reply) => {
    if (isDraining()) return reply.status(503).send({ status: 'draining' });
    const checks: Record<string, () => Promise<void>> = {
      postgres: async () => void (await db.query('SELECT 1')),
      upload: () => checkGrpcHealth(clients.health.upload),
      inference: () => checkGrpcHealth(clients.health.inference),
      billing: () => checkGrpcHealth(clients.health.billing),
      feedback: () => checkGrpcHealth(clients.health.feedback),
    };
    if (deps.bus) {
      const bus = deps.bus;
      checks.nats = async () => {
        if (!bus.isConnected()) throw new Error('disconnected');
      };
    }
    const results = await runChecks(checks);
    const ok = Object.values(results).every((v) => v === 'ok');
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks: results });
  });
  app.get('/metrics', ops({ 200: Type.String() }), async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));

  const transcriptions = new TranscriptionService({
    clients,
    db,
    http: deps.http,
    logger,
    limits: {
      maxUploadBytes: config.MAX_UPLOAD_BYTES,
      uploadDeadlineMs: config.UPLOAD_DEADLINE_MS,
      audioUrlTimeoutMs: config.AUDIO_URL_TIMEOUT_MS,
      audioUrlMaxRedirects: config.AUDIO_URL_MAX_REDIRECTS,
    },
  });
  const ctx: RouteContext = { config, db, clients, logger, transcriptions, reader: new TranscriptReader({ clients, transcriptions, logger }), shutdown };

  await app.register(async (v1) => {
    v1.addHook('onRoute', (route) => {
      route.schema = { ...(route.schema ?? {}), security: [{ apiKey: [] }] };
    });
    v1.addHook('onRequest', sessionOrKey(db, authenticate(db, logger)));
    await v1.register(multipart, {
      limits: { fileSize: config.MAX_UPLOAD_BYTES, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 25 },
    });
    // Multipart bodies are streamed by the handlers; their documented schemas validate {}.
    v1.addHook('preValidation', async (request) => {
      if (request.body === undefined && request.isMultipart()) request.body = {};
    });
    await v1.register(transcriptsRoutes, ctx);
    await v1.register(accountRoutes, ctx);
    await v1.register(openAiRoutes, ctx);
    await v1.register(billingRoutes, ctx);
    await v1.register(feedbackRoutes, ctx);
    await v1.register(operatorRoutes, ctx); // operator keys only (403 otherwise)
    await v1.register(captionsRoutes, ctx); // WebSocket; also takes ?token=
    await v1.register(webRoutes, { ...ctx, bus: deps.bus }); // web app: session, uploads, events, audio
  });
  registerWebApp(app as unknown as FastifyInstance, config.WEB_DIST_DIR ?? defaultWebDist());
  // Unauthenticated (Stripe signs it) and with the raw body: outside the /v1 auth scope.
  await app.register(stripeWebhookRoutes, ctx);

  return app as unknown as FastifyInstance;
}

/** Builds the gateway; dependencies not given are created from the configuration. */
export async function build(config: Config, given: Partial<GatewayDeps> = {}): Promise<Gateway> {
  const logger = given.logger ?? createLogger('gateway', config.LOG_LEVEL);
  const metrics = given.metrics ?? createMetrics('gateway');
  const ownsDb = !given.db;
  const db = given.db ?? createPool({ connectionString: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, applicationName: 'gateway' });
  const ownsClients = !given.clients;
  const clients =
    given.clients ??
    createClients({ upload: config.UPLOAD_ADDR, inference: config.INFERENCE_ADDR, billing: config.BILLING_ADDR, feedback: config.FEEDBACK_ADDR }, { deadlineMs: config.GRPC_DEADLINE_MS, metrics });
  const http = given.http ?? new SafeHttp({ allowList: parseAllowList(config.AUDIO_URL_ALLOWLIST) });
  const deps: GatewayDeps = { logger, metrics, db, clients, bus: given.bus ?? null, http };

  const draining = new AbortController();
  let stopping: Promise<void> | undefined;
  const app = await buildHttpApp(config, deps, draining.signal);
  const worker = new WebhookDeliveryWorker(
    { db, http, logger, registry: metrics.registry },
    {
      maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: config.WEBHOOK_RETRY_MAX_MS,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      pollIntervalMs: config.WEBHOOK_POLL_INTERVAL_MS,
    },
  );

  return {
    http: app,
    deps,
    async start() {
      await migrate(db, config.DATABASE_SCHEMA, MIGRATIONS_DIR);
      if (config.WEBHOOKS_ENABLED) {
        if (deps.bus) {
          const registrations = webhookConsumers({ db, logger });
          checkRegistrations(OWNED_DURABLES, registrations as never);
          await deps.bus.declare({ replicas: config.NATS_STREAM_REPLICAS, consumers: OWNED_DURABLES });
          for (const r of registrations) await deps.bus.consume(r as never);
        }
        worker.start();
      }
      await app.listen({ port: config.PORT, host: config.HOST });
      const address = app.server.address();
      return typeof address === 'object' && address ? address.port : config.PORT;
    },
    stop() {
      stopping ??= stopOnce();
      return stopping;
    },
  };

  async function stopOnce(): Promise<void> {
    {
      draining.abort();
      await deps.bus?.stopConsumers();
      await worker.stop();
      await app.close();
      if (deps.bus && !given.bus) await deps.bus.close();
      if (ownsClients) closeClients(clients);
      if (ownsDb) await db.end();
    }
  }
}
