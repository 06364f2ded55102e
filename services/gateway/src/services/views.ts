// Protobuf messages from the services behind the gateway, as the public API shows them.
import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import { common, inference } from '@verbatim/proto';
import type { JobStatusName, Segment, TranscriptBody } from '../domain/transcript.js';

const STATUS_NAMES: Record<number, JobStatusName> = {
  [inference.JobStatus.QUEUED]: 'queued',
  [inference.JobStatus.PROCESSING]: 'processing',
  [inference.JobStatus.COMPLETED]: 'completed',
  [inference.JobStatus.FAILED]: 'failed',
};

export const STATUS_BY_NAME: Record<JobStatusName, inference.JobStatus> = {
  queued: inference.JobStatus.QUEUED,
  processing: inference.JobStatus.PROCESSING,
  completed: inference.JobStatus.COMPLETED,
  failed: inference.JobStatus.FAILED,
};

export function statusName(s: inference.JobStatus): JobStatusName {
  return STATUS_NAMES[s] ?? 'queued';
}

export function iso(t: Timestamp | undefined): string | undefined {
  return t ? timestampDate(t).toISOString() : undefined;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

export function segmentsView(segments: common.Segment[]): Segment[] {
  return segments.map((s) => ({
    id: s.id,
    start: round3(s.start),
    end: round3(s.end),
    text: s.text,
    confidence: round3(s.confidence),
    words: s.words.map((w) => ({ word: w.word, start: round3(w.start), end: round3(w.end), confidence: round3(w.confidence) })),
  }));
}

export function transcriptBody(t: common.Transcript, durationFallback = 0): TranscriptBody {
  return { text: t.text, segments: segmentsView(t.segments), duration_seconds: t.durationSeconds || durationFallback };
}

/** The job summary used in listings and as the head of GET /v1/transcripts/:id. */
export function jobSummary(job: inference.Job) {
  const status = statusName(job.status);
  return {
    id: job.id,
    status,
    ...(status === 'failed' ? { failure_reason: job.failureReason || 'transcription failed' } : {}),
    created_at: iso(job.createdAt) ?? new Date(0).toISOString(),
    ...(job.completedAt ? { completed_at: iso(job.completedAt) } : {}),
    filename: job.filename,
    domain: job.domain || 'general',
    vocabulary: job.vocabulary,
    duration_seconds: round3(job.durationSeconds),
    progress: status === 'completed' ? 1 : round3(job.progress),
    ...(status === 'queued' ? { queue_position: Number(job.queuePosition) } : {}),
    model: job.model ? { name: job.model.name, version: job.model.version } : null,
  };
}

export type JobSummary = ReturnType<typeof jobSummary>;
