-- Billing's schema: plans and versioned prices, accounts, billing's view of each job, and the
-- double-entry ledger that every balance is derived from. Money is integer micros of USD.

CREATE TABLE plans (
  id text PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- A price is never edited: a change is a new row with a later effective_from, so a charge made
-- under an old version keeps pointing at (and keeps) its price. domain '' is the plan's default.
CREATE TABLE prices (
  id bigserial PRIMARY KEY,
  plan_id text NOT NULL REFERENCES plans (id),
  domain text NOT NULL DEFAULT '',
  per_minute_micros bigint NOT NULL CHECK (per_minute_micros >= 0),
  minimum_micros bigint NOT NULL DEFAULT 0 CHECK (minimum_micros >= 0),
  effective_from timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (plan_id, domain, effective_from)
);

CREATE TABLE accounts (
  account_id text PRIMARY KEY,
  plan_id text NOT NULL REFERENCES plans (id),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per ledger transaction; idempotency_key makes a retried RPC, a redelivered event or
-- two replicas racing post it at most once (the loser's INSERT conflicts and changes nothing).
CREATE TABLE ledger_transactions (
  id bigserial PRIMARY KEY,
  idempotency_key text NOT NULL UNIQUE,
  kind text NOT NULL CHECK (kind IN ('topup', 'reserve', 'release', 'charge', 'adjustment')),
  account_id text NOT NULL,
  job_id text,
  memo text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_transactions_account ON ledger_transactions (account_id, created_at);

-- Postings. amount_micros > 0 credits the ledger account, < 0 debits it; the postings of one
-- transaction sum to zero (checked at commit by the trigger below).
CREATE TABLE ledger_entries (
  id bigserial PRIMARY KEY,
  transaction_id bigint NOT NULL REFERENCES ledger_transactions (id),
  ledger_account text NOT NULL,
  amount_micros bigint NOT NULL CHECK (amount_micros <> 0),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_tx ON ledger_entries (transaction_id);
CREATE INDEX ledger_entries_account ON ledger_entries (ledger_account, created_at);

-- The cached balance of every ledger account, updated in the same transaction as its entries;
-- VerifyLedger (and the tests) prove it equals the sum of the entries.
CREATE TABLE balances (
  ledger_account text PRIMARY KEY,
  balance_micros bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Append-only: the ledger is corrected by new transactions, never by editing history.
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only (% on %)', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE ON ledger_transactions
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- Every transaction balances: checked once at COMMIT (deferred), after all its postings are in.
CREATE FUNCTION ledger_transaction_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE s bigint;
BEGIN
  SELECT coalesce(sum(amount_micros), 0) INTO s FROM ledger_entries WHERE transaction_id = NEW.transaction_id;
  IF s <> 0 THEN
    RAISE EXCEPTION 'ledger transaction % does not balance (off by % micros)', NEW.transaction_id, s;
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balanced();

-- Billing's view of a transcription job: its reservation, then its charge and compute cost.
CREATE TABLE jobs (
  job_id text PRIMARY KEY,
  account_id text NOT NULL,
  plan_id text NOT NULL,
  domain text NOT NULL DEFAULT '',
  price_id bigint REFERENCES prices (id),      -- the version in force at reservation; NULL for a tombstone
  state text NOT NULL CHECK (state IN ('reserved', 'released', 'charged')),
  estimated_seconds double precision NOT NULL DEFAULT 0,
  reserved_micros bigint NOT NULL DEFAULT 0,
  reserved_at timestamptz,
  audio_seconds double precision,
  billed_seconds bigint,
  charged_micros bigint,
  cpu_seconds double precision,
  gpu_seconds double precision,
  storage_gb_months double precision,
  cost_micros bigint,
  device text,
  model text,
  settled_at timestamptz,
  release_reason text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_account_settled ON jobs (account_id, settled_at) WHERE state = 'charged';
CREATE INDEX jobs_settled ON jobs (settled_at) WHERE state = 'charged';
CREATE INDEX jobs_reserved ON jobs (reserved_at) WHERE state = 'reserved';

-- Payment provider events already handled (idempotent on the provider's event id).
CREATE TABLE payment_events (
  provider text NOT NULL,
  event_id text NOT NULL,
  type text NOT NULL,
  account_id text,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, event_id)
);
