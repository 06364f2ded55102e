// Builds the feedback service from its configuration and (optionally injected) dependencies.
// start() follows the platform order: connections, migrations, streams and consumers declared,
// gRPC listening and SERVING, outbox relay, then consumers. stop() reverses it.
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
  ensureDatabase,
  migrate,
  startOpsServer,
  type DurableName,
  type Logger,
  type Metrics,
  type OpsServer,
  type Pool,
} from '@verbatim/common';
import { feedback } from '@verbatim/proto';
import { FeedbackRepository } from './adapters/feedback.repository.js';
import { ObjectStore } from './adapters/object-store.js';
import type { Config } from './config.js';
import { mediaDeletedConsumer, transcriptionCompletedConsumer, transcriptionDeletedConsumer } from './events/transcription.consumers.js';
import { feedbackHandlers } from './grpc/feedback.handlers.js';
import { registerFeedbackMetrics } from './metrics.js';
import { CorrectionsService } from './services/corrections.service.js';
import { ExportService } from './services/export.service.js';
import { QualityService } from './services/quality.service.js';
import { SnapshotsService } from './services/snapshots.service.js';

export const SERVICE = 'feedback';
export const OWNED_DURABLES: readonly DurableName[] = ['feedback--transcription-completed', 'feedback--transcription-deleted', 'feedback--media-deleted'];
const MIGRATIONS = join(__dirname, '..', 'migrations');

export interface Deps {
  logger?: Logger;
  metrics?: Metrics;
  s3?: S3Client;
  now?: () => Date;
}

export interface FeedbackApp {
  start(): Promise<{ grpcPort: number; opsPort: number }>;
  stop(): Promise<void>;
  readonly metrics: Metrics;
}

export function build(config: Config, deps: Deps = {}): FeedbackApp {
  const logger = deps.logger ?? createLogger(SERVICE, config.LOG_LEVEL);
  const metrics = deps.metrics ?? createMetrics(SERVICE);
  let pool: Pool | undefined;
  let bus: EventBus | undefined;
  let relay: OutboxRelay | undefined;
  let grpc: GrpcServer | undefined;
  let ops: OpsServer | undefined;
  let s3: S3Client | undefined;
  let draining = false;

  return {
    metrics,
    async start() {
      if (config.DATABASE_ENSURE) {
        // Local convenience only: a provisioned database (or a user without CREATEDB) is fine.
        await ensureDatabase(config.DATABASE_URL).catch((e: unknown) => logger.warn({ err: e }, 'could not ensure the database exists; assuming it is provisioned'));
      }
      pool = createPool({ connectionString: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, applicationName: SERVICE });
      await migrate(pool, config.DATABASE_SCHEMA, MIGRATIONS);
      s3 =
        deps.s3 ??
        createS3Client({ endpoint: config.S3_ENDPOINT, region: config.S3_REGION, accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY, forcePathStyle: config.S3_FORCE_PATH_STYLE });
      const repo = new FeedbackRepository(pool);
      const store = new ObjectStore(s3, config.S3_BUCKET);
      const quality = new QualityService(repo, config.FEEDBACK_COHORT_MIN_JOBS);
      const counters = registerFeedbackMetrics(metrics.registry, quality, config.FEEDBACK_METRICS_WINDOW_DAYS, logger);
      const snapshots = new SnapshotsService(repo, store, logger);
      const corrections = new CorrectionsService(repo, counters, logger, (account, job) => snapshots.ensure(account, job));
      const exporter = new ExportService(repo, store, logger, deps.now);

      const registrations = [
        transcriptionCompletedConsumer(snapshots, config.FEEDBACK_CONSUMER_CONCURRENCY),
        transcriptionDeletedConsumer(snapshots),
        mediaDeletedConsumer(snapshots),
      ];
      checkRegistrations(OWNED_DURABLES, registrations as never);

      bus = await EventBus.connect({ url: config.NATS_URL, namespace: config.NATS_NAMESPACE, name: SERVICE, logger, metrics });
      await bus.declare({ replicas: config.NATS_STREAM_REPLICAS, consumers: OWNED_DURABLES });

      grpc = new GrpcServer({ logger, metrics }).add(feedback.FeedbackService, feedbackHandlers({ corrections, quality, exports: exporter }));
      const grpcPort = await grpc.listen(`${config.GRPC_HOST}:${config.GRPC_PORT}`);
      const b = bus;
      ops = await startOpsServer({
        port: config.OPS_PORT,
        registry: metrics.registry,
        isDraining: () => draining,
        checks: {
          postgres: () => repo.ping(),
          nats: async () => {
            if (!b.isConnected()) throw new Error('disconnected');
          },
          s3: () => store.ping(),
        },
      });
      grpc.health.setAll(true);
      relay = new OutboxRelay(pool, bus, logger);
      relay.start();
      for (const r of registrations) await bus.consume(r as never);
      logger.info({ grpcPort, opsPort: ops.port }, 'feedback service started');
      return { grpcPort, opsPort: ops.port };
    },

    async stop() {
      draining = true;
      grpc?.health.setAll(false);
      await bus?.stopConsumers();
      await grpc?.stop(config.SHUTDOWN_DEADLINE_MS / 2);
      await relay?.stop();
      await bus?.close();
      await ops?.close();
      await pool?.end();
      if (!deps.s3) s3?.destroy();
    },
  };
}
