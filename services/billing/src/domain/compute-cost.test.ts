import { computeCost, marginRatio, priceForMargin } from './compute-cost.js';
import { formatUsd } from './money.js';
import { monthRange } from './month.js';

const costs = { cpuSecondMicros: 12.4, gpuSecondMicros: 280, gbMonthMicros: 23_000, audioBytesPerSecond: 16_000, retentionDays: 30 };

describe('compute cost', () => {
  it('prices CPU, GPU and storage at the unit costs and rounds once', () => {
    const c = computeCost({ cpuSeconds: 10, gpuSeconds: 1 }, 60, costs);
    expect(c.cpuMicros).toBeCloseTo(124);
    expect(c.gpuMicros).toBe(280);
    expect(c.storageGbMonths).toBeCloseTo(0.00096);
    expect(c.totalMicros).toBe(BigInt(Math.round(124 + 280 + 0.00096 * 23_000)));
  });

  it('treats missing or nonsense usage as none', () => {
    expect(computeCost({ cpuSeconds: Number.NaN, gpuSeconds: -3 }, 0, costs).totalMicros).toBe(0n);
  });

  it('gives the margin ratio and the price for a target margin', () => {
    expect(marginRatio(1_000n, 300n)).toBeCloseTo(0.7);
    expect(marginRatio(0n, 5n)).toBe(0);
    expect(priceForMargin(300, 0.7)).toBeCloseTo(1_000);
  });
});

describe('money and months', () => {
  it('formats micros as dollars', () => {
    expect(formatUsd(1_500_000n)).toBe('$1.50');
    expect(formatUsd(1_234n)).toBe('$0.001234');
    expect(formatUsd(-12_345_670_000n)).toBe('-$12,345.67');
  });

  it('parses YYYY-MM into a UTC range', () => {
    expect(monthRange('2026-12')).toEqual({ month: '2026-12', start: new Date('2026-12-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z') });
    expect(monthRange('', new Date('2026-02-15T10:00:00Z')).month).toBe('2026-02');
    expect(() => monthRange('2026-13')).toThrow(RangeError);
  });
});
