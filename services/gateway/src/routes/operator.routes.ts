// Operator routes, across accounts: billing administration (/v1/admin: top-ups, margin, prices,
// plans, ledger check) and production quality (/v1/quality: accuracy, calibration, review queue,
// dataset export). Every route needs an API key with the 'operator' scope (made by
// `bootstrap --operator`); a customer's key gets 403 "this route needs an operator key".
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors } from '@verbatim/common';
import { feedback } from '@verbatim/proto';
import { requireOperator } from '../http/auth.js';
import * as B from '../http/billing.schemas.js';
import * as Q from '../http/quality.schemas.js';
import * as S from '../http/schemas.js';
import { balanceView, ledgerView, marginView, parseTime, priceView, usdToMicros } from '../services/billing-views.js';
import { iso } from '../services/views.js';
import type { RouteContext } from './context.js';

const GROUPING = {
  model_domain: feedback.QualityGrouping.MODEL_DOMAIN,
  account: feedback.QualityGrouping.ACCOUNT,
  cohort: feedback.QualityGrouping.COHORT,
} as const;

const n = (v: bigint | number) => Number(v);

function span(s: feedback.AudioSpan | undefined) {
  return s ? { job_id: s.jobId, audio_key: s.audioKey, start: s.start, end: s.end } : null;
}

