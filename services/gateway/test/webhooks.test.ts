// Webhooks end to end within the gateway: a transcription event on real NATS JetStream → the
// gateway's durable consumer → a queued delivery → a signed POST to a local HTTP server, retried
// after a 500, and given up after WEBHOOK_MAX_ATTEMPTS.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { EventBus, createLogger } from '@verbatim/common';
import { localServices, uniqueName } from '@verbatim/devkit';
import { deliveriesFor } from '../src/adapters/webhooks.repository';
import { verifySignature } from '../src/domain/signature';
import { queueWebhook } from '../src/events/webhooks.consumer';
import { fakeAudio, multipart, startTestGateway, type TestGateway } from './support';

let t: TestGateway;
let bus: EventBus;
let receiver: Server;
let base: string;
const received: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = [];
const failuresLeft: Record<string, number> = { '/flaky': 1, '/down': Infinity };

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body });
      if ((failuresLeft[path] ?? 0) > 0) {
        failuresLeft[path]!--;
        res.writeHead(500).end('oops');
      } else res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const namespace = uniqueName('gwtest');
  bus = await EventBus.connect({ url: localServices.natsUrl, namespace, name: 'gateway-test', logger: createLogger('test', 'silent') });
  t = await startTestGateway(
    { WEBHOOKS_ENABLED: 'true', NATS_NAMESPACE: namespace, AUDIO_URL_ALLOWLIST: '127.0.0.1', WEBHOOK_RETRY_BASE_MS: '50', WEBHOOK_POLL_INTERVAL_MS: '20', WEBHOOK_MAX_ATTEMPTS: '3' },
    { bus },
  );
});

afterAll(async () => {
  await t.close();
  await bus.destroyNamespace();
  await bus.close();
  await new Promise((r) => receiver.close(r));
});

async function until<T>(probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (;;) {
    const v = await probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function jobWithWebhook(auth: Record<string, string>, path: string): Promise<string> {
  const body = multipart({ webhook_url: `${base}${path}` }, { filename: 'a.wav', content: fakeAudio(8000) });
  const res = await t.gateway.http.inject({ method: 'POST', url: '/v1/transcripts', headers: { ...auth, ...body.headers }, payload: body.payload });
  expect(res.statusCode).toBe(202);
  return res.json().id;
}

describe('webhooks', () => {
  it('delivers a signed transcription.completed, retrying after a 500', async () => {
    const a = await t.newAccount();
    const jobId = await jobWithWebhook(a.auth, '/flaky');
    await bus.publish('transcription.completed.v1', { eventId: 'evt-completed-1', jobId, accountId: a.accountId, occurredAt: timestampFromDate(new Date('2026-11-27T12:00:00Z')) }, 'evt-completed-1');

    const delivered = await until(async () => (await deliveriesFor(t.gateway.deps.db, jobId)).find((d) => d.status === 'delivered'));
    expect(delivered).toMatchObject({ eventId: 'evt-completed-1', attempts: 2 });
    const attempts = received.filter((r) => r.path === '/flaky');
    expect(attempts).toHaveLength(2);
    const last = attempts[1]!;
    expect(JSON.parse(last.body)).toEqual({ type: 'transcription.completed', id: jobId, status: 'completed', created_at: '2026-11-27T12:00:00.000Z' });
    expect(last.headers['verbatim-event-id']).toBe('evt-completed-1');
    expect(last.headers['content-type']).toBe('application/json');
    const secret = (await t.gateway.http.inject({ method: 'GET', url: '/v1/webhooks/secret', headers: a.auth })).json().secret;
    expect(verifySignature(secret, String(last.headers['verbatim-signature']), last.body)).toBe(true);
    expect(attempts[0]!.body).toBe(last.body);
  });

  it('delivers transcription.failed with the reason, and a redelivered event adds nothing', async () => {
    const a = await t.newAccount();
    const jobId = await jobWithWebhook(a.auth, '/failed');
    await bus.publish('transcription.failed.v1', { eventId: 'evt-failed-1', jobId, accountId: a.accountId, reason: 'the audio contains no speech', code: 'no_speech', occurredAt: timestampFromDate(new Date()) }, 'evt-failed-1');
    await until(async () => (await deliveriesFor(t.gateway.deps.db, jobId)).find((d) => d.status === 'delivered'));
    const got = received.filter((r) => r.path === '/failed');
    expect(JSON.parse(got[0]!.body)).toMatchObject({ type: 'transcription.failed', id: jobId, status: 'failed', failure_reason: 'the audio contains no speech' });

    const again = await queueWebhook(t.gateway.deps.db, { eventId: 'evt-failed-1', jobId, accountId: a.accountId, type: 'transcription.failed', failureReason: 'x', occurredAt: new Date().toISOString() });
    expect(again).toBe(false);
    expect(await deliveriesFor(t.gateway.deps.db, jobId)).toHaveLength(1);
  });

  it('gives up after WEBHOOK_MAX_ATTEMPTS', async () => {
    const a = await t.newAccount();
    const jobId = await jobWithWebhook(a.auth, '/down');
    await queueWebhook(t.gateway.deps.db, { eventId: 'evt-down', jobId, accountId: a.accountId, type: 'transcription.completed', occurredAt: new Date().toISOString() });
    const failed = await until(async () => (await deliveriesFor(t.gateway.deps.db, jobId)).find((d) => d.status === 'failed'));
    expect(failed).toMatchObject({ attempts: 3, lastError: 'HTTP 500' });
  });

  it('jobs without a webhook queue nothing', async () => {
    const a = await t.newAccount();
    expect(await queueWebhook(t.gateway.deps.db, { eventId: 'evt-none', jobId: '00000000-0000-4000-8000-000000000000', accountId: a.accountId, type: 'transcription.completed', occurredAt: '' })).toBe(false);
  });
});
