-- A snapshot taken on demand (a rating or correction arrived before transcription.completed.v1)
-- is provisional until the event fills in what only it carries: domain, vocabulary, media.
ALTER TABLE jobs ADD COLUMN provisional boolean NOT NULL DEFAULT false;
