// One prom-client registry per service with the RED metrics every service shares. Names and units
// are listed in telemetry/metrics.yaml; domain metrics are registered by each service on `registry`.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  /** RED for gRPC servers: rate and errors from the count by code, duration from the buckets. */
  rpcServerDuration: Histogram<'rpc_service' | 'rpc_method' | 'code'>;
  rpcClientDuration: Histogram<'rpc_service' | 'rpc_method' | 'code'>;
  httpServerDuration: Histogram<'method' | 'route' | 'status_code'>;
  messagesProcessed: Histogram<'subject' | 'outcome'>;
  messagesPublished: Counter<'subject'>;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export function createMetrics(service: string, options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return {
    registry,
    rpcServerDuration: new Histogram({
      name: 'verbatim_rpc_server_duration_seconds',
      help: 'Duration of gRPC calls handled by this service',
      labelNames: ['rpc_service', 'rpc_method', 'code'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    rpcClientDuration: new Histogram({
      name: 'verbatim_rpc_client_duration_seconds',
      help: 'Duration of gRPC calls made by this service',
      labelNames: ['rpc_service', 'rpc_method', 'code'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    httpServerDuration: new Histogram({
      name: 'verbatim_http_server_duration_seconds',
      help: 'Duration of HTTP requests handled by this service',
      labelNames: ['method', 'route', 'status_code'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    messagesProcessed: new Histogram({
      name: 'verbatim_messaging_process_duration_seconds',
      help: 'Duration of handling one consumed message, by outcome (ack, nak, term)',
      labelNames: ['subject', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    messagesPublished: new Counter({
      name: 'verbatim_messaging_published_total',
      help: 'Messages published to JetStream',
      labelNames: ['subject'],
      registers: [registry],
    }),
  };
}
