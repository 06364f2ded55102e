// Operator routes (/v1/admin, /v1/quality) and the customer's cohort, revision and correction
// additions, against real PostgreSQL and real gRPC billing/feedback/inference servers (in-test
// implementations): 403 for a customer key, 200 for an operator key, requests passed through.
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { AppError } from '@verbatim/common';
import { feedback, inference, type billing } from '@verbatim/proto';
import { randomUUID } from 'node:crypto';
import { startBackend, startBackendGateway, type BackendGateway } from './backend';

const usd = (micros: bigint) => ({ micros, currency: 'USD' });
const balance = (accountId: string) => ({ accountId, available: usd(12_000_000n), reserved: usd(0n), plan: 'payg', pricePerMinute: usd(100_000n) });
const row = (key: string) => ({ key, jobs: 2n, audioSeconds: 600, revenue: usd(1_000_000n), computeCost: usd(200_000n), margin: usd(800_000n), marginRatio: 0.8, cpuSeconds: 30, gpuSeconds: 0 });

let g: BackendGateway;
let customer: Awaited<ReturnType<BackendGateway['customer']>>;
let operator: Awaited<ReturnType<BackendGateway['operator']>>;
const jobId = randomUUID();

beforeAll(async () => {
  const backend = await startBackend({
    billing: {
      topUp: async (req: billing.TopUpRequest) => {
        if (req.idempotencyKey === 'clash') throw new AppError('already_exists', 'idempotency key clash was used with another amount');
        return balance(req.accountId);
      },
      getMarginReport: async (req: billing.MarginReportRequest) => ({ groupBy: req.groupBy, rows: [row('2026-11-26')], total: row('total') }),
      listPrices: async () => ({ prices: [{ id: 1n, plan: 'payg', domain: '', pricePerMinute: usd(100_000n), minimumCharge: usd(10_000n), effectiveFrom: timestampFromDate(new Date('2026-11-01T00:00:00Z')) }] }),
      setPrice: async (req: billing.SetPriceRequest) => ({ id: 2n, plan: req.plan, domain: req.domain, pricePerMinute: req.pricePerMinute, minimumCharge: req.minimumCharge ?? usd(0n), effectiveFrom: req.effectiveFrom ?? timestampFromDate(new Date()) }),
      setAccountPlan: async (req: billing.SetAccountPlanRequest) => ({ ...balance(req.accountId), plan: req.plan }),
      verifyLedger: async () => ({ imbalanceMicros: 0n, unbalancedTransactions: 0n, balanceMismatches: 0n, transactions: 40n, entries: 120n }),
    },
    feedback: {
      getQuality: async () => ({
        groups: [
          { modelVersion: '2026.11.27-1', domain: 'medicine', correctedJobs: 3n, wer: 0.12, cer: 0.05, cohortAttribute: 'accent', cohortValue: 'scottish', referenceWords: 900n, substitutions: 80n, deletions: 20n, insertions: 8n, domainTerms: 40n, domainTermErrors: 4n, domainTermErrorRate: 0.1 },
        ],
        cohortGaps: [{ modelVersion: '2026.11.27-1', cohortAttribute: 'accent', bestValue: 'us', bestWer: 0.08, worstValue: 'scottish', worstWer: 0.12, gap: 0.04 }],
      }),
      getCalibration: async () => ({ models: [{ modelVersion: 'v1', words: 1000n, expectedCalibrationError: 0.07, correctedJobs: 5n, buckets: [{ lower: 0.9, upper: 1, words: 700n, correct: 650n, meanConfidence: 0.95, accuracy: 0.93 }] }] }),
      getReviewQueue: async () => ({
        segments: [{ accountId: 'acc', jobId: 'j1', segmentId: 4, span: { jobId: 'j1', audioKey: 'audio/acc/m1', start: 12.5, end: 15 }, confidence: 0.31, minWordConfidence: 0.05, text: 'the patient was given ketamine', modelVersion: 'v1', domain: 'medicine' }],
        jobs: [{ accountId: 'acc', jobId: 'j2', meanScore: 1.5, ratings: 2, latestComment: 'bad', span: { jobId: 'j2', audioKey: 'audio/acc/m2', start: 0, end: 300 }, modelVersion: 'v1', domain: 'general', meanConfidence: 0.6 }],
      }),
      exportDataset: async (req: feedback.ExportDatasetRequest) => ({ manifestKey: `datasets/corrections/${req.since}/manifest.jsonl`, segments: 42n, jobs: 3n, excludedJobs: 1n, createdAt: timestampFromDate(new Date('2026-11-27T12:00:00Z')) }),
      setCohort: async (req: feedback.SetCohortRequest) => ({ jobId: req.jobId, attributes: req.attributes, updatedAt: timestampFromDate(new Date('2026-11-27T12:00:00Z')) }),
      listRevisions: async (req: feedback.ListRevisionsRequest) => ({
        jobId: req.jobId,
        revisions: [
          { revision: 0, baseRevision: 0, userId: '', edits: 0, wer: 0, cer: 0, createdAt: timestampFromDate(new Date('2026-11-27T10:00:00Z')) },
          { revision: 1, baseRevision: 0, userId: 'u1', edits: 3, wer: 0.1, cer: 0.04, createdAt: timestampFromDate(new Date('2026-11-27T11:00:00Z')) },
        ],
      }),
      submitCorrection: async (req: feedback.SubmitCorrectionRequest) => ({ jobId: req.jobId, revision: 1, wer: 0.1, cer: 0.05, createdAt: timestampFromDate(new Date()) }),
    },
    inference: {
      getJob: async (req: inference.GetJobRequest) => {
        if (req.jobId !== jobId || req.accountId !== customer.accountId) throw new AppError('not_found', 'job not found');
        return { id: jobId, accountId: req.accountId, status: inference.JobStatus.COMPLETED, domain: 'general', filename: 'a.wav' };
      },
    },
  });
  g = await startBackendGateway(backend);
  customer = await g.customer('Customer');
  operator = await g.operator();
});

