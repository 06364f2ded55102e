// Records the machine transcript of each completed job (revision 0) with the facts quality is
// grouped by: model version, domain, account, vocabulary. Idempotent: a redelivered event finds
// the job recorded and changes nothing. A rating or correction that arrives before the event
// takes the snapshot on demand (provisional), and the event completes it later.
import { AppError, PoisonMessageError, errors, keys, type PayloadOf } from '@verbatim/common';
import type { Logger } from 'pino';
import type { FeedbackRepository, NewJob, SegmentRow } from '../adapters/feedback.repository.js';
import { ObjectMissing, type ObjectStore } from '../adapters/object-store.js';
import { measureAccuracy } from '../domain/accuracy.js';
import { InvalidTranscript, parseTranscript, segmentConfidence, type TranscriptDoc } from '../domain/transcript.js';

/** Ids become S3 key parts: keep them to a safe alphabet. */
const ID = /^[A-Za-z0-9_.:-]{1,128}$/;

function segmentRows(doc: TranscriptDoc): SegmentRow[] {
  return doc.segments.map((s) => {
    const c = segmentConfidence(s);
    return { segmentId: s.id, start: s.start, end: s.end, confidence: c.mean, minWordConfidence: c.min, wordCount: s.words.length, text: s.text };
  });
}

function meanWordConfidence(doc: TranscriptDoc): { words: number; mean: number } {
  let words = 0;
  let sum = 0;
  for (const s of doc.segments) for (const w of s.words) {
    words++;
    sum += w.confidence;
  }
  return { words, mean: words ? sum / words : 0 };
}

export class SnapshotsService {
  constructor(
    private readonly repo: FeedbackRepository,
    private readonly store: ObjectStore,
    private readonly logger: Logger,
  ) {}

  async recordCompleted(e: PayloadOf<'transcription.completed.v1'>): Promise<boolean> {
    if (!e.jobId || !e.accountId) throw new PoisonMessageError('transcription.completed.v1 without job or account id');
    const state = await this.repo.jobState(e.jobId);
    if (state.deleted) return false;
    if (state.job && !state.job.provisional) return false;
    if (state.job && state.job.accountId !== e.accountId) throw new PoisonMessageError(`job ${e.jobId} is recorded under another account`);
    const key = e.transcriptKey || keys.transcript(e.accountId, e.jobId);
    const completedAt = e.occurredAt ? new Date(Number(e.occurredAt.seconds) * 1000 + Math.floor(e.occurredAt.nanos / 1e6)) : new Date();

    if (state.job) {
      // The provisional snapshot already holds revision 0: fill in what only the event carries.
      const job: NewJob = {
        ...state.job,
        mediaId: e.mediaId,
        modelName: e.model?.name ?? '',
        modelVersion: e.model?.version ?? '',
        domain: e.domain,
        vocabulary: [...e.vocabulary],
        durationSeconds: e.durationSeconds || state.job.durationSeconds,
        wordCount: e.wordCount,
        meanConfidence: e.meanConfidence || state.job.meanConfidence,
        transcriptKey: key,
        completedAt,
      };
      return this.repo.transaction(async (tx) => {
        const updated = await this.repo.completeProvisional(tx, job);
        if (!updated) return false;
        // Corrections made meanwhile were measured without the vocabulary: measure them again.
        if (updated.latestRevision > 0) {
          const machine = (await this.repo.getRevision(tx, updated.jobId, 0))!;
          const latest = (await this.repo.getRevision(tx, updated.jobId, updated.latestRevision))!;
          await this.repo.saveAccuracy(tx, updated.jobId, updated.latestRevision, measureAccuracy(machine.transcript, latest.transcript, updated.vocabulary), latest.createdAt);
        }
        this.logger.info({ jobId: e.jobId }, 'provisional snapshot completed from the event');
        return true;
      });
    }

    let doc: TranscriptDoc;
    try {
      doc = parseTranscript(await this.store.getJson(key));
    } catch (err) {
      if (err instanceof InvalidTranscript || err instanceof SyntaxError) throw new PoisonMessageError(`transcript of job ${e.jobId} is unreadable: ${err.message}`);
      // A missing object is retried: the store may lag the event; after the last delivery it is dead-lettered.
      if (err instanceof ObjectMissing) throw new Error(err.message);
      throw err;
    }
    // The event names the model that ran; the document's own reference fills gaps.
    doc.model = { name: e.model?.name || doc.model.name, version: e.model?.version || doc.model.version };
    const stats = meanWordConfidence(doc);
    const inserted = await this.repo.transaction((tx) =>
      this.repo.insertSnapshot(
        tx,
        {
          jobId: e.jobId,
          accountId: e.accountId,
          mediaId: e.mediaId,
          modelName: doc.model.name,
          modelVersion: doc.model.version,
          domain: e.domain,
          vocabulary: [...e.vocabulary],
          durationSeconds: e.durationSeconds || doc.durationSeconds,
          wordCount: e.wordCount || stats.words,
          meanConfidence: e.meanConfidence || stats.mean,
          transcriptKey: key,
          completedAt,
        },
        doc,
        segmentRows(doc),
      ),
    );
    if (inserted) this.logger.info({ jobId: e.jobId, modelVersion: doc.model.version, domain: e.domain, segments: doc.segments.length }, 'machine transcript recorded');
    return inserted;
  }

