// Consumers of transcription.completed.v1 (charge) and transcription.failed.v1 (release).
// Both are idempotent: the charge and the release are keyed by job id in the ledger.
import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { ConsumerRegistration, DurableName } from '@verbatim/common';
import type { Logger } from '@verbatim/common';
import type { BillingService } from '../billing.service.js';

export const OWNED_DURABLES: readonly DurableName[] = ['billing--transcription-completed', 'billing--transcription-failed'];

export function transcriptionConsumers(service: BillingService, logger: Logger, concurrency: number) {
  const completed: ConsumerRegistration<'transcription.completed.v1'> = {
    durable: 'billing--transcription-completed',
    concurrency,
    handle: async (e) => {
      const charged = await service.charge({
        jobId: e.jobId,
        accountId: e.accountId,
        durationSeconds: e.durationSeconds,
        domain: e.domain,
        cpuSeconds: e.compute?.cpuSeconds ?? 0,
        gpuSeconds: e.compute?.gpuSeconds ?? 0,
        device: e.compute?.device ?? '',
        model: e.model ? `${e.model.name}@${e.model.version}` : '',
        occurredAt: e.occurredAt ? timestampDate(e.occurredAt) : new Date(),
      });
      if (!charged) logger.debug({ jobId: e.jobId }, 'completion already charged: nothing to do');
    },
    onExhausted: async (e, err) => {
      // Money we could not bill: loud, with what an operator needs to bill it by hand.
      logger.error({ jobId: e.jobId, accountId: e.accountId, durationSeconds: e.durationSeconds, err }, 'completion could not be charged: dead-lettered');
    },
  };
  const failed: ConsumerRegistration<'transcription.failed.v1'> = {
    durable: 'billing--transcription-failed',
    concurrency,
    handle: async (e) => {
      await service.release(e.accountId, e.jobId, `job failed: ${e.code || 'failed'}`);
    },
    onExhausted: async (e, err) => {
      logger.error({ jobId: e.jobId, accountId: e.accountId, err }, 'failed job could not be released: the sweeper will release it');
    },
  };
  return [completed, failed] as const;
}
