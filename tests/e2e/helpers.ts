// Shared pieces of the end-to-end tests: starting the real platform on free ports with a scratch
// database and NATS namespace, synthesising speech with espeak-ng, and HTTP helpers.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startPlatform, uniqueName, type Platform } from '@verbatim/devkit';

const run = promisify(execFile);
export const ROOT = resolve(__dirname, '../..');

export interface OtlpSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}

/** A minimal OTLP/HTTP (JSON) trace receiver: what the services export, as a collector would get it. */
export async function startOtlpReceiver(): Promise<{ url: string; spans: OtlpSpan[]; close(): Promise<void> }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans?: Array<{ resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> }; scopeSpans?: Array<{ spans?: Array<Omit<OtlpSpan, 'service'>> }> }>;
        };
        for (const rs of body.resourceSpans ?? []) {
          const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
          for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId, name: s.name });
        }
      } catch {
        /* not JSON: ignored */
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, spans, close: () => new Promise((r) => server.close(() => r())) };
}

export async function startTestPlatform(env: Record<string, string> = {}): Promise<{ platform: Platform; dbName: string; work: string }> {
  const work = await mkdtemp(join(tmpdir(), 'verbatim-e2e-'));
  const dbName = uniqueName('verbatim_e2e');
  const platform = await startPlatform({
    root: ROOT,
    databaseUrl: `postgres://postgres@127.0.0.1:5432/${dbName}`,
    natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    natsNamespace: uniqueName('e2e').replace(/_/g, '-'),
    logDir: join(work, 'logs'),
    keyFile: join(work, 'api-key'),
    env: { LOG_LEVEL: 'info', RECONCILE_INTERVAL_MS: '2000', OTEL_BSP_SCHEDULE_DELAY: '500', ...env },
    readyTimeoutMs: 120_000,
  });
  return { platform, dbName, work };
}

export async function dropDatabase(dbName: string): Promise<void> {
  const pg = await import('pg');
  const client = new pg.default.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Speech for `text` by espeak-ng (en-us, 16 kHz mono WAV), optionally re-encoded by ffmpeg. */
export async function speak(dir: string, name: string, text: string, format: 'wav' | 'mp3' | 'ogg' = 'wav'): Promise<string> {
  const wav = join(dir, `${name}.wav`);
  await run('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', wav, text]);
  if (format === 'wav') return wav;
  const out = join(dir, `${name}.${format}`);
  const codec = format === 'mp3' ? ['-c:a', 'libmp3lame', '-b:a', '64k'] : ['-c:a', 'libopus', '-b:a', '32k'];
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', wav, ...codec, out]);
  return out;
}

export async function api(platform: Platform, path: string, init: RequestInit & { key?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const key = init.key === undefined ? platform.apiKey : init.key;
  if (key) headers.set('authorization', `Bearer ${key}`);
  return fetch(`${platform.gatewayUrl}${path}`, { ...init, headers });
}

export async function waitForJob(platform: Platform, id: string, timeoutMs = 240_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api(platform, `/v1/transcripts/${id}`);
    const body = (await res.json()) as Record<string, unknown>;
    if (body.status === 'completed' || body.status === 'failed') return body;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${String(body.status)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
