// Starts the whole platform on one machine: the embedded S3 endpoint, the database, the five
// services as child processes with their configuration, and a local account with an API key.
// `pnpm start` uses it with fixed ports; the end-to-end tests use it with free ports and a
// scratch database and NATS namespace.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { ensureDatabase } from '@verbatim/common';
import { startEmbeddedS3, type EmbeddedS3 } from './embedded-s3.js';

export const SERVICES = ['upload', 'inference', 'billing', 'feedback', 'gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface PlatformOptions {
  /** Repository root (services/<name>/dist/main.js must be built). */
  root: string;
  databaseUrl: string;
  natsUrl: string;
  natsNamespace?: string;
  /** Where the embedded S3 keeps objects; a temporary folder when omitted. */
  s3Directory?: string;
  s3Port?: number;
  bucket?: string;
  /** Fixed ports for local runs; free ports are picked when omitted. */
  ports?: Partial<Record<ServiceName | `${ServiceName}Ops`, number>>;
  /** Per-service log files go here; otherwise logs are discarded unless `inheritLogs`. */
  logDir?: string;
  inheritLogs?: boolean;
  keyFile?: string;
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

export interface Platform {
  gatewayUrl: string;
  apiKey: string;
  /** A key with scope 'operator' for /v1/admin and /v1/quality (also in <dir>/operator-api-key). */
  operatorKey: string;
  /** A web sign-in for the API key's account (also in `loginFile`, mode 0600). */
  webLogin: { email: string; password: string };
  loginFile: string;
  s3: EmbeddedS3;
  ports: Record<string, number>;
  env: Record<string, string>;
  /** SIGTERM to every service (they drain), then the S3 endpoint. */
  stop(): Promise<void>;
  /** Stops one service, as a crash would (SIGKILL) or a rollout would (SIGTERM). */
  kill(service: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  restart(service: ServiceName): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, timeoutMs: number, proc: ChildProcess, name: string, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${name} exited with code ${proc.exitCode} while starting:\n${output()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} not ready at ${url} after ${timeoutMs} ms: ${last}`);
}

export async function startPlatform(o: PlatformOptions): Promise<Platform> {
  const bucket = o.bucket ?? 'verbatim';
  await ensureDatabase(o.databaseUrl);
  const s3 = await startEmbeddedS3({ port: o.s3Port, directory: o.s3Directory, buckets: [bucket] });
  const port = async (k: keyof NonNullable<PlatformOptions['ports']>) => o.ports?.[k] ?? (await freePort());
  const ports: Record<string, number> = {};
  for (const s of SERVICES) {
    ports[s] = await port(s);
    ports[`${s}Ops`] = s === 'gateway' ? ports[s]! : await port(`${s}Ops`);
  }
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    DATABASE_URL: o.databaseUrl,
    NATS_URL: o.natsUrl,
    NATS_NAMESPACE: o.natsNamespace ?? '',
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: bucket,
    S3_ACCESS_KEY_ID: s3.options.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.options.secretAccessKey,
    S3_FORCE_PATH_STYLE: 'true',
    UPLOAD_ADDR: `127.0.0.1:${ports.upload}`,
    INFERENCE_ADDR: `127.0.0.1:${ports.inference}`,
    BILLING_ADDR: `127.0.0.1:${ports.billing}`,
    FEEDBACK_ADDR: `127.0.0.1:${ports.feedback}`,
    ...o.env,
  };
  if (o.logDir) await mkdir(o.logDir, { recursive: true });

  const procs = new Map<ServiceName, ChildProcess>();
  const spawnService = async (name: ServiceName) => {
    const serviceEnv = { ...env, PORT: String(ports[name]), GRPC_PORT: String(ports[name]), OPS_PORT: String(ports[`${name}Ops`]) };
    const child = spawn(process.execPath, [join(o.root, 'services', name, 'dist', 'main.js')], {
      env: serviceEnv,
      stdio: o.inheritLogs ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    // The end of a service's output, for the error when it fails to start.
    let tail = '';
    const keep = (d: Buffer) => (tail = (tail + d.toString()).slice(-4000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    if (!o.inheritLogs) {
      if (o.logDir) {
        const log = createWriteStream(join(o.logDir, `${name}.log`), { flags: 'a' });
        child.stdout?.pipe(log);
        child.stderr?.pipe(log);
      } else {
        child.stdout?.resume();
        child.stderr?.resume();
      }
    }
    procs.set(name, child);
    await waitReady(`http://127.0.0.1:${ports[`${name}Ops`]}/readyz`, o.readyTimeoutMs ?? 90_000, child, name, () => tail);
  };

  const stopService = async (name: ServiceName, signal: NodeJS.Signals = 'SIGTERM') => {
    const child = procs.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };

  const stop = async () => {
    for (const name of [...SERVICES].reverse()) await stopService(name);
    await s3.close();
  };

  try {
    // Dependencies first, so each service finds what it calls already serving.
    for (const name of SERVICES) await spawnService(name);
    const keyFile = o.keyFile ?? join(o.logDir ?? join(o.root, '.verbatim'), 'dev-api-key');
    await new Promise<void>((resolve, reject) => {
      const b = spawn(process.execPath, [join(o.root, 'services', 'gateway', 'dist', 'bootstrap.js'), '--key-file', keyFile], {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      b.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      b.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bootstrap failed (${code}): ${err}`))));
    });
    const apiKey = (await readFile(keyFile, 'utf8')).trim();
    // An operator key (scope 'operator': /v1/admin and /v1/quality, e.g. a manual top-up when no
    // payment provider is configured), written beside the customer key.
    const operatorKeyFile = join(dirname(keyFile), 'operator-api-key');
    await new Promise<void>((resolve, reject) => {
      const b = spawn(process.execPath, [join(o.root, 'services', 'gateway', 'dist', 'bootstrap.js'), '--operator', '--key-file', operatorKeyFile], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      b.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      b.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`operator bootstrap failed (${code}): ${err}`))));
    });
    const operatorKey = (await readFile(operatorKeyFile, 'utf8')).trim();
    // A web sign-in for the same account (researcher@verbatim.local, password in <dir>/dev-login).
    const loginFile = join(dirname(keyFile), 'dev-login');
    const webLogin = await new Promise<{ email: string; password: string }>((resolve, reject) => {
      const b = spawn(process.execPath, [join(o.root, 'services', 'gateway', 'dist', 'dev-login.js'), '--key-file', keyFile, '--login-file', loginFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      b.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      b.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      b.on('exit', (code) => {
        const [email = '', password = ''] = out.trim().split('\n');
        if (code === 0) resolve({ email, password });
        else reject(new Error(`dev-login failed (${code}): ${err}`));
      });
    });
    return {
      webLogin,
      loginFile,
      gatewayUrl: `http://127.0.0.1:${ports.gateway}`,
      apiKey,
      operatorKey,
      s3,
      ports,
      env,
      stop,
      kill: stopService,
      restart: async (name) => {
        await stopService(name);
        await spawnService(name);
      },
    };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}
