// The local bootstrap: migrations, an account and key written to a 0600 file, reused while it
// authenticates, and the signup credit through billing's TopUp with an idempotency key.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool, dropSchema, ensureDatabase } from '@verbatim/common';
import { localServices, uniqueName } from '@verbatim/devkit';
import { checkApiKey } from '../src/adapters/accounts.repository';
import { bootstrap, parseArgs } from '../src/bootstrap';
import { loadConfig } from '../src/config';
import { Fakes } from './support';

describe('bootstrap', () => {
  const schema = uniqueName('gateway_boot');
  const fakes = new Fakes();
  let dir: string;

  beforeAll(async () => {
    await ensureDatabase(localServices.databaseUrl);
    await fakes.start();
    dir = await mkdtemp(join(tmpdir(), 'verbatim-boot-'));
  });

  afterAll(async () => {
    const db = createPool({ connectionString: localServices.databaseUrl, schema });
    await dropSchema(db, schema);
    await db.end();
    await fakes.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('parses its arguments', () => {
    expect(parseArgs([])).toEqual({ accountName: 'Local', keyFile: '.verbatim/dev-api-key' });
    expect(parseArgs(['--account-name', 'Lab', '--key-file', '/tmp/k'])).toEqual({ accountName: 'Lab', keyFile: '/tmp/k' });
    expect(() => parseArgs(['--nope'])).toThrow(/unknown argument/);
  });

  it('creates an account and key once, reuses it, and tops up with the signup credit', async () => {
    const config = loadConfig({ DATABASE_URL: localServices.databaseUrl, DATABASE_SCHEMA: schema, BILLING_ADDR: fakes.address, SIGNUP_CREDIT_MICROS: '10000000' });
    const keyFile = join(dir, 'nested', 'dev-api-key');
    const first = await bootstrap(config, { accountName: 'Local', keyFile });
    expect(first.created).toBe(true);
    expect((await readFile(keyFile, 'utf8')).trim()).toBe(first.apiKey);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);

    const second = await bootstrap(config, { accountName: 'Local', keyFile });
    expect(second).toEqual({ apiKey: first.apiKey, accountId: first.accountId, created: false });

    const topUps = fakes.calls.filter((c) => c.method === 'TopUp').map((c) => c.request as { accountId: string; idempotencyKey: string; amount: { micros: bigint } });
    expect(topUps).toHaveLength(2);
    for (const t of topUps) expect(t).toMatchObject({ accountId: first.accountId, idempotencyKey: `signup:${first.accountId}`, amount: { micros: 10_000_000n } });

    // A key that no longer authenticates is replaced.
    await writeFile(keyFile, 'vb_000000000000_' + '0'.repeat(64));
    const third = await bootstrap(config, { accountName: 'Local', keyFile });
    expect(third.created).toBe(true);
    const db = createPool({ connectionString: localServices.databaseUrl, schema });
    expect((await checkApiKey(db, third.apiKey)).ok).toBe(true);
    await db.end();
  });

  it('--operator creates an operator key (no credit) and never promotes a customer key', async () => {
    expect(parseArgs(['--operator'])).toEqual({ accountName: 'Operators', keyFile: '.verbatim/operator-api-key', operator: true });
    expect(parseArgs(['--operator', '--key-file', '/tmp/op'])).toMatchObject({ keyFile: '/tmp/op', operator: true });
    const config = loadConfig({ DATABASE_URL: localServices.databaseUrl, DATABASE_SCHEMA: schema, BILLING_ADDR: fakes.address, SIGNUP_CREDIT_MICROS: '10000000' });
    const customerFile = join(dir, 'customer-key');
    const customer = await bootstrap(config, { accountName: 'Local', keyFile: customerFile });
    const topUps = fakes.count('TopUp');

    // The file holds a customer key: an operator key replaces it rather than the key gaining the scope.
    const op = await bootstrap(config, { ...parseArgs(['--operator', '--key-file', customerFile]) });
    expect(op.created).toBe(true);
    expect(op.apiKey).not.toBe(customer.apiKey);
    expect(fakes.count('TopUp')).toBe(topUps);
    const db = createPool({ connectionString: localServices.databaseUrl, schema });
    try {
      const opCheck = await checkApiKey(db, op.apiKey);
      const customerCheck = await checkApiKey(db, customer.apiKey);
      expect(opCheck.ok && opCheck.principal.scopes).toEqual(['operator']);
      expect(customerCheck.ok && customerCheck.principal.scopes).toEqual([]);
    } finally {
      await db.end();
    }
    const again = await bootstrap(config, { ...parseArgs(['--operator', '--key-file', customerFile]) });
    expect(again).toEqual({ apiKey: op.apiKey, accountId: op.accountId, created: false });
  });
});
