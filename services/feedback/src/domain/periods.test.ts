import { InvalidPeriod, parseInstant, parseRange, parseWindow } from './periods.js';

describe('time filters', () => {
  it('reads dates as midnight UTC and RFC 3339 timestamps as given', () => {
    expect(parseInstant('2026-11-27', 'since')?.toISOString()).toBe('2026-11-27T00:00:00.000Z');
    expect(parseInstant('2026-11-27T10:30:00+01:00', 'since')?.toISOString()).toBe('2026-11-27T09:30:00.000Z');
    expect(parseInstant('', 'since')).toBeUndefined();
  });

  it('refuses what is not a date, an empty range and unknown windows', () => {
    expect(() => parseInstant('yesterday', 'since')).toThrow(InvalidPeriod);
    expect(() => parseRange('2026-11-27', '2026-11-27')).toThrow('until must be after since');
    expect(parseWindow('week')).toBe('week');
    expect(() => parseWindow('fortnight')).toThrow('window must be one of');
  });
});
