// Calendar months (UTC) named YYYY-MM, as statements and usage reports use them.

export interface MonthRange {
  month: string;
  start: Date;
  end: Date;
}

export class InvalidMonthError extends RangeError {}

export function monthRange(month: string, now: Date = new Date()): MonthRange {
  const m = month || `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(m);
  if (!match) throw new InvalidMonthError(`month must look like 2026-01, got "${month}"`);
  const y = Number(match[1]);
  const mo = Number(match[2]) - 1;
  return { month: m, start: new Date(Date.UTC(y, mo, 1)), end: new Date(Date.UTC(y, mo + 1, 1)) };
}
