// The `verbatim` command: decode a local file, load the engine, transcribe, print. Everything it
// touches comes in through CliIo so tests run it in-process; main.ts only wires the process.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  AudioDecodeError, InvalidRequestError, ModelLoadError, decodeAudio, defaultModelDir, loadEngine, toSrt, toText, toVtt,
  type SpeechEngine, type Transcript,
} from '@verbatim/asr';
import { parseCommand, USAGE, UsageError, type TranscribeCommand } from './args.js';

export const EXIT = { ok: 0, failure: 1, usage: 2, badInput: 3, model: 4, interrupted: 130 } as const;

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Whether stderr is a terminal (progress redraws one line) or a log (a line per 10%). */
  stderrIsTty: boolean;
  signal?: AbortSignal;
  /** Directory relative paths are resolved against (pnpm scripts run in the repo root). */
  cwd?: string;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let cmd;
  try {
    cmd = parseCommand(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`verbatim: ${e.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    throw e;
  }
  if (cmd.command === 'help') {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  if (cmd.command === 'version') {
    io.stdout('verbatim 0.1.0\n');
    return EXIT.ok;
  }
  const at = (p: string) => resolve(io.cwd ?? process.cwd(), p);
  const shown = cmd.file;
  cmd = { ...cmd, file: at(cmd.file), ...(cmd.modelDir ? { modelDir: at(cmd.modelDir) } : {}), ...(cmd.output ? { output: at(cmd.output) } : {}) };
  try {
    return await transcribe(cmd, io);
  } catch (e) {
    if (e instanceof AudioDecodeError) {
      io.stderr(`verbatim: ${shown}: ${e.message}\n`);
      return EXIT.badInput;
    }
    if (e instanceof ModelLoadError) {
      io.stderr(`verbatim: ${e.message}\n(set --model-dir or VERBATIM_MODEL_DIR to a model folder with a manifest.json)\n`);
      return EXIT.model;
    }
    if (e instanceof InvalidRequestError) {
      io.stderr(`verbatim: ${e.message}\n`);
      return EXIT.usage;
    }
    if ((e as Error).name === 'AbortError') {
      io.stderr('verbatim: interrupted\n');
      return EXIT.interrupted;
    }
    io.stderr(`verbatim: failed: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.failure;
  }
}

async function transcribe(cmd: TranscribeCommand, io: CliIo): Promise<number> {
  const started = Date.now();
  // Decode first: a bad file is reported before the model is loaded.
  const pcm = await decodeAudio(cmd.file, { sampleRate: 16000, ...(io.signal ? { signal: io.signal } : {}) });
  const modelDir = cmd.modelDir ?? defaultModelDir();
  const engine: SpeechEngine = await loadEngine(modelDir, { threads: cmd.threads ?? 1, decoder: { useLm: cmd.useLm } });
  let transcript: Transcript;
  try {
    if (engine.info.sampleRate !== 16000) throw new ModelLoadError(`model expects ${engine.info.sampleRate} Hz audio; the CLI feeds 16000 Hz`);
    const total = pcm.length / 16000;
    const progress = cmd.quiet || total < 30 ? undefined : progressReporter(io);
    transcript = await engine.transcribe(pcm, {
      ...(cmd.domain ? { domain: cmd.domain } : {}),
      ...(cmd.vocabulary.length ? { vocabulary: cmd.vocabulary } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
      ...(progress ? { onProgress: progress } : {}),
    });
    if (progress && io.stderrIsTty) io.stderr('\n');
  } finally {
    await engine.close();
  }
  const body = render(transcript, cmd.format);
  if (cmd.output) await writeFile(cmd.output, body);
  else io.stdout(body);
  if (!cmd.quiet) {
    const secs = (Date.now() - started) / 1000;
    io.stderr(`verbatim: ${formatClock(transcript.durationSeconds)} of audio in ${secs.toFixed(1)} s `
      + `(${(transcript.durationSeconds / Math.max(secs, 1e-3)).toFixed(0)}× real time), model ${transcript.model.name} ${transcript.model.version}\n`);
  }
  return EXIT.ok;
}

export function render(t: Transcript, format: TranscribeCommand['format']): string {
  switch (format) {
    case 'json': return JSON.stringify(t, null, 2) + '\n';
    case 'srt': return toSrt(t);
    case 'vtt': return toVtt(t);
    default: return toText(t);
  }
}

function progressReporter(io: CliIo) {
  let lastTenth = -1;
  return (done: number, total: number) => {
    const pct = Math.min(100, Math.floor((done / total) * 100));
    if (io.stderrIsTty) {
      io.stderr(`\rtranscribing: ${String(pct).padStart(3)}%  ${formatClock(done)} / ${formatClock(total)}`);
    } else if (Math.floor(pct / 10) > lastTenth) {
      lastTenth = Math.floor(pct / 10);
      io.stderr(`transcribing: ${pct}% (${formatClock(done)} / ${formatClock(total)})\n`);
    }
  };
}

function formatClock(s: number): string {
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return `${m}:${String(sec).padStart(2, '0')}`;
}
