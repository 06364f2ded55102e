import { describe, expect, it } from 'vitest';
import { bytes, clock, wordAt } from './format';

describe('wordAt', () => {
  const starts = [0, 0.5, 1.2, 2.0, 3.5];
  it('finds the word being spoken', () => {
    expect(wordAt(starts, 0.2)).toBe(0);
    expect(wordAt(starts, 1.2)).toBe(2);
    expect(wordAt(starts, 1.99)).toBe(2);
    expect(wordAt(starts, 10)).toBe(4);
  });
  it('returns -1 before the first word and for no words', () => {
    expect(wordAt([1, 2], 0.5)).toBe(-1);
    expect(wordAt([], 3)).toBe(-1);
  });
});

describe('formatting', () => {
  it('formats clock times with hours only when needed', () => {
    expect(clock(65)).toBe('1:05');
    expect(clock(3725)).toBe('1:02:05');
  });
  it('formats sizes', () => {
    expect(bytes(1536)).toBe('2 KB');
    expect(bytes(5 * 1024 ** 3)).toBe('5.00 GB');
  });
});
