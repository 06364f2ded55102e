// Test harness: the inference app built from app.ts against real PostgreSQL (a unique schema in
// verbatim_test), real NATS (a unique namespace) and an embedded S3 endpoint (a unique bucket),
// with a real gRPC client. Everything is torn down after the file.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { fromBinary } from '@bufbuild/protobuf';
import {
  EventBus,
  SUBJECTS,
  createClient,
  createLogger,
  createPool,
  createS3Client,
  dropSchema,
  ensureBucket,
  ensureDatabase,
  type PayloadOf,
  type Pool,
  type ServiceClient,
  type Subject,
} from '@verbatim/common';
import { localServices, startEmbeddedS3, uniqueName, type EmbeddedS3 } from '@verbatim/devkit';
import { inference } from '@verbatim/proto';
import { build, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';

export interface Harness {
  app: App;
  client: ServiceClient<typeof inference.InferenceService>;
  s3: S3Client;
  bucket: string;
  schema: string;
  /** A pool on the service's schema, for looking at rows and planting them. */
  pool: Pool;
  /** A separate NATS connection for observing events. */
  observer: EventBus;
  put(key: string, body: Uint8Array | string): Promise<void>;
  events<S extends Subject>(subject: S): Promise<PayloadOf<S>[]>;
  /** Stops the service (SIGTERM's path) and starts a new instance on the same schema, namespace and bucket. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface Faults {
  /** Called before each S3 command the service sends; throw (or reject) to simulate an outage, await to stall. */
  beforeS3Send?: (command: { constructor: { name: string }; input: unknown }, options?: { abortSignal?: AbortSignal }) => void | Promise<void>;
}

export async function startHarness(
  env: Record<string, string> = {},
  setup?: (h: Pick<Harness, 'put' | 's3' | 'bucket'>) => Promise<void>,
  faults: Faults = {},
): Promise<Harness> {
  await ensureDatabase(localServices.databaseUrl);
  const schema = uniqueName('inference');
  const namespace = uniqueName('inf');
  const bucket = uniqueName('inf').replace(/_/g, '-');
  const embedded: EmbeddedS3 = await startEmbeddedS3({ buckets: [bucket] });
  const s3 = createS3Client(embedded.options);
  await ensureBucket(s3, bucket);
  const put = async (key: string, body: Uint8Array | string) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  };
  await setup?.({ put, s3, bucket });

  const config = loadConfig({
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: localServices.databaseUrl,
    DATABASE_SCHEMA: schema,
    NATS_URL: localServices.natsUrl,
    NATS_NAMESPACE: namespace,
    S3_ENDPOINT: embedded.endpoint,
    S3_BUCKET: bucket,
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: '0',
    OPS_PORT: '0',
    ORT_THREADS: '1',
    PROGRESS_INTERVAL_MS: '200',
    DRAIN_GRACE_MS: '0',
    ...env,
  });
  // The service's view of S3 passes through the fault hook; the test's own client does not.
  const serviceS3 = new Proxy(s3, {
    get(target, prop, receiver) {
      if (prop === 'send') {
        return async (command: Parameters<S3Client['send']>[0], options?: Parameters<S3Client['send']>[1]) => {
          await faults.beforeS3Send?.(command as never, options as never);
          return target.send(command as never, options);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  const deps = { logger: createLogger('inference', config.LOG_LEVEL), s3: serviceS3 };
  const app = build(config, deps);
  await app.start();
  const connect = (port: number) => createClient(inference.InferenceService, `127.0.0.1:${port}`, { deadlineMs: 20_000 });
  const pool = createPool({ connectionString: localServices.databaseUrl, schema, max: 2 });
  const observer = await EventBus.connect({ url: localServices.natsUrl, namespace, name: 'inference-test', logger: createLogger('test', 'silent') });

  const events = async <S extends Subject>(subject: S): Promise<PayloadOf<S>[]> => {
    const stream = observer.names.stream(SUBJECTS[subject].stream);
    const info = await observer.jsm.streams.info(stream);
    const out: PayloadOf<S>[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await observer.jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
      if (m && m.subject === observer.names.subject(subject)) out.push(fromBinary(SUBJECTS[subject].schema, m.data) as PayloadOf<S>);
    }
    return out;
  };

  const h: Harness = {
    app,
    client: connect(app.grpcPort),
    s3,
    bucket,
    schema,
    pool,
    observer,
    put,
    events,
    restart: async () => {
      h.client.close();
      await h.app.stop();
      h.app = build(config, deps);
      await h.app.start();
      h.client = connect(h.app.grpcPort);
    },
    close: async () => {
      h.client.close();
      await h.app.stop();
      await observer.destroyNamespace();
      await observer.close();
      await dropSchema(pool, schema);
      await pool.end();
      s3.destroy();
      await embedded.close();
    },
  };
  return h;
}

/** Uploads a model folder under `prefix` (as a model store holds it). */
export async function uploadFolder(put: Harness['put'], dir: string, prefix: string): Promise<void> {
  const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
  for (const file of walk(dir)) await put(`${prefix}/${relative(dir, file)}`, readFileSync(file));
}

/** Polls `read` until `done` holds (the test's own timeout bounds the wait). */
export async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, pauseMs = 100): Promise<T> {
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

/** A WAV file (32-bit float, mono) of the given samples. */
export function floatWav(pcm: Float32Array, sampleRate = 16000): Buffer {
  const data = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8);
  h.write('fmt ', 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(3, 20); // IEEE float
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 4, 28);
  h.writeUInt16LE(4, 32);
  h.writeUInt16LE(32, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

const TINY_TOKENS = ['<blank>', ' ', "'", ...'abcdefghijklmnopqrstuvwxyz'];

/** Audio the tiny-ctc fixture reads as text: a 30 ms frame of value k/100 is token k; numbers are pauses (s). */
export function tinySay(parts: Array<string | number>): Float32Array {
  const SR = 16000;
  const SPF = 480;
  const frames: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') {
      for (let i = 0; i < Math.round((p * SR) / SPF); i++) frames.push(0);
      continue;
    }
    for (const ch of p) {
      const id = TINY_TOKENS.indexOf(ch);
      frames.push(id / 100, id / 100, 0);
    }
  }
  const pcm = new Float32Array(frames.length * SPF);
  frames.forEach((v, f) => pcm.fill(v, f * SPF, (f + 1) * SPF));
  return pcm;
}

export const TINY_MODEL_DIR = join(__dirname, 'fixtures', 'tiny-ctc');
