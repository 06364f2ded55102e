// Time filters of the operator RPCs: dates or RFC 3339 timestamps, and the windows quality is
// grouped by.

export class InvalidPeriod extends Error {}

export const WINDOWS = ['hour', 'day', 'week', 'month'] as const;
export type Window = (typeof WINDOWS)[number];

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** '' -> undefined; "2026-11-27" -> midnight UTC; an RFC 3339 timestamp as given. */
export function parseInstant(value: string, field: string): Date | undefined {
  const v = value.trim();
  if (!v) return undefined;
  const d = new Date(DATE.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(d.getTime()) || !(DATE.test(v) || /^\d{4}-\d{2}-\d{2}T/.test(v))) {
    throw new InvalidPeriod(`${field} must be a date (YYYY-MM-DD) or an RFC 3339 timestamp, got "${value}"`);
  }
  return d;
}

export function parseRange(since: string, until: string): { since?: Date; until?: Date } {
  const s = parseInstant(since, 'since');
  const u = parseInstant(until, 'until');
  if (s && u && u <= s) throw new InvalidPeriod('until must be after since');
  return { since: s, until: u };
}

export function parseWindow(value: string): Window | undefined {
  if (!value) return undefined;
  if (!(WINDOWS as readonly string[]).includes(value)) throw new InvalidPeriod(`window must be one of ${WINDOWS.join(', ')}`);
  return value as Window;
}

/** YYYY-MM-DD of an instant, in UTC. */
export function utcDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}