export const operatorRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const { clients, logger } = ctx;
  // Runs after the /v1 scope's authentication (a parent's hooks come first).
  app.addHook('onRequest', async (request) => requireOperator(request));
  const errs = (...s: number[]) => S.errorResponses(403, ...s);

  // --- billing administration ---

  app.post(
    '/v1/admin/accounts/:id/top-up',
    {
      schema: {
        summary: 'Add credit to an account (manual top-up)',
        description: 'Adds amount_usd once per (account, idempotency_key): a retry adds nothing; the same key with another amount is a 409.',
        tags: ['admin'],
        params: B.AccountParams,
        body: B.TopUpBody,
        response: { 200: S.Balance, ...errs(404, 409) },
      },
    },
    async (request) => {
      const { amount_usd, idempotency_key, note } = request.body;
      const b = await clients.billing.topUp({ accountId: request.params.id, amount: usdToMicros(amount_usd, 'amount_usd'), idempotencyKey: idempotency_key, note: note ?? '' });
      logger.info({ operatorKey: request.principal?.keyId, accountId: request.params.id, amountUsd: amount_usd }, 'operator top-up');
      return balanceView(b);
    },
  );

  app.get(
    '/v1/admin/margin',
    {
      schema: {
        summary: 'Revenue, compute cost and margin',
        description: 'Grouped by job, account or day (UTC), with a total; since defaults to 30 days ago, until (exclusive) to now.',
        tags: ['admin'],
        querystring: B.MarginQuery,
        response: { 200: B.MarginReport, ...errs() },
      },
    },
    async (request) => {
      const q = request.query;
      const since = parseTime(q.since, 'since');
      const until = parseTime(q.until, 'until');
      const r = await clients.billing.getMarginReport({
        groupBy: q.group_by,
        ...(since ? { from: timestampFromDate(since) } : {}),
        ...(until ? { to: timestampFromDate(until) } : {}),
        accountId: q.account_id ?? '',
        limit: q.limit ?? 100,
      });
      return marginView(r);
    },
  );

  app.get(
    '/v1/admin/prices',
    { schema: { summary: 'Price versions', tags: ['admin'], querystring: B.PricesQuery, response: { 200: B.PriceList, ...errs() } } },
    async (request) => ({ data: (await clients.billing.listPrices({ plan: request.query.plan ?? '' })).prices.map(priceView) }),
  );

  app.post(
    '/v1/admin/prices',
    {
      schema: {
        summary: 'Add a price version',
        description: 'Prices are versioned, never edited: past charges keep their price. Creates the plan if needed; effective_from defaults to now and may not be in the past.',
        tags: ['admin'],
        body: B.SetPriceBody,
        response: { 201: B.Price, ...errs() },
      },
    },
    async (request, reply) => {
      const b = request.body;
      let effectiveFrom;
      if (b.effective_from) {
        const d = new Date(b.effective_from);
        if (Number.isNaN(d.getTime())) throw errors.invalid('effective_from must be an RFC 3339 timestamp');
        effectiveFrom = timestampFromDate(d);
      }
      const p = await clients.billing.setPrice({
        plan: b.plan,
        domain: b.domain ?? '',
        pricePerMinute: usdToMicros(b.price_per_minute_usd, 'price_per_minute_usd'),
        ...(b.minimum_charge_usd !== undefined ? { minimumCharge: usdToMicros(b.minimum_charge_usd, 'minimum_charge_usd') } : {}),
        ...(effectiveFrom ? { effectiveFrom } : {}),
      });
      return reply.code(201).send(priceView(p));
    },
  );

  app.put(
    '/v1/admin/accounts/:id/plan',
    {
      schema: {
        summary: "Move an account to another plan",
        description: 'Applies to reservations made afterwards.',
        tags: ['admin'],
        params: B.AccountParams,
        body: B.SetPlanBody,
        response: { 200: S.Balance, ...errs(404) },
      },
    },
    async (request) => balanceView(await clients.billing.setAccountPlan({ accountId: request.params.id, plan: request.body.plan })),
  );

  app.get(
    '/v1/admin/ledger/verify',
    {
      schema: {
        summary: 'Check the ledger',
        description: 'Imbalance (must be 0), unbalanced transactions and cached balances that disagree with their entries (must be 0).',
        tags: ['admin'],
        response: { 200: B.LedgerCheck, ...errs() },
      },
    },
    async () => ledgerView(await clients.billing.verifyLedger({})),
  );

  // --- production quality ---

  app.get(
    '/v1/quality',
    {
      schema: {
        summary: 'Measured accuracy (WER/CER against corrections)',
        description:
          'Word and character error rates of the machine output against customers\' latest corrections, with S/D/I counts and domain-term errors, grouped by model version and domain, by account, or by cohort attribute/value (with the gap between the best and worst cohort). Filters: model_version, domain, account_id, since/until (time of the latest correction), window.',
        tags: ['quality'],
        querystring: Q.QualityQuery,
        response: { 200: Q.QualityReport, ...errs() },
      },
    },
    async (request) => {
      const q = request.query;
      if (q.cohort_attribute && q.group_by !== 'cohort') throw errors.invalid('cohort_attribute needs group_by=cohort');
      const r = await clients.feedback.getQuality({
        modelVersion: q.model_version ?? '',
        domain: q.domain ?? '',
        accountId: q.account_id ?? '',
        since: q.since ?? '',
        until: q.until ?? '',
        groupBy: GROUPING[q.group_by],
        cohortAttribute: q.cohort_attribute ?? '',
        window: q.window ?? '',
      });
      return {
        groups: r.groups.map((g) => ({
          model_version: g.modelVersion,
          domain: g.domain,
          account_id: g.accountId,
          cohort_attribute: g.cohortAttribute,
          cohort_value: g.cohortValue,
          window_start: iso(g.windowStart) ?? null,
          corrected_jobs: n(g.correctedJobs),
          reference_words: n(g.referenceWords),
          wer: g.wer,
          cer: g.cer,
          substitutions: n(g.substitutions),
          deletions: n(g.deletions),
          insertions: n(g.insertions),
          domain_terms: n(g.domainTerms),
          domain_term_errors: n(g.domainTermErrors),
          domain_term_error_rate: g.domainTermErrorRate,
        })),
        cohort_gaps: r.cohortGaps.map((c) => ({
          model_version: c.modelVersion,
          cohort_attribute: c.cohortAttribute,
          best_value: c.bestValue,
          best_wer: c.bestWer,
          worst_value: c.worstValue,
          worst_wer: c.worstWer,
          gap: c.gap,
        })),
      };
    },
  );

  app.get(
    '/v1/quality/calibration',
    {
      schema: {
        summary: 'Calibration of word confidence',
        description: 'Per model version: reliability buckets (confidence against being right) and the expected calibration error, so "wrong with high confidence" is measured.',
        tags: ['quality'],
        querystring: Q.CalibrationQuery,
        response: { 200: Q.CalibrationReport, ...errs() },
      },
    },
    async (request) => {
      const q = request.query;
      const r = await clients.feedback.getCalibration({ modelVersion: q.model_version ?? '', domain: q.domain ?? '', since: q.since ?? '', until: q.until ?? '', buckets: q.buckets ?? 0 });
      return {
        models: r.models.map((m) => ({
          model_version: m.modelVersion,
          words: n(m.words),
          corrected_jobs: n(m.correctedJobs),
          expected_calibration_error: m.expectedCalibrationError,
          buckets: m.buckets.map((b) => ({ lower: b.lower, upper: b.upper, words: n(b.words), correct: n(b.correct), mean_confidence: b.meanConfidence, accuracy: b.accuracy })),
        })),
      };
    },
  );

  app.get(
    '/v1/quality/review-queue',
    {
      schema: {
        summary: 'What to review next',
        description: 'The lowest-confidence segments and the worst-rated jobs, sampled across accounts, each with its audio span.',
        tags: ['quality'],
        querystring: Q.ReviewQueueQuery,
        response: { 200: Q.ReviewQueue, ...errs() },
      },
    },
    async (request) => {
      const q = request.query;
      const r = await clients.feedback.getReviewQueue({
        limit: q.limit ?? 20,
        modelVersion: q.model_version ?? '',
        domain: q.domain ?? '',
        since: q.since ?? '',
        maxConfidence: q.max_confidence ?? 0,
        includeCorrected: q.include_corrected ?? false,
      });
      return {
        segments: r.segments.map((s) => ({
          account_id: s.accountId,
          job_id: s.jobId,
          segment_id: s.segmentId,
          span: span(s.span),
          confidence: s.confidence,
          min_word_confidence: s.minWordConfidence,
          text: s.text,
          model_version: s.modelVersion,
          domain: s.domain,
        })),
        jobs: r.jobs.map((j) => ({
          account_id: j.accountId,
          job_id: j.jobId,
          mean_score: j.meanScore,
          ratings: j.ratings,
          latest_comment: j.latestComment,
          span: span(j.span),
          model_version: j.modelVersion,
          domain: j.domain,
          mean_confidence: j.meanConfidence,
        })),
      };
    },
  );

  app.post(
    '/v1/quality/exports',
    {
      schema: {
        summary: 'Export corrected data for retraining',
        description: "Writes corrected segments (audio span, corrected text, domain, model version) of consenting accounts to S3 as a JSON-lines manifest; accounts that opted out are left out and counted.",
        tags: ['quality'],
        body: Q.ExportBody,
        response: { 201: Q.ExportResult, ...errs() },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const r = await clients.feedback.exportDataset({ domain: b.domain ?? '', since: b.since ?? '', until: b.until ?? '' }, { deadlineMs: 120_000 });
      logger.info({ operatorKey: request.principal?.keyId, manifest: r.manifestKey, segments: Number(r.segments) }, 'dataset exported');
      return reply.code(201).send({ manifest_key: r.manifestKey, segments: n(r.segments), jobs: n(r.jobs), excluded_jobs: n(r.excludedJobs), created_at: iso(r.createdAt) ?? null });
    },
  );
};
