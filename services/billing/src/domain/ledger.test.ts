import { LEDGER, UnbalancedTransactionError, balanced, chargePostings, releasePostings, reservePostings, topUpPostings, topUpSourceForKey } from './ledger.js';

const sum = (ps: { amount: bigint }[]) => ps.reduce((s, p) => s + p.amount, 0n);

describe('ledger postings', () => {
  it('balances every kind of transaction', () => {
    for (const ps of [topUpPostings('a', 5n, 'manual'), reservePostings('a', 3n), releasePostings('a', 3n), chargePostings('a', 3n, 2n, 1n), chargePostings('a', 3n, 5n, 0n), chargePostings('a', 0n, 4n, 2n)]) {
      expect(sum(ps)).toBe(0n);
    }
  });

  it('returns the unused part of a reservation to available on charge', () => {
    const ps = chargePostings('a', 100n, 60n, 7n);
    expect(ps).toEqual(
      expect.arrayContaining([
        { account: LEDGER.reserved('a'), amount: -100n },
        { account: LEDGER.available('a'), amount: 40n },
        { account: LEDGER.revenue, amount: 60n },
        { account: LEDGER.computeExpense, amount: -7n },
        { account: LEDGER.computeAccrued, amount: 7n },
      ]),
    );
  });

  it('takes a longer-than-estimated job’s difference from available', () => {
    expect(chargePostings('a', 100n, 130n, 0n)).toContainEqual({ account: LEDGER.available('a'), amount: -30n });
  });

  it('drops zero postings and refuses unbalanced sets', () => {
    expect(chargePostings('a', 50n, 50n, 0n).map((p) => p.account)).toEqual([LEDGER.reserved('a'), LEDGER.revenue]);
    expect(() => balanced([{ account: 'x', amount: 1n }])).toThrow(UnbalancedTransactionError);
  });

  it('books a signup credit as a promotion, not money received', () => {
    expect(topUpSourceForKey('signup:acct-1')).toBe('promotional');
    expect(topUpSourceForKey('invoice-42')).toBe('manual');
  });
});
