// The operational HTTP endpoints of a service without a public HTTP API: /healthz (alive),
// /readyz (dependencies reachable and accepting work), /metrics (Prometheus).
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export type ReadinessCheck = () => Promise<void>;

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

export async function runChecks(checks: Record<string, ReadinessCheck>, timeoutMs = 2_000): Promise<Record<string, string>> {
  const results: Record<string, string> = {};
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), timeoutMs).unref())]);
        results[name] = 'ok';
      } catch (e) {
        results[name] = (e as Error).message || 'failed';
      }
    }),
  );
  return results;
}

export async function startOpsServer(options: { port: number; host?: string; registry: Registry; checks: Record<string, ReadinessCheck>; isDraining: () => boolean }): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.url === '/healthz') return send(200, '{"status":"ok"}');
    if (req.url === '/readyz') {
      if (options.isDraining()) return send(503, '{"status":"draining"}');
      void runChecks(options.checks).then((r) => {
        const ok = Object.values(r).every((v) => v === 'ok');
        send(ok ? 200 : 503, JSON.stringify({ status: ok ? 'ready' : 'not ready', checks: r }));
      });
      return;
    }
    if (req.url === '/metrics') {
      void options.registry.metrics().then((m) => send(200, m, options.registry.contentType));
      return;
    }
    send(404, '{"error":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '0.0.0.0', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
