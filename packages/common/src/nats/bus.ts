// JetStream adapter: connect, declare the topology, publish typed events with de-duplication ids
// and trace context, and run durable pull consumers with ack / nak(back-off) / term / working().
import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import {
  AckPolicy,
  DeliverPolicy,
  StorageType,
  connect,
  headers as natsHeaders,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
} from 'nats';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { SpanKind, extractTraceContext, injectTraceContext, withSpan } from '../tracing.js';
import { CONSUMERS, Names, STREAMS, SUBJECTS, type DurableName, type PayloadOf, type Subject } from './topology.js';

export interface MessageContext {
  subject: Subject;
  /** 1 on the first delivery. */
  deliveryCount: number;
  maxDeliver: number;
  isLastDelivery: boolean;
  /** Tells JetStream the message is still being worked on (resets the ack timer). */
  working(): void;
  signal: AbortSignal;
}

/** Throw from a handler for a message that can never succeed: it is terminated, not retried. */
export class PoisonMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoisonMessageError';
  }
}

export interface ConsumerRegistration<S extends Subject = Subject> {
  durable: DurableName;
  handle(payload: PayloadOf<S>, ctx: MessageContext): Promise<void>;
  /** Called once when the last delivery fails or the message is poison, before it is dead-lettered. */
  onExhausted?(payload: PayloadOf<S>, error: unknown): Promise<void>;
  concurrency?: number;
}

export interface RunningConsumer {
  durable: string;
  /** Stops pulling, waits for in-flight handlers (they ack or nak), then closes. */
  stop(): Promise<void>;
}

export function backoffMs(deliveryCount: number): number {
  return Math.min(60_000, 1_000 * 2 ** Math.max(0, deliveryCount - 1));
}

/**
 * Refuses a set of consumer registrations where a durable has no handler, or two. Called by each
 * service at start-up with the durables it is meant to own.
 */
export function checkRegistrations(owned: readonly DurableName[], registrations: readonly ConsumerRegistration<never>[]): void {
  const seen = new Map<string, number>();
  for (const r of registrations) seen.set(r.durable, (seen.get(r.durable) ?? 0) + 1);
  const problems: string[] = [];
  for (const d of owned) if (!seen.has(d)) problems.push(`no handler for ${d}`);
  for (const [d, n] of seen) {
    if (n > 1) problems.push(`${n} handlers for ${d}`);
    if (!owned.includes(d as DurableName)) problems.push(`handler for ${d}, which this service does not own`);
  }
  if (problems.length) throw new Error(`event handler registry: ${problems.join('; ')}`);
}

export class EventBus {
  readonly names: Names;
  readonly js: JetStreamClient;
  private readonly running = new Set<RunningConsumer>();

  private constructor(
    readonly nc: NatsConnection,
    readonly jsm: JetStreamManager,
    namespace: string,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
  ) {
    this.names = new Names(namespace);
    this.js = nc.jetstream();
  }

  static async connect(options: { url: string; namespace: string; name: string; logger: Logger; metrics?: Metrics }): Promise<EventBus> {
    const nc = await connect({ servers: options.url, name: options.name, maxReconnectAttempts: -1 });
    const jsm = await nc.jetstreamManager();
    return new EventBus(nc, jsm, options.namespace, options.logger, options.metrics);
  }

  /** Creates or updates every stream and the given durable consumers; safe to run from every replica. */
  async declare(options: { replicas: number; consumers: readonly DurableName[] }): Promise<void> {
    for (const [name, cfg] of Object.entries(STREAMS)) {
      const streamName = this.names.stream(name);
      const config = {
        ...cfg,
        name: streamName,
        subjects: cfg.subjects.map((s) => this.names.subject(s)),
        storage: StorageType.File,
        num_replicas: options.replicas,
        duplicate_window: 2 * 60 * 1e9,
      };
      try {
        await this.jsm.streams.info(streamName);
        await this.jsm.streams.update(streamName, config);
      } catch (e) {
        if (!isNotFound(e)) throw e;
        try {
          await this.jsm.streams.add(config);
        } catch (e2) {
          // Another replica created it between our info and add.
          if (!String((e2 as Error).message).includes('already in use')) throw e2;
        }
      }
    }
    for (const durable of options.consumers) {
      const spec = CONSUMERS[durable];
      const name = this.names.durable(durable);
      const config = {
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: this.names.subject(spec.subject),
        max_deliver: spec.maxDeliver,
        ack_wait: spec.ackWaitSeconds * 1e9,
        max_ack_pending: 1_000,
      };
      const stream = this.names.stream(spec.stream);
      try {
        await this.jsm.consumers.info(stream, name);
        await this.jsm.consumers.update(stream, name, config);
      } catch (e) {
        if (!isNotFound(e)) throw e;
        await this.jsm.consumers.add(stream, config);
      }
    }
  }

  /** Publishes a typed event; `id` becomes Nats-Msg-Id so a re-publish within the window is dropped. */
  async publish<S extends Subject>(subject: S, payload: MessageInitShape<(typeof SUBJECTS)[S]['schema']>, id: string, traceHeaders?: Record<string, string>): Promise<void> {
    const schema = SUBJECTS[subject].schema;
    const bytes = toBinary(schema, create(schema, payload as never));
    await this.publishRaw(subject, bytes, id, traceHeaders);
  }