afterAll(async () => {
  await g.close();
});

const inject = (...args: Parameters<BackendGateway['t']['gateway']['http']['inject']>) => g.t.gateway.http.inject(...args);

const OPERATOR_ROUTES = [
  { method: 'POST' as const, url: '/v1/admin/accounts/00000000-0000-4000-8000-000000000001/top-up', payload: { amount_usd: 5, idempotency_key: 'k1' } },
  { method: 'GET' as const, url: '/v1/admin/margin?group_by=day' },
  { method: 'GET' as const, url: '/v1/admin/prices' },
  { method: 'POST' as const, url: '/v1/admin/prices', payload: { plan: 'pro', price_per_minute_usd: 0.08 } },
  { method: 'PUT' as const, url: '/v1/admin/accounts/00000000-0000-4000-8000-000000000001/plan', payload: { plan: 'pro' } },
  { method: 'GET' as const, url: '/v1/admin/ledger/verify' },
  { method: 'GET' as const, url: '/v1/quality' },
  { method: 'GET' as const, url: '/v1/quality/calibration' },
  { method: 'GET' as const, url: '/v1/quality/review-queue' },
  { method: 'POST' as const, url: '/v1/quality/exports', payload: {} },
];

describe('operator routes', () => {
  it('403 "this route needs an operator key" for a customer key, without calling any service', async () => {
    const calls = g.backend.calls.length;
    for (const r of OPERATOR_ROUTES) {
      const res = await inject({ ...r, headers: customer.auth });
      expect([r.url, res.statusCode]).toEqual([r.url, 403]);
      expect(res.json()).toEqual({ error: { code: 'permission_denied', message: 'this route needs an operator key' } });
    }
    expect(g.backend.calls.length).toBe(calls);
  });

  it('401 without a key', async () => {
    for (const r of OPERATOR_ROUTES) expect((await inject(r)).statusCode).toBe(401);
  });

  it('200/201 for an operator key', async () => {
    for (const r of OPERATOR_ROUTES) {
      const res = await inject({ ...r, headers: operator.auth });
      expect([r.url, res.statusCode]).toEqual([r.url, r.method === 'GET' || r.method === 'PUT' || r.url.endsWith('top-up') ? 200 : 201]);
    }
  });

  it('top-up flows to billing with the idempotency key, the amount in micros and the note', async () => {
    const account = randomUUID();
    const res = await inject({ method: 'POST', url: `/v1/admin/accounts/${account}/top-up`, headers: operator.auth, payload: { amount_usd: 12.34, idempotency_key: 'invoice-2026-11-007', note: 'paid by bank transfer' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ available: { amount: '12.00' }, plan: 'payg' });
    expect(g.backend.last<billing.TopUpRequest>('TopUp')).toMatchObject({ accountId: account, amount: { micros: 12_340_000n, currency: 'USD' }, idempotencyKey: 'invoice-2026-11-007', note: 'paid by bank transfer' });

    const clash = await inject({ method: 'POST', url: `/v1/admin/accounts/${account}/top-up`, headers: operator.auth, payload: { amount_usd: 1, idempotency_key: 'clash' } });
    expect(clash.statusCode).toBe(409);
    const noKey = await inject({ method: 'POST', url: `/v1/admin/accounts/${account}/top-up`, headers: operator.auth, payload: { amount_usd: 1 } });
    expect(noKey.statusCode).toBe(400);
    const badId = await inject({ method: 'POST', url: '/v1/admin/accounts/nope/top-up', headers: operator.auth, payload: { amount_usd: 1, idempotency_key: 'x' } });
    expect(badId.statusCode).toBe(400);
  });

  it('margin report: grouping, time range and filters', async () => {
    const account = randomUUID();
    const res = await inject({ method: 'GET', url: `/v1/admin/margin?group_by=account&since=2026-11-01&until=2026-11-27T12:00:00Z&account_id=${account}&limit=50`, headers: operator.auth });
    expect(res.statusCode).toBe(200);
    expect(res.json().rows[0]).toEqual({
      key: '2026-11-26',
      jobs: 2,
      audio_seconds: 600,
      revenue: { micros: 1_000_000, currency: 'USD', amount: '1.00' },
      compute_cost: { micros: 200_000, currency: 'USD', amount: '0.20' },
      margin: { micros: 800_000, currency: 'USD', amount: '0.80' },
      margin_ratio: 0.8,
      cpu_seconds: 30,
      gpu_seconds: 0,
    });
    const req = g.backend.last<billing.MarginReportRequest>('GetMarginReport');
    expect(req).toMatchObject({ groupBy: 'account', accountId: account, limit: 50 });
    expect(req.from?.seconds).toBe(BigInt(Date.parse('2026-11-01T00:00:00Z') / 1000));
    expect(req.to?.seconds).toBe(BigInt(Date.parse('2026-11-27T12:00:00Z') / 1000));
    expect((await inject({ method: 'GET', url: '/v1/admin/margin?group_by=week', headers: operator.auth })).statusCode).toBe(400);
    expect((await inject({ method: 'GET', url: '/v1/admin/margin?since=yesterday', headers: operator.auth })).json().error.message).toMatch(/since must be/);
  });

  it('prices, plans and the ledger check', async () => {
    const list = await inject({ method: 'GET', url: '/v1/admin/prices?plan=payg', headers: operator.auth });
    expect(list.json().data[0]).toMatchObject({ id: 1, plan: 'payg', domain: '', price_per_minute: { amount: '0.10' }, minimum_charge: { micros: 10_000 } });
    const set = await inject({ method: 'POST', url: '/v1/admin/prices', headers: operator.auth, payload: { plan: 'pro', domain: 'medicine', price_per_minute_usd: 0.12, minimum_charge_usd: 0.05, effective_from: '2027-01-01T00:00:00Z' } });
    expect(set.statusCode).toBe(201);
    expect(g.backend.last<billing.SetPriceRequest>('SetPrice')).toMatchObject({ plan: 'pro', domain: 'medicine', pricePerMinute: { micros: 120_000n }, minimumCharge: { micros: 50_000n } });
    expect(set.json()).toMatchObject({ plan: 'pro', domain: 'medicine', effective_from: '2027-01-01T00:00:00.000Z' });
    const account = randomUUID();
    const plan = await inject({ method: 'PUT', url: `/v1/admin/accounts/${account}/plan`, headers: operator.auth, payload: { plan: 'pro' } });
    expect(plan.json()).toMatchObject({ plan: 'pro' });
    expect(g.backend.last<billing.SetAccountPlanRequest>('SetAccountPlan')).toMatchObject({ accountId: account, plan: 'pro' });
    const ledger = await inject({ method: 'GET', url: '/v1/admin/ledger/verify', headers: operator.auth });
    expect(ledger.json()).toEqual({ ok: true, imbalance_micros: 0, unbalanced_transactions: 0, balance_mismatches: 0, transactions: 40, entries: 120 });
  });

  it('quality passes its filters and grouping to feedback', async () => {
    const account = randomUUID();
    const res = await inject({
      method: 'GET',
      url: `/v1/quality?model_version=2026.11.27-1&domain=medicine&account_id=${account}&since=2026-11-01&until=2026-12-01&group_by=cohort&cohort_attribute=accent&window=week`,
      headers: operator.auth,
    });
    expect(res.statusCode).toBe(200);
    expect(g.backend.last<feedback.GetQualityRequest>('GetQuality')).toMatchObject({
      modelVersion: '2026.11.27-1',
      domain: 'medicine',
      accountId: account,
      since: '2026-11-01',
      until: '2026-12-01',
      groupBy: feedback.QualityGrouping.COHORT,
      cohortAttribute: 'accent',
      window: 'week',
    });
    expect(res.json().groups[0]).toMatchObject({ model_version: '2026.11.27-1', cohort_value: 'scottish', wer: 0.12, reference_words: 900, domain_term_errors: 4, window_start: null });
    expect(res.json().cohort_gaps).toEqual([{ model_version: '2026.11.27-1', cohort_attribute: 'accent', best_value: 'us', best_wer: 0.08, worst_value: 'scottish', worst_wer: 0.12, gap: 0.04 }]);

    await inject({ method: 'GET', url: '/v1/quality', headers: operator.auth });
    expect(g.backend.last<feedback.GetQualityRequest>('GetQuality')).toMatchObject({ groupBy: feedback.QualityGrouping.MODEL_DOMAIN, window: '', accountId: '' });
    await inject({ method: 'GET', url: '/v1/quality?group_by=account', headers: operator.auth });
    expect(g.backend.last<feedback.GetQualityRequest>('GetQuality')).toMatchObject({ groupBy: feedback.QualityGrouping.ACCOUNT });
    expect((await inject({ method: 'GET', url: '/v1/quality?group_by=voice', headers: operator.auth })).statusCode).toBe(400);
    expect((await inject({ method: 'GET', url: '/v1/quality?cohort_attribute=accent', headers: operator.auth })).json().error.message).toMatch(/group_by=cohort/);
  });

  it('calibration, review queue and exports', async () => {
    const cal = await inject({ method: 'GET', url: '/v1/quality/calibration?model_version=v1&buckets=20', headers: operator.auth });
    expect(cal.json().models[0]).toMatchObject({ model_version: 'v1', expected_calibration_error: 0.07, buckets: [{ lower: 0.9, words: 700, correct: 650, accuracy: 0.93 }] });
    expect(g.backend.last<feedback.GetCalibrationRequest>('GetCalibration')).toMatchObject({ modelVersion: 'v1', buckets: 20 });

    const queue = await inject({ method: 'GET', url: '/v1/quality/review-queue?limit=5&domain=medicine&max_confidence=0.5&include_corrected=true&since=2026-11-20', headers: operator.auth });
    expect(queue.json().segments[0]).toMatchObject({ job_id: 'j1', segment_id: 4, span: { job_id: 'j1', audio_key: 'audio/acc/m1', start: 12.5, end: 15 }, confidence: 0.31 });
    expect(queue.json().jobs[0]).toMatchObject({ job_id: 'j2', mean_score: 1.5, ratings: 2 });
    expect(g.backend.last<feedback.GetReviewQueueRequest>('GetReviewQueue')).toMatchObject({ limit: 5, domain: 'medicine', maxConfidence: 0.5, includeCorrected: true, since: '2026-11-20' });

    const exp = await inject({ method: 'POST', url: '/v1/quality/exports', headers: operator.auth, payload: { domain: 'medicine', since: '2026-11-01', until: '2026-12-01' } });
    expect(exp.statusCode).toBe(201);
    expect(exp.json()).toEqual({ manifest_key: 'datasets/corrections/2026-11-01/manifest.jsonl', segments: 42, jobs: 3, excluded_jobs: 1, created_at: '2026-11-27T12:00:00.000Z' });
    expect(g.backend.last<feedback.ExportDatasetRequest>('ExportDataset')).toMatchObject({ domain: 'medicine', since: '2026-11-01', until: '2026-12-01' });
    expect((await inject({ method: 'POST', url: '/v1/quality/exports', headers: operator.auth, payload: { since: 'last week' } })).statusCode).toBe(400);
  });

  it('are in the OpenAPI document', async () => {
    const doc = (await inject({ method: 'GET', url: '/docs/json' })).json();
    for (const p of ['/v1/admin/accounts/{id}/top-up', '/v1/admin/margin', '/v1/admin/prices', '/v1/admin/accounts/{id}/plan', '/v1/admin/ledger/verify', '/v1/quality', '/v1/quality/calibration', '/v1/quality/review-queue', '/v1/quality/exports', '/v1/billing/statements/{month}', '/v1/billing/checkout', '/v1/billing/stripe/webhook', '/v1/captions', '/v1/transcripts/{id}/cohort', '/v1/transcripts/{id}/revisions']) {
      expect([p, Boolean(doc.paths[p])]).toEqual([p, true]);
    }
    expect(doc.paths['/v1/billing/stripe/webhook'].post.security).toBeUndefined();
    expect(doc.paths['/v1/admin/margin'].get.security).toEqual([{ apiKey: [] }]);
  });
});

describe('customer quality routes', () => {
  it('PUT /v1/transcripts/:id/cohort sets attributes on the caller\'s own job', async () => {
    const res = await inject({ method: 'PUT', url: `/v1/transcripts/${jobId}/cohort`, headers: customer.auth, payload: { attributes: { accent: 'scottish', setup: 'phone' } } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ job_id: jobId, attributes: { accent: 'scottish', setup: 'phone' }, updated_at: '2026-11-27T12:00:00.000Z' });
    expect(g.backend.last<feedback.SetCohortRequest>('SetCohort')).toMatchObject({ accountId: customer.accountId, jobId, attributes: { accent: 'scottish', setup: 'phone' } });
    expect((await inject({ method: 'PUT', url: `/v1/transcripts/${jobId}/cohort`, headers: customer.auth, payload: { attributes: { 'Bad Key': 'x' } } })).statusCode).toBe(400);
    // Another account's job is a 404 and never reaches feedback.
    const other = await g.customer('Other');
    const calls = g.backend.count('SetCohort');
    expect((await inject({ method: 'PUT', url: `/v1/transcripts/${jobId}/cohort`, headers: other.auth, payload: { attributes: { accent: 'x' } } })).statusCode).toBe(404);
    expect(g.backend.count('SetCohort')).toBe(calls);
  });

  it('GET /v1/transcripts/:id/revisions', async () => {
    const res = await inject({ method: 'GET', url: `/v1/transcripts/${jobId}/revisions`, headers: customer.auth });
    expect(res.statusCode).toBe(200);
    expect(res.json().revisions).toEqual([
      { revision: 0, base_revision: 0, user_id: '', edits: 0, wer: 0, cer: 0, created_at: '2026-11-27T10:00:00.000Z' },
      { revision: 1, base_revision: 0, user_id: 'u1', edits: 3, wer: 0.1, cer: 0.04, created_at: '2026-11-27T11:00:00.000Z' },
    ]);
  });

  it('corrections take reference_text or edits with an op', async () => {
    const ref = await inject({ method: 'POST', url: `/v1/transcripts/${jobId}/corrections`, headers: customer.auth, payload: { base_revision: 0, reference_text: 'the patient was given ketamine' } });
    expect(ref.statusCode).toBe(201);
    expect(g.backend.last<feedback.SubmitCorrectionRequest>('SubmitCorrection')).toMatchObject({ accountId: customer.accountId, jobId, referenceText: 'the patient was given ketamine', edits: [] });

    const ins = await inject({ method: 'POST', url: `/v1/transcripts/${jobId}/corrections`, headers: customer.auth, payload: { base_revision: 0, edits: [{ segment_id: 0, word_index: 2, word: 'really', op: 'insert' }, { segment_id: 0, word_index: 0, word: 'A' }] } });
    expect(ins.statusCode).toBe(201);
    expect(g.backend.last<feedback.SubmitCorrectionRequest>('SubmitCorrection').edits).toMatchObject([
      { segmentId: 0, wordIndex: 2, word: 'really', op: feedback.EditOp.INSERT },
      { segmentId: 0, wordIndex: 0, word: 'A', op: feedback.EditOp.REPLACE },
    ]);

    const both = await inject({ method: 'POST', url: `/v1/transcripts/${jobId}/corrections`, headers: customer.auth, payload: { base_revision: 0, reference_text: 'x', edits: [{ segment_id: 0, word_index: 0, word: 'A' }] } });
    expect(both.statusCode).toBe(400);
    const neither = await inject({ method: 'POST', url: `/v1/transcripts/${jobId}/corrections`, headers: customer.auth, payload: { base_revision: 0 } });
    expect(neither.json().error.message).toBe('send either edits or reference_text');
  });
});
