// A REAL gRPC server (GrpcServer from @verbatim/common, ephemeral port) with in-test
// implementations given per test file, recording every call; a gateway built against it (real
// PostgreSQL schema), and accounts with customer or operator keys. Methods a test does not give
// answer INTERNAL "not implemented by the test fake".
import { AppError, GrpcServer, createLogger, createMetrics, type AnyService } from '@verbatim/common';
import { billing, feedback, inference, upload } from '@verbatim/proto';
import { createAccountWithKey } from '../src/adapters/accounts.repository';
import { createClients, closeClients, type Clients } from '../src/adapters/clients';
import { startTestGateway, type TestGateway } from './support';

type Impl = Record<string, (...args: never[]) => unknown>;

export interface Backend {
  address: string;
  calls: Array<{ method: string; request: unknown }>;
  last<T = Record<string, unknown>>(method: string): T;
  count(method: string): number;
  stop(): Promise<void>;
}

export async function startBackend(impls: { upload?: Impl; inference?: Impl; billing?: Impl; feedback?: Impl }): Promise<Backend> {
  const calls: Backend['calls'] = [];
  const server = new GrpcServer({ logger: createLogger('backend', 'silent'), metrics: createMetrics('backend', { defaultMetrics: false }) });
  const add = (service: AnyService, impl: Impl = {}) => {
    const out: Record<string, unknown> = {};
    for (const m of service.methods) {
      const given = impl[m.localName];
      const streamingInput = m.methodKind === 'client_streaming' || m.methodKind === 'bidi_streaming';
      if (!given) {
        out[m.localName] = async () => {
          throw new AppError('internal', `${m.name} is not implemented by the test fake`);
        };
      } else if (streamingInput) {
        out[m.localName] = (reqs: unknown, ctx: unknown) => {
          calls.push({ method: m.name, request: null });
          return (given as (...a: unknown[]) => unknown)(reqs, ctx);
        };
      } else {
        out[m.localName] = (req: unknown, ctx: unknown) => {
          calls.push({ method: m.name, request: req });
          return (given as (...a: unknown[]) => unknown)(req, ctx);
        };
      }
    }
    server.add(service, out as never);
  };
  add(upload.UploadService, impls.upload);
  add(inference.InferenceService, impls.inference);
  add(billing.BillingService, impls.billing);
  add(feedback.FeedbackService, impls.feedback);
  const port = await server.listen('127.0.0.1:0');
  server.health.setAll(true);
  return {
    address: `127.0.0.1:${port}`,
    calls,
    last<T>(method: string): T {
      const c = calls.filter((x) => x.method === method).pop();
      if (!c) throw new Error(`no ${method} call`);
      return c.request as T;
    },
    count: (method: string) => calls.filter((c) => c.method === method).length,
    stop: () => server.stop(1_000),
  };
}

export interface BackendGateway {
  t: TestGateway;
  backend: Backend;
  clients: Clients;
  customer(name?: string): Promise<{ accountId: string; apiKey: string; auth: { authorization: string } }>;
  operator(): Promise<{ accountId: string; apiKey: string; auth: { authorization: string } }>;
  close(): Promise<void>;
}

/** A gateway whose gRPC clients all point at `backend`. */
export async function startBackendGateway(backend: Backend, deps: Parameters<typeof startTestGateway>[1] = {}): Promise<BackendGateway> {
  const clients = createClients({ upload: backend.address, inference: backend.address, billing: backend.address, feedback: backend.address }, { deadlineMs: 5_000 });
  const t = await startTestGateway({}, { clients, ...deps });
  const make = async (name: string, operator: boolean) => {
    const c = await createAccountWithKey(t.gateway.deps.db, name, 'test', operator ? ['operator'] : []);
    return { accountId: c.account.id, apiKey: c.apiKey, auth: { authorization: `Bearer ${c.apiKey}` } };
  };
  return {
    t,
    backend,
    clients,
    customer: (name = 'Customer') => make(name, false),
    operator: () => make('Operators', true),
    async close() {
      await t.close();
      closeClients(clients);
      await backend.stop();
    },
  };
}
