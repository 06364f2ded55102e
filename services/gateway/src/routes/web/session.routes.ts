// Web sign-up and sign-in: POST /v1/signup, POST|GET|DELETE /v1/session. The session lives in an
// httpOnly, SameSite=Lax cookie (Secure behind https); its CSRF token is handed to the page.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError, errors, withTransaction } from '@verbatim/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { getAccount } from '../../adapters/accounts.repository.js';
import { checkPassword, createAccount, createSession, createUser, deleteSession, findUserByEmail } from '../../adapters/sessions.repository.js';
import { FailureLimiter } from '../../domain/rate-limit.js';
import { SESSION_COOKIE, readCookie } from '../../http/session-auth.js';
import * as S from '../../http/schemas.js';
import type { RouteContext } from '../context.js';

const SessionView = Type.Object({
  user: Type.Object({ email: Type.String() }),
  account: Type.Object({ id: Type.String(), name: Type.String() }),
  csrf_token: Type.String({ description: 'send as x-csrf-token on POST, PUT, PATCH and DELETE' }),
});
const Credentials = Type.Object({ email: Type.String({ format: 'email', maxLength: 320 }), password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false });
const SignUp = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 320 }),
    password: Type.String({ minLength: 10, maxLength: 1024, description: 'at least 10 characters' }),
    account_name: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

/** Failed sign-ins allowed per email and per IP in each window. */
const MAX_FAILURES = 10;
const FAILURE_WINDOW_MS = 15 * 60 * 1000;

function isHttps(request: FastifyRequest): boolean {
  const forwarded = String(request.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim();
  return request.protocol === 'https' || forwarded === 'https';
}

function setCookie(request: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number): void {
  const attrs = [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSeconds}`];
  if (isHttps(request)) attrs.push('Secure');
  void reply.header('set-cookie', attrs.join('; '));
}

export const sessionRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const { db, clients, config, logger } = ctx;
  const ttlMs = config.SESSION_TTL_HOURS * 3600 * 1000;
  const limiter = new FailureLimiter(MAX_FAILURES, FAILURE_WINDOW_MS);

  async function start(request: FastifyRequest, reply: FastifyReply, user: { id: string; accountId: string }, email: string) {
    const { token, csrfToken } = await createSession(db, user.id, user.accountId, ttlMs);
    setCookie(request, reply, token, Math.floor(ttlMs / 1000));
    const account = await getAccount(db, user.accountId);
    return { user: { email }, account: { id: user.accountId, name: account?.name ?? '' }, csrf_token: csrfToken };
  }

  app.post(
    '/v1/signup',
    { schema: { summary: 'Create an account and its first user, and sign in', tags: ['account'], security: [], body: SignUp, response: { 201: SessionView, ...S.errorResponses(409) } } },
    async (request, reply) => {
      const { email, password } = request.body;
      const name = request.body.account_name?.trim() || email;
      if (await findUserByEmail(db, email)) throw new AppError('already_exists', 'an account with this email already exists: sign in instead');
      const user = await withTransaction(db, async (tx) => {
        const accountId = await createAccount(tx, name);
        return { id: await createUser(tx, accountId, email, password), accountId };
      }).catch((e: { code?: string }) => {
        if (e.code === '23505') throw new AppError('already_exists', 'an account with this email already exists: sign in instead');
        throw e;
      });
      if (config.SIGNUP_CREDIT_MICROS > 0) {
        await clients.billing
          .topUp({ accountId: user.accountId, amount: { micros: BigInt(config.SIGNUP_CREDIT_MICROS), currency: 'USD' }, idempotencyKey: `signup:${user.accountId}`, note: 'signup credit' })
          .catch((e: unknown) => logger.warn({ err: e, accountId: user.accountId }, 'signup credit not granted'));
      }
      return reply.code(201).send(await start(request, reply, user, email));
    },
  );

  app.post(
    '/v1/session',
    { schema: { summary: 'Sign in with email and password (sets the session cookie)', tags: ['account'], security: [], body: Credentials, response: { 200: SessionView, ...S.errorResponses(429) } } },
    async (request, reply) => {
      const { email, password } = request.body;
      const keys = [`email:${email.trim().toLowerCase()}`, `ip:${request.ip}`];
      const wait = Math.max(...keys.map((k) => limiter.blockedFor(k)));
      if (wait > 0) {
        void reply.header('retry-after', String(wait));
        throw new AppError('resource_exhausted', `too many failed sign-ins: try again in ${Math.ceil(wait / 60)} minute${wait > 60 ? 's' : ''}`);
      }
      const user = await checkPassword(db, email, password);
      if (!user) {
        for (const k of keys) limiter.fail(k);
        throw new AppError('unauthenticated', 'wrong email or password');
      }
      limiter.succeed(keys[0]!);
      return start(request, reply, user, email.trim());
    },
  );

  app.get(
    '/v1/session',
    { schema: { summary: 'The signed-in user, account and CSRF token', tags: ['account'], security: [], response: { 200: SessionView, ...S.errorResponses() } } },
    async (request) => {
      const s = request.webSession;
      if (!s) throw errors.unauthenticated('not signed in');
      return { user: { email: s.email }, account: { id: s.accountId, name: s.accountName }, csrf_token: s.csrfToken };
    },
  );

  app.delete(
    '/v1/session',
    { schema: { summary: 'Sign out', tags: ['account'], security: [], response: { 204: Type.Null(), ...S.errorResponses(403) } } },
    async (request, reply) => {
      const token = readCookie(request, SESSION_COOKIE);
      const s = request.webSession;
      if (token && s) {
        if (String(request.headers['x-csrf-token'] ?? '') !== s.csrfToken) throw new AppError('permission_denied', 'missing or invalid CSRF token');
        await deleteSession(db, token);
      }
      setCookie(request, reply, '', 0);
      return reply.code(204).send(null);
    },
  );
};
