// gRPC server: every handler runs inside a server span continued from the caller's trace, is
// timed for the RED metrics, and has its errors mapped through the one error table. The standard
// grpc.health.v1 service is always registered.
import { create } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { health } from '@verbatim/proto';
import type { Logger } from 'pino';
import { AppError, isAppError, toGrpcError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { SpanKind, extractTraceContext, withSpan } from '../tracing.js';
import { grpcDefinition } from './definition.js';
import type { AnyService, CallContext, ServiceImpl } from './types.js';

interface SurfaceCall {
  metadata: grpc.Metadata;
  getDeadline(): grpc.Deadline;
  on(event: 'cancelled', listener: () => void): unknown;
}

const { HealthCheckResponse_ServingStatus: ServingStatus } = health;
type ServingStatus = health.HealthCheckResponse_ServingStatus;

export class HealthReporter {
  private readonly statuses = new Map<string, ServingStatus>([['', ServingStatus.NOT_SERVING]]);
  private readonly watchers = new Set<(service: string, status: ServingStatus) => void>();

  set(service: string, serving: boolean): void {
    const status = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    this.statuses.set(service, status);
    for (const w of this.watchers) w(service, status);
  }

  /** Sets the overall status ("") and every registered service at once. */
  setAll(serving: boolean): void {
    for (const service of [...this.statuses.keys()]) this.set(service, serving);
  }

  get(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  all(): Map<string, ServingStatus> {
    return new Map(this.statuses);
  }

  watch(fn: (service: string, status: ServingStatus) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }
}

function metadataCarrier(md: grpc.Metadata): Record<string, string> {
  const carrier: Record<string, string> = {};
  for (const [k, v] of Object.entries(md.getMap())) if (typeof v === 'string') carrier[k] = v;
  return carrier;
}

async function* readStream<T>(call: grpc.ServerReadableStream<T, unknown> | grpc.ServerDuplexStream<T, unknown>): AsyncIterable<T> {
  // destroyOnReturn: false — the default iterator destroys the whole duplex once the caller
  // half-closes, so responses written after the input ends (a final flush) would be lost.
  for await (const m of call.iterator({ destroyOnReturn: false })) yield m as T;
}

export interface GrpcServerOptions {
  logger: Logger;
  metrics: Metrics;
  /** Largest message accepted, bytes (audio chunks are far smaller). */
  maxMessageBytes?: number;
}

export class GrpcServer {
  readonly health = new HealthReporter();
  private readonly server: grpc.Server;
  private port = 0;

  constructor(private readonly options: GrpcServerOptions) {
    const max = options.maxMessageBytes ?? 16 * 1024 * 1024;
    this.server = new grpc.Server({ 'grpc.max_receive_message_length': max, 'grpc.max_send_message_length': max });
    this.addHealthService();
  }

  add<S extends AnyService>(service: S, impl: ServiceImpl<S>): this {
    const def = grpcDefinition(service);
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const method of service.methods) {
      const fn = (impl as Record<string, (...args: unknown[]) => unknown>)[method.localName];
      if (!fn) throw new Error(`${service.typeName}: no handler for ${method.name}`);
      handlers[method.localName] = this.wrap(service.typeName, method.name, method.methodKind, fn.bind(impl));
    }
    this.server.addService(def, handlers);
    this.health.set(service.typeName, false);
    return this;
  }

  async listen(address: string): Promise<number> {
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
    return this.port;
  }

  get boundPort(): number {
    return this.port;
  }

  /** Stops taking new calls and waits for the ones in flight, forcing them closed after deadlineMs. */
  async stop(deadlineMs: number): Promise<void> {
    this.health.setAll(false);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, deadlineMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wrap(serviceName: string, methodName: string, kind: string, fn: (...args: unknown[]) => unknown): grpc.UntypedHandleCall {
    const { logger, metrics } = this.options;
    const spanName = `${serviceName}/${methodName}`;
    const observe = (code: number, started: bigint) =>
      metrics.rpcServerDuration
        .labels(serviceName, methodName, grpc.status[code] ?? String(code))
        .observe(Number(process.hrtime.bigint() - started) / 1e9);

    const context = (call: SurfaceCall): CallContext => {
      const controller = new AbortController();
      call.on('cancelled', () => controller.abort(new AppError('cancelled', 'the caller cancelled the call')));
      const deadline = call.getDeadline();
      return {
        metadata: call.metadata,
        signal: controller.signal,
        deadline: deadline instanceof Date ? deadline : Number.isFinite(deadline) ? new Date(deadline as number) : undefined,
        logger: logger.child({ rpc: spanName }),
      };
    };

    const fail = (e: unknown, started: bigint) => {
      const err = toGrpcError(e);
      if (!isAppError(e)) logger.error({ err: e, rpc: spanName }, 'unhandled error in gRPC handler');
      observe(err.code, started);
      return err;
    };

    const run = <T>(call: SurfaceCall, body: () => Promise<T>) =>
      withSpan(
        spanName,
        {
          kind: SpanKind.SERVER,
          parent: extractTraceContext(metadataCarrier(call.metadata)),
          attributes: { 'rpc.system': 'grpc', 'rpc.service': serviceName, 'rpc.method': methodName },
        },
        body,
      );

    if (kind === 'unary' || kind === 'client_streaming') {
      return ((call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const started = process.hrtime.bigint();
        const input = kind === 'unary' ? call.request : readStream(call as unknown as grpc.ServerReadableStream<unknown, unknown>);
        run(call, () => fn(input, context(call)) as Promise<unknown>).then(
          (res) => {
            observe(grpc.status.OK, started);
            callback(null, res);
          },
          (e: unknown) => callback(fail(e, started) as grpc.ServiceError),
        );
      }) as grpc.UntypedHandleCall;
    }
    return ((call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>) => {
      const started = process.hrtime.bigint();
      const input = kind === 'server_streaming' ? (call as grpc.ServerWritableStream<unknown, unknown>).request : readStream(call as grpc.ServerDuplexStream<unknown, unknown>);
      run(call, async () => {
        for await (const out of fn(input, context(call)) as AsyncIterable<unknown>) {
          if (!call.write(out)) await new Promise((r) => call.once('drain', r));
        }
      }).then(
        () => {
          observe(grpc.status.OK, started);
          call.end();
        },
        (e: unknown) => {
          const err = fail(e, started);
          // emit, not destroy: grpc-js sends the status from its own error listener, which a
          // destroyed stream never reaches (the caller would wait for its deadline instead).
          call.emit('error', Object.assign(new Error(err.details), err));
        },
      );
    }) as grpc.UntypedHandleCall;
  }

  private addHealthService(): void {
    const reporter = this.health;
    const def = grpcDefinition(health.Health);
    this.server.addService(def, {
      check: (call: grpc.ServerUnaryCall<health.HealthCheckRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const status = reporter.get(call.request.service);
        if (status === undefined) return cb({ code: grpc.status.NOT_FOUND, details: `unknown service ${call.request.service}` } as grpc.ServiceError);
        cb(null, create(health.HealthCheckResponseSchema, { status }));
      },
      list: (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const statuses: Record<string, health.HealthCheckResponse> = {};
        for (const [k, v] of reporter.all()) statuses[k] = create(health.HealthCheckResponseSchema, { status: v });
        cb(null, create(health.HealthListResponseSchema, { statuses }));
      },
      watch: (call: grpc.ServerWritableStream<health.HealthCheckRequest, unknown>) => {
        const service = call.request.service;
        const send = (status: ServingStatus) => call.write(create(health.HealthCheckResponseSchema, { status }));
        send(reporter.get(service) ?? ServingStatus.SERVICE_UNKNOWN);
        const unwatch = reporter.watch((s, status) => s === service && send(status));
        call.on('cancelled', unwatch);
        call.on('close', unwatch);
      },
    });
  }
}
