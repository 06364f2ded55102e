// The live-caption WebSocket against a real gRPC StreamCaptions server (in-test implementation
// with the real service's message contract: config first, then float32 PCM; partial and final
// updates; the rest flushed as final when the input ends), driven by the `ws` client.
import { Writable } from 'node:stream';
import { AppError, createLogger, type CallContext } from '@verbatim/common';
import type { inference } from '@verbatim/proto';
import WebSocket from 'ws';
import { startBackend, startBackendGateway, type BackendGateway } from './backend';

interface Stream {
  config?: inference.CaptionConfig;
  bytes: Buffer;
  cancelled: boolean;
  ended: boolean;
}

const streams: Stream[] = [];
const logLines: string[] = [];
let g: BackendGateway;
let alice: Awaited<ReturnType<BackendGateway['customer']>>;
let base: string;

async function* streamCaptions(reqs: AsyncIterable<inference.CaptionAudio>, ctx: CallContext) {
  const s: Stream = { bytes: Buffer.alloc(0), cancelled: false, ended: false };
  streams.push(s);
  ctx.signal.addEventListener('abort', () => (s.cancelled = true));
  const input = reqs[Symbol.asyncIterator]();
  const first = await input.next();
  if (first.done || first.value.part.case !== 'config') throw new AppError('invalid_argument', 'the first message of a caption stream must be its config');
  s.config = first.value.part.value;
  if (s.config.vocabulary.includes('busy')) throw new AppError('resource_exhausted', 'too many live caption streams on this server; try again shortly');
  for (;;) {
    const next = await input.next();
    if (next.done) break;
    if (next.value.part.case !== 'pcm') continue;
    s.bytes = Buffer.concat([s.bytes, next.value.part.value]);
    yield { partial: `heard ${Math.floor(s.bytes.length / 4)} samples`, final: [] };
  }
  s.ended = true;
  const words = [
    { word: 'hello', start: 0, end: 0.4, confidence: 0.91234 },
    { word: 'ketamine', start: 0.5, end: 1.1, confidence: 0.8 },
  ];
  yield { partial: '', final: [{ id: 0, start: 0, end: 1.1, text: 'hello ketamine', confidence: 0.85, words }] };
}

beforeAll(async () => {
  const backend = await startBackend({ inference: { streamCaptions: streamCaptions as never } });
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString());
      cb();
    },
  });
  g = await startBackendGateway(backend, { logger: createLogger('gateway', 'info', sink) });
  alice = await g.customer('Alice');
  base = `ws://127.0.0.1:${g.t.port}/v1/captions`;
});

afterAll(async () => {
  await g.close();
});

interface Client {
  ws: WebSocket;
  messages: Array<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
  next(type: string): Promise<Record<string, unknown>>;
}

function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const messages: Array<Record<string, unknown>> = [];
    const waiters: Array<() => void> = [];
    ws.on('message', (data, isBinary) => {
      expect(isBinary).toBe(false);
      messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
      for (const w of waiters.splice(0)) w();
    });
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    const next = (type: string) =>
      new Promise<Record<string, unknown>>((r) => {
        const check = () => {
          const m = messages.find((x) => x.type === type);
          if (m) r(m);
          else waiters.push(check);
        };
        check();
      });
    ws.on('open', () => resolve({ ws, messages, closed, next }));
    ws.on('unexpected-response', (req, res) => {
      req.destroy();
      reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode }));
    });
    ws.on('error', reject);
  });
}

function float32(samples: number[]): Buffer {
  const b = Buffer.alloc(samples.length * 4);
  samples.forEach((v, i) => b.writeFloatLE(v, i * 4));
  return b;
}

