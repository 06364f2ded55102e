// Live job updates for the web app's event stream. One watcher per connected account (shared by
// that account's open pages): transcription.* events arrive on an ephemeral NATS subscription (no
// durable consumer: a page that misses one reloads the list when it reconnects), and the
// account's queued and processing jobs are polled from inference every second or two, which
// carries progress and queue position and covers an event lost on the way.
import { fromBinary } from '@bufbuild/protobuf';
import type { EventBus, Logger } from '@verbatim/common';
import { events, inference } from '@verbatim/proto';
import type { Clients } from '../adapters/clients.js';
import { jobSummary, type JobSummary } from './views.js';

export type LiveEvent = { type: 'job'; job: JobSummary } | { type: 'deleted'; id: string };
type Listener = (e: LiveEvent) => void;

interface Watcher {
  listeners: Set<Listener>;
  /** Last summary sent per job (JSON), so only changes go out. */
  sent: Map<string, string>;
  /** Jobs seen queued or processing: when one leaves those lists, it is fetched once more. */
  active: Set<string>;
  timer: NodeJS.Timeout;
  polling: boolean;
}

const ACTIVE = [inference.JobStatus.QUEUED, inference.JobStatus.PROCESSING];

export class LiveJobs {
  private readonly watchers = new Map<string, Watcher>();
  private subscription: { unsubscribe(): void } | undefined;

  constructor(
    private readonly deps: { clients: Clients; bus: EventBus | null; logger: Logger; pollMs: number },
  ) {}

  /** Starts following `accountId` for this listener; the returned function stops it. */
  subscribe(accountId: string, listener: Listener): () => void {
    let w = this.watchers.get(accountId);
    if (!w) {
      const timer = setInterval(() => void this.poll(accountId), this.deps.pollMs);
      w = { listeners: new Set(), sent: new Map(), active: new Set(), timer, polling: false };
      this.watchers.set(accountId, w);
      this.ensureSubscription();
      void this.poll(accountId);
    }
    w.listeners.add(listener);
    return () => {
      const cur = this.watchers.get(accountId);
      if (!cur) return;
      cur.listeners.delete(listener);
      if (cur.listeners.size === 0) {
        clearInterval(cur.timer);
        this.watchers.delete(accountId);
        if (this.watchers.size === 0) this.closeSubscription();
      }
    };
  }

  close(): void {
    for (const w of this.watchers.values()) clearInterval(w.timer);
    this.watchers.clear();
    this.closeSubscription();
  }

  private emit(accountId: string, e: LiveEvent): void {
    const w = this.watchers.get(accountId);
    if (!w) return;
    if (e.type === 'job') {
      const json = JSON.stringify(e.job);
      if (w.sent.get(e.job.id) === json) return;
      w.sent.set(e.job.id, json);
    } else {
      w.sent.delete(e.id);
      w.active.delete(e.id);
    }
    for (const l of w.listeners) l(e);
  }

  private async refresh(accountId: string, jobId: string): Promise<void> {
    try {
      const job = await this.deps.clients.inference.getJob({ accountId, jobId });
      this.emit(accountId, { type: 'job', job: jobSummary(job) });
    } catch (e) {
      if ((e as { kind?: string }).kind === 'not_found') this.emit(accountId, { type: 'deleted', id: jobId });
      else this.deps.logger.debug({ err: e, jobId }, 'live update: job not read');
    }
  }

  private async poll(accountId: string): Promise<void> {
    const w = this.watchers.get(accountId);
    if (!w || w.polling) return;
    w.polling = true;
    try {
      const seen = new Set<string>();
      for (const status of ACTIVE) {
        const res = await this.deps.clients.inference.listJobs({ accountId, pageSize: 100, pageToken: '', status });
        for (const job of res.jobs) {
          seen.add(job.id);
          this.emit(accountId, { type: 'job', job: jobSummary(job) });
        }
      }
      // Jobs that left the active lists finished (or were deleted): one last look at each.
      for (const id of w.active) if (!seen.has(id)) await this.refresh(accountId, id);
      w.active = seen;
    } catch (e) {
      this.deps.logger.debug({ err: e, accountId }, 'live update poll failed');
    } finally {
      w.polling = false;
    }
  }

  private ensureSubscription(): void {
    const bus = this.deps.bus;
    if (this.subscription || !bus) return;
    const sub = bus.nc.subscribe(bus.names.subject('transcription.*.v1'));
    this.subscription = sub;
    void (async () => {
      for await (const m of sub) {
        try {
          const subject = bus.names.unprefix(m.subject);
          const schema =
            subject === 'transcription.completed.v1'
              ? events.TranscriptionCompletedSchema
              : subject === 'transcription.failed.v1'
                ? events.TranscriptionFailedSchema
                : subject === 'transcription.deleted.v1'
                  ? events.TranscriptionDeletedSchema
                  : subject === 'transcription.requested.v1'
                    ? events.TranscriptionRequestedSchema
                    : undefined;
          if (!schema) continue;
          const payload = fromBinary(schema, m.data) as { accountId: string; jobId: string };
          if (!this.watchers.has(payload.accountId)) continue;
          if (subject === 'transcription.deleted.v1') this.emit(payload.accountId, { type: 'deleted', id: payload.jobId });
          else await this.refresh(payload.accountId, payload.jobId);
        } catch (e) {
          this.deps.logger.debug({ err: e }, 'live update: event not understood');
        }
      }
    })();
  }

  private closeSubscription(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }
}
