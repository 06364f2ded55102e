// Use cases of the job API: create (idempotent on the caller's job id), read, list, read the
// transcript, delete. Every read is scoped to the caller's account; another account's job is
// not_found, never permission_denied. Side effects sit behind the repository and object store.
import { AppError, errors, keys } from '@verbatim/common';
import type { common } from '@verbatim/proto';
import type { JobsRepository } from '../adapters/jobs.repository.js';
import type { ObjectStore } from '../adapters/objects.store.js';
import {
  decodeCursor,
  encodeCursor,
  pageSize,
  requireAccount,
  requireJobId,
  sameRequest,
  validateCreateJob,
  type CreateJobInput,
  type JobRow,
  type JobStatus,
  type ValidationLimits,
} from './jobs.js';

export interface JobView {
  job: JobRow;
  /** Queued jobs ahead of it (0 unless queued). */
  queuePosition: number;
}

export class JobsService {
  constructor(
    private readonly repo: JobsRepository,
    private readonly store: ObjectStore,
    private readonly limits: () => ValidationLimits,
  ) {}

  async create(input: CreateJobInput): Promise<JobView> {
    const wanted = validateCreateJob(input, this.limits());
    const { job, created } = await this.repo.create(wanted);
    if (!created && !sameRequest(job, wanted)) {
      // Either a different request reusing the id, or another account's job: neither may see it.
      throw new AppError('already_exists', 'a different transcription job already uses this job_id or idempotency_key');
    }
    return this.view(job);
  }

  async get(accountId: string, jobId: string): Promise<JobView> {
    return this.view(await this.require(accountId, jobId));
  }

  async list(accountId: string, options: { pageSize: number; pageToken: string; status?: JobStatus }): Promise<{ jobs: JobRow[]; nextPageToken: string }> {
    requireAccount(accountId);
    const { jobs, next } = await this.repo.list(accountId, {
      limit: pageSize(options.pageSize),
      ...(options.pageToken ? { after: decodeCursor(options.pageToken) } : {}),
      ...(options.status ? { status: options.status } : {}),
    });
    return { jobs, nextPageToken: next ? encodeCursor(next) : '' };
  }

  async transcript(accountId: string, jobId: string): Promise<common.Transcript> {
    const job = await this.require(accountId, jobId);
    if (job.status === 'failed') throw new AppError('failed_precondition', `the job failed, so there is no transcript: ${job.failureReason ?? 'unknown reason'}`);
    if (job.status !== 'completed' || !job.transcriptKey) throw new AppError('failed_precondition', `the transcript is not ready yet: the job is ${job.status}`);
    return this.store.getTranscript(job.transcriptKey);
  }

  /** Removes the transcript for good and leaves a tombstone; the media id lets the caller delete the audio. */
  async delete(accountId: string, jobId: string): Promise<{ mediaId: string }> {
    const job = await this.require(accountId, jobId);
    // The object first: if the row update then fails, a retry finds the job and finishes the work.
    // The worker writes to the same key, so it is removed even while the job is still processing.
    await this.store.delete(job.transcriptKey ?? keys.transcript(job.accountId, job.id));
    const deleted = await this.repo.markDeleted(job.accountId, job.id);
    if (!deleted) throw errors.notFound('transcription job');
    return { mediaId: deleted.mediaId };
  }

  private async require(accountId: string, jobId: string): Promise<JobRow> {
    requireAccount(accountId);
    const job = await this.repo.findForAccount(accountId, requireJobId(jobId));
    if (!job) throw errors.notFound('transcription job');
    return job;
  }

  private async view(job: JobRow): Promise<JobView> {
    return { job, queuePosition: job.status === 'queued' ? await this.repo.queuePosition(job) : 0 };
  }
}
