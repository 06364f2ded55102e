// Billing's protobuf messages as the public API shows them (snake_case, money as micros plus a
// decimal string), and dollar amounts from requests as micros.
import { errors } from '@verbatim/common';
import type { billing } from '@verbatim/proto';
import { iso } from './views.js';

export function money(m: billing.Money | undefined) {
  const micros = Number(m?.micros ?? 0n);
  return { micros, currency: m?.currency || 'USD', amount: (micros / 1_000_000).toFixed(2) };
}

/** Dollars from a request as USD micros; refuses fractions of a cent (no silent rounding of money). */
export function usdToMicros(usd: number, field: string): { micros: bigint; currency: string } {
  const cents = Math.round(usd * 100);
  if (!Number.isFinite(usd) || Math.abs(usd * 100 - cents) > 1e-6) throw errors.invalid(`${field} must be a whole number of cents`);
  return { micros: BigInt(cents) * 10_000n, currency: 'USD' };
}

export function balanceView(b: billing.Balance) {
  return { available: money(b.available), reserved: money(b.reserved), plan: b.plan || 'prepaid', price_per_minute: money(b.pricePerMinute) };
}

export function statementView(s: billing.Statement) {
  return {
    month: s.month,
    plan: s.plan,
    opening_balance: money(s.openingBalance),
    top_ups: money(s.topUps),
    charges: money(s.charges),
    adjustments: money(s.adjustments),
    closing_balance: money(s.closingBalance),
    audio_seconds: s.audioSeconds,
    lines: s.lines.map((l) => ({
      job_id: l.jobId,
      domain: l.domain,
      audio_seconds: l.audioSeconds,
      billed_seconds: Number(l.billedSeconds),
      price_per_minute: money(l.pricePerMinute),
      charged: money(l.charged),
      at: iso(l.at) ?? null,
    })),
    top_up_lines: s.topUpLines.map((t) => ({ at: iso(t.at) ?? null, amount: money(t.amount), source: t.source, reference: t.reference })),
    generated_at: iso(s.generatedAt) ?? null,
  };
}

function marginRow(r: billing.MarginRow) {
  return {
    key: r.key,
    jobs: Number(r.jobs),
    audio_seconds: r.audioSeconds,
    revenue: money(r.revenue),
    compute_cost: money(r.computeCost),
    margin: money(r.margin),
    margin_ratio: r.marginRatio,
    cpu_seconds: r.cpuSeconds,
    gpu_seconds: r.gpuSeconds,
  };
}

export function marginView(m: billing.MarginReport) {
  return { group_by: m.groupBy, rows: m.rows.map(marginRow), total: m.total ? marginRow(m.total) : null };
}

export function priceView(p: billing.Price) {
  return { id: Number(p.id), plan: p.plan, domain: p.domain, price_per_minute: money(p.pricePerMinute), minimum_charge: money(p.minimumCharge), effective_from: iso(p.effectiveFrom) ?? null };
}

export function ledgerView(c: billing.LedgerCheck) {
  const v = {
    imbalance_micros: Number(c.imbalanceMicros),
    unbalanced_transactions: Number(c.unbalancedTransactions),
    balance_mismatches: Number(c.balanceMismatches),
    transactions: Number(c.transactions),
    entries: Number(c.entries),
  };
  return { ok: v.imbalance_micros === 0 && v.unbalanced_transactions === 0 && v.balance_mismatches === 0, ...v };
}

/** A since/until query value as a Date: RFC 3339 or YYYY-MM-DD (midnight UTC); 400 otherwise. */
export function parseTime(value: string | undefined, field: string): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}T/.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw errors.invalid(`${field} must be an RFC 3339 timestamp or a YYYY-MM-DD date`);
  return d;
}
