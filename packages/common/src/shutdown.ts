// Graceful shutdown: on SIGTERM/SIGINT run the service's stop sequence once, within a deadline;
// a second signal or a missed deadline exits with failure instead of hanging.
import type { Logger } from 'pino';

export function onShutdown(logger: Logger, stop: () => Promise<void>, deadlineMs: number): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, deadlineMs }, 'draining');
    const timer = setTimeout(() => {
      logger.error({ deadlineMs }, 'drain deadline passed: exiting with work possibly in flight');
      process.exit(1);
    }, deadlineMs);
    timer.unref();
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (e: unknown) => {
        logger.error({ err: e }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => handler('SIGTERM'));
  process.once('SIGINT', () => handler('SIGINT'));
}

/** Runs a service's main; configuration errors and start-up failures exit 1 with a clear log. */
export function runMain(logger: Pick<Logger, 'fatal'> | undefined, main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    if (logger) logger.fatal({ err: e }, 'failed to start');
    else console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
