// Thin gRPC handlers: request -> service -> response. Validation that needs the data lives in the
// services; here only the mapping between protobuf and the services' shapes.
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { ServiceImpl } from '@verbatim/common';
import { feedback } from '@verbatim/proto';
import type { RatingRow, RevisionRow } from '../adapters/feedback.repository.js';
import type { TranscriptDoc } from '../domain/transcript.js';
import type { CorrectionsService, Thumb } from '../services/corrections.service.js';
import type { ExportService } from '../services/export.service.js';
import type { QualityService } from '../services/quality.service.js';
import type { Grouping } from '../adapters/feedback.repository.js';

const ts = (d: Date | undefined) => (d ? timestampFromDate(new Date(d)) : undefined);

const thumbIn = (t: feedback.Thumb): Thumb => (t === feedback.Thumb.UP ? 'up' : t === feedback.Thumb.DOWN ? 'down' : '');
const thumbOut = (t: string) => (t === 'up' ? feedback.Thumb.UP : t === 'down' ? feedback.Thumb.DOWN : feedback.Thumb.UNSPECIFIED);

const grouping: Record<feedback.QualityGrouping, Grouping> = {
  [feedback.QualityGrouping.UNSPECIFIED]: 'model_domain',
  [feedback.QualityGrouping.MODEL_DOMAIN]: 'model_domain',
  [feedback.QualityGrouping.ACCOUNT]: 'account',
  [feedback.QualityGrouping.COHORT]: 'cohort',
};

function transcriptOut(jobId: string, t: TranscriptDoc) {
  return {
    jobId,
    text: t.text,
    durationSeconds: t.durationSeconds,
    model: t.model,
    segments: t.segments.map((s) => ({ id: s.id, start: s.start, end: s.end, text: s.text, confidence: s.confidence, words: s.words })),
  };
}

function ratingOut(r: RatingRow) {
  return { jobId: r.jobId, score: r.score, comment: r.comment, createdAt: ts(r.updatedAt), thumb: thumbOut(r.thumb), userId: r.userId };
}

function correctionOut(r: RevisionRow) {
  return {
    jobId: r.jobId,
    revision: r.revision,
    transcript: transcriptOut(r.jobId, r.transcript),
    wer: r.wer ?? 0,
    cer: r.cer ?? 0,
    createdAt: ts(r.createdAt),
    baseRevision: r.baseRevision ?? 0,
    userId: r.userId,
    domainTerms: r.domainTerms ?? 0,
    domainTermErrors: r.domainTermErrors ?? 0,
    missedTerms: r.missedTerms,
  };
}

