// Entry point: telemetry first, then configuration, then the app; SIGTERM drains it.
import { createLogger, onShutdown, runMain, startTelemetry } from '@verbatim/common';
startTelemetry('upload');

import { build, SERVICE_NAME } from './app.js';
import { loadConfig } from './config.js';

runMain(undefined, async () => {
  const config = loadConfig();
  const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  const app = build(config, { logger });
  onShutdown(logger, () => app.stop(), config.SHUTDOWN_DEADLINE_MS);
  await app.start();
});
