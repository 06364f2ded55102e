// Billing and feedback for the caller's account, proxied to the billing and feedback services,
// and the account's webhook signing secret.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError, errors } from '@verbatim/common';
import { feedback, type billing } from '@verbatim/proto';
import { createApiKey, getAccount, getWebhookSecret, listApiKeys, revokeApiKey, setDataConsent, type Account } from '../adapters/accounts.repository.js';
import { accountOf } from '../http/auth.js';
import * as S from '../http/schemas.js';
import { assertJobId } from '../services/transcriptions.service.js';
import { iso } from '../services/views.js';
import type { RouteContext } from './context.js';

function money(m: billing.Money | undefined) {
  const micros = Number(m?.micros ?? 0n);
  return { micros, currency: m?.currency || 'USD', amount: (micros / 1_000_000).toFixed(2) };
}

function keyView(k: { id: string; name: string; prefix: string; createdAt: Date; lastUsedAt: Date | null }) {
  return { id: k.id, name: k.name, prefix: k.prefix, created_at: k.createdAt.toISOString(), last_used_at: k.lastUsedAt?.toISOString() ?? null };
}

function accountView(a: Account) {
  return { id: a.id, name: a.name, created_at: a.createdAt.toISOString(), data_consent: a.dataConsent };
}

function balanceView(b: billing.Balance) {
  return { available: money(b.available), reserved: money(b.reserved), plan: b.plan || 'prepaid', price_per_minute: money(b.pricePerMinute) };
}

