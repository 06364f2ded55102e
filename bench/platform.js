// Shared by the platform benchmarks: run `fn(platform, work)` against the whole platform started
// with a scratch database and NATS namespace (as the e2e tests do), then remove all of it.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const { startPlatform, uniqueName } = require(path.join(ROOT, 'packages/devkit/dist/index.js'));

async function withPlatform(name, options, fn) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `verbatim-${name}-`));
  const dbName = uniqueName(`verbatim_${name}`);
  const platform = await startPlatform({
    root: ROOT,
    databaseUrl: `postgres://postgres@127.0.0.1:5432/${dbName}`,
    natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    natsNamespace: uniqueName(name).replace(/_/g, '-'),
    logDir: path.join(work, 'logs'),
    keyFile: path.join(work, 'key'),
    ...options,
  });
  try {
    return await fn(platform, work);
  } finally {
    await platform.stop();
    const pg = require(path.join(ROOT, 'packages/devkit/node_modules/pg'));
    const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await c.end();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function runMain(main) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

module.exports = { ROOT, withPlatform, runMain };
