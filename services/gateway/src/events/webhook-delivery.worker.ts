// Sends queued webhooks: signed POSTs to the customer's URL (SSRF-guarded like audio_url), retried
// with exponential back-off until WEBHOOK_MAX_ATTEMPTS (about a day by default). Any replica may
// run it: rows are claimed with a lease, so an attempt is made by one worker at a time.
import type { Logger, Pool } from '@verbatim/common';
import { Counter, type Registry } from 'prom-client';
import { getWebhookSecret } from '../adapters/accounts.repository.js';
import type { SafeHttp } from '../adapters/safe-http.js';
import * as webhooks from '../adapters/webhooks.repository.js';
import { signatureHeader } from '../domain/signature.js';

export interface DeliveryPolicy {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  timeoutMs: number;
  pollIntervalMs: number;
}

/** Delay before the attempt after `attempts` failed ones: base · 2^(attempts-1), capped. */
export function retryDelayMs(attempts: number, policy: Pick<DeliveryPolicy, 'retryBaseMs' | 'retryMaxMs'>): number {
  return Math.min(policy.retryMaxMs, policy.retryBaseMs * 2 ** Math.max(0, attempts - 1));
}

export class WebhookDeliveryWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private readonly outcomes: Counter<'outcome'>;

  constructor(
    private readonly deps: { db: Pool; http: SafeHttp; logger: Logger; registry: Registry },
    private readonly policy: DeliveryPolicy,
  ) {
    this.outcomes =
      (deps.registry.getSingleMetric('verbatim_gateway_webhook_deliveries_total') as Counter<'outcome'> | undefined) ??
      new Counter({ name: 'verbatim_gateway_webhook_deliveries_total', help: 'Webhook delivery attempts by outcome (delivered, retry, failed)', labelNames: ['outcome'], registers: [deps.registry] });
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.running = this.runOnce()
        .then((n) => n)
        .catch((e: unknown) => {
          this.deps.logger.warn({ err: e }, 'webhook delivery pass failed; will retry');
          return 0;
        })
        .then((n) => {
          if (!this.stopped) this.timer = setTimeout(tick, n > 0 ? 0 : this.policy.pollIntervalMs);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Attempts every due delivery once; returns how many were attempted. */
  async runOnce(batch = 10): Promise<number> {
    const leaseSeconds = Math.ceil((this.policy.timeoutMs * 2) / 1000) + 5;
    const due = await webhooks.claimDueDeliveries(this.deps.db, batch, leaseSeconds);
    await Promise.all(due.map((d) => this.attempt(d)));
    return due.length;
  }

  private async attempt(d: webhooks.Delivery): Promise<void> {
    const { db, http, logger } = this.deps;
    const attemptNo = d.attempts + 1;
    let statusCode: number | null = null;
    let error: string;
    try {
      const secret = await getWebhookSecret(db, d.accountId);
      if (!secret) throw new Error('account no longer exists');
      const { response } = await http.request(
        d.url,
        {
          method: 'POST',
          body: d.body,
          timeoutMs: this.policy.timeoutMs,
          maxRedirects: 0,
          headers: {
            'content-type': 'application/json',
            'verbatim-signature': signatureHeader(secret, d.body),
            'verbatim-event-id': d.eventId,
            'verbatim-event-type': d.eventType,
            'verbatim-delivery-attempt': String(attemptNo),
          },
        },
        'webhook_url',
      );
      statusCode = response.statusCode ?? 0;
      response.resume();
      if (statusCode >= 200 && statusCode < 300) {
        await webhooks.markDelivered(db, d.eventId, statusCode);
        this.outcomes.labels('delivered').inc();
        return;
      }
      error = `HTTP ${statusCode}`;
    } catch (e) {
      error = (e as Error).message;
    }
    const final = attemptNo >= this.policy.maxAttempts;
    await webhooks.markAttemptFailed(db, d.eventId, error, statusCode, retryDelayMs(attemptNo, this.policy), final);
    this.outcomes.labels(final ? 'failed' : 'retry').inc();
    logger[final ? 'warn' : 'info']({ eventId: d.eventId, jobId: d.jobId, attempt: attemptNo, error }, final ? 'webhook delivery failed for good' : 'webhook delivery failed; will retry');
  }
}
