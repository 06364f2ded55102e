// Typed gRPC clients from protobuf-es service descriptors: every call has a deadline, carries the
// trace context in its metadata, is timed, and turns status errors back into AppErrors.
import * as grpc from '@grpc/grpc-js';
import type { Metrics } from '../metrics.js';
import { fromGrpcError } from '../errors.js';
import { SpanKind, injectTraceContext, withSpan } from '../tracing.js';
import { grpcDefinition } from './definition.js';
import type { AnyService, CallOptions, ServiceClient } from './types.js';

export interface ClientOptions {
  /** Default deadline per call; streaming uploads pass their own. */
  deadlineMs?: number;
  metrics?: Metrics;
  maxMessageBytes?: number;
}

function metadataFor(): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(injectTraceContext())) md.set(k, v);
  return md;
}

async function* toAsync<T>(stream: grpc.ClientReadableStream<T> | grpc.ClientDuplexStream<unknown, T>): AsyncIterable<T> {
  try {
    for await (const m of stream) yield m as T;
  } catch (e) {
    throw fromGrpcError(e);
  }
}

async function pump(source: AsyncIterable<unknown>, sink: grpc.ClientWritableStream<unknown> | grpc.ClientDuplexStream<unknown, unknown>): Promise<void> {
  try {
    for await (const m of source) {
      if (!sink.write(m)) await new Promise((r) => sink.once('drain', r));
    }
    sink.end();
  } catch (e) {
    sink.cancel();
    throw e;
  }
}

export function createClient<S extends AnyService>(service: S, address: string, options: ClientOptions = {}): ServiceClient<S> {
  const max = options.maxMessageBytes ?? 16 * 1024 * 1024;
  const Ctor = grpc.makeGenericClientConstructor(grpcDefinition(service), service.typeName);
  const raw = new Ctor(address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': max,
    'grpc.max_send_message_length': max,
  }) as unknown as grpc.Client & Record<string, (...args: unknown[]) => unknown>;
  const defaultDeadline = options.deadlineMs ?? 10_000;
  const out: Record<string, unknown> = {};

  for (const method of service.methods) {
    const name = method.localName;
    const fn = raw[name]!.bind(raw);
    const callOptions = (o?: CallOptions): grpc.CallOptions => ({ deadline: Date.now() + (o?.deadlineMs ?? defaultDeadline) });
    const observe = (code: string, started: bigint) =>
      options.metrics?.rpcClientDuration.labels(service.typeName, method.name, code).observe(Number(process.hrtime.bigint() - started) / 1e9);
    const attachAbort = (call: grpc.Call, o?: CallOptions) => o?.signal?.addEventListener('abort', () => call.cancel(), { once: true });
    const spanOf = <T>(body: () => Promise<T>) =>
      withSpan(`${service.typeName}/${method.name}`, { kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'grpc', 'rpc.service': service.typeName, 'rpc.method': method.name } }, body);

    switch (method.methodKind) {
      case 'unary':
        out[name] = (req: unknown, o?: CallOptions) =>
          spanOf(
            () =>
              new Promise((resolve, reject) => {
                const started = process.hrtime.bigint();
                const call = fn(req, metadataFor(), callOptions(o), (err: grpc.ServiceError | null, res: unknown) => {
                  observe(err ? (grpc.status[err.code] ?? String(err.code)) : 'OK', started);
                  if (err) reject(fromGrpcError(err));
                  else resolve(res);
                }) as grpc.Call;
                attachAbort(call, o);
              }),
          );
        break;
      case 'client_streaming':
        out[name] = (reqs: AsyncIterable<unknown>, o?: CallOptions) =>
          spanOf(
            () =>
              new Promise((resolve, reject) => {
                const started = process.hrtime.bigint();
                const call = fn(metadataFor(), callOptions(o), (err: grpc.ServiceError | null, res: unknown) => {
                  observe(err ? (grpc.status[err.code] ?? String(err.code)) : 'OK', started);
                  if (err) reject(fromGrpcError(err));
                  else resolve(res);
                }) as grpc.ClientWritableStream<unknown>;
                attachAbort(call, o);
                pump(reqs, call).catch(reject);
              }),
          );
        break;
      case 'server_streaming':
        out[name] = (req: unknown, o?: CallOptions) => {
          const call = fn(req, metadataFor(), callOptions(o)) as grpc.ClientReadableStream<unknown>;
          attachAbort(call, o);
          return toAsync(call);
        };
        break;
      case 'bidi_streaming':
        out[name] = (reqs: AsyncIterable<unknown>, o?: CallOptions) => {
          const call = fn(metadataFor(), callOptions(o)) as grpc.ClientDuplexStream<unknown, unknown>;
          attachAbort(call, o);
          pump(reqs, call).catch(() => call.cancel());
          return toAsync(call);
        };
        break;
    }
  }
  out.close = () => raw.close();
  out.waitForReady = (deadlineMs = 10_000) =>
    new Promise<void>((resolve, reject) => raw.waitForReady(Date.now() + deadlineMs, (err) => (err ? reject(err) : resolve())));
  return out as ServiceClient<S>;
}
