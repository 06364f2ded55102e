// The events feedback consumes: a completed transcription becomes the machine snapshot
// (revision 0); a deleted transcription or deleted audio removes or unlinks what feedback keeps.
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

export function transcriptionDeletedConsumer(snapshots: SnapshotsService): ConsumerRegistration<'transcription.deleted.v1'> {
  return { durable: 'feedback--transcription-deleted', handle: (payload) => snapshots.recordDeleted(payload) };
}

export function mediaDeletedConsumer(snapshots: SnapshotsService): ConsumerRegistration<'media.deleted.v1'> {
  return { durable: 'feedback--media-deleted', handle: (payload) => snapshots.recordMediaDeleted(payload) };
}
