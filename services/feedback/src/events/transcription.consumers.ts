// transcription.completed.v1 -> the machine transcript snapshot (revision 0).
import type { ConsumerRegistration } from '@verbatim/common';
import type { SnapshotsService } from '../services/snapshots.service.js';

export function transcriptionCompletedConsumer(snapshots: SnapshotsService, concurrency: number): ConsumerRegistration<'transcription.completed.v1'> {
  return {
    durable: 'feedback--transcription-completed',
    concurrency,
    handle: async (payload) => {
      await snapshots.recordCompleted(payload);
    },
  };
}
