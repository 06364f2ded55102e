// Records the machine transcript of each completed job (revision 0) with the facts quality is
// grouped by: model version, domain, account, vocabulary. Idempotent: a redelivered event finds
// the job recorded and changes nothing.
import { PoisonMessageError, keys, type PayloadOf } from '@verbatim/common';
import type { Logger } from 'pino';
import type { FeedbackRepository, SegmentRow } from '../adapters/feedback.repository.js';
import { ObjectMissing, type ObjectStore } from '../adapters/object-store.js';
import { InvalidTranscript, parseTranscript, segmentConfidence } from '../domain/transcript.js';

export class SnapshotsService {
  constructor(
    private readonly repo: FeedbackRepository,
    private readonly store: ObjectStore,
    private readonly logger: Logger,
  ) {}

  async recordCompleted(e: PayloadOf<'transcription.completed.v1'>): Promise<boolean> {
    if (!e.jobId || !e.accountId) throw new PoisonMessageError('transcription.completed.v1 without job or account id');
    if (await this.repo.jobKnown(e.jobId)) return false;
    const key = e.transcriptKey || keys.transcript(e.accountId, e.jobId);
    let doc;
    try {
      doc = parseTranscript(await this.store.getJson(key));
    } catch (err) {
      if (err instanceof InvalidTranscript || err instanceof SyntaxError) throw new PoisonMessageError(`transcript of job ${e.jobId} is unreadable: ${err.message}`);
      // A missing object is retried: the store may lag the event; after the last delivery it is dead-lettered.
      if (err instanceof ObjectMissing) throw new Error(err.message);
      throw err;
    }
    // The event names the model that ran; the document's own reference fills gaps.
    const model = { name: e.model?.name || doc.model.name, version: e.model?.version || doc.model.version };
    doc.model = model;
    const segments: SegmentRow[] = doc.segments.map((s) => {
      const c = segmentConfidence(s);
      return { segmentId: s.id, start: s.start, end: s.end, confidence: c.mean, minWordConfidence: c.min, wordCount: s.words.length, text: s.text };
    });
    const words = doc.segments.reduce((n, s) => n + s.words.length, 0);
    const meanConfidence = e.meanConfidence || (words ? doc.segments.reduce((sum, s) => sum + s.words.reduce((a, w) => a + w.confidence, 0), 0) / words : 0);
    const inserted = await this.repo.transaction((tx) =>
      this.repo.insertSnapshot(
        tx,
        {
          jobId: e.jobId,
          accountId: e.accountId,
          mediaId: e.mediaId,
          modelName: model.name,
          modelVersion: model.version,
          domain: e.domain,
          vocabulary: [...e.vocabulary],
          durationSeconds: e.durationSeconds || doc.durationSeconds,
          wordCount: e.wordCount || words,
          meanConfidence,
          transcriptKey: key,
          completedAt: e.occurredAt ? new Date(Number(e.occurredAt.seconds) * 1000 + Math.floor(e.occurredAt.nanos / 1e6)) : new Date(),
        },
        doc,
        segments,
      ),
    );
    if (inserted) this.logger.info({ jobId: e.jobId, modelVersion: model.version, domain: e.domain, segments: segments.length }, 'machine transcript recorded');
    return inserted;
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
