// Builds the billing service from its configuration and dependencies; start() brings it up in
// the platform's order and stop() drains it. Tests build it, main.ts runs it.
import { join } from 'node:path';
import {
  EventBus, GrpcServer, checkRegistrations, createLogger, createMetrics, createPool, migrate, startOpsServer,
  type ConsumerRegistration, type Logger, type Metrics, type OpsServer, type Pool,
} from '@verbatim/common';
import { billing } from '@verbatim/proto';
import { repo } from './adapters/billing.repository.js';
import { StripePaymentProvider } from './adapters/stripe.payment-provider.js';
import { BillingService, type BeforeChargeCommit } from './billing.service.js';
import type { BillingConfig } from './config.js';
import type { PaymentProvider } from './domain/payments.js';
import { OWNED_DURABLES, transcriptionConsumers } from './events/transcription.consumers.js';
import { billingHandlers } from './grpc/billing.grpc.js';
import { registerBillingMetrics } from './metrics.js';

export interface BillingDeps {
  logger?: Logger;
  metrics?: Metrics;
  /** Overrides the provider built from STRIPE_* (tests point Stripe at a local server). */
  payments?: PaymentProvider | null;
  beforeChargeCommit?: BeforeChargeCommit;
}

export interface BillingApp {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly grpcPort: number;
  readonly opsPort: number;
  readonly service: BillingService;
  readonly pool: Pool;
  /** Runs the reservation sweeper once, as if the time were `now`. */
  sweepOnce(now?: Date): Promise<number>;
}

const MIGRATIONS = join(__dirname, '..', 'migrations');

export function build(config: BillingConfig, deps: BillingDeps = {}): BillingApp {
  const logger = deps.logger ?? createLogger('billing', config.LOG_LEVEL);
  const metrics = deps.metrics ?? createMetrics('billing');
  const pool = createPool({ connectionString: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, applicationName: 'billing' });
  const payments =
    deps.payments !== undefined
      ? (deps.payments ?? undefined)
      : config.STRIPE_SECRET_KEY && config.STRIPE_WEBHOOK_SECRET
        ? new StripePaymentProvider({ secretKey: config.STRIPE_SECRET_KEY, webhookSecret: config.STRIPE_WEBHOOK_SECRET })
        : undefined;
  const billingMetrics = registerBillingMetrics(metrics, pool, logger, { ledgerCheckMaxAgeMs: config.LEDGER_CHECK_MAX_AGE_SECONDS * 1000 });
  const service = new BillingService(
    pool,
    {
      defaultPlan: config.DEFAULT_PLAN,
      reservationTtlMs: config.RESERVATION_TTL_SECONDS * 1000,
      unitCosts: {
        cpuSecondMicros: config.COST_PER_CPU_SECOND_MICROS,
        gpuSecondMicros: config.COST_PER_GPU_SECOND_MICROS,
        gbMonthMicros: config.COST_PER_GB_MONTH_MICROS,
        audioBytesPerSecond: config.AUDIO_STORAGE_BYTES_PER_SECOND,
        retentionDays: config.AUDIO_RETENTION_DAYS,
      },
    },
    billingMetrics,
    logger,
    payments,
    deps.beforeChargeCommit,
  );
  const grpc = new GrpcServer({ logger, metrics }).add(billing.BillingService, billingHandlers(service));
  const registrations = transcriptionConsumers(service, logger, config.CONSUMER_CONCURRENCY);
  checkRegistrations(OWNED_DURABLES, registrations as unknown as ConsumerRegistration<never>[]);

  let bus: EventBus | undefined;
  let ops: OpsServer | undefined;
  let grpcPort = 0;
  let draining = false;
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> = Promise.resolve();

  const sweepOnce = (now?: Date) => service.sweep(now);
  const scheduleSweep = () => {
    sweepTimer = setTimeout(() => {
      sweeping = sweepOnce()
        .then((n) => n > 0 && logger.info({ released: n }, 'released expired reservations'))
        .catch((e: unknown) => logger.warn({ err: e }, 'reservation sweep failed; will retry'))
        .finally(() => !draining && scheduleSweep());
    }, config.SWEEP_INTERVAL_SECONDS * 1000);
    sweepTimer.unref();
  };

  return {
    service,
    pool,
    sweepOnce,
    get grpcPort() {
      return grpcPort;
    },
    get opsPort() {
      return ops?.port ?? 0;
    },

    async start() {
      await migrate(pool, config.DATABASE_SCHEMA, MIGRATIONS);
      await repo.ensurePlanWithPrice(pool, config.DEFAULT_PLAN, BigInt(config.DEFAULT_PRICE_PER_MINUTE_MICROS), BigInt(config.MINIMUM_CHARGE_MICROS));
      bus = await EventBus.connect({ url: config.NATS_URL, namespace: config.NATS_NAMESPACE, name: 'billing', logger, metrics });
      await bus.declare({ replicas: config.NATS_STREAM_REPLICAS, consumers: OWNED_DURABLES });
      grpcPort = await grpc.listen(`0.0.0.0:${config.GRPC_PORT}`);
      const connectedBus = bus;
      ops = await startOpsServer({
        port: config.OPS_PORT,
        registry: metrics.registry,
        isDraining: () => draining,
        checks: {
          postgres: async () => void (await pool.query('SELECT 1')),
          nats: async () => {
            if (!connectedBus.isConnected()) throw new Error('disconnected');
          },
        },
      });
      grpc.health.setAll(true);
      for (const r of registrations) await bus.consume(r as never);
      scheduleSweep();
      logger.info({ grpcPort, opsPort: ops.port, payments: payments?.name ?? 'manual top-ups only' }, 'billing started');
    },

    async stop() {
      draining = true;
      grpc.health.setAll(false);
      if (sweepTimer) clearTimeout(sweepTimer);
      await bus?.stopConsumers();
      await sweeping;
      await grpc.stop(Math.max(1_000, config.SHUTDOWN_DEADLINE_MS - 5_000));
      await ops?.close();
      await bus?.close();
      await pool.end();
    },
  };
}
