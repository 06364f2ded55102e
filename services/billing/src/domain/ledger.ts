// The double-entry ledger model: which ledger accounts exist and the postings of each kind of
// transaction. A posting's amount is signed: > 0 credits the account, < 0 debits it; the postings
// of one transaction always sum to zero. Customer funds are credit-normal (a liability: money we
// hold for the customer), so a customer's balance is the sum of its postings.

export type TransactionKind = 'topup' | 'reserve' | 'release' | 'charge' | 'adjustment';

export interface Posting {
  account: string;
  amount: bigint;
}

export const LEDGER = {
  available: (accountId: string) => `customer:${accountId}:available`,
  reserved: (accountId: string) => `customer:${accountId}:reserved`,
  revenue: 'revenue',
  /** Where a top-up's money came from. */
  topups: (source: TopUpSource) => `topups:${source}`,
  /** The compute a job used, at our unit costs: an expense owed to whoever runs the machines. */
  computeExpense: 'expense:compute',
  computeAccrued: 'accrued:compute',
} as const;

export type TopUpSource = 'manual' | 'stripe' | 'promotional';

export class UnbalancedTransactionError extends Error {}

/** Drops zero postings and refuses a set that does not balance. */
export function balanced(postings: Posting[]): Posting[] {
  const sum = postings.reduce((s, p) => s + p.amount, 0n);
  if (sum !== 0n) throw new UnbalancedTransactionError(`postings do not balance (off by ${sum} micros)`);
  return postings.filter((p) => p.amount !== 0n);
}

export function topUpPostings(accountId: string, amount: bigint, source: TopUpSource): Posting[] {
  if (amount <= 0n) throw new RangeError('a top-up must be positive');
  return balanced([
    { account: LEDGER.topups(source), amount: -amount },
    { account: LEDGER.available(accountId), amount },
  ]);
}

export function reservePostings(accountId: string, amount: bigint): Posting[] {
  return balanced([
    { account: LEDGER.available(accountId), amount: -amount },
    { account: LEDGER.reserved(accountId), amount },
  ]);
}

export function releasePostings(accountId: string, amount: bigint): Posting[] {
  return balanced([
    { account: LEDGER.reserved(accountId), amount: -amount },
    { account: LEDGER.available(accountId), amount },
  ]);
}

/**
 * Settles a job: the held reservation leaves `reserved`, the charge goes to revenue, and the
 * difference returns to (or, when the job ran longer than estimated, is taken from) `available`.
 * The compute cost is recorded beside it so cost and revenue are posted together.
 */
export function chargePostings(accountId: string, held: bigint, charge: bigint, cost: bigint): Posting[] {
  return balanced([
    { account: LEDGER.reserved(accountId), amount: -held },
    { account: LEDGER.available(accountId), amount: held - charge },
    { account: LEDGER.revenue, amount: charge },
    { account: LEDGER.computeExpense, amount: -cost },
    { account: LEDGER.computeAccrued, amount: cost },
  ]);
}

/** Where a manual top-up comes from: the signup credit is a promotion, not money received. */
export function topUpSourceForKey(idempotencyKey: string): TopUpSource {
  return idempotencyKey.startsWith('signup:') ? 'promotional' : 'manual';
}
