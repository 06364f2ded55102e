// Quality as operators see it: error rates of machine output against corrections, grouped by model
// version, domain, account or cohort over time windows; calibration of word confidence; and the
// review queue of what most likely needs a human's ear.
import type { FeedbackRepository, Grouping, JobFilter, QualityRow } from '../adapters/feedback.repository.js';
import { reliability } from '../domain/calibration.js';
import { cohortGaps, largestGapByModel, type CohortGap } from '../domain/cohorts.js';
import { keys } from '@verbatim/common';
import { parseInstant, parseRange, parseWindow } from '../domain/periods.js';
import { asInvalid } from './errors.js';

export interface QualityQuery {
  modelVersion: string;
  domain: string;
  accountId: string;
  since: string;
  until: string;
  grouping: Grouping;
  cohortAttribute: string;
  window: string;
}

export interface QualityGroup extends QualityRow {
  wer: number;
  cer: number;
  domainTermErrorRate: number;
}

const ratio = (a: number, b: number) => (b ? a / b : 0);

export function withRates(r: QualityRow): QualityGroup {
  return {
    ...r,
    wer: ratio(r.substitutions + r.deletions + r.insertions, r.referenceWords),
    cer: ratio(r.charErrors, r.referenceChars),
    domainTermErrorRate: ratio(r.domainTermErrors, r.domainTerms),
  };
}

export class QualityService {
  constructor(
    private readonly repo: FeedbackRepository,
    private readonly cohortMinJobs: number,
  ) {}

  async quality(q: QualityQuery): Promise<{ groups: QualityGroup[]; gaps: CohortGap[] }> {
    const { since, until } = asInvalid(() => parseRange(q.since, q.until));
    const window = asInvalid(() => parseWindow(q.window));
    const filter: JobFilter = { modelVersion: q.modelVersion || undefined, domain: q.domain || undefined, accountId: q.accountId || undefined, since, until };
    const groups = (await this.repo.quality(filter, q.grouping, window, q.cohortAttribute || undefined)).map(withRates);
    const gaps =
      q.grouping === 'cohort' && !window
        ? cohortGaps(groups.map((g) => ({ modelVersion: g.modelVersion, attribute: g.cohortAttribute, value: g.cohortValue, jobs: g.jobs, wer: g.wer })), this.cohortMinJobs)
        : [];
    return { groups, gaps };
  }

  async calibration(q: { modelVersion: string; domain: string; since: string; until: string; buckets: number }) {
    const { since, until } = asInvalid(() => parseRange(q.since, q.until));
    const models = await this.repo.calibration({ modelVersion: q.modelVersion || undefined, domain: q.domain || undefined, since, until });
    return models.map((m) => {
      const r = asInvalid(() => reliability(m.buckets, q.buckets || 10));
      return { modelVersion: m.modelVersion, jobs: m.jobs, words: r.words, ece: r.ece, buckets: r.buckets };
    });
  }

  async reviewQueue(q: { limit: number; modelVersion: string; domain: string; since: string; maxConfidence: number; includeCorrected: boolean }) {
    const limit = Math.min(500, Math.max(1, q.limit || 20));
    const since = asInvalid(() => parseInstant(q.since, 'since'));
    const filter: JobFilter = { modelVersion: q.modelVersion || undefined, domain: q.domain || undefined, since };
    const [segments, jobs] = await Promise.all([
      this.repo.reviewSegments(filter, { limit, maxConfidence: q.maxConfidence > 0 ? q.maxConfidence : undefined, includeCorrected: q.includeCorrected }),
      this.repo.reviewJobs(filter, limit),
    ]);
    return {
      segments: segments.map((s) => ({ ...s, audioKey: s.mediaId ? keys.audio(s.accountId, s.mediaId) : '' })),
      jobs: jobs.map((j) => ({ ...j, audioKey: j.mediaId ? keys.audio(j.accountId, j.mediaId) : '' })),
    };
  }

  /** What the /metrics gauges show: corrections of the last `days` days. */
  async metricSnapshot(days: number, now = new Date()) {
    const since = new Date(now.getTime() - days * 86_400_000);
    const [byDomain, byCohort, calibration] = await Promise.all([
      this.repo.quality({ since }, 'model_domain'),
      this.repo.quality({ since }, 'cohort'),
      this.repo.calibration({ since }),
    ]);
    const gaps = cohortGaps(byCohort.map(withRates).map((g) => ({ modelVersion: g.modelVersion, attribute: g.cohortAttribute, value: g.cohortValue, jobs: g.jobs, wer: g.wer })), this.cohortMinJobs);
    return {
      wer: byDomain.map(withRates).map((g) => ({ modelVersion: g.modelVersion, domain: g.domain, wer: g.wer })),
      cohortGap: largestGapByModel(gaps),
      calibrationError: new Map(calibration.map((m) => [m.modelVersion, reliability(m.buckets, 10).ece])),
    };
  }
}
