// Accounts, users and API keys in the gateway's schema. Keys are found by their public prefix and
// checked by a constant-time comparison of the secret's SHA-256; the secret itself is never stored.
import { randomUUID } from 'node:crypto';
import type { Queryable } from '@verbatim/common';
import { generateApiKey, generateWebhookSecret, hashPassword, parseApiKey, secretMatches } from '../domain/credentials.js';

export interface Account {
  id: string;
  name: string;
  dataConsent: boolean;
  createdAt: Date;
}

export interface CreatedAccount {
  account: Account;
  apiKey: string;
  keyId: string;
}

export type Scope = 'operator';

export interface Principal {
  accountId: string;
  keyId: string;
  lastUsedAt: Date | null;
  /** What the key may do beyond its account's own API ('operator': the admin and quality routes). */
  scopes: Scope[];
}

export type KeyCheck = { ok: true; principal: Principal } | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' };

/** Creates an account with its webhook secret and a first API key; returns the key once, in clear. */
export async function createAccountWithKey(db: Queryable, name: string, keyName = 'default', scopes: Scope[] = []): Promise<CreatedAccount> {
  const id = randomUUID();
  const { rows } = await db.query<{ created_at: Date; data_consent: boolean }>(
    'INSERT INTO accounts (id, name, webhook_secret) VALUES ($1, $2, $3) RETURNING created_at, data_consent',
    [id, name, generateWebhookSecret()],
  );
  const { key, keyId } = await createApiKey(db, id, keyName, scopes);
  return { account: { id, name, dataConsent: rows[0]!.data_consent, createdAt: rows[0]!.created_at }, apiKey: key, keyId };
}

export async function createApiKey(db: Queryable, accountId: string, name: string, scopes: Scope[] = []): Promise<{ key: string; keyId: string; prefix: string }> {
  const k = generateApiKey();
  const keyId = randomUUID();
  await db.query('INSERT INTO api_keys (id, account_id, name, prefix, secret_sha256, scopes) VALUES ($1, $2, $3, $4, $5, $6)', [keyId, accountId, name, k.prefix, k.hash, scopes]);
  return { key: k.key, keyId, prefix: k.prefix };
}

export async function revokeApiKey(db: Queryable, accountId: string, keyId: string): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL', [keyId, accountId]);
  return (rowCount ?? 0) > 0;
}

export async function checkApiKey(db: Queryable, key: string): Promise<KeyCheck> {
  const parsed = parseApiKey(key);
  if (!parsed) return { ok: false, reason: 'malformed' };
  const { rows } = await db.query<{ id: string; account_id: string; secret_sha256: Buffer; revoked_at: Date | null; last_used_at: Date | null; scopes: Scope[] }>(
    'SELECT id, account_id, secret_sha256, revoked_at, last_used_at, scopes FROM api_keys WHERE prefix = $1',
    [parsed.prefix],
  );
  const row = rows[0];
  if (!row || !secretMatches(parsed.secret, row.secret_sha256)) return { ok: false, reason: 'unknown' };
  if (row.revoked_at) return { ok: false, reason: 'revoked' };
  return { ok: true, principal: { accountId: row.account_id, keyId: row.id, lastUsedAt: row.last_used_at, scopes: row.scopes ?? [] } };
}

/** Records use of a key at most once per `throttleSeconds` (a write per request would be wasteful). */
export async function touchApiKey(db: Queryable, keyId: string, throttleSeconds = 60): Promise<void> {
  await db.query(
    `UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2))`,
    [keyId, throttleSeconds],
  );
}

export async function getAccount(db: Queryable, id: string): Promise<Account | undefined> {
  const { rows } = await db.query<{ id: string; name: string; data_consent: boolean; created_at: Date }>('SELECT id, name, data_consent, created_at FROM accounts WHERE id = $1', [id]);
  const r = rows[0];
  return r && { id: r.id, name: r.name, dataConsent: r.data_consent, createdAt: r.created_at };
}

export async function getWebhookSecret(db: Queryable, accountId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ webhook_secret: string }>('SELECT webhook_secret FROM accounts WHERE id = $1', [accountId]);
  return rows[0]?.webhook_secret;
}

export async function createUser(db: Queryable, accountId: string, email: string, password: string): Promise<string> {
  const id = randomUUID();
  await db.query('INSERT INTO users (id, account_id, email, password_hash) VALUES ($1, $2, $3, $4)', [id, accountId, email, hashPassword(password)]);
  return id;
}

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** The account's keys that still work (revoked ones are not shown). */
export async function listApiKeys(db: Queryable, accountId: string): Promise<ApiKeyRow[]> {
  const { rows } = await db.query<{ id: string; name: string; prefix: string; created_at: Date; last_used_at: Date | null }>(
    'SELECT id, name, prefix, created_at, last_used_at FROM api_keys WHERE account_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC',
    [accountId],
  );
  return rows.map((r) => ({ id: r.id, name: r.name, prefix: r.prefix, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
}

export async function setDataConsent(db: Queryable, accountId: string, consent: boolean): Promise<Account | undefined> {
  const { rows } = await db.query<{ id: string; name: string; data_consent: boolean; created_at: Date }>(
    'UPDATE accounts SET data_consent = $2 WHERE id = $1 RETURNING id, name, data_consent, created_at',
    [accountId, consent],
  );
  const r = rows[0];
  return r && { id: r.id, name: r.name, dataConsent: r.data_consent, createdAt: r.created_at };
}