export const accountRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const { clients, db, transcriptions } = ctx;

  app.get(
    '/v1/billing/balance',
    { schema: { summary: 'Prepaid credit: available and reserved', tags: ['billing'], response: { 200: S.Balance, ...S.errorResponses() } } },
    async (request) => balanceView(await clients.billing.getBalance({ accountId: accountOf(request) })),
  );

  app.get(
    '/v1/billing/usage',
    { schema: { summary: 'Usage and charges of one month', tags: ['billing'], querystring: S.UsageQuery, response: { 200: S.Usage, ...S.errorResponses() } } },
    async (request) => {
      const u = await clients.billing.getUsage({ accountId: accountOf(request), month: request.query.month ?? '' });
      const charged = money(u.charged);
      return {
        month: u.month || request.query.month || new Date().toISOString().slice(0, 7),
        jobs: new Set(u.lines.map((l) => l.jobId)).size,
        charged_usd: charged.micros / 1_000_000,
        balance_usd: u.balance ? money(u.balance.available).micros / 1_000_000 : null,
        price_per_minute_usd: u.balance?.pricePerMinute ? money(u.balance.pricePerMinute).micros / 1_000_000 : null,
        audio_seconds: u.audioSeconds,
        charged,
        lines: u.lines.map((l) => ({ job_id: l.jobId, audio_seconds: l.audioSeconds, charged: money(l.charged), at: iso(l.at) ?? null })),
        balance: u.balance ? balanceView(u.balance) : null,
      };
    },
  );

  app.post(
    '/v1/transcripts/:id/rating',
    {
      schema: {
        summary: 'Rate a transcript',
        description: 'score 1–5, or thumbs up (5) / down (1), with an optional comment.',
        tags: ['feedback'],
        params: S.IdParams,
        body: S.RatingBody,
        response: { 201: S.Rating, ...S.errorResponses(404) },
      },
    },
    async (request, reply) => {
      const accountId = accountOf(request);
      const { score, thumbs, comment } = request.body;
      if (score === undefined && thumbs === undefined) throw errors.invalid('give a score (1-5) or thumbs ("up" or "down")');
      if (score !== undefined && thumbs !== undefined && score !== (thumbs === 'up' ? 5 : 1)) throw errors.invalid('score and thumbs disagree; send one of them');
      const job = await transcriptions.getJob(accountId, request.params.id); // 404 for another account's job
      const r = await clients.feedback.submitRating({ accountId, jobId: job.id, score: score ?? (thumbs === 'up' ? 5 : 1), comment: comment ?? '' });
      return reply.code(201).send({ job_id: r.jobId || job.id, score: r.score, comment: r.comment, created_at: iso(r.createdAt) ?? null });
    },
  );

  app.post(
    '/v1/transcripts/:id/corrections',
    {
      schema: {
        summary: 'Correct words of a transcript',
        description:
          'Edits apply to base_revision (0 = machine output); each replaces or deletes (empty word) one word, or inserts one (op "insert"). Or send reference_text, the full correct text, and the edits are computed. Creates a new revision; the machine original is kept.',
        tags: ['feedback'],
        params: S.IdParams,
        body: S.CorrectionBody,
        response: { 201: S.Correction, ...S.errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      const accountId = accountOf(request);
      const { edits, reference_text: referenceText } = request.body;
      if (!edits === !referenceText) throw errors.invalid('send either edits or reference_text');
      const job = await transcriptions.getJob(accountId, assertJobId(request.params.id));
      const c = await clients.feedback.submitCorrection({
        accountId,
        jobId: job.id,
        baseRevision: request.body.base_revision,
        edits: (edits ?? []).map((e) => ({ segmentId: e.segment_id, wordIndex: e.word_index, word: e.word, op: e.op === 'insert' ? feedback.EditOp.INSERT : feedback.EditOp.REPLACE })),
        referenceText: referenceText ?? '',
      });
      return reply.code(201).send({ job_id: c.jobId || job.id, revision: c.revision, wer: c.wer, cer: c.cer, created_at: iso(c.createdAt) ?? null });
    },
  );

  app.get(
    '/v1/account',
    { schema: { summary: 'The caller\'s account', tags: ['account'], response: { 200: S.Account, ...S.errorResponses() } } },
    async (request) => {
      const a = await getAccount(db, accountOf(request));
      if (!a) throw errors.notFound('account');
      return accountView(a);
    },
  );

  app.patch(
    '/v1/account',
    {
      schema: {
        summary: 'Change account settings',
        description: 'data_consent: whether corrected transcripts may be exported to retrain the models.',
        tags: ['account'],
        body: S.AccountPatch,
        response: { 200: S.Account, ...S.errorResponses() },
      },
    },
    async (request) => {
      const accountId = accountOf(request);
      // Feedback enforces consent at export time, so it learns first; repeating the call is harmless.
      await clients.feedback.setConsent({ accountId, exportAllowed: request.body.data_consent });
      const a = await setDataConsent(db, accountId, request.body.data_consent);
      if (!a) throw errors.notFound('account');
      return accountView(a);
    },
  );

  app.get(
    '/v1/api-keys',
    { schema: { summary: "The account's API keys (never their secrets)", tags: ['keys'], response: { 200: Type.Object({ data: Type.Array(S.ApiKey) }), ...S.errorResponses() } } },
    async (request) => ({ data: (await listApiKeys(db, accountOf(request))).map(keyView) }),
  );

  app.post(
    '/v1/api-keys',
    { schema: { summary: 'Create an API key; the full key is returned once', tags: ['keys'], body: S.CreateApiKeyBody, response: { 201: S.CreatedApiKey, ...S.errorResponses() } } },
    async (request, reply) => {
      const accountId = accountOf(request);
      const created = await createApiKey(db, accountId, request.body.name);
      const row = (await listApiKeys(db, accountId)).find((k) => k.id === created.keyId)!;
      return reply.code(201).send({ ...keyView(row), key: created.key });
    },
  );

  app.delete(
    '/v1/api-keys/:id',
    { schema: { summary: 'Revoke an API key', tags: ['keys'], params: S.KeyIdParams, response: { 204: Type.Null({ description: 'revoked' }), ...S.errorResponses(404) } } },
    async (request, reply) => {
      const id = request.params.id;
      const valid = /^[0-9a-f-]{36}$/i.test(id);
      if (!valid || !(await revokeApiKey(db, accountOf(request), id))) throw errors.notFound('API key');
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/webhooks/secret',
    {
      schema: {
        summary: "The account's webhook signing secret",
        description: 'Webhooks carry Verbatim-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with this secret>, and Verbatim-Event-Id.',
        tags: ['webhooks'],
        response: { 200: S.WebhookSecret, ...S.errorResponses() },
      },
    },
    async (request) => {
      const secret = await getWebhookSecret(db, accountOf(request));
      if (!secret) throw new AppError('not_found', 'account not found');
      return { secret, signature_header: 'Verbatim-Signature', scheme: 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">' };
    },
  );
};
