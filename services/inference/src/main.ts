// Entry point: telemetry first, then configuration, then the app; SIGTERM drains it.
import { createLogger, onShutdown, runMain, startTelemetry } from '@verbatim/common';
import { build } from './app.js';
import { loadConfig } from './config.js';

const telemetry = startTelemetry('inference');

runMain(undefined, async () => {
  const config = loadConfig();
  const logger = createLogger('inference', config.LOG_LEVEL);
  const app = build(config, { logger });
  try {
    await app.start();
  } catch (e) {
    await app.stop().catch(() => undefined);
    await telemetry.shutdown().catch(() => undefined);
    logger.fatal({ err: e }, 'failed to start');
    process.exit(1);
  }
  onShutdown(
    logger,
    async () => {
      await app.stop();
      await telemetry.shutdown();
    },
    config.SHUTDOWN_DEADLINE_MS,
  );
});
