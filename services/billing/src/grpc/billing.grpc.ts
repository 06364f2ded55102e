// Thin gRPC handlers for billing.v1.BillingService: request -> BillingService -> response.
import { timestampDate, timestampFromDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import { AppError, type ServiceImpl } from '@verbatim/common';
import { billing } from '@verbatim/proto';
import type { BalanceView, BillingService, ReservationView } from '../billing.service.js';
import type { MarginRowData } from '../adapters/reports.repository.js';
import { marginRatio } from '../domain/compute-cost.js';
import { CURRENCY } from '../domain/money.js';
import type { PriceVersion } from '../domain/pricing.js';
import type { StatementLine } from '../domain/statement.js';

const money = (micros: bigint) => ({ micros, currency: CURRENCY });

/** Money from a request: only USD (or unspecified) is accepted. */
function micros(m: billing.Money | undefined, what: string): bigint {
  if (!m) throw new AppError('invalid_argument', `${what} is required`);
  if (m.currency && m.currency.toUpperCase() !== CURRENCY) throw new AppError('invalid_argument', `${what} must be in ${CURRENCY}`);
  return m.micros;
}

const date = (t: Timestamp | undefined) => (t ? timestampDate(t) : undefined);

const reservation = (r: ReservationView) => ({ jobId: r.jobId, amount: money(r.amountMicros), state: r.state, charged: money(r.chargedMicros) });

const balance = (b: BalanceView) => ({
  accountId: b.accountId,
  available: money(b.availableMicros),
  reserved: money(b.reservedMicros),
  plan: b.plan,
  pricePerMinute: money(b.perMinuteMicros),
  minimumCharge: money(b.minimumMicros),
});

const usageLine = (l: StatementLine) => ({
  jobId: l.jobId,
  audioSeconds: l.audioSeconds,
  charged: money(l.chargedMicros),
  at: timestampFromDate(l.at),
  domain: l.domain,
  billedSeconds: l.billedSeconds,
  pricePerMinute: money(l.perMinuteMicros),
});

const marginRow = (r: MarginRowData) => ({
  key: r.key,
  jobs: r.jobs,
  audioSeconds: r.audioSeconds,
  revenue: money(r.revenueMicros),
  computeCost: money(r.costMicros),
  margin: money(r.revenueMicros - r.costMicros),
  marginRatio: marginRatio(r.revenueMicros, r.costMicros),
  cpuSeconds: r.cpuSeconds,
  gpuSeconds: r.gpuSeconds,
});

const price = (p: PriceVersion) => ({
  id: p.id,
  plan: p.plan,
  domain: p.domain,
  pricePerMinute: money(p.perMinuteMicros),
  minimumCharge: money(p.minimumMicros),
  effectiveFrom: timestampFromDate(p.effectiveFrom),
});

export function billingHandlers(service: BillingService): ServiceImpl<typeof billing.BillingService> {
  return {
    reserve: async (req) => reservation(await service.reserve(req.accountId, req.jobId, req.estimatedSeconds, req.domain)),
    release: async (req) => reservation(await service.release(req.accountId, req.jobId, req.reason || 'released by caller')),
    getBalance: async (req) => balance(await service.balance(req.accountId)),
    topUp: async (req) => balance(await service.topUp(req.accountId, micros(req.amount, 'amount'), req.idempotencyKey, req.note)),
    getUsage: async (req) => {
      const u = await service.usage(req.accountId, req.month);
      return { accountId: u.accountId, month: u.month, audioSeconds: u.audioSeconds, charged: money(u.chargedMicros), lines: u.lines.map(usageLine), balance: balance(u.balance) };
    },
    getStatement: async (req) => {
      const s = await service.statement(req.accountId, req.month, req.includeHtml);
      return {
        accountId: s.accountId,
        month: s.month,
        plan: s.plan,
        openingBalance: money(s.openingMicros),
        topUps: money(s.topUpsMicros),
        charges: money(s.chargesMicros),
        adjustments: money(s.adjustmentsMicros),
        closingBalance: money(s.closingMicros),
        audioSeconds: s.audioSeconds,
        lines: s.lines.map(usageLine),
        topUpLines: s.topUps.map((t) => ({ at: timestampFromDate(t.at), amount: money(t.amountMicros), source: t.source, reference: t.reference })),
        html: s.html ?? '',
        generatedAt: timestampFromDate(s.generatedAt),
      };
    },
    createCheckoutSession: async (req) => service.createCheckout(req.accountId, micros(req.amount, 'amount'), req.successUrl, req.cancelUrl),
    handleStripeWebhook: async (req) => service.handleStripeWebhook(Buffer.from(req.payload), req.signature),
    getMarginReport: async (req) => {
      const r = await service.marginReport(req.groupBy, date(req.from), date(req.to), req.accountId, req.limit);
      return { groupBy: req.groupBy, rows: r.rows.map(marginRow), total: marginRow(r.total) };
    },
    setPrice: async (req) =>
      price(await service.setPrice(req.plan, req.domain, micros(req.pricePerMinute, 'price_per_minute'), req.minimumCharge ? micros(req.minimumCharge, 'minimum_charge') : 0n, date(req.effectiveFrom))),
    listPrices: async (req) => ({ prices: (await service.listPrices(req.plan)).map(price) }),
    setAccountPlan: async (req) => balance(await service.setAccountPlan(req.accountId, req.plan)),
    verifyLedger: async () => {
      const c = await service.verifyLedger();
      return { imbalanceMicros: c.imbalance, unbalancedTransactions: c.unbalanced, balanceMismatches: c.mismatches, transactions: c.transactions, entries: c.entries };
    },
  };
}
