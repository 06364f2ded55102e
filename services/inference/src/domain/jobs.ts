// Transcription jobs as the domain sees them: states, request validation, list cursors, failure
// reasons a customer can read, and transcript statistics. No I/O here.
import { AppError, errors } from '@verbatim/common';

export const JOB_STATUSES = ['queued', 'processing', 'completed', 'failed', 'deleted'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** The domain a request gets when it names none; it boosts no term list. */
export const GENERAL_DOMAIN = 'general';

export interface JobRow {
  id: string;
  accountId: string;
  mediaId: string;
  storageKey: string;
  filename: string;
  idempotencyKey: string | null;
  status: JobStatus;
  failureReason: string | null;
  failureCode: string | null;
  domain: string;
  vocabulary: string[];
  durationSeconds: number;
  progress: number;
  attempts: number;
  enqueues: number;
  currentEventId: string | null;
  claimedEventId: string | null;
  modelName: string | null;
  modelVersion: string | null;
  transcriptKey: string | null;
  computeCpuSeconds: number | null;
  computeGpuSeconds: number | null;
  computeWallSeconds: number | null;
  computeDevice: string | null;
  wordCount: number | null;
  meanConfidence: number | null;
  createdAt: Date;
  updatedAt: Date;
  enqueuedAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  lastProgressAt: Date | null;
  deadlineAt: Date | null;
}

export interface NewJob {
  id: string;
  accountId: string;
  mediaId: string;
  storageKey: string;
  filename: string;
  idempotencyKey: string | null;
  domain: string;
  vocabulary: string[];
  durationSeconds: number;
}

export interface CreateJobInput {
  jobId: string;
  accountId: string;
  mediaId: string;
  storageKey: string;
  filename: string;
  idempotencyKey: string;
  domain: string;
  vocabulary: string[];
  durationSeconds: number;
}

export interface ValidationLimits {
  /** Domains the loaded model knows (its manifest's `domains`). */
  domains: readonly string[];
  maxVocabularyEntries: number;
  maxVocabularyEntryChars: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(s: string): boolean {
  return UUID.test(s);
}

/** A job id from a request: a uuid, or a not-found (never an existence leak, never a 500). */
export function requireJobId(id: string): string {
  if (!isUuid(id)) throw errors.notFound('transcription job');
  return id.toLowerCase();
}

export function requireAccount(accountId: string): string {
  if (!accountId.trim()) throw errors.invalid('account_id is required');
  return accountId;
}

/** Checks a CreateJob request and returns it normalised; every problem is reported together. */
export function validateCreateJob(input: CreateJobInput, limits: ValidationLimits): NewJob {
  const problems: string[] = [];
  if (!isUuid(input.jobId)) problems.push('job_id must be a UUID');
  if (!input.accountId.trim()) problems.push('account_id is required');
  if (!input.mediaId.trim()) problems.push('media_id is required');
  if (!input.storageKey.trim()) problems.push('storage_key is required');
  // The audio must be the caller's own: a job never reads another account's objects.
  else if (input.accountId && !input.storageKey.startsWith(`audio/${input.accountId}/`)) problems.push("storage_key must be under the account's audio/ prefix");
  if (!Number.isFinite(input.durationSeconds) || input.durationSeconds < 0) problems.push('duration_seconds must be zero or positive');

  const { domain, vocabulary } = checkBoosting(input.domain, input.vocabulary, limits, problems);
  if (input.filename.length > 500) problems.push('filename is longer than 500 characters');
  if (input.idempotencyKey.length > 200) problems.push('idempotency_key is longer than 200 characters');

  if (problems.length) throw errors.invalid(problems.join('; '), { problems });
  return {
    id: input.jobId.toLowerCase(),
    accountId: input.accountId,
    mediaId: input.mediaId,
    storageKey: input.storageKey,
    filename: input.filename,
    idempotencyKey: input.idempotencyKey || null,
    domain,
    vocabulary,
    durationSeconds: input.durationSeconds,
  };
}

/** Domain and vocabulary of a request (a job or a caption stream), normalised; problems are appended. */
export function checkBoosting(domainIn: string, vocabularyIn: readonly string[], limits: ValidationLimits, problems: string[]): { domain: string; vocabulary: string[] } {
  const domain = domainIn.trim() || GENERAL_DOMAIN;
  if (domain !== GENERAL_DOMAIN && !limits.domains.includes(domain)) {
    const known = [GENERAL_DOMAIN, ...limits.domains].join(', ');
    problems.push(`unknown domain "${domain.slice(0, 50)}"; known domains: ${known}`);
  }
  const vocabulary = [...new Set(vocabularyIn.map((v) => v.trim()).filter(Boolean))];
  if (vocabulary.length > limits.maxVocabularyEntries) problems.push(`vocabulary has ${vocabulary.length} entries; at most ${limits.maxVocabularyEntries} are allowed`);
  const long = vocabulary.filter((v) => v.length > limits.maxVocabularyEntryChars);
  if (long.length) problems.push(`${long.length} vocabulary entries are longer than ${limits.maxVocabularyEntryChars} characters`);
  return { domain, vocabulary };
}

/** A retried CreateJob must ask for the same thing as the first; anything else is a conflict. */
export function sameRequest(existing: JobRow, wanted: NewJob): boolean {
  return existing.accountId === wanted.accountId && existing.mediaId === wanted.mediaId && existing.storageKey === wanted.storageKey;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export function pageSize(requested: number): number {
  if (requested < 0) throw errors.invalid('page_size must not be negative');
  return requested === 0 ? DEFAULT_PAGE_SIZE : Math.min(requested, MAX_PAGE_SIZE);
}

/** The position after the last job of a page, newest first: (created_at, id) of that job. */
export interface Cursor {
  createdAt: string; // ISO timestamp with microseconds, as PostgreSQL holds it
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.createdAt}|${c.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(token: string): Cursor {
  const [createdAt, id, extra] = Buffer.from(token, 'base64url').toString('utf8').split('|');
  if (!createdAt || !id || extra !== undefined || !isUuid(id) || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/.test(createdAt)) {
    throw errors.invalid('page_token is not valid: pass the next_page_token of a previous response unchanged');
  }
  return { createdAt, id };
}

/** Why a job failed, in words for the customer, and a code for machines. */
export const FAILURES = {
  undecodableAudio: (message: string) => ({ code: 'undecodable_audio', reason: message }),
  audioMissing: () => ({ code: 'audio_missing', reason: 'The audio for this job is no longer available; upload it again.' }),
  retriesExhausted: (attempts: number) => ({
    code: 'retries_exhausted',
    reason: `transcription failed after ${attempts} attempts; our team has been alerted`,
  }),
  invalidRequest: (message: string) => ({ code: 'invalid_request', reason: message }),
} as const;

export interface Failure {
  code: string;
  reason: string;
}

/** A job that must fail now and never be retried (bad audio, audio gone). */
export class JobFailedError extends AppError {
  constructor(readonly failure: Failure) {
    super('unprocessable', failure.reason);
    this.name = 'JobFailedError';
  }
}

export interface TranscriptStats {
  wordCount: number;
  /** Mean word confidence, 0 when there are no words. */
  meanConfidence: number;
  confidences: number[];
}

export function transcriptStats(segments: ReadonlyArray<{ words: ReadonlyArray<{ confidence: number }> }>): TranscriptStats {
  const confidences = segments.flatMap((s) => s.words.map((w) => w.confidence));
  const sum = confidences.reduce((a, b) => a + b, 0);
  return { wordCount: confidences.length, meanConfidence: confidences.length ? sum / confidences.length : 0, confidences };
}
