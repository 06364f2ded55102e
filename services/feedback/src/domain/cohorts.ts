// Cohorts: customer-supplied attributes of a job (accent, recording setup, ...) and the gap in WER
// between the best and the worst cohort of one attribute, the signal that some group of speakers
// gets consistently worse transcripts.

export class InvalidCohort extends Error {}

const KEY = /^[a-z][a-z0-9_.-]{0,63}$/;

export function validateAttributes(attrs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = Object.entries(attrs);
  if (entries.length > 16) throw new InvalidCohort('at most 16 cohort attributes per job');
  for (const [k, v] of entries) {
    const key = k.trim().toLowerCase();
    const value = v.trim();
    if (!KEY.test(key)) throw new InvalidCohort(`cohort attribute "${k}" must be 1-64 lowercase letters, digits, '_', '.' or '-', starting with a letter`);
    if (value.length > 128) throw new InvalidCohort(`cohort value of "${key}" may be at most 128 characters`);
    if (value) out[key] = value;
  }
  return out;
}

export interface CohortQuality {
  modelVersion: string;
  attribute: string;
  value: string;
  jobs: number;
  wer: number;
}

export interface CohortGap {
  modelVersion: string;
  attribute: string;
  bestValue: string;
  bestWer: number;
  worstValue: string;
  worstWer: number;
  gap: number;
}

/** Per model version and attribute, best and worst cohort among those with at least minJobs jobs. */
export function cohortGaps(groups: readonly CohortQuality[], minJobs: number): CohortGap[] {
  const by = new Map<string, CohortQuality[]>();
  for (const g of groups) {
    if (g.jobs < minJobs) continue;
    const k = JSON.stringify([g.modelVersion, g.attribute]);
    by.set(k, [...(by.get(k) ?? []), g]);
  }
  const gaps: CohortGap[] = [];
  for (const list of by.values()) {
    if (list.length < 2) continue;
    const sorted = [...list].sort((a, b) => a.wer - b.wer || a.value.localeCompare(b.value));
    const best = sorted[0]!;
    const worst = sorted[sorted.length - 1]!;
    gaps.push({ modelVersion: best.modelVersion, attribute: best.attribute, bestValue: best.value, bestWer: best.wer, worstValue: worst.value, worstWer: worst.wer, gap: worst.wer - best.wer });
  }
  return gaps.sort((a, b) => a.modelVersion.localeCompare(b.modelVersion) || a.attribute.localeCompare(b.attribute));
}

/** The largest gap per model version, over its attributes (the metric's value). */
export function largestGapByModel(gaps: readonly CohortGap[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const g of gaps) out.set(g.modelVersion, Math.max(out.get(g.modelVersion) ?? 0, g.gap));
  return out;
}
