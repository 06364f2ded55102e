// A crash between Reserve and the charge, and a crash in the middle of the charge: all state is
// in PostgreSQL and the completion waits in JetStream until a handler acks it, so after a restart
// the reservation becomes exactly one charge and no money is lost or taken twice.
import { randomUUID } from 'node:crypto';
import { Harness, usd } from './harness.js';

const h = new Harness();

beforeAll(() => h.setUp());
afterAll(() => h.tearDown());

it('charges once when billing stops after Reserve and a new instance gets the completion', async () => {
  const first = await h.startApp();
  const account = `acct-${randomUUID().slice(0, 8)}`;
  const jobId = `job-${randomUUID()}`;
  await first.client.topUp({ accountId: account, amount: usd(5), idempotencyKey: 'k' });
  await first.client.reserve({ accountId: account, jobId, estimatedSeconds: 180, domain: '' });
  await h.stopApp(first.app); // billing goes away with the reservation outstanding

  // The job completes while billing is down: the event waits in the stream.
  await h.publishCompletion(h.completion(jobId, account, 150.3));
  await h.publishCompletion(h.completion(jobId, account, 150.3)); // and the inference side re-sent it

  const second = await h.startApp();
  await h.drained('billing--transcription-completed');
  const balance = await second.client.getBalance({ accountId: account });
  expect(balance.reserved?.micros).toBe(0n);
  expect(balance.available?.micros).toBe(5_000_000n - 1_510_000n); // 151 s at a cent; the rest of the $1.80 hold returned
  const { rows } = await second.app.pool.query('SELECT kind, count(*)::int AS n FROM ledger_transactions WHERE job_id = $1 GROUP BY kind ORDER BY kind', [jobId]);
  expect(rows).toEqual([{ kind: 'charge', n: 1 }, { kind: 'reserve', n: 1 }]);
  const check = await second.client.verifyLedger({});
  expect(check).toMatchObject({ imbalanceMicros: 0n, balanceMismatches: 0n });
});

it('rolls back a charge interrupted before COMMIT and charges once on redelivery', async () => {
  for (const other of [...h.apps]) await h.stopApp(other); // only the faulty instance consumes
  let crashes = 0;
  // The first attempt dies after posting its entries but before COMMIT, as a killed process would.
  const { app, client } = await h.startApp({
    beforeChargeCommit: () => {
      if (crashes++ === 0) throw new Error('simulated crash before COMMIT');
    },
  });
  const account = `acct-${randomUUID().slice(0, 8)}`;
  const jobId = `job-${randomUUID()}`;
  await client.topUp({ accountId: account, amount: usd(5), idempotencyKey: 'k' });
  await client.reserve({ accountId: account, jobId, estimatedSeconds: 60, domain: '' });
  await h.publishCompletion(h.completion(jobId, account, 30));
  await h.drained('billing--transcription-completed'); // nak'ed once, redelivered after back-off, acked

  expect(crashes).toBeGreaterThanOrEqual(2);
  const balance = await client.getBalance({ accountId: account });
  expect(balance).toMatchObject({ available: { micros: 5_000_000n - 300_000n }, reserved: { micros: 0n } });
  const { rows } = await app.pool.query("SELECT count(*)::int AS n FROM ledger_transactions WHERE job_id = $1 AND kind = 'charge'", [jobId]);
  expect(rows[0].n).toBe(1);
  expect((await client.verifyLedger({})).imbalanceMicros).toBe(0n);
});
