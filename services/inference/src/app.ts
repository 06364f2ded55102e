// The inference service assembled from its configuration and injected dependencies: what main.ts
// runs and what the tests build. Start order: connections, migrations, streams and consumers
// declared, model loaded, gRPC serving, then the worker and the reconciler. Stop order: health
// NOT_SERVING, stop the reconciler and the worker (in-flight jobs finish or are handed back),
// close gRPC with a deadline, flush the outbox, drain NATS, close the pool.
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  EventBus,
  GrpcServer,
  OutboxRelay,
  checkRegistrations,
  createLogger,
  createMetrics,
  createPool,
  createS3Client,
  ensureBucket,
  ensureDatabase,
  migrate,
  outboxTableSql,
  startOpsServer,
  type Logger,
  type Metrics,
  type OpsServer,
  type Pool,
  type RunningConsumer,
} from '@verbatim/common';
import { inference } from '@verbatim/proto';
import type { Config } from './config.js';
import { JobsRepository } from './adapters/jobs.repository.js';
import { loadModel, resolveModelDir, type ModelRuntime } from './adapters/model.runtime.js';
import { ObjectStore } from './adapters/objects.store.js';
import type { ValidationLimits } from './domain/jobs.js';
import { JobsService } from './domain/jobs.service.js';
import { Reconciler } from './events/reconciler.js';
import { TranscriptionWorker, type WorkerDeps } from './events/transcribe.consumer.js';
import { inferenceHandlers } from './grpc/inference.handlers.js';
import { createInferenceMetrics } from './metrics.js';

export interface AppDeps {
  logger?: Logger;
  metrics?: Metrics;
  s3?: S3Client;
  /** An already loaded model (tests); otherwise loaded from MODEL_DIR / MODEL_S3_PREFIX at start. */
  model?: ModelRuntime;
  decodeAudio?: WorkerDeps['decodeAudio'];
}

export interface App {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly grpcPort: number;
  readonly opsPort: number;
  readonly metrics: Metrics;
  /** Available after start(), for tests and operators. */
  readonly reconciler: Reconciler;
  readonly bus: EventBus;
  readonly pool: Pool;
}

const OWNED = ['inference--transcription-requested'] as const;

