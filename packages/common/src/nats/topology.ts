// The one place that names every subject, its payload type and stream, every stream and every
// durable consumer. Services declare this topology idempotently at start-up.
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { events } from '@verbatim/proto';
import { RetentionPolicy, StorageType, type StreamConfig } from 'nats';

export const SUBJECTS = {
  'media.uploaded.v1': { schema: events.MediaUploadedSchema, stream: 'MEDIA' },
  'media.deleted.v1': { schema: events.MediaDeletedSchema, stream: 'MEDIA' },
  'transcription.requested.v1': { schema: events.TranscriptionRequestedSchema, stream: 'TRANSCRIPTION_JOBS' },
  'transcription.completed.v1': { schema: events.TranscriptionCompletedSchema, stream: 'TRANSCRIPTION_EVENTS' },
  'transcription.failed.v1': { schema: events.TranscriptionFailedSchema, stream: 'TRANSCRIPTION_EVENTS' },
  'transcription.deleted.v1': { schema: events.TranscriptionDeletedSchema, stream: 'TRANSCRIPTION_EVENTS' },
  'feedback.correction.v1': { schema: events.FeedbackCorrectionSchema, stream: 'FEEDBACK' },
  'feedback.rating.v1': { schema: events.FeedbackRatingSchema, stream: 'FEEDBACK' },
} as const satisfies Record<string, { schema: DescMessage; stream: string }>;

export type Subject = keyof typeof SUBJECTS;
export type PayloadOf<S extends Subject> = MessageShape<(typeof SUBJECTS)[S]['schema']>;

const DAY_NS = 24 * 60 * 60 * 1e9;

export const STREAMS: Record<string, Partial<StreamConfig> & { subjects: string[] }> = {
  MEDIA: { subjects: ['media.*.v1'], retention: RetentionPolicy.Limits, max_age: 7 * DAY_NS },
  // A work queue: each job is delivered to one inference replica and removed once acked.
  TRANSCRIPTION_JOBS: { subjects: ['transcription.requested.v1'], retention: RetentionPolicy.Workqueue },
  TRANSCRIPTION_EVENTS: {
    subjects: ['transcription.completed.v1', 'transcription.failed.v1', 'transcription.deleted.v1'],
    retention: RetentionPolicy.Limits,
    max_age: 14 * DAY_NS,
  },
  FEEDBACK: { subjects: ['feedback.*.v1'], retention: RetentionPolicy.Limits, max_age: 14 * DAY_NS },
  DEAD_LETTERS: { subjects: ['deadletter.>'], retention: RetentionPolicy.Limits, max_age: 30 * DAY_NS },
};

export interface ConsumerSpec {
  stream: keyof typeof STREAMS;
  subject: Subject;
  /** Deliveries before the message is dead-lettered. */
  maxDeliver: number;
  /** Seconds a delivery may go unacknowledged (handlers call working() to extend it). */
  ackWaitSeconds: number;
}

/** Durable consumers, named `<service>--<event>` (STYLE.md convention 4). */
export const CONSUMERS = {
  'inference--transcription-requested': { stream: 'TRANSCRIPTION_JOBS', subject: 'transcription.requested.v1', maxDeliver: 5, ackWaitSeconds: 60 },
  'billing--transcription-completed': { stream: 'TRANSCRIPTION_EVENTS', subject: 'transcription.completed.v1', maxDeliver: 10, ackWaitSeconds: 30 },
  'billing--transcription-failed': { stream: 'TRANSCRIPTION_EVENTS', subject: 'transcription.failed.v1', maxDeliver: 10, ackWaitSeconds: 30 },
  'feedback--transcription-completed': { stream: 'TRANSCRIPTION_EVENTS', subject: 'transcription.completed.v1', maxDeliver: 10, ackWaitSeconds: 30 },
  'feedback--transcription-deleted': { stream: 'TRANSCRIPTION_EVENTS', subject: 'transcription.deleted.v1', maxDeliver: 10, ackWaitSeconds: 30 },
  'feedback--media-deleted': { stream: 'MEDIA', subject: 'media.deleted.v1', maxDeliver: 10, ackWaitSeconds: 30 },
  'gateway--transcription-completed': { stream: 'TRANSCRIPTION_EVENTS', subject: 'transcription.completed.v1', maxDeliver: 10, ackWaitSeconds: 30 },
  'gateway--transcription-failed': { stream: 'TRANSCRIPTION_EVENTS', subject: 'transcription.failed.v1', maxDeliver: 10, ackWaitSeconds: 30 },
} as const satisfies Record<string, ConsumerSpec>;

export type DurableName = keyof typeof CONSUMERS;

/** Names under a namespace, so tests (and tenants) can share one NATS server without overlap. */
export class Names {
  constructor(readonly namespace: string) {}

  subject(s: string): string {
    return this.namespace ? `${this.namespace}.${s}` : s;
  }

  /** The subject as the registry knows it, from a namespaced subject on the wire. */
  unprefix(s: string): string {
    return this.namespace && s.startsWith(`${this.namespace}.`) ? s.slice(this.namespace.length + 1) : s;
  }

  stream(name: string): string {
    return this.namespace ? `${this.namespace.toUpperCase().replace(/-/g, '_')}_${name}` : name;
  }

  durable(name: string): string {
    return this.namespace ? `${this.namespace}_${name}` : name;
  }

  deadLetter(subject: string): string {
    return this.subject(`deadletter.${subject}`);
  }
}

export { StorageType };
