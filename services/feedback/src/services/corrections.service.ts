// Customers' feedback on their own transcripts: ratings, corrections as revisions (the machine
// original, revision 0, is never overwritten), cohort attributes and export consent. Each write
// that others care about publishes an event through the outbox in the same transaction.
import { createHash } from 'node:crypto';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { AppError, enqueueEvent, errors } from '@verbatim/common';
import type { Logger } from 'pino';
import type { FeedbackRepository, RatingRow, RevisionRow } from '../adapters/feedback.repository.js';
import { measureAccuracy } from '../domain/accuracy.js';
import { validateAttributes } from '../domain/cohorts.js';
import { InvalidEdit, applyEdits, type WordEditInput } from '../domain/edits.js';
import { ReferenceTooLong, editsFromReference } from '../domain/reference-edits.js';
import { asInvalid, required } from './errors.js';

export interface FeedbackCounters {
  rating(score: number): void;
  correction(): void;
}

export type Thumb = '' | 'up' | 'down';

const MAX_REFERENCE_CHARS = 2_000_000;

export class CorrectionsService {
  constructor(
    private readonly repo: FeedbackRepository,
    private readonly counters: FeedbackCounters,
    private readonly logger: Logger,
    /** Takes the snapshot on demand when feedback arrives before transcription.completed.v1. */
    private readonly ensureSnapshot: (accountId: string, jobId: string) => Promise<void> = async () => undefined,
  ) {}

  async submitRating(r: { accountId: string; jobId: string; userId: string; score: number; thumb: Thumb; comment: string }): Promise<RatingRow> {
    required(r.accountId, 'account_id');
    required(r.jobId, 'job_id');
    let score = r.score;
    if (!score && r.thumb) score = r.thumb === 'up' ? 5 : 1;
    if (!Number.isInteger(score) || score < 1 || score > 5) throw errors.invalid('score must be 1 to 5 (or give a thumb up or down)');
    if (r.comment.length > 4000) throw errors.invalid('comment may be at most 4000 characters');
    await this.ensureSnapshot(r.accountId, r.jobId);
    const { row, changed, job } = await this.repo.transaction(async (tx) => {
      const job = await this.repo.findJob(tx, r.accountId, r.jobId);
      if (!job) throw errors.notFound('transcript');
      const result = await this.repo.upsertRating(tx, { jobId: r.jobId, accountId: r.accountId, userId: r.userId, score, thumb: r.thumb, comment: r.comment });
      if (result.changed) {
        await enqueueEvent(tx, 'feedback.rating.v1', { occurredAt: timestampNow(), jobId: r.jobId, accountId: r.accountId, score });
      }
      return { ...result, job };
    });
    if (changed) {
      this.counters.rating(score);
      this.logger.info({ jobId: job.jobId, score }, 'rating recorded');
    }
    return row;
  }

