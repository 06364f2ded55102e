// Shared set-up for billing's tests against the local PostgreSQL and NATS: a unique schema and
// NATS namespace per test file, billing apps built from app.ts, a real gRPC client, a publisher.
import { randomUUID } from 'node:crypto';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { EventBus, createClient, createLogger, createMetrics, createPool, dropSchema, ensureDatabase, type Logger, type Metrics } from '@verbatim/common';
import { localServices, uniqueName } from '@verbatim/devkit';
import { billing, events } from '@verbatim/proto';
import { build, type BillingApp, type BillingDeps } from '../src/app.js';
import { loadConfig } from '../src/config.js';

export const logger: Logger = createLogger('billing-test', process.env.TEST_LOG_LEVEL ?? 'silent');

type Completed = MessageInitShape<typeof events.TranscriptionCompletedSchema>;

export type BillingClient = ReturnType<typeof createClient<typeof billing.BillingService>>;

export class Harness {
  readonly schema = uniqueName('billing_test');
  readonly namespace = uniqueName('billing_test');
  readonly apps: BillingApp[] = [];
  readonly clients: BillingClient[] = [];
  readonly metrics = new Map<BillingApp, Metrics>();
  bus!: EventBus;

  constructor(private readonly env: Record<string, string> = {}) {}

  config(extra: Record<string, string> = {}) {
    return loadConfig({
      DATABASE_URL: localServices.databaseUrl,
      DATABASE_SCHEMA: this.schema,
      NATS_URL: localServices.natsUrl,
      NATS_NAMESPACE: this.namespace,
      GRPC_PORT: '0',
      OPS_PORT: '0',
      LOG_LEVEL: 'silent',
      // $0.60 a minute is a cent a second: easy arithmetic in assertions.
      DEFAULT_PRICE_PER_MINUTE_MICROS: '600000',
      MINIMUM_CHARGE_MICROS: '50000',
      COST_PER_CPU_SECOND_MICROS: '12.4',
      SWEEP_INTERVAL_SECONDS: '3600',
      CONSUMER_CONCURRENCY: '8',
      LEDGER_CHECK_MAX_AGE_SECONDS: '0',
      ...this.env,
      ...extra,
    });
  }

  async setUp(): Promise<void> {
    await ensureDatabase(localServices.databaseUrl);
    this.bus = await EventBus.connect({ url: localServices.natsUrl, namespace: this.namespace, name: 'billing-test', logger });
  }

  /** Builds and starts one more billing instance; returns it with a gRPC client bound to it. */
  async startApp(deps: BillingDeps = {}, env: Record<string, string> = {}): Promise<{ app: BillingApp; client: BillingClient }> {
    const metrics = createMetrics('billing', { defaultMetrics: false });
    const app = build(this.config(env), { logger, metrics, ...deps });
    await app.start();
    this.metrics.set(app, metrics);
    this.apps.push(app);
    const client = createClient(billing.BillingService, `127.0.0.1:${app.grpcPort}`, { deadlineMs: 20_000 });
    this.clients.push(client);
    return { app, client };
  }

  async stopApp(app: BillingApp): Promise<void> {
    const i = this.apps.indexOf(app);
    if (i >= 0) this.apps.splice(i, 1);
    await app.stop();
  }

  async tearDown(): Promise<void> {
    for (const c of this.clients) c.close();
    for (const app of this.apps.splice(0).reverse()) await app.stop();
    await this.bus.destroyNamespace();
    await this.bus.close();
    const admin = createPool({ connectionString: localServices.databaseUrl, schema: 'public' });
    await dropSchema(admin, this.schema);
    await admin.end();
  }

  /** Messages of `subject` this app handled and acked. */
  async acked(app: BillingApp, subject: string): Promise<number> {
    const metric = await this.metrics.get(app)!.messagesProcessed.get();
    return metric.values
      .filter((v: { metricName?: string; labels: Record<string, unknown> }) => v.metricName?.endsWith('_count') && v.labels.subject === subject && v.labels.outcome === 'ack')
      .reduce((s: number, v: { value: number }) => s + v.value, 0);
  }

  completion(jobId: string, accountId: string, durationSeconds: number, opts: { domain?: string; cpuSeconds?: number } = {}): Completed {
    return {
      eventId: randomUUID(),
      occurredAt: timestampNow(),
      jobId,
      accountId,
      mediaId: `media-${jobId}`,
      durationSeconds,
      domain: opts.domain ?? '',
      model: { name: 'verbatim-ctc', version: '1' },
      compute: { cpuSeconds: opts.cpuSeconds ?? durationSeconds / 4, gpuSeconds: 0, wallSeconds: durationSeconds / 8, device: 'cpu' },
    };
  }

  /** Publishes a completion; the message id is unique so JetStream does not de-duplicate it. */
  async publishCompletion(payload: Completed): Promise<void> {
    await this.bus.publish('transcription.completed.v1', payload, `completed-${payload.jobId}-${randomUUID()}`);
  }

  async publishFailure(jobId: string, accountId: string, code = 'undecodable_audio'): Promise<void> {
    await this.bus.publish('transcription.failed.v1', { eventId: randomUUID(), occurredAt: timestampNow(), jobId, accountId, reason: 'The audio could not be decoded.', code }, `failed-${jobId}-${randomUUID()}`);
  }

  /** Resolves once the durable has nothing pending and nothing awaiting an ack. */
  async drained(durable: 'billing--transcription-completed' | 'billing--transcription-failed'): Promise<void> {
    const stream = this.bus.names.stream('TRANSCRIPTION_EVENTS');
    await eventually(async () => {
      const info = await this.bus.jsm.consumers.info(stream, this.bus.names.durable(durable));
      return info.num_pending === 0 && info.num_ack_pending === 0;
    });
  }
}

/** Polls until `check` is true. No deadline of its own: jest's test timeout bounds it. */
export async function eventually(check: () => Promise<boolean> | boolean, everyMs = 50): Promise<void> {
  for (;;) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const usd = (dollars: number) => ({ micros: BigInt(Math.round(dollars * 1e6)), currency: 'USD' });
