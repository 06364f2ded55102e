// What the route plugins are built from (injected by app.ts).
import type { Logger, Pool } from '@verbatim/common';
import type { FastifyReply } from 'fastify';
import type { Clients } from '../adapters/clients.js';
import type { Config } from '../config.js';
import type { TranscriptionService } from '../services/transcriptions.service.js';
import type { TranscriptReader } from '../services/transcript-reader.js';

export interface RouteContext {
  config: Config;
  db: Pool;
  clients: Clients;
  logger: Logger;
  transcriptions: TranscriptionService;
  reader: TranscriptReader;
  /** Aborted when the gateway starts draining: long waits give their request back at once. */
  shutdown: AbortSignal;
}

/** Aborted when the client goes away before the response is complete. */
export function disconnectSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