export function feedbackHandlers(s: { corrections: CorrectionsService; quality: QualityService; exports: ExportService }): ServiceImpl<typeof feedback.FeedbackService> {
  return {
    submitRating: async (req) =>
      ratingOut(await s.corrections.submitRating({ accountId: req.accountId, jobId: req.jobId, userId: req.userId, score: req.score, thumb: thumbIn(req.thumb), comment: req.comment })),

    submitCorrection: async (req) =>
      correctionOut(
        await s.corrections.submitCorrection({
          accountId: req.accountId,
          jobId: req.jobId,
          userId: req.userId,
          baseRevision: req.baseRevision,
          edits: req.edits.map((e) => ({ segmentId: e.segmentId, wordIndex: e.wordIndex, word: e.word, op: e.op === feedback.EditOp.INSERT ? 'insert' : 'replace' })),
          referenceText: req.referenceText,
        }),
      ),

    getCorrectedTranscript: async (req) => correctionOut(await s.corrections.getCorrection(req.accountId, req.jobId, req.revision)),

    listRevisions: async (req) => ({
      jobId: req.jobId,
      revisions: (await s.corrections.listRevisions(req.accountId, req.jobId)).map((r) => ({
        revision: r.revision,
        baseRevision: r.baseRevision ?? 0,
        userId: r.userId,
        edits: r.edits.length,
        wer: r.wer ?? 0,
        cer: r.cer ?? 0,
        createdAt: ts(r.createdAt),
      })),
    }),

    setCohort: async (req) => {
      const c = await s.corrections.setCohort(req.accountId, req.jobId, req.attributes);
      return { jobId: req.jobId, attributes: c.attributes, updatedAt: ts(c.updatedAt) };
    },

    setConsent: async (req) => {
      const c = await s.corrections.setConsent(req.accountId, req.exportAllowed, req.userId);
      return { accountId: req.accountId, exportAllowed: c.exportAllowed, updatedAt: ts(c.updatedAt) };
    },

    getConsent: async (req) => {
      const c = await s.corrections.getConsent(req.accountId);
      return { accountId: req.accountId, exportAllowed: c.exportAllowed, updatedAt: ts(c.updatedAt) };
    },

    getQuality: async (req) => {
      const { groups, gaps } = await s.quality.quality({
        modelVersion: req.modelVersion,
        domain: req.domain,
        accountId: req.accountId,
        since: req.since,
        until: req.until,
        grouping: grouping[req.groupBy] ?? 'model_domain',
        cohortAttribute: req.cohortAttribute,
        window: req.window,
      });
      return {
        groups: groups.map((g) => ({
          modelVersion: g.modelVersion,
          domain: g.domain,
          correctedJobs: BigInt(g.jobs),
          wer: g.wer,
          cer: g.cer,
          accountId: g.accountId,
          cohortAttribute: g.cohortAttribute,
          cohortValue: g.cohortValue,
          windowStart: ts(g.windowStart ?? undefined),
          referenceWords: BigInt(g.referenceWords),
          substitutions: BigInt(g.substitutions),
          deletions: BigInt(g.deletions),
          insertions: BigInt(g.insertions),
          domainTerms: BigInt(g.domainTerms),
          domainTermErrors: BigInt(g.domainTermErrors),
          domainTermErrorRate: g.domainTermErrorRate,
        })),
        cohortGaps: gaps.map((g) => ({ modelVersion: g.modelVersion, cohortAttribute: g.attribute, bestValue: g.bestValue, bestWer: g.bestWer, worstValue: g.worstValue, worstWer: g.worstWer, gap: g.gap })),
      };
    },

    getCalibration: async (req) => ({
      models: (await s.quality.calibration(req)).map((m) => ({
        modelVersion: m.modelVersion,
        words: BigInt(m.words),
        expectedCalibrationError: m.ece,
        correctedJobs: BigInt(m.jobs),
        buckets: m.buckets.map((b) => ({ lower: b.lower, upper: b.upper, words: BigInt(b.words), correct: BigInt(b.correct), meanConfidence: b.meanConfidence, accuracy: b.accuracy })),
      })),
    }),

    getReviewQueue: async (req) => {
      const q = await s.quality.reviewQueue(req);
      return {
        segments: q.segments.map((x) => ({
          accountId: x.accountId,
          jobId: x.jobId,
          segmentId: x.segmentId,
          span: { jobId: x.jobId, audioKey: x.audioKey, start: x.start, end: x.end },
          confidence: x.confidence,
          minWordConfidence: x.minWordConfidence,
          text: x.text,
          modelVersion: x.modelVersion,
          domain: x.domain,
        })),
        jobs: q.jobs.map((j) => ({
          accountId: j.accountId,
          jobId: j.jobId,
          meanScore: j.meanScore,
          ratings: j.ratings,
          latestComment: j.latestComment,
          span: { jobId: j.jobId, audioKey: j.audioKey, start: 0, end: j.durationSeconds },
          modelVersion: j.modelVersion,
          domain: j.domain,
          meanConfidence: j.meanConfidence,
        })),
      };
    },

    exportDataset: async (req) => {
      const r = await s.exports.export({ domain: req.domain, since: req.since, until: req.until });
      return { manifestKey: r.manifestKey, segments: BigInt(r.segments), jobs: BigInt(r.jobs), excludedJobs: BigInt(r.excludedJobs), createdAt: ts(r.createdAt) };
    },
  };
}
