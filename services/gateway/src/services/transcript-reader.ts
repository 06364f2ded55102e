// Reads a job with its transcript for the API: the customer's corrected revision when the
// feedback service has one, else the machine output. Feedback being down never hides a transcript.
import { AppError, type Logger } from '@verbatim/common';
import type { inference } from '@verbatim/proto';
import type { Clients } from '../adapters/clients.js';
import type { TranscriptBody } from '../domain/transcript.js';
import { assertJobId, type TranscriptionService } from './transcriptions.service.js';
import { jobSummary, statusName, transcriptBody, type JobSummary } from './views.js';

export interface TranscriptRead {
  job: inference.Job;
  summary: JobSummary;
  /** The served transcript (corrected when there is a revision), when completed. */
  body?: TranscriptBody;
  machineText?: string;
  revision?: number;
}

const FEEDBACK_DEADLINE_MS = 3_000;

export class TranscriptReader {
  constructor(private readonly deps: { clients: Clients; transcriptions: TranscriptionService; logger: Logger }) {}

  async read(accountId: string, id: string): Promise<TranscriptRead> {
    const jobId = assertJobId(id);
    const job = await this.deps.transcriptions.getJob(accountId, jobId);
    const summary = jobSummary(job);
    if (statusName(job.status) !== 'completed') return { job, summary };
    const transcript = await this.deps.clients.inference.getTranscript({ accountId, jobId });
    if (!summary.model && transcript.model) summary.model = { name: transcript.model.name, version: transcript.model.version };
    const machine = transcriptBody(transcript, job.durationSeconds);
    const corrected = await this.deps.clients.feedback.getCorrectedTranscript({ accountId, jobId }, { deadlineMs: FEEDBACK_DEADLINE_MS }).catch((e: unknown) => {
      if ((e as AppError).kind !== 'not_found') this.deps.logger.warn({ err: e, jobId }, 'feedback unavailable: serving the machine transcript');
      return undefined;
    });
    if (corrected?.transcript) {
      return { job, summary, body: transcriptBody(corrected.transcript, machine.duration_seconds), machineText: machine.text, revision: corrected.revision };
    }
    return { job, summary, body: machine };
  }

  /** The transcript of a completed job; 409 while it is not. */
  async readCompleted(accountId: string, id: string): Promise<TranscriptRead & { body: TranscriptBody }> {
    const r = await this.read(accountId, id);
    if (!r.body) {
      const status = r.summary.status;
      throw new AppError('failed_precondition', status === 'failed' ? `the transcription failed: ${r.summary.failure_reason}` : `the transcript is ${status}; it can be exported once it is completed`);
    }
    return r as TranscriptRead & { body: TranscriptBody };
  }
}
