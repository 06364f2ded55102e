// The gateway process: telemetry first, then configuration, connections, start; SIGTERM drains.
import { EventBus, createLogger, createMetrics, onShutdown, runMain, startTelemetry } from '@verbatim/common';

const telemetry = startTelemetry('gateway');

runMain(undefined, async () => {
  const { loadConfig } = await import('./config.js');
  const config = loadConfig();
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const metrics = createMetrics('gateway');
  const { build } = await import('./app.js');
  const bus = config.WEBHOOKS_ENABLED ? await EventBus.connect({ url: config.NATS_URL, namespace: config.NATS_NAMESPACE, name: 'gateway', logger, metrics }) : null;
  const gateway = await build(config, { logger, metrics, bus });
  const port = await gateway.start();
  logger.info({ port }, 'gateway listening');
  onShutdown(
    logger,
    async () => {
      await gateway.stop();
      await bus?.close();
      await telemetry.shutdown();
    },
    config.SHUTDOWN_DEADLINE_MS,
  );
});
