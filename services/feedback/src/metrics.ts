// Feedback's domain metrics (names in verbatim_feedback_*): quality gauges are read from PostgreSQL
// on each scrape, so every replica reports the same truth and a restart loses nothing; the feedback
// volume counters count what this replica accepted.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { FeedbackCounters } from './services/corrections.service.js';
import type { QualityService } from './services/quality.service.js';

export function registerFeedbackMetrics(registry: Registry, quality: QualityService, windowDays: number, logger: Logger): FeedbackCounters {
  // One database read per scrape, shared by the three gauges.
  let pending: ReturnType<QualityService['metricSnapshot']> | undefined;
  const snapshot = () => {
    pending ??= quality.metricSnapshot(windowDays).finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };
  // A failed refresh leaves the gauges empty rather than failing the whole scrape.
  const refresh = async (fill: (s: Awaited<ReturnType<QualityService['metricSnapshot']>>) => void, gauge: Gauge<string>) => {
    gauge.reset();
    try {
      fill(await snapshot());
    } catch (e) {
      logger.warn({ err: e }, 'could not refresh quality gauges');
    }
  };

  const wer: Gauge<'model_version' | 'domain'> = new Gauge({
    name: 'verbatim_feedback_wer',
    help: `Word error rate of machine output against customer corrections, last ${windowDays} days (ratio)`,
    labelNames: ['model_version', 'domain'],
    registers: [registry],
    collect: () => refresh((s) => s.wer.forEach((g) => wer.labels(g.modelVersion, g.domain).set(g.wer)), wer),
  });
  const gap: Gauge<'model_version'> = new Gauge({
    name: 'verbatim_feedback_cohort_wer_gap',
    help: `Largest WER gap between the best and the worst cohort of one attribute, last ${windowDays} days (ratio)`,
    labelNames: ['model_version'],
    registers: [registry],
    collect: () => refresh((s) => s.cohortGap.forEach((v, model) => gap.labels(model).set(v)), gap),
  });
  const ece: Gauge<'model_version'> = new Gauge({
    name: 'verbatim_feedback_calibration_error',
    help: `Expected calibration error of word confidence (10 buckets), last ${windowDays} days (ratio)`,
    labelNames: ['model_version'],
    registers: [registry],
    collect: () => refresh((s) => s.calibrationError.forEach((v, model) => ece.labels(model).set(v)), ece),
  });
  const ratings = new Counter({ name: 'verbatim_feedback_ratings_total', help: 'Ratings accepted, by score', labelNames: ['score'], registers: [registry] });
  const corrections = new Counter({ name: 'verbatim_feedback_corrections_total', help: 'Corrections accepted (new revisions)', registers: [registry] });
  return {
    rating: (score) => ratings.labels(String(score)).inc(),
    correction: () => corrections.inc(),
  };
}
