// API-key authentication of every /v1 route: `Authorization: Bearer vb_<prefix>_<secret>`.
// Each failure says what is wrong; none says whether a key exists for another account.
import { AppError, type Logger, type Pool } from '@verbatim/common';
import type { FastifyRequest } from 'fastify';
import { checkApiKey, touchApiKey, type Principal } from '../adapters/accounts.repository.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

const TOUCH_THROTTLE_MS = 60_000;

export function accountOf(request: FastifyRequest): string {
  if (!request.principal) throw new AppError('unauthenticated', 'missing API key');
  return request.principal.accountId;
}

export function authenticate(db: Pool, logger: Logger) {
  const lastTouched = new Map<string, number>();
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (!header) throw new AppError('unauthenticated', 'missing API key: send "Authorization: Bearer <api key>"');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new AppError('unauthenticated', 'malformed Authorization header: expected "Bearer <api key>"');
    const result = await checkApiKey(db, m[1]!);
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
