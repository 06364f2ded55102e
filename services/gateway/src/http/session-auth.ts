// Authentication of /v1 for the web app: a request with the session cookie (and no Authorization
// header) is signed in by its session; every other request goes to the API-key authenticator.
// With the cookie, state-changing methods must carry x-csrf-token equal to the session's token:
// the cookie is SameSite=Lax, and the header is what a cross-site form cannot send.
import { timingSafeEqual } from 'node:crypto';
import { AppError, type Pool } from '@verbatim/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../adapters/accounts.repository.js';
import { findSession, type WebSession } from '../adapters/sessions.repository.js';

export const SESSION_COOKIE = 'vb_session';

declare module 'fastify' {
  interface FastifyRequest {
    webSession?: WebSession;
  }
}

/** Routes reachable without any credentials (signing up and in). */
const PUBLIC = new Set(['POST /v1/signup', 'POST /v1/session', 'GET /v1/session', 'DELETE /v1/session']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function sessionOrKey(db: Pool, apiKey: (request: FastifyRequest) => Promise<void>) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = readCookie(request, SESSION_COOKIE);
    const route = `${request.method} ${request.routeOptions.url ?? ''}`;
    if (request.headers.authorization || (!token && !PUBLIC.has(route))) return apiKey(request);
    const session = token ? await findSession(db, token) : undefined;
    if (session) request.webSession = session;
    if (PUBLIC.has(route)) return; // the session routes decide themselves
    if (!session) throw new AppError('unauthenticated', 'your session has expired: sign in again');
    if (!SAFE_METHODS.has(request.method) && !sameToken(String(request.headers['x-csrf-token'] ?? ''), session.csrfToken)) {
      throw new AppError('permission_denied', 'missing or invalid CSRF token');
    }
    // Not an API key: keyId names the session so logs can tell them apart; no scopes.
    const principal = { accountId: session.accountId, keyId: `session:${session.userId}`, lastUsedAt: null, scopes: [] as never[] };
    request.principal = principal as Principal;
  };
}
