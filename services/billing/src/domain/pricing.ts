// Prices and the charge for a job: a price per audio minute (per plan, optionally per domain),
// billed per started second, with a minimum per job; prices are versioned by effective_from and
// a job is charged with the version that was in force when it was reserved.

export interface PriceVersion {
  id: bigint;
  plan: string;
  /** '' = the plan's default for every domain without its own price. */
  domain: string;
  perMinuteMicros: bigint;
  minimumMicros: bigint;
  effectiveFrom: Date;
}

export const MAX_JOB_SECONDS = 7 * 24 * 3600;

/** Seconds billed for a job: every started second counts (61.2 s -> 62 s). */
export function billedSeconds(audioSeconds: number): bigint {
  if (!Number.isFinite(audioSeconds) || audioSeconds < 0) throw new RangeError(`invalid audio duration: ${audioSeconds}`);
  // Float noise from upstream arithmetic (60.000000001) must not bill a whole extra second.
  return BigInt(Math.ceil(Math.round(audioSeconds * 1000) / 1000));
}

/** The charge for `audioSeconds` at `price`: per second, rounded up to the micro, at least the minimum. */
export function chargeFor(audioSeconds: number, price: Pick<PriceVersion, 'perMinuteMicros' | 'minimumMicros'>): { billedSeconds: bigint; micros: bigint } {
  const seconds = billedSeconds(audioSeconds);
  const prorated = (seconds * price.perMinuteMicros + 59n) / 60n;
  return { billedSeconds: seconds, micros: prorated > price.minimumMicros ? prorated : price.minimumMicros };
}

/**
 * The version in force for (plan, domain) at `at`: the latest domain-specific version whose
 * effective_from <= at, else the latest default version of the plan. Undefined if neither.
 */
export function selectPrice(versions: readonly PriceVersion[], plan: string, domain: string, at: Date): PriceVersion | undefined {
  const latest = (d: string) =>
    versions
      .filter((v) => v.plan === plan && v.domain === d && v.effectiveFrom.getTime() <= at.getTime())
      .reduce<PriceVersion | undefined>((best, v) => (!best || v.effectiveFrom > best.effectiveFrom ? v : best), undefined);
  return (domain ? latest(domain) : undefined) ?? latest('');
}
