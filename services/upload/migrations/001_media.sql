-- Media owned by the upload service: one row per stored original. Deleted media keep their row
-- (deleted_at set) so a repeated delete is answered without error and the history stays auditable;
-- the audio object itself is gone.
CREATE TABLE media (
  id uuid PRIMARY KEY,
  account_id text NOT NULL,
  filename text NOT NULL,
  format text NOT NULL,
  duration_seconds double precision NOT NULL CHECK (duration_seconds > 0),
  channels integer NOT NULL CHECK (channels > 0),
  sample_rate integer NOT NULL CHECK (sample_rate > 0),
  size_bytes bigint NOT NULL CHECK (size_bytes > 0),
  sha256 text NOT NULL,
  storage_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);

CREATE INDEX media_account_created ON media (account_id, created_at DESC) WHERE deleted_at IS NULL;
-- The retention sweep reads live media oldest first.
CREATE INDEX media_live_created ON media (created_at) WHERE deleted_at IS NULL;
