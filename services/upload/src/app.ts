// Builds the upload service from its configuration: PostgreSQL (schema + outbox), S3, ffmpeg,
// JetStream, the gRPC server and the ops endpoints. start() follows the platform's start order,
// stop() its drain order. Tests build this on ephemeral ports.
import { join } from 'node:path';
import {
  EventBus,
  GrpcServer,
  OutboxRelay,
  createLogger,
  createMetrics,
  createPool,
  createS3Client,
  ensureBucket,
  ensureDatabase,
  migrate,
  outboxLagSeconds,
  outboxTableSql,
  startOpsServer,
  withTransaction,
  type Logger,
  type Metrics,
  type OpsServer,
  type Pool,
} from '@verbatim/common';
import { upload } from '@verbatim/proto';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { S3Client } from '@aws-sdk/client-s3';
import { FfmpegProbe } from './adapters/ffmpeg.probe.js';
import { PgMediaRepository } from './adapters/media.repository.js';
import { S3ObjectStore } from './adapters/s3.object-store.js';
import type { Config } from './config.js';
import type { UploadObserver } from './domain/media.js';
import { MediaService } from './domain/media.service.js';
import { uploadHandlers } from './grpc/upload.handlers.js';

export const SERVICE_NAME = 'upload';
const MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

export interface UploadDeps {
  logger?: Logger;
  metrics?: Metrics;
}

export interface UploadApp {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Bound ports (differ from the configured ones when those are 0). */
  readonly grpcPort: number;
  readonly opsPort: number;
  readonly media: MediaService;
  readonly logger: Logger;
  /** Runs one retention pass now; returns how many media it deleted. */
  sweepRetention(): Promise<number>;
}

function uploadMetrics(metrics: Metrics, media: () => MediaService | undefined, pool: () => Pool | undefined): UploadObserver {
  const uploads = new Counter({
    name: 'verbatim_upload_uploads_total',
    help: 'Uploads handled, by outcome (accepted, or the error kind that refused them)',
    labelNames: ['outcome'],
    registers: [metrics.registry],
  });
  const bytes = new Counter({ name: 'verbatim_upload_accepted_bytes_total', help: 'Bytes of accepted uploads', labelNames: ['format'], registers: [metrics.registry] });
  const audio = new Histogram({
    name: 'verbatim_upload_audio_duration_seconds',
    help: 'Duration of accepted audio',
    labelNames: ['format'],
    buckets: [10, 60, 300, 600, 1800, 3600, 7200, 14400],
    registers: [metrics.registry],
  });
  new Gauge({
    name: 'verbatim_upload_in_flight_uploads',
    help: 'Uploads being received by this replica',
    registers: [metrics.registry],
    collect() {
      this.set(media()?.uploadsInFlight ?? 0);
    },
  });
  new Gauge({
    name: 'verbatim_upload_outbox_lag_seconds',
    help: 'Age of the oldest unpublished event in the outbox (grows when the relay is stuck)',
    registers: [metrics.registry],
    async collect() {
      const p = pool();
      if (p) this.set(await outboxLagSeconds(p).catch(() => 0));
    },
  });
  return {
    accepted: (m) => {
      uploads.labels('accepted').inc();
      bytes.labels(m.format).inc(m.sizeBytes);
      audio.labels(m.format).observe(m.durationSeconds);
    },
    rejected: (kind) => uploads.labels(kind).inc(),
  };
}

