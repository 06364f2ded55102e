// The transcript as the public API shows it (snake_case, seconds): the shapes every formatter
// in domain/ works on, independent of the protobuf messages.
export type { TranscriptWord as Word, TranscriptSegment as Segment } from '@verbatim/common';
import type { TranscriptSegment as Segment } from '@verbatim/common';

export interface TranscriptBody {
  text: string;
  segments: Segment[];
  duration_seconds: number;
}

export const DOMAINS = ['general', 'medicine', 'social_science', 'software'] as const;
export type Domain = (typeof DOMAINS)[number];

export const JOB_STATUSES = ['queued', 'processing', 'completed', 'failed'] as const;
export type JobStatusName = (typeof JOB_STATUSES)[number];
