// Entry point: telemetry first, then configuration, build, start; SIGTERM drains.
import { createLogger, onShutdown, runMain, startTelemetry } from '@verbatim/common';

const telemetry = startTelemetry('billing');

runMain(undefined, async () => {
  // Loaded after telemetry so the HTTP and gRPC modules are instrumented.
  const { loadConfig } = await import('./config.js');
  const { build } = await import('./app.js');
  const config = loadConfig();
  const logger = createLogger('billing', config.LOG_LEVEL);
  const app = build(config, { logger });
  await app.start();
  onShutdown(
    logger,
    async () => {
      await app.stop();
      await telemetry.shutdown();
    },
    config.SHUTDOWN_DEADLINE_MS,
  );
});
