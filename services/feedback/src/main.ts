// Process entry: telemetry first, then configuration, the app, and graceful shutdown on signals.
import { createLogger, onShutdown, runMain, startTelemetry } from '@verbatim/common';

const telemetry = startTelemetry('feedback');

runMain(undefined, async () => {
  // Loaded after telemetry so the instrumented modules are patched.
  const { loadConfig } = await import('./config.js');
  const { build } = await import('./app.js');
  const config = loadConfig();
  const logger = createLogger('feedback', config.LOG_LEVEL);
  const app = build(config, { logger });
  onShutdown(
    logger,
    async () => {
      await app.stop();
      await telemetry.shutdown();
    },
    config.SHUTDOWN_DEADLINE_MS,
  );
  try {
    await app.start();
  } catch (e) {
    logger.fatal({ err: e }, 'failed to start');
    await app.stop().catch(() => undefined);
    process.exit(1);
  }
});
