import { AppError } from '@verbatim/common';
import { checkDeclaredSize, exceedsDuration, exceedsSize, formatBytes, formatDuration, retentionCutoff, tooLong } from './limits';

const limits = { maxBytes: 10 * 1024 * 1024, maxDurationSeconds: 4 * 3600 };

describe('limits', () => {
  it('refuses a declared size over the limit as payload_too_large, naming the limit', () => {
    expect(() => checkDeclaredSize(limits.maxBytes + 1, limits)).toThrow(new AppError('payload_too_large', 'the file is larger than the 10 MiB limit'));
    expect(() => checkDeclaredSize(0, limits)).not.toThrow();
    expect(() => checkDeclaredSize(BigInt(limits.maxBytes), limits)).not.toThrow();
  });

  it('compares sizes and durations strictly above the limit', () => {
    expect(exceedsSize(limits.maxBytes, limits)).toBe(false);
    expect(exceedsSize(limits.maxBytes + 1, limits)).toBe(true);
    expect(exceedsDuration(4 * 3600, limits)).toBe(false);
    expect(exceedsDuration(4 * 3600 + 0.1, limits)).toBe(true);
    expect(tooLong(limits).message).toBe('the audio is longer than the 4 h 0 min limit');
    expect(tooLong(limits).kind).toBe('payload_too_large');
  });

  it('formats sizes and durations for people', () => {
    expect(formatBytes(2 * 1024 ** 3)).toBe('2 GiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(12)).toBe('12 bytes');
    expect(formatDuration(90)).toBe('1 min 30 s');
    expect(formatDuration(5)).toBe('5 s');
  });

  it('computes the retention cutoff, with 0 days meaning keep forever', () => {
    const now = new Date('2026-03-10T00:00:00Z');
    expect(retentionCutoff(now, 0)).toBeUndefined();
    expect(retentionCutoff(now, 30)).toEqual(new Date('2026-02-08T00:00:00Z'));
  });
});