  async submitCorrection(r: { accountId: string; jobId: string; userId: string; baseRevision: number; edits: WordEditInput[]; referenceText?: string }): Promise<RevisionRow> {
    required(r.accountId, 'account_id');
    required(r.jobId, 'job_id');
    if (!Number.isInteger(r.baseRevision) || r.baseRevision < 0) throw errors.invalid('base_revision must be 0 or more');
    const reference = r.referenceText?.trim() ?? '';
    if (reference && r.edits.length) throw errors.invalid('send either edits or reference_text, not both');
    if (reference.length > MAX_REFERENCE_CHARS) throw errors.invalid(`reference_text may be at most ${MAX_REFERENCE_CHARS} characters`);
    await this.ensureSnapshot(r.accountId, r.jobId);
    const editsHash = createHash('sha256')
      .update(reference ? JSON.stringify(['reference', reference]) : JSON.stringify(r.edits.map((e) => [e.segmentId, e.wordIndex, e.op, e.word])))
      .digest('hex');
    const { revision, created } = await this.repo.transaction(async (tx) => {
      // Locking the job serialises corrections of one transcript: the stale-base check is exact.
      const job = await this.repo.findJob(tx, r.accountId, r.jobId, true);
      if (!job) throw errors.notFound('transcript');
      if (r.baseRevision !== job.latestRevision) {
        const latest = await this.repo.getRevision(tx, job.jobId, job.latestRevision);
        // A retried request whose first attempt succeeded: answer with what it created.
        if (latest && latest.baseRevision === r.baseRevision && latest.editsHash === editsHash && latest.userId === r.userId) return { revision: latest, created: false };
        throw new AppError(
          'failed_precondition',
          r.baseRevision > job.latestRevision
            ? `revision ${r.baseRevision} does not exist; the latest is ${job.latestRevision}`
            : `the transcript was corrected since revision ${r.baseRevision}; the latest is revision ${job.latestRevision}: reload it and apply your edits again`,
          { latestRevision: job.latestRevision },
        );
      }
      const base = (await this.repo.getRevision(tx, job.jobId, r.baseRevision))!;
      const machine = r.baseRevision === 0 ? base : (await this.repo.getRevision(tx, job.jobId, 0))!;
      const { transcript, applied } = asInvalid(() => {
        if (!reference) return applyEdits(base.transcript, r.edits);
        let edits: WordEditInput[];
        try {
          edits = editsFromReference(base.transcript, reference);
        } catch (e) {
          throw e instanceof ReferenceTooLong ? new InvalidEdit(e.message) : e;
        }
        if (!edits.length) throw new InvalidEdit(`revision ${r.baseRevision} already reads as the reference text`);
        // Computed here, so not bounded like a request's edits.
        return applyEdits(base.transcript, edits, Number.MAX_SAFE_INTEGER);
      });
      const accuracy = measureAccuracy(machine.transcript, transcript, job.vocabulary);
      const row: Omit<RevisionRow, 'createdAt'> = {
        jobId: job.jobId,
        revision: job.latestRevision + 1,
        baseRevision: r.baseRevision,
        userId: r.userId,
        edits: applied,
        editsHash,
        transcript,
        wer: accuracy.wer,
        cer: accuracy.cer,
        domainTerms: accuracy.domainTerms,
        domainTermErrors: accuracy.domainTermErrors,
        missedTerms: accuracy.missedTerms,
      };
      const createdAt = await this.repo.insertRevision(tx, row, accuracy);
      await enqueueEvent(tx, 'feedback.correction.v1', {
        occurredAt: timestampNow(),
        jobId: job.jobId,
        accountId: job.accountId,
        revision: row.revision,
        wer: accuracy.wer,
        cer: accuracy.cer,
        model: { name: job.modelName, version: job.modelVersion },
        domain: job.domain,
      });
      return { revision: { ...row, createdAt }, created: true };
    });
    if (created) {
      this.counters.correction();
      this.logger.info({ jobId: r.jobId, revision: revision.revision, edits: r.edits.length }, 'correction recorded');
    }
    return revision;
  }

  /** The latest revision (NOT_FOUND when never corrected), or the revision asked for. */
  async getCorrection(accountId: string, jobId: string, revision?: number): Promise<RevisionRow> {
    required(accountId, 'account_id');
    required(jobId, 'job_id');
    const job = await this.repo.findJob(this.repo.pool, accountId, jobId);
    if (!job) throw errors.notFound('transcript');
    const wanted = revision ?? job.latestRevision;
    if (revision === undefined && wanted === 0) throw new AppError('not_found', 'the transcript has not been corrected');
    const row = await this.repo.getRevision(this.repo.pool, jobId, wanted);
    if (!row) throw new AppError('not_found', `revision ${wanted} not found`);
    return row;
  }

  async listRevisions(accountId: string, jobId: string) {
    required(accountId, 'account_id');
    required(jobId, 'job_id');
    const job = await this.repo.findJob(this.repo.pool, accountId, jobId);
    if (!job) throw errors.notFound('transcript');
    return this.repo.listRevisions(jobId);
  }

  async setCohort(accountId: string, jobId: string, attributes: Record<string, string>) {
    required(accountId, 'account_id');
    required(jobId, 'job_id');
    const attrs = asInvalid(() => validateAttributes(attributes));
    return this.repo.upsertCohort(accountId, jobId, attrs);
  }

  async setConsent(accountId: string, exportAllowed: boolean, userId: string) {
    required(accountId, 'account_id');
    const c = await this.repo.setConsent(accountId, exportAllowed, userId);
    this.logger.info({ accountId, exportAllowed }, 'export consent set');
    return c;
  }

  /** Accounts that never chose are opted in (they can opt out at any time). */
  async getConsent(accountId: string) {
    required(accountId, 'account_id');
    return (await this.repo.getConsent(accountId)) ?? { exportAllowed: true, updatedAt: undefined };
  }
}
