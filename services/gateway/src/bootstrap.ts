// Local set-up: `node dist/bootstrap.js [--account-name Local] [--key-file .verbatim/dev-api-key]`.
// Runs the migrations, creates a local account and API key (or reuses the key in the file while
// it still authenticates), prints the key, writes it to the key file (mode 0600) and gives the
// account its signup credit through billing's TopUp (idempotent on "signup:<account>").
// With `--operator` it makes an operator key instead (scope 'operator', account "Operators",
// default file .verbatim/operator-api-key, no credit): the only way an operator key is created.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createClient, createPool, migrate, runMain, type Pool } from '@verbatim/common';
import { billing } from '@verbatim/proto';
import { checkApiKey, createAccountWithKey, type Scope } from './adapters/accounts.repository.js';
import { MIGRATIONS_DIR } from './app.js';
import { loadConfig, type Config } from './config.js';

export { createAccountWithKey };

export interface BootstrapOptions {
  accountName: string;
  keyFile: string;
  /** Create (or reuse) an operator key: scope 'operator', no signup credit. */
  operator?: boolean;
}

export function parseArgs(argv: string[]): BootstrapOptions {
  const o: BootstrapOptions = { accountName: 'Local', keyFile: '.verbatim/dev-api-key' };
  let named = false;
  let filed = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (!v) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--account-name') {
      o.accountName = value();
      named = true;
    } else if (a === '--key-file') {
      o.keyFile = value();
      filed = true;
    } else if (a === '--operator') o.operator = true;
    else throw new Error(`unknown argument ${a}; usage: bootstrap [--operator] [--account-name NAME] [--key-file PATH]`);
  }
  if (o.operator) {
    if (!named) o.accountName = 'Operators';
    if (!filed) o.keyFile = '.verbatim/operator-api-key';
  }
  return o;
}

/** The key in `keyFile` when it still authenticates, else a new account and key written there. */
export async function ensureLocalKey(db: Pool, options: BootstrapOptions): Promise<{ apiKey: string; accountId: string; created: boolean }> {
  const existing = await readFile(options.keyFile, 'utf8').then((s) => s.trim(), () => '');
  const scopes: Scope[] = options.operator ? ['operator'] : [];
  if (existing) {
    const check = await checkApiKey(db, existing);
    // An operator file must hold an operator key; a customer key there is replaced, not promoted.
    if (check.ok && (!options.operator || check.principal.scopes.includes('operator'))) return { apiKey: existing, accountId: check.principal.accountId, created: false };
  }
  const created = await createAccountWithKey(db, options.accountName, options.operator ? 'operator' : 'local', scopes);
  await mkdir(dirname(resolve(options.keyFile)), { recursive: true });
  await writeFile(options.keyFile, `${created.apiKey}\n`, { mode: 0o600 });
  await chmod(options.keyFile, 0o600);
  return { apiKey: created.apiKey, accountId: created.account.id, created: true };
}

/** Migrations, the local account and key, and its signup credit. */
export async function bootstrap(config: Config, options: BootstrapOptions): Promise<{ apiKey: string; accountId: string; created: boolean }> {
  const db = createPool({ connectionString: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, applicationName: 'gateway-bootstrap', max: 2 });
  try {
    await migrate(db, config.DATABASE_SCHEMA, MIGRATIONS_DIR);
    const result = await ensureLocalKey(db, options);
    if (config.SIGNUP_CREDIT_MICROS > 0 && !options.operator) {
      const client = createClient(billing.BillingService, config.BILLING_ADDR, { deadlineMs: config.GRPC_DEADLINE_MS });
      try {
        // Local start-up may run this before billing listens: wait for it rather than fail.
        await client.waitForReady(60_000);
        await client.topUp({
          accountId: result.accountId,
          amount: { micros: BigInt(config.SIGNUP_CREDIT_MICROS), currency: 'USD' },
          idempotencyKey: `signup:${result.accountId}`,
          note: 'signup credit',
        });
      } finally {
        client.close();
      }
    }
    return result;
  } finally {
    await db.end();
  }
}

if (require.main === module) {
  runMain(undefined, async () => {
    const options = parseArgs(process.argv.slice(2));
    const { apiKey, accountId, created } = await bootstrap(loadConfig(), options);
    console.error(`${created ? 'created' : 'reusing'} ${options.operator ? 'operator ' : ''}account ${accountId}; API key written to ${options.keyFile}`);
    process.stdout.write(`${apiKey}\n`);
  });
}
