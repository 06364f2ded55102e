// Money is integer micros of USD (1 USD = 1,000,000 micros), as bigint so no sum ever rounds.
export const CURRENCY = 'USD';
export const MICROS_PER_DOLLAR = 1_000_000n;
export const MICROS_PER_CENT = 10_000n;

/** "$1.234567" trimmed to cents when exact: 1_500_000n -> "$1.50", 1_234n -> "$0.001234". */
export function formatUsd(micros: bigint): string {
  const neg = micros < 0n;
  const abs = neg ? -micros : micros;
  const dollars = abs / MICROS_PER_DOLLAR;
  let frac = (abs % MICROS_PER_DOLLAR).toString().padStart(6, '0').replace(/0+$/, '');
  if (frac.length < 2) frac = frac.padEnd(2, '0');
  return `${neg ? '-' : ''}$${dollars.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
}

/** Rounds a non-negative fractional amount of micros to the nearest whole micro (half up). */
export function roundMicros(x: number): bigint {
  if (!Number.isFinite(x) || x < 0) throw new RangeError(`not a non-negative amount: ${x}`);
  return BigInt(Math.round(x));
}

/** Parses a pg int8 / numeric result (a string) into bigint; null is 0. */
export function toBigInt(v: string | number | bigint | null | undefined): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  return BigInt(v.includes('.') ? v.slice(0, v.indexOf('.')) : v);
}
