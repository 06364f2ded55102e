// What a job cost us to compute: the inference service's measured CPU and GPU seconds priced at
// configured unit costs, plus the audio's storage for its retention period.

export interface UnitCosts {
  /** Micros per CPU-second (fractional: a c7i.large vCPU is about 12.4). */
  cpuSecondMicros: number;
  gpuSecondMicros: number;
  gbMonthMicros: number;
  /** Stored audio bytes per second of audio (the event carries no size; an estimate). */
  audioBytesPerSecond: number;
  retentionDays: number;
}

export interface ComputeUsage {
  cpuSeconds: number;
  gpuSeconds: number;
}

export interface JobCost {
  cpuMicros: number;
  gpuMicros: number;
  storageGbMonths: number;
  storageMicros: number;
  /** The total rounded to a whole micro (what is recorded). */
  totalMicros: bigint;
}

const finite = (x: number) => (Number.isFinite(x) && x > 0 ? x : 0);

export function computeCost(usage: ComputeUsage, audioSeconds: number, costs: UnitCosts): JobCost {
  const cpuMicros = finite(usage.cpuSeconds) * costs.cpuSecondMicros;
  const gpuMicros = finite(usage.gpuSeconds) * costs.gpuSecondMicros;
  const storageGbMonths = (finite(audioSeconds) * costs.audioBytesPerSecond) / 1e9 * (costs.retentionDays / 30);
  const storageMicros = storageGbMonths * costs.gbMonthMicros;
  return { cpuMicros, gpuMicros, storageGbMonths, storageMicros, totalMicros: BigInt(Math.round(cpuMicros + gpuMicros + storageMicros)) };
}

/** margin / revenue, 0 when there is no revenue. */
export function marginRatio(revenueMicros: bigint, costMicros: bigint): number {
  if (revenueMicros === 0n) return 0;
  return Number(revenueMicros - costMicros) / Number(revenueMicros);
}

/** The price per audio minute that leaves `margin` (0.7 = 70%) of revenue after `costPerMinute`. */
export function priceForMargin(costPerMinuteMicros: number, margin: number): number {
  if (margin >= 1 || margin < 0) throw new RangeError('margin must be in [0, 1)');
  return costPerMinuteMicros / (1 - margin);
}
