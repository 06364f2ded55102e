// Local web sign-in for `pnpm start`: `node dist/dev-login.js --key-file .verbatim/dev-api-key
// [--login-file .verbatim/dev-login]`. Runs after bootstrap: finds the account of the local API key
// and gives it a user researcher@verbatim.local whose password is generated and written, with the
// email, to the login file (mode 0600). Reuses the file's password while it still signs in.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createPool, runMain } from '@verbatim/common';
import { checkApiKey } from './adapters/accounts.repository.js';
import { checkPassword, createUser, findUserByEmail, setPassword } from './adapters/sessions.repository.js';
import { loadConfig } from './config.js';

export const DEV_EMAIL = 'researcher@verbatim.local';

if (require.main === module) {
  runMain(undefined, async () => {
    const args = process.argv.slice(2);
    const arg = (name: string) => {
      const i = args.indexOf(name);
      return i >= 0 ? args[i + 1] : undefined;
    };
    const keyFile = arg('--key-file') ?? '.verbatim/dev-api-key';
    const loginFile = arg('--login-file') ?? join(dirname(keyFile), 'dev-login');
    const config = loadConfig();
    const db = createPool({ connectionString: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, applicationName: 'gateway-dev-login', max: 2 });
    try {
      const key = (await readFile(keyFile, 'utf8')).trim();
      const check = await checkApiKey(db, key);
      if (!check.ok) throw new Error(`the key in ${keyFile} does not authenticate: run bootstrap first`);
      const saved = (await readFile(loginFile, 'utf8').catch(() => '')).split('\n');
      const savedPassword = saved[0] === DEV_EMAIL ? saved[1] : undefined;
      if (savedPassword && (await checkPassword(db, DEV_EMAIL, savedPassword))?.accountId === check.principal.accountId) {
        process.stdout.write(`${DEV_EMAIL}\n${savedPassword}\n`);
        return;
      }
      const password = randomBytes(12).toString('base64url');
      const user = await findUserByEmail(db, DEV_EMAIL);
      if (user && user.accountId === check.principal.accountId) await setPassword(db, user.id, password);
      else if (user) throw new Error(`${DEV_EMAIL} belongs to another account`);
      else await createUser(db, check.principal.accountId, DEV_EMAIL, password);
      await mkdir(dirname(resolve(loginFile)), { recursive: true });
      await writeFile(loginFile, `${DEV_EMAIL}\n${password}\n`, { mode: 0o600 });
      await chmod(loginFile, 0o600);
      process.stdout.write(`${DEV_EMAIL}\n${password}\n`);
    } finally {
      await db.end();
    }
  });
}
