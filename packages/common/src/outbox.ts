// Transactional outbox: an event is written in the same transaction as the state change it
// announces, and a relay publishes it to JetStream afterwards (with its row id as Nats-Msg-Id, so
// a re-publish after a crash is de-duplicated). Losing a NATS message never loses the event.
import { randomUUID } from 'node:crypto';
import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import type { Logger } from 'pino';
import type { EventBus } from './nats/bus.js';
import { SUBJECTS, type Subject } from './nats/topology.js';
import { assertIdentifier, type Pool, type Queryable } from './postgres.js';
import { injectTraceContext } from './tracing.js';

/** SQL for a service's migration that creates its outbox table. */
export function outboxTableSql(schema: string): string {
  assertIdentifier(schema);
  return `CREATE TABLE IF NOT EXISTS ${schema}.outbox (
  id uuid PRIMARY KEY,
  subject text NOT NULL,
  payload bytea NOT NULL,
  headers jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  attempts int NOT NULL DEFAULT 0,
  last_error text
);
CREATE INDEX IF NOT EXISTS outbox_unpublished ON ${schema}.outbox (created_at) WHERE published_at IS NULL;`;
}

/** Adds an event to the outbox inside the caller's transaction. Returns the event id. */
export async function enqueueEvent<S extends Subject>(
  tx: Queryable,
  subject: S,
  payload: MessageInitShape<(typeof SUBJECTS)[S]['schema']>,
  id: string = randomUUID(),
): Promise<string> {
  const schema = SUBJECTS[subject].schema;
  const bytes = toBinary(schema, create(schema, { ...(payload as object), eventId: id } as never));
  await tx.query('INSERT INTO outbox (id, subject, payload, headers) VALUES ($1, $2, $3, $4)', [id, subject, Buffer.from(bytes), JSON.stringify(injectTraceContext())]);
  await tx.query("SELECT pg_notify('outbox', $1)", [id]);
  return id;
}

export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly pool: Pool,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.flush()
        .then(() => undefined)
        .catch((e: unknown) => this.logger.warn({ err: e }, 'outbox relay pass failed; will retry'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs);
        });
    };
    tick();
  }

  /** Publishes every pending event once; returns how many were published. */
  async flush(batch = 100): Promise<number> {
    const client = await this.pool.connect();
    let published = 0;
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ id: string; subject: string; payload: Buffer; headers: Record<string, string> }>(
        'SELECT id, subject, payload, headers FROM outbox WHERE published_at IS NULL ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED',
        [batch],
      );
      for (const row of rows) {
        try {
          await this.bus.publishRaw(row.subject, row.payload, row.id, row.headers);
          await client.query('UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE id = $1', [row.id]);
          published++;
        } catch (e) {
          await client.query('UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1', [row.id, String((e as Error).message).slice(0, 500)]);
          break; // keep order: try again next pass
        }
      }
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
    return published;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    // One last pass so events committed during the drain go out now rather than at next start.
    await this.flush().catch(() => undefined);
  }
}

/** Oldest unpublished event's age in seconds (a metric: the relay is stuck if this grows). */
export async function outboxLagSeconds(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ age: number | null }>('SELECT EXTRACT(EPOCH FROM now() - min(created_at))::float AS age FROM outbox WHERE published_at IS NULL');
  return rows[0]?.age ?? 0;
}
