// API-key authentication of every /v1 route: `Authorization: Bearer vb_<prefix>_<secret>`.
// Routes marked `config: { allowQueryToken: true }` (the captions WebSocket, which browsers cannot
// give headers) also take the key as `?token=`. Each failure says what is wrong; none says whether
// a key exists for another account. Operator routes additionally need a key with scope 'operator'.
import { AppError, type Logger, type Pool } from '@verbatim/common';
import type { FastifyRequest } from 'fastify';
import { checkApiKey, touchApiKey, type Principal } from '../adapters/accounts.repository.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** The key may come as `?token=` when there is no Authorization header. */
    allowQueryToken?: boolean;
  }
}

const TOUCH_THROTTLE_MS = 60_000;

export function accountOf(request: FastifyRequest): string {
  if (!request.principal) throw new AppError('unauthenticated', 'missing API key');
  return request.principal.accountId;
}

/** Throws 403 unless the caller's key has the operator scope (authentication has run before). */
export function requireOperator(request: FastifyRequest): void {
  if (!request.principal) throw new AppError('unauthenticated', 'missing API key');
  if (!request.principal.scopes.includes('operator')) throw new AppError('permission_denied', 'this route needs an operator key');
}

function queryToken(request: FastifyRequest): string | undefined {
  if (!request.routeOptions.config?.allowQueryToken) return undefined;
  const token = (request.query as Record<string, unknown> | undefined)?.token;
  return typeof token === 'string' && token ? token : undefined;
}

export function authenticate(db: Pool, logger: Logger) {
  const lastTouched = new Map<string, number>();
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    let key = header ? undefined : queryToken(request);
    if (!key) {
      if (!header) {
        const how = request.routeOptions.config?.allowQueryToken ? '"Authorization: Bearer <api key>" or ?token=<api key>' : '"Authorization: Bearer <api key>"';
        throw new AppError('unauthenticated', `missing API key: send ${how}`);
      }
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!m) throw new AppError('unauthenticated', 'malformed Authorization header: expected "Bearer <api key>"');
      key = m[1]!;
    }
    const result = await checkApiKey(db, key);
    if (!result.ok) {
      const message =
        result.reason === 'malformed' ? 'malformed API key: Verbatim keys look like vb_<prefix>_<secret>' : result.reason === 'revoked' ? 'this API key has been revoked' : 'invalid API key';
      throw new AppError('unauthenticated', message);
    }
    request.principal = result.principal;
    const now = Date.now();
    const last = Math.max(lastTouched.get(result.principal.keyId) ?? 0, result.principal.lastUsedAt?.getTime() ?? 0);
    if (now - last > TOUCH_THROTTLE_MS) {
      lastTouched.set(result.principal.keyId, now);
      if (lastTouched.size > 10_000) lastTouched.clear();
      touchApiKey(db, result.principal.keyId).catch((e: unknown) => logger.warn({ err: e }, 'could not record API key use'));
    }
  };
}
