-- The web app: browser sessions (cookie) and resumable uploads.
-- Only the SHA-256 of a session token is stored: a leaked table does not sign anyone in.
CREATE TABLE web_sessions (
  token_sha256 bytea PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);

-- A file sent in parts (uploads/<account>/<id>/<offset> in S3) until it is complete.
CREATE TABLE web_uploads (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  filename text NOT NULL,
  content_type text NOT NULL,
  size bigint NOT NULL,
  received bigint NOT NULL DEFAULT 0,
  domain text NOT NULL,
  vocabulary text[] NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completing', 'completed')),
  job_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX web_uploads_expiry ON web_uploads (expires_at);
