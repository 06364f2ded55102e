// Browser sessions and web users in the gateway's schema. The cookie carries a random token; the
// table keeps its SHA-256 only, with the CSRF token the page must echo on state-changing requests.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Queryable } from '@verbatim/common';
import { generateWebhookSecret, hashPassword, verifyPassword } from '../domain/credentials.js';

export interface WebSession {
  userId: string;
  accountId: string;
  email: string;
  accountName: string;
  csrfToken: string;
  tokenHash: Buffer;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

export async function createUser(db: Queryable, accountId: string, email: string, password: string): Promise<string> {
  const id = randomUUID();
  await db.query('INSERT INTO users (id, account_id, email, password_hash) VALUES ($1, $2, $3, $4)', [id, accountId, email.trim(), hashPassword(password)]);
  return id;
}

export async function setPassword(db: Queryable, userId: string, password: string): Promise<void> {
  await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [userId, hashPassword(password)]);
}

export async function findUserByEmail(db: Queryable, email: string): Promise<{ id: string; accountId: string; passwordHash: string } | undefined> {
  const { rows } = await db.query<{ id: string; account_id: string; password_hash: string }>('SELECT id, account_id, password_hash FROM users WHERE lower(email) = lower($1)', [email.trim()]);
  const r = rows[0];
  return r && { id: r.id, accountId: r.account_id, passwordHash: r.password_hash };
}

/** The user when the password is right; a scrypt check runs even for an unknown email (no timing oracle). */
export async function checkPassword(db: Queryable, email: string, password: string): Promise<{ id: string; accountId: string } | undefined> {
  const user = await findUserByEmail(db, email);
  const ok = verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  return user && ok ? { id: user.id, accountId: user.accountId } : undefined;
}
const DUMMY_HASH = hashPassword(randomBytes(16).toString('hex'));

/** Starts a session; returns the cookie token (only its hash is stored) and the CSRF token. */
export async function createSession(db: Queryable, userId: string, accountId: string, ttlMs: number): Promise<{ token: string; csrfToken: string }> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  await db.query("INSERT INTO web_sessions (token_sha256, user_id, account_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))", [
    sha256(token),
    userId,
    accountId,
    csrfToken,
    ttlMs / 1000,
  ]);
  // Expired sessions go away as new ones are made: no sweeper needed.
  await db.query('DELETE FROM web_sessions WHERE expires_at < now()');
  return { token, csrfToken };
}

export async function findSession(db: Queryable, token: string): Promise<WebSession | undefined> {
  const { rows } = await db.query<{ token_sha256: Buffer; user_id: string; account_id: string; email: string; name: string; csrf_token: string }>(
    `SELECT s.token_sha256, s.user_id, s.account_id, u.email, a.name, s.csrf_token
       FROM web_sessions s JOIN users u ON u.id = s.user_id JOIN accounts a ON a.id = s.account_id
      WHERE s.token_sha256 = $1 AND s.expires_at > now()`,
    [sha256(token)],
  );
  const r = rows[0];
  return r && { tokenHash: r.token_sha256, userId: r.user_id, accountId: r.account_id, email: r.email, accountName: r.name, csrfToken: r.csrf_token };
}

export async function deleteSession(db: Queryable, token: string): Promise<void> {
  await db.query('DELETE FROM web_sessions WHERE token_sha256 = $1', [sha256(token)]);
}

/** A new account with its webhook secret, for a web sign-up (no API key until the user makes one). */
export async function createAccount(db: Queryable, name: string): Promise<string> {
  const id = randomUUID();
  await db.query('INSERT INTO accounts (id, name, webhook_secret) VALUES ($1, $2, $3)', [id, name, generateWebhookSecret()]);
  return id;
}