  /**
   * Makes sure the account's job has a snapshot before feedback on it is recorded, reading the
   * transcript from where inference stores it (under the caller's account, so no other account's
   * transcript can be reached). NOT_FOUND when there is no such transcript.
   */
  async ensure(accountId: string, jobId: string): Promise<void> {
    if (!ID.test(accountId) || !ID.test(jobId)) throw errors.notFound('transcript');
    const state = await this.repo.jobState(jobId);
    if (state.job || state.deleted) return; // account scoping is the caller's lookup
    const key = keys.transcript(accountId, jobId);
    let doc: TranscriptDoc;
    try {
      doc = parseTranscript(await this.store.getJson(key));
    } catch (err) {
      if (err instanceof ObjectMissing) throw errors.notFound('transcript');
      if (err instanceof InvalidTranscript || err instanceof SyntaxError) throw new AppError('failed_precondition', 'the transcript cannot be read for feedback');
      throw err;
    }
    const stats = meanWordConfidence(doc);
    const inserted = await this.repo.transaction((tx) =>
      this.repo.insertSnapshot(
        tx,
        {
          jobId,
          accountId,
          mediaId: '',
          modelName: doc.model.name,
          modelVersion: doc.model.version,
          domain: '',
          vocabulary: [],
          durationSeconds: doc.durationSeconds,
          wordCount: stats.words,
          meanConfidence: stats.mean,
          transcriptKey: key,
          completedAt: new Date(),
          provisional: true,
        },
        doc,
        segmentRows(doc),
      ),
    );
    if (inserted) this.logger.info({ jobId }, 'provisional snapshot taken before transcription.completed.v1 arrived');
  }

  async recordDeleted(e: PayloadOf<'transcription.deleted.v1'>): Promise<void> {
    if (!e.jobId || !e.accountId) throw new PoisonMessageError('transcription.deleted.v1 without job or account id');
    if (await this.repo.deleteJob(e.accountId, e.jobId)) this.logger.info({ jobId: e.jobId }, 'feedback for a deleted transcript removed');
  }

  async recordMediaDeleted(e: PayloadOf<'media.deleted.v1'>): Promise<void> {
    if (!e.mediaId || !e.accountId) throw new PoisonMessageError('media.deleted.v1 without media or account id');
    const jobs = await this.repo.markMediaDeleted(e.accountId, e.mediaId);
    if (jobs) this.logger.info({ mediaId: e.mediaId, jobs }, 'audio deleted: jobs no longer exported or queued for review');
  }
}
