import { FailureLimiter } from './rate-limit';

describe('FailureLimiter', () => {
  it('blocks a key after the limit of failures until its window ends; success clears it', () => {
    let now = 0;
    const l = new FailureLimiter(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) {
      expect(l.blockedFor('a')).toBe(0);
      l.fail('a');
    }
    expect(l.blockedFor('a')).toBe(60);
    expect(l.blockedFor('b')).toBe(0);
    now = 30_000;
    expect(l.blockedFor('a')).toBe(30);
    now = 60_000;
    expect(l.blockedFor('a')).toBe(0);
    l.fail('a');
    l.succeed('a');
    expect(l.blockedFor('a')).toBe(0);
  });
});