export function build(config: Config, deps: AppDeps = {}): App {
  const logger = deps.logger ?? createLogger('inference', config.LOG_LEVEL);
  const metrics = deps.metrics ?? createMetrics('inference');
  const s3 =
    deps.s3 ??
    createS3Client({
      endpoint: config.S3_ENDPOINT,
      region: config.S3_REGION,
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
    });
  const store = new ObjectStore(s3, config.S3_BUCKET);
  const pool = createPool({ connectionString: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, max: config.DATABASE_POOL_MAX, applicationName: 'inference' });
  const repo = new JobsRepository(pool, config.DATABASE_SCHEMA, {
    queuedStaleSeconds: config.QUEUED_STALE_SECONDS,
    processingStaleSeconds: config.PROCESSING_STALE_SECONDS,
  });
  const domainMetrics = createInferenceMetrics(metrics.registry, repo);

  let model: ModelRuntime | undefined = deps.model;
  const limits = (): ValidationLimits => ({
    domains: model?.domains ?? [],
    maxVocabularyEntries: config.MAX_VOCABULARY_ENTRIES,
    maxVocabularyEntryChars: config.MAX_VOCABULARY_ENTRY_CHARS,
  });
  const jobs = new JobsService(repo, store, limits);
  const grpc = new GrpcServer({ logger, metrics }).add(
    inference.InferenceService,
    inferenceHandlers({ jobs, model: () => model, captions: { maxStreams: config.CAPTIONS_MAX_STREAMS, maxSeconds: config.CAPTIONS_MAX_SECONDS, limits } }),
  );
  const worker = new TranscriptionWorker(
    {
      repo,
      store,
      metrics: domainMetrics,
      logger: logger.child({ component: 'worker' }),
      model: () => {
        if (!model) throw new Error('the speech model is not loaded');
        return model;
      },
      ...(deps.decodeAudio ? { decodeAudio: deps.decodeAudio } : {}),
    },
    {
      concurrency: Math.max(1, config.WORKER_CONCURRENCY),
      maxAttempts: config.MAX_ATTEMPTS,
      progressIntervalMs: config.PROGRESS_INTERVAL_MS,
      processingStaleSeconds: config.PROCESSING_STALE_SECONDS,
    },
  );
  const workerEnabled = config.WORKER_ENABLED && config.WORKER_CONCURRENCY > 0;
  const registrations = workerEnabled ? [worker.registration()] : [];

  let bus: EventBus | undefined;
  let relay: OutboxRelay | undefined;
  let reconciler: Reconciler | undefined;
  let ops: OpsServer | undefined;
  let consumers: RunningConsumer[] = [];
  let draining = false;
  let grpcPort = 0;

  const start = async () => {
    if (workerEnabled) checkRegistrations(OWNED, registrations as never);
    await ensureDatabase(config.DATABASE_URL).catch((e: unknown) => logger.warn({ err: e }, 'could not ensure the database exists; assuming it does'));
    const applied = await migrate(pool, config.DATABASE_SCHEMA, join(__dirname, '..', 'migrations'));
    await pool.query(outboxTableSql(config.DATABASE_SCHEMA));
    if (applied.length) logger.info({ applied }, 'migrations applied');
    await ensureBucket(s3, config.S3_BUCKET);

    bus = await EventBus.connect({ url: config.NATS_URL, namespace: config.NATS_NAMESPACE, name: 'inference', logger, metrics });
    await bus.declare({ replicas: config.NATS_STREAM_REPLICAS, consumers: OWNED });
    relay = new OutboxRelay(pool, bus, logger.child({ component: 'outbox' }));
    relay.start();

    const liveBus = bus;
    ops = await startOpsServer({
      port: config.OPS_PORT,
      registry: metrics.registry,
      isDraining: () => draining,
      checks: {
        postgres: () => repo.ping(),
        nats: async () => {
          if (!liveBus.isConnected()) throw new Error('not connected');
          await liveBus.nc.flush();
        },
        s3: () => store.ping(),
        model: async () => {
          if (!model) throw new Error('not loaded');
        },
      },
    });

    if (!model) {
      const options = {
        ...(config.MODEL_DIR ? { modelDir: config.MODEL_DIR } : {}),
        ...(config.MODEL_S3_PREFIX ? { s3Prefix: config.MODEL_S3_PREFIX } : {}),
        ...(config.ORT_BATCH_SIZE ? { batchSize: config.ORT_BATCH_SIZE } : {}),
        cacheDir: config.MODEL_CACHE_DIR,
        threads: config.ORT_THREADS,
        executionProvider: config.EXECUTION_PROVIDER,
      };
      const dir = await resolveModelDir(options, store, logger);
      model = await loadModel(dir, options, logger);
    }
    domainMetrics.modelInfo.labels(model.engine.info.name, model.engine.info.version, model.device).set(1);

    grpcPort = await grpc.listen(`${config.GRPC_HOST}:${config.GRPC_PORT}`);
    grpc.health.setAll(true);

    for (const r of registrations) consumers.push(await bus.consume(r));
    reconciler = new Reconciler(repo, bus, logger.child({ component: 'reconciler' }), { intervalMs: config.RECONCILE_INTERVAL_MS, maxAttempts: config.MAX_ATTEMPTS }, domainMetrics);
    reconciler.start();
    logger.info({ grpcPort, opsPort: ops.port, worker: workerEnabled, concurrency: config.WORKER_CONCURRENCY, model: model.engine.info.name, version: model.engine.info.version, device: model.device }, 'inference service started');
  };

  const stop = async () => {
    draining = true;
    grpc.health.setAll(false);
    await reconciler?.stop();
    // In-flight jobs get a grace period to finish; then they are handed back to the queue.
    const grace = setTimeout(() => worker.handBack(), config.DRAIN_GRACE_MS);
    await Promise.all(consumers.map((c) => c.stop()));
    clearTimeout(grace);
    consumers = [];
    await grpc.stop(Math.max(1_000, config.SHUTDOWN_DEADLINE_MS / 4));
    await relay?.stop();
    await bus?.close();
    if (!deps.model) await model?.engine.close();
    await pool.end();
    if (!deps.s3) s3.destroy();
    await ops?.close();
  };

  return {
    start,
    stop,
    get grpcPort() {
      return grpcPort;
    },
    get opsPort() {
      return ops?.port ?? 0;
    },
    metrics,
    get reconciler() {
      if (!reconciler) throw new Error('not started');
      return reconciler;
    },
    get bus() {
      if (!bus) throw new Error('not started');
      return bus;
    },
    pool,
  };
}
