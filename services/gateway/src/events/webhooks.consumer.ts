// transcription.completed / transcription.failed → a queued webhook delivery for jobs that asked
// for one. Idempotent: the delivery row is keyed by the event id, so a redelivery adds nothing.
import type { ConsumerRegistration, DurableName, Logger, Pool } from '@verbatim/common';
import * as webhooks from '../adapters/webhooks.repository.js';
import { iso } from '../services/views.js';

export const OWNED_DURABLES: DurableName[] = ['gateway--transcription-completed', 'gateway--transcription-failed'];

export interface WebhookEvent {
  eventId: string;
  jobId: string;
  accountId: string;
  type: 'transcription.completed' | 'transcription.failed';
  failureReason?: string;
  occurredAt: string;
}

/** The JSON body a customer's endpoint receives. */
export function webhookBody(e: WebhookEvent): string {
  return JSON.stringify({
    type: e.type,
    id: e.jobId,
    status: e.type === 'transcription.completed' ? 'completed' : 'failed',
    ...(e.failureReason !== undefined ? { failure_reason: e.failureReason } : {}),
    created_at: e.occurredAt,
  });
}

export async function queueWebhook(db: Pool, e: WebhookEvent): Promise<boolean> {
  const hook = await webhooks.findWebhook(db, e.jobId, e.accountId);
  if (!hook) return false;
  return webhooks.enqueueDelivery(db, { eventId: e.eventId || `${e.type}:${e.jobId}`, jobId: e.jobId, accountId: e.accountId, url: hook.url, eventType: e.type, body: webhookBody(e) });
}

export function webhookConsumers(deps: { db: Pool; logger: Logger }): [ConsumerRegistration<'transcription.completed.v1'>, ConsumerRegistration<'transcription.failed.v1'>] {
  return [
    {
      durable: 'gateway--transcription-completed',
      concurrency: 4,
      handle: async (p) => {
        await queueWebhook(deps.db, { eventId: p.eventId, jobId: p.jobId, accountId: p.accountId, type: 'transcription.completed', occurredAt: iso(p.occurredAt) ?? new Date().toISOString() });
      },
    },
    {
      durable: 'gateway--transcription-failed',
      concurrency: 4,
      handle: async (p) => {
        await queueWebhook(deps.db, {
          eventId: p.eventId,
          jobId: p.jobId,
          accountId: p.accountId,
          type: 'transcription.failed',
          failureReason: p.reason || 'transcription failed',
          occurredAt: iso(p.occurredAt) ?? new Date().toISOString(),
        });
      },
    },
  ];
}