describe('GET /v1/captions (WebSocket)', () => {
  it('round trip: config, float32 frames passed through byte for byte, partials, final segments, close 1000', async () => {
    const c = await connect(base, alice.auth);
    c.ws.send(JSON.stringify({ domain: 'medicine', vocabulary: ['ketamine'] }));
    expect(await c.next('ready')).toEqual({ type: 'ready', format: 'f32le', sample_rate: 16000 });
    const audio = float32(Array.from({ length: 4800 }, (_, i) => Math.sin(i / 10) * 0.5));
    // Frames of any size, including ones that split a sample (inference keeps the partial sample).
    c.ws.send(audio.subarray(0, 6));
    c.ws.send(audio.subarray(6, 6400));
    c.ws.send(audio.subarray(6400));
    await new Promise<void>((r) => {
      const check = () => (c.messages.some((m) => m.type === 'partial' && m.text === 'heard 4800 samples') ? r() : setTimeout(check, 10));
      check();
    });
    c.ws.send(JSON.stringify({ type: 'stop' }));
    const closed = await c.closed;
    expect(closed).toEqual({ code: 1000, reason: 'end of stream' });

    const s = streams.at(-1)!;
    expect(s.config).toMatchObject({ accountId: alice.accountId, domain: 'medicine', vocabulary: ['ketamine'] });
    expect(s.bytes.equals(audio)).toBe(true);
    expect(s.ended).toBe(true);
    const final = c.messages.find((m) => m.type === 'final');
    expect(final).toEqual({
      type: 'final',
      segments: [{ id: 0, start: 0, end: 1.1, text: 'hello ketamine', confidence: 0.85, words: [{ word: 'hello', start: 0, end: 0.4, confidence: 0.912 }, { word: 'ketamine', start: 0.5, end: 1.1, confidence: 0.8 }] }],
    });
    // Partials only when the text changes; the empty partial after the final clears the line.
    const partials = c.messages.filter((m) => m.type === 'partial').map((m) => m.text);
    expect(new Set(partials).size).toBe(partials.length);
    expect(partials.at(-1)).toBe('');
    expect(c.messages.findIndex((m) => m.type === 'final')).toBeGreaterThan(c.messages.findIndex((m) => m.text === 'heard 4800 samples'));
  });

  it('converts 16-bit PCM with format "s16le", across frames that split a sample', async () => {
    const c = await connect(base, alice.auth);
    c.ws.send(JSON.stringify({ format: 's16le', sample_rate: 16000 }));
    expect(await c.next('ready')).toMatchObject({ format: 's16le' });
    const pcm = Buffer.alloc(8);
    [0, 16384, -32768, 32767].forEach((v, i) => pcm.writeInt16LE(v, i * 2));
    c.ws.send(pcm.subarray(0, 3));
    c.ws.send(pcm.subarray(3));
    c.ws.send(JSON.stringify({ type: 'stop' }));
    expect((await c.closed).code).toBe(1000);
    const got = streams.at(-1)!.bytes;
    expect(Array.from({ length: got.length / 4 }, (_, i) => got.readFloatLE(i * 4))).toEqual([0, 0.5, -1, Math.fround(32767 / 32768)]);
  });

  it('takes the key as ?token= (browsers), and keeps it out of the logs', async () => {
    const c = await connect(`${base}?token=${encodeURIComponent(alice.apiKey)}`);
    c.ws.send(JSON.stringify({}));
    await c.next('ready');
    c.ws.send(JSON.stringify({ type: 'stop' }));
    expect((await c.closed).code).toBe(1000);
    expect(streams.at(-1)!.config).toMatchObject({ accountId: alice.accountId, domain: 'general' });
    const all = logLines.join('');
    expect(all).toContain('/v1/captions');
    expect(all).not.toContain(alice.apiKey);
    expect(all).not.toContain(alice.apiKey.split('_')[2]!);
  });

  it('refuses the handshake without a valid key (401)', async () => {
    await expect(connect(base)).rejects.toMatchObject({ statusCode: 401 });
    await expect(connect(`${base}?token=vb_000000000000_${'0'.repeat(64)}`)).rejects.toMatchObject({ statusCode: 401 });
  });

  it('closes with 4400 and the reason for a bad config, 1003 for audio before the config', async () => {
    const bad = await connect(base, alice.auth);
    bad.ws.send(JSON.stringify({ domain: 'astrology' }));
    const closed = await bad.closed;
    expect(closed.code).toBe(4400);
    expect(closed.reason).toMatch(/^domain must be one of general, medicine/);

    const junk = await connect(base, alice.auth);
    junk.ws.send('not json');
    expect((await junk.closed).code).toBe(4400);

    const early = await connect(base, alice.auth);
    early.ws.send(float32([0.1, 0.2]));
    expect(await early.closed).toEqual({ code: 1003, reason: 'send the JSON config as a text message before any audio' });
  });

  it("closes with 4000 + the HTTP status of inference's refusal", async () => {
    const c = await connect(base, alice.auth);
    c.ws.send(JSON.stringify({ vocabulary: ['busy'] }));
    expect(await c.closed).toEqual({ code: 4429, reason: 'too many live caption streams on this server; try again shortly' });
  });

  it('a client that goes away cancels the stream in inference', async () => {
    const c = await connect(base, alice.auth);
    c.ws.send(JSON.stringify({ domain: 'general' }));
    await c.next('ready');
    c.ws.send(float32([0.1, 0.2, 0.3]));
    await c.next('partial');
    const s = streams.at(-1)!;
    c.ws.terminate();
    while (!s.cancelled) await new Promise((r) => setTimeout(r, 10));
    expect(s.cancelled).toBe(true);
  });

  it('answers a plain GET with 426 and documents the protocol', async () => {
    const res = await g.t.gateway.http.inject({ method: 'GET', url: '/v1/captions', headers: alice.auth });
    expect(res.statusCode).toBe(426);
    expect(res.json().error.message).toMatch(/WebSocket/);
    const doc = (await g.t.gateway.http.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(doc.paths['/v1/captions'].get.description).toMatch(/"type":"stop"/);
  });
});