  async publishRaw(subject: string, bytes: Uint8Array, id: string, traceHeaders?: Record<string, string>): Promise<void> {
    const wire = this.names.subject(subject);
    // An outbox relay publishes long after the request: the stored context makes the publish
    // (and so the consumer) part of the trace that wrote the event.
    const parent = traceHeaders ? extractTraceContext(traceHeaders) : undefined;
    await withSpan(`${subject} publish`, { kind: SpanKind.PRODUCER, parent, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': wire, 'messaging.message.id': id } }, async () => {
      const h = natsHeaders();
      for (const [k, v] of Object.entries(injectTraceContext())) h.set(k, v);
      await this.js.publish(wire, bytes, { msgID: id, headers: h });
      this.metrics?.messagesPublished.labels(subject).inc();
    });
  }

  async consume<S extends Subject>(reg: ConsumerRegistration<S>): Promise<RunningConsumer> {
    const spec = CONSUMERS[reg.durable];
    const subject = spec.subject as S;
    const schema = SUBJECTS[subject].schema;
    const consumer = await this.js.consumers.get(this.names.stream(spec.stream), this.names.durable(reg.durable));
    const concurrency = Math.max(1, reg.concurrency ?? 1);
    const messages: ConsumerMessages = await consumer.consume({ max_messages: concurrency });
    const abort = new AbortController();
    const inFlight = new Set<Promise<void>>();
    const log = this.logger.child({ consumer: reg.durable });

    const handleOne = async (m: JsMsg) => {
      const started = process.hrtime.bigint();
      const deliveryCount = m.info.deliveryCount;
      const isLast = deliveryCount >= spec.maxDeliver;
      let outcome = 'ack';
      const heartbeat = setInterval(() => m.working(), (spec.ackWaitSeconds * 1000) / 3);
      const carrier: Record<string, string> = {};
      for (const k of m.headers?.keys() ?? []) carrier[k.toLowerCase()] = m.headers!.get(k);
      let payload: PayloadOf<S> | undefined;
      try {
        await withSpan(
          `${subject} process`,
          {
            kind: SpanKind.CONSUMER,
            parent: extractTraceContext(carrier),
            attributes: { 'messaging.system': 'nats', 'messaging.destination.name': m.subject, 'messaging.consumer.group.name': reg.durable, 'messaging.message.delivery_count': deliveryCount },
          },
          async () => {
            try {
              payload = fromBinary(schema, m.data) as PayloadOf<S>;
            } catch {
              throw new PoisonMessageError(`undecodable ${subject} payload`);
            }
            await reg.handle(payload, { subject, deliveryCount, maxDeliver: spec.maxDeliver, isLastDelivery: isLast, working: () => m.working(), signal: abort.signal });
          },
        );
        m.ack();
      } catch (e) {
        const poison = e instanceof PoisonMessageError || (e instanceof AppError && ['invalid_argument', 'not_found', 'unprocessable'].includes(e.kind));
        if (poison || isLast) {
          outcome = 'term';
          log.error({ err: e, deliveryCount, poison }, 'message failed for good: dead-lettering');
          try {
            if (payload && reg.onExhausted) await reg.onExhausted(payload, e);
            await this.publishRaw(`deadletter.${subject}`, m.data, `dl-${m.info.stream}-${m.seq}`, carrier);
            m.term(String((e as Error).message ?? e).slice(0, 200));
          } catch (e2) {
            // Could not record the failure: let it be redelivered rather than lose it.
            outcome = 'nak';
            log.error({ err: e2 }, 'dead-lettering failed: message will be redelivered');
            m.nak(backoffMs(deliveryCount));
          }
        } else {
          outcome = 'nak';
          log.warn({ err: e, deliveryCount }, 'transient failure: retrying with back-off');
          m.nak(backoffMs(deliveryCount));
        }
      } finally {
        clearInterval(heartbeat);
        this.metrics?.messagesProcessed.labels(subject, outcome).observe(Number(process.hrtime.bigint() - started) / 1e9);
      }
    };

    const loop = (async () => {
      for await (const m of messages) {
        const p = handleOne(m).finally(() => inFlight.delete(p));
        inFlight.add(p);
        while (inFlight.size >= concurrency) await Promise.race(inFlight);
      }
    })();

    const running: RunningConsumer = {
      durable: reg.durable,
      stop: async () => {
        await messages.close();
        await loop.catch(() => undefined);
        await Promise.allSettled([...inFlight]);
        abort.abort();
        this.running.delete(running);
      },
    };
    this.running.add(running);
    return running;
  }

  async stopConsumers(): Promise<void> {
    await Promise.all([...this.running].map((c) => c.stop()));
  }

  isConnected(): boolean {
    return !this.nc.isClosed();
  }

  /** Stops consumers, then drains the connection (flushes pending publishes). */
  async close(): Promise<void> {
    await this.stopConsumers();
    if (!this.nc.isClosed()) await this.nc.drain();
  }

  /** Deletes this namespace's streams; for tests. */
  async destroyNamespace(): Promise<void> {
    if (!this.names.namespace) throw new Error('refusing to delete the un-namespaced production streams');
    for (const name of Object.keys(STREAMS)) {
      await this.jsm.streams.delete(this.names.stream(name)).catch(() => undefined);
    }
  }
}

function isNotFound(e: unknown): boolean {
  const msg = String((e as Error)?.message ?? '');
  return msg.includes('not found') || (e as { api_error?: { err_code?: number } })?.api_error?.err_code === 10059 || (e as { code?: string })?.code === '404';
}
