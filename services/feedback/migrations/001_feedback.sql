-- Feedback's own tables (search_path is the service schema). The machine transcript is kept as
-- revision 0 and never updated; each correction adds a revision.

CREATE TABLE jobs (
  job_id text PRIMARY KEY,
  account_id text NOT NULL,
  media_id text NOT NULL DEFAULT '',
  model_name text NOT NULL DEFAULT '',
  model_version text NOT NULL DEFAULT '',
  domain text NOT NULL DEFAULT '',
  vocabulary text[] NOT NULL DEFAULT '{}',
  duration_seconds double precision NOT NULL DEFAULT 0,
  word_count int NOT NULL DEFAULT 0,
  mean_confidence double precision NOT NULL DEFAULT 0,
  transcript_key text NOT NULL,
  completed_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  latest_revision int NOT NULL DEFAULT 0
);
CREATE INDEX jobs_account ON jobs (account_id);
CREATE INDEX jobs_completed ON jobs (completed_at);

CREATE TABLE revisions (
  job_id text NOT NULL REFERENCES jobs ON DELETE CASCADE,
  revision int NOT NULL,
  base_revision int,
  user_id text NOT NULL DEFAULT '',
  edits jsonb NOT NULL DEFAULT '[]',
  edits_hash text NOT NULL DEFAULT '',
  transcript jsonb NOT NULL,
  wer double precision,
  cer double precision,
  domain_terms int,
  domain_term_errors int,
  missed_terms text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, revision)
);

-- The machine's segments, for the review queue (lowest confidence first).
CREATE TABLE segments (
  job_id text NOT NULL REFERENCES jobs ON DELETE CASCADE,
  segment_id int NOT NULL,
  start_s double precision NOT NULL,
  end_s double precision NOT NULL,
  confidence double precision NOT NULL,
  min_word_confidence double precision NOT NULL,
  word_count int NOT NULL,
  text text NOT NULL,
  PRIMARY KEY (job_id, segment_id)
);
CREATE INDEX segments_confidence ON segments (confidence);

-- Machine output measured against the latest revision (one row per corrected job).
CREATE TABLE job_quality (
  job_id text PRIMARY KEY REFERENCES jobs ON DELETE CASCADE,
  revision int NOT NULL,
  reference_words int NOT NULL,
  substitutions int NOT NULL,
  deletions int NOT NULL,
  insertions int NOT NULL,
  reference_chars int NOT NULL,
  char_errors int NOT NULL,
  domain_terms int NOT NULL,
  domain_term_errors int NOT NULL,
  measured_at timestamptz NOT NULL
);
CREATE INDEX job_quality_measured ON job_quality (measured_at);

-- Word confidence vs. being right against the latest revision, in 100 buckets of width 0.01.
CREATE TABLE job_calibration (
  job_id text NOT NULL REFERENCES jobs ON DELETE CASCADE,
  bucket int NOT NULL,
  words int NOT NULL,
  correct int NOT NULL,
  confidence_sum double precision NOT NULL,
  PRIMARY KEY (job_id, bucket)
);

-- One rating per (job, user); a second rating by the same user replaces the first.
CREATE TABLE ratings (
  job_id text NOT NULL REFERENCES jobs ON DELETE CASCADE,
  user_id text NOT NULL,
  account_id text NOT NULL,
  score int NOT NULL CHECK (score BETWEEN 1 AND 5),
  thumb text NOT NULL DEFAULT '',
  comment text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, user_id)
);

-- Keyed by (job, account) and not tied to jobs: a cohort may be set before the transcript exists,
-- and a cohort set by another account for the same id never matches.
CREATE TABLE cohorts (
  job_id text NOT NULL,
  account_id text NOT NULL,
  attributes jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, account_id)
);

CREATE TABLE consent (
  account_id text PRIMARY KEY,
  export_allowed boolean NOT NULL,
  user_id text NOT NULL DEFAULT '',
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE exports (
  id uuid PRIMARY KEY,
  manifest_key text NOT NULL,
  domain text NOT NULL DEFAULT '',
  since timestamptz,
  until timestamptz,
  segments int NOT NULL,
  jobs int NOT NULL,
  excluded_jobs int NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS outbox (
  id uuid PRIMARY KEY,
  subject text NOT NULL,
  payload bytea NOT NULL,
  headers jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  attempts int NOT NULL DEFAULT 0,
  last_error text
);
CREATE INDEX IF NOT EXISTS outbox_unpublished ON outbox (created_at) WHERE published_at IS NULL;
