// InferenceService over gRPC: thin handlers that map requests to the jobs service and rows to
// protobuf messages. Errors are AppErrors, mapped to status codes by the GrpcServer.
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@verbatim/common';
import { inference } from '@verbatim/proto';
import type { JobStatus, JobRow } from '../domain/jobs.js';
import type { JobView, JobsService } from '../domain/jobs.service.js';
import type { ModelRuntime } from '../adapters/model.runtime.js';
import { captionsHandler, type CaptionsOptions } from './captions.handler.js';

const { JobStatus: PbStatus } = inference;

const TO_PB: Record<JobStatus, inference.JobStatus> = {
  queued: PbStatus.QUEUED,
  processing: PbStatus.PROCESSING,
  completed: PbStatus.COMPLETED,
  failed: PbStatus.FAILED,
  deleted: PbStatus.UNSPECIFIED, // never shown: a deleted job is not found
};

const FROM_PB: Partial<Record<inference.JobStatus, JobStatus>> = {
  [PbStatus.QUEUED]: 'queued',
  [PbStatus.PROCESSING]: 'processing',
  [PbStatus.COMPLETED]: 'completed',
  [PbStatus.FAILED]: 'failed',
};

export function toPbJob(job: JobRow, queuePosition = 0): MessageInitShape<typeof inference.JobSchema> {
  return {
    id: job.id,
    accountId: job.accountId,
    mediaId: job.mediaId,
    status: TO_PB[job.status],
    failureReason: job.failureReason ?? '',
    domain: job.domain,
    vocabulary: job.vocabulary,
    durationSeconds: job.durationSeconds,
    ...(job.modelName ? { model: { name: job.modelName, version: job.modelVersion ?? '' } } : {}),
    progress: job.progress,
    attempts: job.attempts,
    createdAt: timestampFromDate(job.createdAt),
    updatedAt: timestampFromDate(job.updatedAt),
    ...(job.completedAt ? { completedAt: timestampFromDate(job.completedAt) } : {}),
    filename: job.filename,
    queuePosition: BigInt(queuePosition),
  };
}

const view = (v: JobView) => toPbJob(v.job, v.queuePosition);

export function inferenceHandlers(deps: {
  jobs: JobsService;
  model: () => ModelRuntime | undefined;
  captions: CaptionsOptions;
}): ServiceImpl<typeof inference.InferenceService> {
  const { jobs } = deps;
  return {
    createJob: async (req) =>
      view(
        await jobs.create({
          jobId: req.jobId,
          accountId: req.accountId,
          mediaId: req.mediaId,
          storageKey: req.storageKey,
          filename: req.filename,
          idempotencyKey: req.idempotencyKey,
          domain: req.domain,
          vocabulary: req.vocabulary,
          durationSeconds: req.durationSeconds,
        }),
      ),
    getJob: async (req) => view(await jobs.get(req.accountId, req.jobId)),
    listJobs: async (req) => {
      const status = FROM_PB[req.status];
      const page = await jobs.list(req.accountId, { pageSize: req.pageSize, pageToken: req.pageToken, ...(status ? { status } : {}) });
      return { jobs: page.jobs.map((j) => toPbJob(j)), nextPageToken: page.nextPageToken };
    },
    getTranscript: async (req) => jobs.transcript(req.accountId, req.jobId),
    deleteJob: async (req) => ({ deleted: true, ...(await jobs.delete(req.accountId, req.jobId)) }),
    listModels: async () => {
      const m = deps.model();
      return { models: m ? [{ name: m.engine.info.name, version: m.engine.info.version, family: m.engine.info.family, isDefault: true }] : [] };
    },
    streamCaptions: (reqs, ctx) => captionsHandler(reqs, ctx, deps.model, deps.captions),
  };
}
