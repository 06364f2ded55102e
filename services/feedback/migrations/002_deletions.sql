-- Deleted transcripts leave a tombstone so a late or replayed transcription.completed.v1 cannot
-- bring the feedback copy back; deleted audio marks the job so nothing links to it any more.
CREATE TABLE deleted_jobs (
  job_id text PRIMARY KEY,
  account_id text NOT NULL,
  deleted_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE jobs ADD COLUMN media_deleted boolean NOT NULL DEFAULT false;
CREATE INDEX jobs_media ON jobs (media_id);
