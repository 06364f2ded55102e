// The built web app (packages/web/dist, or WEB_DIST_DIR) served from the gateway, same origin as
// the API: hashed assets cached for a year, index.html (never cached) for every other GET that is
// not /v1 or /docs, so the app's own routes survive a reload. Without a build the API still works
// and / says how to build the app.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Self only; media may also be a blob: (local previews); inline styles are React's style props. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function defaultWebDist(): string {
  return resolve(__dirname, '..', '..', '..', '..', '..', 'packages', 'web', 'dist');
}

export function registerWebApp(app: FastifyInstance, dir: string): void {
  const root = resolve(dir);
  const send = (reply: FastifyReply, file: string, cache: string) => {
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    return reply
      .header('content-type', type)
      .header('cache-control', cache)
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .header('content-length', String(statSync(file).size))
      .send(createReadStream(file));
  };

  app.get('/*', { schema: { hide: true }, logLevel: 'warn' }, async (request, reply) => {
    const path = decodeURIComponent(request.url.split('?')[0] ?? '/');
    if (path.startsWith('/v1/') || path === '/v1' || path.startsWith('/docs')) {
      return reply.code(404).send({ error: { code: 'not_found', message: `no route GET ${path}` } });
    }
    const index = join(root, 'index.html');
    if (!existsSync(index)) {
      return reply.code(404).type('text/plain; charset=utf-8').send(`The web app is not built (no ${index}). Build it with: pnpm exec turbo run build --filter=@verbatim/web. The API is at /v1 (docs at /docs).\n`);
    }
    const file = normalize(join(root, path));
    if (file.startsWith(root + sep) && existsSync(file) && statSync(file).isFile()) {
      const hashed = file.startsWith(join(root, 'assets') + sep);
      return send(reply, file, hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    }
    if (path.startsWith('/assets/') || extname(path)) return reply.code(404).type('text/plain; charset=utf-8').send('not found\n');
    return send(reply, index, 'no-cache');
  });
}
