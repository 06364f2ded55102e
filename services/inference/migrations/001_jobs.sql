-- Transcription jobs: the system of record for every accepted job (JetStream is only transport).
CREATE TABLE jobs (
  id uuid PRIMARY KEY,                       -- chosen by the caller (the gateway reserves credit under it)
  account_id text NOT NULL,
  media_id text NOT NULL,
  storage_key text NOT NULL,
  filename text NOT NULL DEFAULT '',
  idempotency_key text,
  status text NOT NULL CHECK (status IN ('queued', 'processing', 'completed', 'failed', 'deleted')),
  failure_reason text,                       -- readable by the customer
  failure_code text,                         -- machine-readable: undecodable_audio, audio_missing, retries_exhausted, ...
  domain text NOT NULL DEFAULT 'general',
  vocabulary text[] NOT NULL DEFAULT '{}',
  duration_seconds double precision NOT NULL DEFAULT 0,
  progress double precision NOT NULL DEFAULT 0,
  attempts int NOT NULL DEFAULT 0,           -- processing attempts started (all deliveries, all enqueues)
  enqueues int NOT NULL DEFAULT 1,           -- transcription.requested.v1 events written for it
  current_event_id uuid,                     -- the latest transcription.requested.v1 event for it
  claimed_event_id uuid,                     -- the event whose delivery is processing it now
  model_name text,
  model_version text,
  transcript_key text,
  compute_cpu_seconds double precision,
  compute_gpu_seconds double precision,
  compute_wall_seconds double precision,
  compute_device text,
  word_count int,
  mean_confidence double precision,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  enqueued_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  completed_at timestamptz,
  last_progress_at timestamptz,              -- written by the worker's heartbeat while processing
  deadline_at timestamptz                    -- when the reconciler next looks at it if nothing happens
);

CREATE UNIQUE INDEX jobs_idempotency ON jobs (account_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_account_newest ON jobs (account_id, created_at DESC, id DESC) WHERE status <> 'deleted';
CREATE INDEX jobs_queued ON jobs (created_at, id) WHERE status = 'queued';
CREATE INDEX jobs_active_deadline ON jobs (deadline_at) WHERE status IN ('queued', 'processing');
