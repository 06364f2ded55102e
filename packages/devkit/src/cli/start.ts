// `pnpm start`: the whole platform on this machine with embedded defaults. Objects persist in
// .verbatim/s3, logs go to .verbatim/logs/<service>.log, the API key to .verbatim/dev-api-key.
import { join, resolve } from 'node:path';
import { startPlatform } from '../platform.js';

async function main(): Promise<void> {
  const root = resolve(__dirname, '../../../..');
  const state = join(root, '.verbatim');
  const gatewayPort = Number(process.env.PORT ?? 8080);
  console.error('starting Verbatim: embedded S3, upload, inference, billing, feedback, gateway…');
  const platform = await startPlatform({
    root,
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/verbatim',
    natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    natsNamespace: process.env.NATS_NAMESPACE ?? '',
    s3Directory: join(state, 's3'),
    s3Port: Number(process.env.S3_PORT ?? 9000),
    ports: {
      gateway: gatewayPort,
      upload: 50051,
      uploadOps: 9101,
      inference: 50052,
      inferenceOps: 9102,
      billing: 50053,
      billingOps: 9103,
      feedback: 50054,
      feedbackOps: 9104,
    },
    logDir: join(state, 'logs'),
    keyFile: join(state, 'dev-api-key'),
  });
  console.error(`
Verbatim is running.
  Web app and API:  ${platform.gatewayUrl}        (API docs: ${platform.gatewayUrl}/docs)
  API key:          ${platform.apiKey}   (also in .verbatim/dev-api-key)
  Operator key:     in .verbatim/operator-api-key   (/v1/admin, /v1/quality; e.g. a manual top-up)
  Web sign-in:      ${platform.webLogin.email} / ${platform.webLogin.password}   (also in .verbatim/dev-login)
  Object storage:   ${platform.s3.endpoint}  (embedded; data in .verbatim/s3)
  Logs:             .verbatim/logs/<service>.log

  Try:  curl -H "Authorization: Bearer ${platform.apiKey}" -F file=@interview.wav ${platform.gatewayUrl}/v1/transcripts
Press Ctrl-C to stop.`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    console.error('stopping (services drain their work)…');
    platform.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(`could not start Verbatim: ${(e as Error).message}`);
  process.exit(1);
});
