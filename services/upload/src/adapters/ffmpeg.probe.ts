// The audio probe: ffmpeg decodes the upload's first audio stream to nowhere (`-f null`), which
// proves the file is decodable and measures its real duration, channels and sample rate. Bytes
// are piped in as they arrive; formats that need a seekable input (MP4/M4A) are spooled to a
// temporary file and probed once complete.
import { spawn, type ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { AppError, type Logger } from '@verbatim/common';
import { FfmpegOutputParser, judgeProbe, type ProbeVerdict } from '../domain/ffmpeg-output.js';
import type { AudioProbe, ByteSink } from '../domain/media.js';
import { undecodable } from '../domain/media.service.js';

export interface FfmpegProbeOptions {
  ffmpegPath: string;
  logger: Logger;
  /** Where seekable copies are spooled (an emptyDir in Kubernetes). */
  tmpDir?: string;
}

function ffmpegArgs(input: string): string[] {
  return ['-hide_banner', '-nostdin', '-nostats', '-progress', 'pipe:2', '-i', input, '-map', '0:a:0', '-f', 'null', '-'];
}

interface Running {
  child: ChildProcess;
  verdict: Promise<ProbeVerdict>;
  /** The process is gone (its output may still be being read until `verdict` settles). */
  exited: boolean;
}

function runFfmpeg(o: FfmpegProbeOptions, input: string, stdin: 'pipe' | 'ignore', onProgress?: (s: number) => void): Running {
  const parser = new FfmpegOutputParser(onProgress);
  const child = spawn(o.ffmpegPath, ffmpegArgs(input), { stdio: [stdin, 'ignore', 'pipe'] });
  const running: Running = { child, exited: false, verdict: Promise.resolve({ ok: false, reason: '' }) };
  running.verdict = new Promise<ProbeVerdict>((resolve, reject) => {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => parser.feed(text));
    child.once('error', (e) => {
      running.exited = true;
      o.logger.error({ err: e, ffmpeg: o.ffmpegPath }, 'could not run ffmpeg');
      reject(new AppError('unavailable', 'the audio decoder is unavailable; try again shortly'));
    });
    child.once('close', (code) => {
      running.exited = true;
      resolve(judgeProbe(code, parser.end()));
    });
  });
  running.verdict.catch(() => undefined);
  child.once('exit', () => (running.exited = true));
  child.stdin?.on('error', () => undefined); // EPIPE when ffmpeg gives up early: judged from its exit
  return running;
}

/** Waits until `stream` drains (true) or one of `stops` fires first (false); leaves no listeners behind. */
function drained(stream: Writable, stops: Array<[EventEmitter, string]>): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const done = (ok: boolean) => () => {
      stream.off('drain', onDrain);
      for (const [emitter, event] of stops) emitter.off(event, onStop);
      resolve(ok);
    };
    const onDrain = done(true);
    const onStop = done(false);
    stream.once('drain', onDrain);
    for (const [emitter, event] of stops) emitter.once(event, onStop);
  });
}

class PipedProbe implements ByteSink<ProbeVerdict> {
  private readonly run: Running;

  constructor(o: FfmpegProbeOptions, onProgress?: (s: number) => void) {
    this.run = runFfmpeg(o, 'pipe:0', 'pipe', onProgress);
  }

  async write(chunk: Uint8Array): Promise<void> {
    const stdin = this.run.child.stdin!;
    if (this.run.exited || stdin.destroyed) return this.afterExit();
    if (stdin.write(chunk)) return;
    if (!(await drained(stdin, [[this.run.child, 'exit'], [this.run.child, 'error'], [stdin, 'close']]))) return this.afterExit();
  }

  /** ffmpeg stopped reading: fine if it decoded the stream to its end, a refusal if it failed. */
  private async afterExit(): Promise<void> {
    const verdict = await this.run.verdict;
    if (!verdict.ok) throw undecodable(verdict.reason);
  }

  async finish(): Promise<ProbeVerdict> {
    this.run.child.stdin!.end();
    return this.run.verdict;
  }

  async abort(): Promise<void> {
    if (!this.run.exited) this.run.child.kill('SIGKILL');
    await this.run.verdict.catch(() => undefined);
  }
}

class SpooledProbe implements ByteSink<ProbeVerdict> {
  private file: Promise<{ dir: string; path: string; out: WriteStream }>;
  private run: Running | undefined;
  private aborted = false;
  private failed: unknown;

  constructor(
    private readonly o: FfmpegProbeOptions,
    private readonly onProgress?: (s: number) => void,
  ) {
    this.file = mkdtemp(join(o.tmpDir ?? tmpdir(), 'verbatim-upload-')).then((dir) => {
      const path = join(dir, 'audio');
      const out = createWriteStream(path, { mode: 0o600 });
      out.on('error', (e) => (this.failed = e));
      return { dir, path, out };
    });
    this.file.catch(() => undefined);
  }

  async write(chunk: Uint8Array): Promise<void> {
    const { out } = await this.file;
    if (this.aborted) throw new AppError('cancelled', 'the upload was aborted');
    if (this.failed) throw this.spoolFailed();
    if (out.write(chunk)) return;
    if (!(await drained(out, [[out, 'error'], [out, 'close']]))) throw this.failed ? this.spoolFailed() : new AppError('cancelled', 'the upload was aborted');
  }

  /** A full or broken scratch disk is ours to fix, not the customer's: logged, and retryable. */
  private spoolFailed(): AppError {
    this.o.logger.error({ err: this.failed, tmpDir: this.o.tmpDir ?? tmpdir() }, 'spooling an upload for probing failed');
    return new AppError('unavailable', 'the upload could not be processed right now; try again shortly');
  }

  async finish(): Promise<ProbeVerdict> {
    const { dir, path, out } = await this.file;
    try {
      await new Promise<void>((resolve, reject) => {
        out.once('error', reject);
        out.end(() => resolve());
      });
      if (this.aborted) throw new AppError('cancelled', 'the upload was aborted');
      this.run = runFfmpeg(this.o, `file:${path}`, 'ignore', this.onProgress);
      return await this.run.verdict;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async abort(): Promise<void> {
    if (this.aborted) return;
    this.aborted = true;
    if (this.run && !this.run.exited) this.run.child.kill('SIGKILL');
    const f = await this.file.catch(() => undefined);
    if (!f) return;
    f.out.destroy();
    await rm(f.dir, { recursive: true, force: true });
  }
}

export class FfmpegProbe implements AudioProbe {
  constructor(private readonly options: FfmpegProbeOptions) {}

  start(o: { seekable: boolean; onProgress?: (decodedSeconds: number) => void }): ByteSink<ProbeVerdict> {
    return o.seekable ? new SpooledProbe(this.options, o.onProgress) : new PipedProbe(this.options, o.onProgress);
  }

  /** Fails when ffmpeg cannot be run at all (checked once at start-up). */
  async check(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(this.options.ffmpegPath, ['-hide_banner', '-version'], { stdio: 'ignore' });
      child.once('error', (e) => reject(new Error(`ffmpeg (${this.options.ffmpegPath}) cannot be run: ${e.message}`)));
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg -version exited with ${code}`))));
    });
  }
}
