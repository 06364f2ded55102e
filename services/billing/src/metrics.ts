// Billing's domain metrics, registered on the service's registry. Counters count what this
// replica posted; gauges are read from the database on scrape so every replica reports the truth.
import type { Metrics, Pool } from '@verbatim/common';
import { Counter, Gauge } from 'prom-client';
import type { Logger } from '@verbatim/common';
import { reports } from './adapters/reports.repository.js';
import { marginRatio } from './domain/compute-cost.js';

export interface BillingMetrics {
  revenue: Counter<'plan'>;
  computeCost: Counter<'plan'>;
  charges: Counter<'plan'>;
  reservations: Counter<'outcome'>;
}

export function registerBillingMetrics(metrics: Metrics, pool: Pool, logger: Logger, options: { ledgerCheckMaxAgeMs: number }): BillingMetrics {
  const registers = [metrics.registry];
  // A failed read keeps the last value rather than failing the whole scrape.
  const safely = (what: string, fn: () => Promise<void>) => async () => {
    try {
      await fn();
    } catch (e) {
      logger.warn({ err: e, metric: what }, 'metric read failed');
    }
  };
  // Gauges of one scrape that read the same query share it (prom-client collects them concurrently).
  // A result younger than maxAgeMs is reused: the ledger check scans every entry, and the
  // database already refuses an unbalanced transaction at COMMIT.
  const shared = <T>(read: () => Promise<T>, maxAgeMs = 0) => {
    let pending: Promise<T> | undefined;
    let last: { at: number; value: T } | undefined;
    return () => {
      if (last && Date.now() - last.at < maxAgeMs) return Promise.resolve(last.value);
      return (pending ??= read()
        .then((value) => {
          last = { at: Date.now(), value };
          return value;
        })
        .finally(() => (pending = undefined)));
    };
  };
  const ledgerCheck = shared(() => reports.ledgerCheck(pool), options.ledgerCheckMaxAgeMs);
  const reservations = shared(() => reports.reservationsOutstanding(pool));

  const mismatches: Gauge = new Gauge({
    name: 'verbatim_billing_balance_mismatches',
    help: 'Cached balances that disagree with the sum of their ledger entries; anything but 0 is a bug',
    registers,
    collect: safely('mismatches', async () => mismatches.set(Number((await ledgerCheck()).mismatches))),
  });
  const outstandingMicros: Gauge = new Gauge({
    name: 'verbatim_billing_reserved_micros',
    help: 'Credit held by outstanding reservations, micros USD',
    registers,
    collect: safely('reserved', async () => outstandingMicros.set(Number((await reservations()).micros))),
  });

  const imbalance: Gauge = new Gauge({
    name: 'verbatim_billing_ledger_imbalance_micros',
    help: 'Sum over ledger transactions of |credits - debits| in micros USD; anything but 0 is a bug',
    registers,
    collect: safely('imbalance', async () => {
      imbalance.set(Number((await ledgerCheck()).imbalance));
    }),
  });
  const outstanding: Gauge = new Gauge({
    name: 'verbatim_billing_reservations_outstanding',
    help: 'Reservations not yet charged or released',
    registers,
    collect: safely('reservations', async () => {
      outstanding.set((await reservations()).count);
    }),
  });

  const margin: Gauge<'plan'> = new Gauge({
    name: 'verbatim_billing_margin_ratio',
    help: "Today's (UTC) margin / revenue per plan, from charged jobs and their compute cost",
    labelNames: ['plan'],
    registers,
    collect: safely('margin', async () => {
      const rows = await reports.todayByPlan(pool);
      margin.reset();
      for (const row of rows) margin.labels(row.plan).set(marginRatio(row.revenue, row.cost));
    }),
  });

  return {
    revenue: new Counter({ name: 'verbatim_billing_revenue_micros_total', help: 'Charged to customers, micros USD', labelNames: ['plan'], registers }),
    computeCost: new Counter({ name: 'verbatim_billing_compute_cost_micros_total', help: 'Compute and storage cost of charged jobs at configured unit costs, micros USD', labelNames: ['plan'], registers }),
    charges: new Counter({ name: 'verbatim_billing_charges_total', help: 'Jobs charged', labelNames: ['plan'], registers }),
    reservations: new Counter({ name: 'verbatim_billing_reservations_total', help: 'Reserve calls by outcome (reserved, insufficient_credit, existing)', labelNames: ['outcome'], registers }),
  };
}
