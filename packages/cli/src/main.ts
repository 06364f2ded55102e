#!/usr/bin/env node
// Process wiring for the `verbatim` command (see cli.ts): argv in, exit code out, Ctrl-C aborts.
import { runCli } from './cli.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.once('SIGTERM', () => controller.abort());

runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  stderrIsTty: Boolean(process.stderr.isTTY),
  signal: controller.signal,
  // `pnpm verbatim …` runs in the repository root; pnpm passes the caller's directory here.
  cwd: process.env.INIT_CWD ?? process.cwd(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);
