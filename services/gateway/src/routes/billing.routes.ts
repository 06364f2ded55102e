// Customer billing beyond balance and usage: monthly statements (JSON or the printable HTML page),
// Stripe Checkout for top-ups, and Stripe's webhook (no API key: Stripe signs it, billing verifies).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors } from '@verbatim/common';
import type { FastifyRequest } from 'fastify';
import * as B from '../http/billing.schemas.js';
import { accountOf } from '../http/auth.js';
import * as S from '../http/schemas.js';
import { statementView, usdToMicros } from '../services/billing-views.js';
import type { RouteContext } from './context.js';

/** The page has inline styles only: no script, no outside resources, whatever billing renders. */
const STATEMENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

function wantsHtml(request: FastifyRequest, format: 'json' | 'html' | undefined): boolean {
  if (format) return format === 'html';
  const accept = request.headers.accept ?? '';
  return /\btext\/html\b/i.test(accept);
}

/** Where Checkout sends the customer back by default: this server's own origin. */
function origin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

export const billingRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const { clients } = ctx;

  app.get(
    '/v1/billing/statements/:month',
    {
      schema: {
        summary: 'Monthly statement',
        description:
          'Opening balance, top-ups, one line per charged job, charges and closing balance of one month. JSON by default; the printable HTML page (print it to PDF from a browser) with ?format=html or Accept: text/html.',
        tags: ['billing'],
        params: B.StatementParams,
        querystring: B.StatementQuery,
        response: {
          200: { content: { 'application/json': { schema: B.Statement }, 'text/html': { schema: { type: 'string', description: 'self-contained printable page' } } } },
          ...S.errorResponses(),
        } as never,
      },
      schemaErrorFormatter: (errs, dataVar) => {
        if (dataVar === 'params') return errors.invalid('month must be YYYY-MM, e.g. 2026-11');
        return new Error(`${dataVar}${errs[0]?.instancePath ?? ''} ${errs[0]?.message ?? 'is invalid'}`);
      },
    },
    async (request, reply) => {
      const html = wantsHtml(request, request.query.format);
      const month = request.params.month;
      const s = await clients.billing.getStatement({ accountId: accountOf(request), month, includeHtml: html });
      if (html) {
        return reply
          .type('text/html; charset=utf-8')
          .header('content-security-policy', STATEMENT_CSP)
          .header('content-disposition', `inline; filename="verbatim-statement-${month}.html"`)
          .send(s.html);
      }
      return reply.type('application/json; charset=utf-8').send(statementView(s));
    },
  );

  app.post(
    '/v1/billing/checkout',
    {
      schema: {
        summary: 'Top up credit by card (Stripe Checkout)',
        description:
          'Creates a hosted payment page for amount_usd (whole cents, at least 0.50) and returns its url; the credit is added when Stripe confirms the payment. 409 when online payments are not configured (an operator adds credit instead).',
        tags: ['billing'],
        body: B.CheckoutBody,
        response: { 201: B.CheckoutSession, ...S.errorResponses(409) },
      },
    },
    async (request, reply) => {
      const accountId = accountOf(request);
      const { amount_usd, success_url, cancel_url } = request.body;
      const session = await clients.billing.createCheckoutSession({
        accountId,
        amount: usdToMicros(amount_usd, 'amount_usd'),
        successUrl: success_url ?? `${origin(request)}/?checkout=success`,
        cancelUrl: cancel_url ?? `${origin(request)}/?checkout=cancelled`,
      });
      return reply.code(201).send({ session_id: session.sessionId, url: session.url });
    },
  );
};

/**
 * POST /v1/billing/stripe/webhook, registered OUTSIDE the authenticated /v1 scope. Its body is
 * kept as the raw bytes (a parser scoped to this plugin) because Stripe's signature covers them
 * exactly: re-serialised JSON would not verify.
 */
export const stripeWebhookRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const { clients } = ctx;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_request, body, done) => done(null, body));

  app.post(
    '/v1/billing/stripe/webhook',
    {
      schema: {
        summary: "Stripe's webhook (no API key)",
        description: 'Point the Stripe dashboard here. The raw body and the Stripe-Signature header are verified by billing; a bad signature is a 400. Idempotent on the event id.',
        tags: ['billing'],
        headers: { type: 'object', properties: { 'stripe-signature': { type: 'string', maxLength: 2000 } } },
        body: { description: 'the Stripe event, byte for byte as Stripe sent it' },
        response: { 200: B.StripeWebhookResult, ...S.errorResponses(409) },
      } as never,
    },
    async (request) => {
      const signature = request.headers['stripe-signature'];
      if (typeof signature !== 'string' || !signature) throw errors.invalid('missing Stripe-Signature header');
      const payload = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      if (payload.length === 0) throw errors.invalid('empty webhook body');
      const r = await clients.billing.handleStripeWebhook({ payload, signature });
      return { received: true as const, event_id: r.eventId, type: r.type, credited: r.credited, duplicate: r.duplicate };
    },
  );
};