export function build(config: Config, deps: UploadDeps = {}): UploadApp {
  const logger = deps.logger ?? createLogger(SERVICE_NAME, config.LOG_LEVEL);
  const metrics = deps.metrics ?? createMetrics(SERVICE_NAME);
  let pool: Pool | undefined;
  let s3: S3Client | undefined;
  let bus: EventBus | undefined;
  let relay: OutboxRelay | undefined;
  let grpc: GrpcServer | undefined;
  let ops: OpsServer | undefined;
  let media: MediaService | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<number> | undefined;
  let draining = false;
  const observer = uploadMetrics(metrics, () => media, () => pool);

  const sweepRetention = async (): Promise<number> => {
    if (!media || config.RETENTION_DAYS <= 0) return 0;
    if (sweeping) return sweeping;
    sweeping = media
      .sweepExpired(config.RETENTION_DAYS)
      .then((n) => {
        if (n) logger.info({ deleted: n, retentionDays: config.RETENTION_DAYS }, 'retention sweep deleted expired media');
        return n;
      })
      .finally(() => (sweeping = undefined));
    return sweeping;
  };

  const app: UploadApp = {
    get grpcPort() {
      return grpc?.boundPort ?? 0;
    },
    get opsPort() {
      return ops?.port ?? 0;
    },
    get media() {
      if (!media) throw new Error('upload app not started');
      return media;
    },
    logger,
    sweepRetention,

    async start() {
      await ensureDatabase(config.DATABASE_URL).catch((e: unknown) => logger.debug({ err: e }, 'could not check for the database; assuming it exists'));
      pool = createPool({ connectionString: config.DATABASE_URL, schema: config.DB_SCHEMA, applicationName: SERVICE_NAME });
      await migrate(pool, config.DB_SCHEMA, MIGRATIONS_DIR);
      // Under the migrations' lock: replicas starting together must not race to create it.
      await withTransaction(pool, async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`migrate:${config.DB_SCHEMA}`]);
        await tx.query(outboxTableSql(config.DB_SCHEMA));
      });

      s3 = createS3Client({
        endpoint: config.S3_ENDPOINT,
        region: config.S3_REGION,
        accessKeyId: config.S3_ACCESS_KEY_ID,
        secretAccessKey: config.S3_SECRET_ACCESS_KEY,
        forcePathStyle: config.S3_FORCE_PATH_STYLE,
      });
      await ensureBucket(s3, config.S3_BUCKET);
      const store = new S3ObjectStore(s3, config.S3_BUCKET, logger, { partSizeBytes: config.S3_PART_SIZE_BYTES, queueSize: config.S3_UPLOAD_QUEUE_SIZE });
      const probe = new FfmpegProbe({ ffmpegPath: config.FFMPEG_PATH, logger, tmpDir: config.UPLOAD_TMP_DIR });
      await probe.check();

      bus = await EventBus.connect({ url: config.NATS_URL, namespace: config.NATS_NAMESPACE, name: SERVICE_NAME, logger, metrics });
      // Upload consumes nothing; declaring makes sure the MEDIA stream exists before the relay publishes.
      await bus.declare({ replicas: config.NATS_STREAM_REPLICAS, consumers: [] });
      relay = new OutboxRelay(pool, bus, logger);
      relay.start();

      media = new MediaService({
        store,
        probe,
        repository: new PgMediaRepository(pool),
        limits: { maxBytes: config.MAX_UPLOAD_BYTES, maxDurationSeconds: config.MAX_DURATION_SECONDS },
        maxConcurrentUploads: config.MAX_CONCURRENT_UPLOADS,
        observer,
      });

      grpc = new GrpcServer({ logger, metrics }).add(upload.UploadService, uploadHandlers(media));
      await grpc.listen(`0.0.0.0:${config.GRPC_PORT}`);
      const readyPool = pool;
      const readyBus = bus;
      ops = await startOpsServer({
        port: config.OPS_PORT,
        registry: metrics.registry,
        isDraining: () => draining,
        checks: {
          postgres: async () => void (await readyPool.query('SELECT 1')),
          nats: async () => {
            if (!readyBus.isConnected()) throw new Error('disconnected');
          },
          s3: () => store.ping(),
        },
      });
      grpc.health.setAll(true);

      if (config.RETENTION_DAYS > 0) {
        const tick = () => void sweepRetention().catch((e: unknown) => logger.warn({ err: e }, 'retention sweep failed; will retry next interval'));
        sweepTimer = setInterval(tick, config.RETENTION_SWEEP_INTERVAL_SECONDS * 1000);
        sweepTimer.unref();
        tick();
      }
      logger.info({ grpcPort: grpc.boundPort, opsPort: ops.port, schema: config.DB_SCHEMA, bucket: config.S3_BUCKET }, 'upload service ready');
    },

    async stop() {
      draining = true;
      grpc?.health.setAll(false);
      if (sweepTimer) clearInterval(sweepTimer);
      await sweeping?.catch(() => undefined);
      // In-flight uploads get most of the deadline to finish; the rest is for flushing and closing.
      await grpc?.stop(Math.max(1_000, config.SHUTDOWN_DEADLINE_MS - 5_000));
      await relay?.stop();
      await bus?.close().catch((e: unknown) => logger.warn({ err: e }, 'draining NATS failed'));
      await pool?.end();
      s3?.destroy();
      await ops?.close();
    },
  };
  return app;
}
