import { billedSeconds, chargeFor, selectPrice, type PriceVersion } from './pricing.js';

const v = (id: number, perMinute: number, from: string, domain = '', minimum = 10_000, plan = 'payg'): PriceVersion => ({
  id: BigInt(id), plan, domain, perMinuteMicros: BigInt(perMinute), minimumMicros: BigInt(minimum), effectiveFrom: new Date(from),
});

describe('per-second billing', () => {
  const price = { perMinuteMicros: 600_000n, minimumMicros: 0n }; // $0.60 a minute = $0.01 a second

  it('bills every started second', () => {
    expect(billedSeconds(61.2)).toBe(62n);
    expect(billedSeconds(60)).toBe(60n);
    expect(chargeFor(61.2, price)).toEqual({ billedSeconds: 62n, micros: 620_000n });
  });

  it('ignores float noise below a millisecond', () => {
    expect(billedSeconds(60.0000001)).toBe(60n);
  });

  it('rounds a fraction of a micro up, never down', () => {
    // 1 s at $0.10 a minute is 1666.67 micros.
    expect(chargeFor(1, { perMinuteMicros: 100_000n, minimumMicros: 0n }).micros).toBe(1_667n);
  });

  it('charges an hour exactly sixty minutes', () => {
    expect(chargeFor(3600, { perMinuteMicros: 123_457n, minimumMicros: 0n }).micros).toBe(60n * 123_457n);
  });

  it('refuses negative or non-finite durations', () => {
    expect(() => billedSeconds(-1)).toThrow(RangeError);
    expect(() => billedSeconds(Number.NaN)).toThrow(RangeError);
  });
});

describe('minimum per job', () => {
  const price = { perMinuteMicros: 100_000n, minimumMicros: 10_000n };

  it('charges the minimum for a short job', () => {
    expect(chargeFor(3, price).micros).toBe(10_000n); // 3 s would be 5,000
    expect(chargeFor(0, price).micros).toBe(10_000n);
  });

  it('charges the prorated price once it exceeds the minimum', () => {
    expect(chargeFor(7, price).micros).toBe(11_667n);
  });
});

describe('price versions', () => {
  const versions = [
    v(1, 100_000, '1970-01-01T00:00:00Z'),
    v(2, 120_000, '2026-06-01T00:00:00Z'),
    v(3, 200_000, '2026-03-01T00:00:00Z', 'medical'),
    v(4, 90_000, '1970-01-01T00:00:00Z', '', 0, 'pro'),
  ];

  it('uses the version in force at the time', () => {
    expect(selectPrice(versions, 'payg', '', new Date('2026-05-31T23:59:59Z'))?.id).toBe(1n);
    expect(selectPrice(versions, 'payg', '', new Date('2026-06-01T00:00:00Z'))?.id).toBe(2n);
  });

  it('prefers a domain override once it is in force, else the plan default', () => {
    expect(selectPrice(versions, 'payg', 'medical', new Date('2026-02-01Z'))?.id).toBe(1n);
    expect(selectPrice(versions, 'payg', 'medical', new Date('2026-07-01Z'))?.id).toBe(3n);
    expect(selectPrice(versions, 'payg', 'legal', new Date('2026-07-01Z'))?.id).toBe(2n);
  });

  it('keeps plans apart, and has no price for an unknown plan', () => {
    expect(selectPrice(versions, 'pro', 'medical', new Date('2026-07-01Z'))?.id).toBe(4n);
    expect(selectPrice(versions, 'enterprise', '', new Date())).toBeUndefined();
  });

  it('charges a job reserved before a price rise at the old price', () => {
    const reservedUnder = selectPrice(versions, 'payg', '', new Date('2026-05-31T12:00:00Z'))!;
    expect(chargeFor(60, reservedUnder).micros).toBe(100_000n);
    expect(chargeFor(60, selectPrice(versions, 'payg', '', new Date('2026-06-02Z'))!).micros).toBe(120_000n);
  });
});
