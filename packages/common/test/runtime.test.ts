// The shared runtime against real services: gRPC (error table, streaming, health) on a real
// server, JetStream (publish, consume, retry with back-off, dead-letter) on the local NATS, and
// the outbox relay on the local PostgreSQL.
import { randomUUID } from 'node:crypto';
import { fromBinary } from '@bufbuild/protobuf';
import { billing, events, health, upload } from '@verbatim/proto';
import pg from 'pg';
import {
  AppError,
  EventBus,
  GrpcServer,
  OutboxRelay,
  createClient,
  createLogger,
  createMetrics,
  createPool,
  dropSchema,
  enqueueEvent,
  ensureDatabase,
  migrate,
  outboxTableSql,
  withTransaction,
  type PayloadOf,
} from '../src/index.js';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const logger = createLogger('common-test', 'silent');
const unique = (p: string) => `${p}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
const DB = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/verbatim_test';
const NATS = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** Handlers for the RPCs a test does not exercise (the server refuses a service with a method unhandled). */
function unimplemented(service: { methods: Array<{ localName: string }> }, implemented: string[]): Record<string, () => never> {
  const out: Record<string, () => never> = {};
  for (const m of service.methods) {
    if (!implemented.includes(m.localName)) {
      out[m.localName] = () => {
        throw new AppError('failed_precondition', `${m.localName} is not part of this test`);
      };
    }
  }
  return out;
}

describe('gRPC server and client', () => {
  const metrics = createMetrics('common-test', { defaultMetrics: false });
  let server: GrpcServer;
  let address: string;
  const seen: number[] = [];

  beforeAll(async () => {
    server = new GrpcServer({ logger, metrics });
    server.add(billing.BillingService, {
      reserve: async (req) => {
        if (req.estimatedSeconds > 60) throw new AppError('insufficient_credit', 'credit is $0.10 short');
        if (req.jobId === 'boom') throw new Error('database password=hunter2 leaked');
        return { jobId: req.jobId, amount: { micros: 1000n, currency: 'USD' }, state: 'held' };
      },
      release: async () => ({}),
      getBalance: async () => ({}),
      topUp: async () => ({}),
      getUsage: async () => ({}),
      ...unimplemented(billing.BillingService, ['reserve', 'release', 'getBalance', 'topUp', 'getUsage']),
    });
    server.add(upload.UploadService, {
      upload: async (reqs) => {
        let bytes = 0;
        let account = '';
        for await (const r of reqs) {
          if (r.part.case === 'metadata') account = r.part.value.accountId;
          else if (r.part.case === 'chunk') {
            bytes += r.part.value.length;
            seen.push(r.part.value.length);
          }
        }
        return { media: { id: 'm1', accountId: account, sizeBytes: BigInt(bytes) } };
      },
      getMedia: async () => {
        throw new AppError('not_found', 'media not found');
      },
      deleteMedia: async () => ({ deleted: true }),
      ...unimplemented(upload.UploadService, ['upload', 'getMedia', 'deleteMedia']),
    });
    const port = await server.listen('127.0.0.1:0');
    server.health.setAll(true);
    address = `127.0.0.1:${port}`;
  });

  afterAll(() => server.stop(1000));

  it('round-trips a unary call and maps AppError kinds across the wire', async () => {
    const client = createClient(billing.BillingService, address, { metrics });
    const ok = await client.reserve({ accountId: 'a', jobId: 'j1', estimatedSeconds: 10 });
    expect(ok.amount?.micros).toBe(1000n);
    await expect(client.reserve({ accountId: 'a', jobId: 'j2', estimatedSeconds: 600 })).rejects.toMatchObject({
      kind: 'insufficient_credit',
      message: 'credit is $0.10 short',
    });
    // An unknown error is INTERNAL with no detail leaked to the caller.
    await expect(client.reserve({ accountId: 'a', jobId: 'boom', estimatedSeconds: 1 })).rejects.toMatchObject({ kind: 'internal', message: 'internal error' });
    client.close();
  });

  it('streams a client upload in order and reports the byte count', async () => {
    const client = createClient(upload.UploadService, address);
    async function* parts() {
      yield { part: { case: 'metadata' as const, value: { accountId: 'acc-1', filename: 'a.wav' } } };
      for (let i = 0; i < 5; i++) yield { part: { case: 'chunk' as const, value: new Uint8Array(1000 + i) } };
    }
    const res = await client.upload(parts());
    expect(res.media?.sizeBytes).toBe(BigInt(5 * 1000 + 10));
    expect(res.media?.accountId).toBe('acc-1');
    await expect(client.getMedia({ accountId: 'x', mediaId: 'y' })).rejects.toMatchObject({ kind: 'not_found' });
    client.close();
  });

  it('answers the standard health protocol', async () => {
    const client = createClient(health.Health, address);
    const res = await client.check({ service: 'verbatim.billing.v1.BillingService' });
    expect(res.status).toBe(health.HealthCheckResponse_ServingStatus.SERVING);
    await expect(client.check({ service: 'nope' })).rejects.toMatchObject({ kind: 'not_found' });
    client.close();
  });
});

describe('JetStream event bus', () => {
  let bus: EventBus;
  const namespace = unique('t');

  beforeAll(async () => {
    bus = await EventBus.connect({ url: NATS, namespace, name: 'common-test', logger });
    await bus.declare({ replicas: 1, consumers: ['billing--transcription-completed', 'billing--transcription-failed'] });
    await bus.declare({ replicas: 1, consumers: ['billing--transcription-completed'] }); // idempotent
  });

  afterAll(async () => {
    await bus.destroyNamespace();
    await bus.close();
  });

  it('delivers typed events, retries transient failures and de-duplicates by event id', async () => {
    const received: Array<{ id: string; delivery: number }> = [];
    let failOnce = true;
    const done = new Promise<void>((resolve) => {
      void bus.consume({
        durable: 'billing--transcription-completed',
        handle: async (p: PayloadOf<'transcription.completed.v1'>, ctx) => {
          received.push({ id: p.jobId, delivery: ctx.deliveryCount });
          if (p.jobId === 'j-retry' && failOnce) {
            failOnce = false;
            throw new Error('database briefly unavailable');
          }
          if (received.filter((r) => r.id === 'j-retry').length === 2) resolve();
        },
      });
    });
    await bus.publish('transcription.completed.v1', { jobId: 'j-1', accountId: 'a' }, 'evt-1');
    await bus.publish('transcription.completed.v1', { jobId: 'j-1', accountId: 'a' }, 'evt-1'); // duplicate id
    await bus.publish('transcription.completed.v1', { jobId: 'j-retry', accountId: 'a' }, 'evt-2');
    await done;
    expect(received.filter((r) => r.id === 'j-1')).toHaveLength(1);
    expect(received.filter((r) => r.id === 'j-retry').map((r) => r.delivery)).toEqual([1, 2]);
    await bus.stopConsumers();
  });

  it('dead-letters a poison message after calling onExhausted', async () => {
    const exhausted: string[] = [];
    const consumer = await bus.consume({
      durable: 'billing--transcription-failed',
      handle: async () => {
        throw new AppError('invalid_argument', 'cannot ever succeed');
      },
      onExhausted: async (p: PayloadOf<'transcription.failed.v1'>) => {
        exhausted.push(p.jobId);
      },
    });
    const sub = bus.nc.subscribe(bus.names.deadLetter('transcription.failed.v1'), { max: 1 });
    await bus.publish('transcription.failed.v1', { jobId: 'j-poison', accountId: 'a', reason: 'x' }, 'evt-p');
    for await (const m of sub) expect(m.data.length).toBeGreaterThan(0);
    expect(exhausted).toEqual(['j-poison']);
    await consumer.stop();
  });
});

describe('transactional outbox', () => {
  const schema = unique('outbox');
  const namespace = unique('o');
  let pool: pg.Pool;
  let bus: EventBus;

  beforeAll(async () => {
    await ensureDatabase(DB);
    pool = createPool({ connectionString: DB, schema });
    const dir = await mkdtemp(join(tmpdir(), 'mig-'));
    await writeFile(join(dir, '001_outbox.sql'), outboxTableSql(schema));
    await writeFile(join(dir, '002_things.sql'), 'CREATE TABLE things (id text PRIMARY KEY);');
    expect(await migrate(pool, schema, dir)).toEqual(['001_outbox.sql', '002_things.sql']);
    expect(await migrate(pool, schema, dir)).toEqual([]);
    bus = await EventBus.connect({ url: NATS, namespace, name: 'outbox-test', logger });
    await bus.declare({ replicas: 1, consumers: [] });
  });

  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
    await bus.destroyNamespace();
    await bus.close();
  });

  it('publishes only committed events, exactly once, with the row id as message id', async () => {
    const committed = randomUUID();
    await withTransaction(pool, async (tx) => {
      await tx.query('INSERT INTO things (id) VALUES ($1)', ['a']);
      await enqueueEvent(tx, 'media.uploaded.v1', { mediaId: 'm-a', accountId: 'acc' }, committed);
    });
    await expect(
      withTransaction(pool, async (tx) => {
        await enqueueEvent(tx, 'media.uploaded.v1', { mediaId: 'm-rolled-back', accountId: 'acc' });
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');

    const relay = new OutboxRelay(pool, bus, logger);
    expect(await relay.flush()).toBe(1);
    expect(await relay.flush()).toBe(0);

    const info = await bus.jsm.streams.info(bus.names.stream('MEDIA'));
    expect(info.state.messages).toBe(1);
    const msg = await bus.jsm.streams.getMessage(bus.names.stream('MEDIA'), { seq: info.state.first_seq });
    expect(msg.header.get('Nats-Msg-Id')).toBe(committed);
    const payload = fromBinary(events.MediaUploadedSchema, msg.data);
    expect(payload).toMatchObject({ mediaId: 'm-a', eventId: committed });
  });
});
