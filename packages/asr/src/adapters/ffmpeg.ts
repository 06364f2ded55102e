// Audio in: anything ffmpeg can read (file path or stream) decoded to mono float PCM at the
// model's rate, and probing through ffprobe. Errors a customer can act on are AudioDecodeError.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { detectAudioFormat, DETECT_HEAD_BYTES } from '../domain/audio-format.js';

export class AudioDecodeError extends Error {
  readonly kind = 'invalid_argument';
  constructor(message: string, readonly detail?: string) {
    super(message);
    this.name = 'AudioDecodeError';
  }
}

export interface DecodeAudioOptions {
  sampleRate?: number;
  signal?: AbortSignal;
  /** ffmpeg binary (default: `ffmpeg` on PATH, or FFMPEG_PATH). */
  ffmpegPath?: string;
}

const FFMPEG = () => process.env.FFMPEG_PATH || 'ffmpeg';
const FFPROBE = () => process.env.FFPROBE_PATH || 'ffprobe';

/**
 * Decode to mono float32 PCM in [-1, 1] at `sampleRate` (default 16 kHz). Streams input into
 * ffmpeg; the output grows in place, so the peak is about 1.5× the decoded audio.
 */
export async function decodeAudio(input: string | NodeJS.ReadableStream, opts: DecodeAudioOptions = {}): Promise<Float32Array> {
  if (typeof input !== 'string') {
    // MP4/M4A keeps its index (moov) wherever the encoder put it — often at the end, which a
    // pipe cannot seek to. Such streams are spooled to a temporary file; others stream through.
    const { head, stream } = await peek(input as Readable, DETECT_HEAD_BYTES);
    if (head.length === 0) throw new AudioDecodeError('The audio file is empty.');
    if (detectAudioFormat(head) === 'm4a') {
      const dir = await mkdtemp(join(tmpdir(), 'verbatim-audio-'));
      try {
        const file = join(dir, 'input.m4a');
        await pipeline(stream, createWriteStream(file), opts.signal ? { signal: opts.signal } : {});
        return await decodeFile(file, opts);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    return decodeFile(stream, opts);
  }
  return decodeFile(input, opts);
}

/** Read the first bytes of a stream and give back a stream that still yields all of it. */
async function peek(src: Readable, bytes: number): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let have = 0;
  const iterator = src[Symbol.asyncIterator]();
  let ended = false;
  while (have < bytes) {
    const r = await iterator.next();
    if (r.done) { ended = true; break; }
    const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
    chunks.push(b);
    have += b.length;
  }
  async function* rest() {
    yield* chunks;
    if (!ended) for (let r = await iterator.next(); !r.done; r = await iterator.next()) yield r.value as Buffer;
  }
  const out = Readable.from(rest(), { objectMode: false });
  return { head: Buffer.concat(chunks), stream: out };
}

async function decodeFile(input: string | Readable, opts: DecodeAudioOptions): Promise<Float32Array> {
  const rate = opts.sampleRate ?? 16000;
  if (typeof input === 'string') {
    const s = await stat(input).catch(() => null);
    if (!s || !s.isFile()) throw new AudioDecodeError(`No such audio file: ${input}`);
    if (s.size === 0) throw new AudioDecodeError('The audio file is empty.');
  }
  opts.signal?.throwIfAborted();
  const args = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-i', typeof input === 'string' ? input : 'pipe:0',
    '-vn', '-ac', '1', '-ar', String(rate), '-f', 'f32le', '-acodec', 'pcm_f32le', 'pipe:1'];
  const child = spawn(opts.ffmpegPath ?? FFMPEG(), args, { stdio: [typeof input === 'string' ? 'ignore' : 'pipe', 'pipe', 'pipe'] });

  let buf = Buffer.alloc(1 << 20);
  let len = 0;
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    if (len + d.length > buf.length) {
      const bigger = Buffer.alloc(Math.max(len + d.length, Math.floor(buf.length * 1.5)));
      buf.copy(bigger, 0, 0, len);
      buf = bigger;
    }
    d.copy(buf, len);
    len += d.length;
  });
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString();
  });
  if (typeof input !== 'string') {
    const src = input;
    // ffmpeg may stop reading early (bad header): that is its error to report, not EPIPE's.
    child.stdin!.on('error', () => undefined);
    src.on('error', (e) => child.kill('SIGKILL') && (stderr += `input stream failed: ${e.message}`));
    src.pipe(child.stdin!);
    child.once('close', () => src.destroy());
  }
  const onAbort = () => child.kill('SIGKILL');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', (e: NodeJS.ErrnoException) =>
        reject(e.code === 'ENOENT' ? new Error('ffmpeg is not installed (needed to decode audio)') : e));
      child.on('close', (c) => resolve(c));
    });
    opts.signal?.throwIfAborted();
    if (code !== 0) {
      throw new AudioDecodeError('The audio could not be decoded: it is not a supported audio format or the file is damaged.', stderr.trim());
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  const samples = Math.floor(len / 4);
  if (samples === 0) throw new AudioDecodeError('The file contains no audio.');
  // Copy into an aligned buffer only if needed (Buffer.alloc of ≥ 4 KiB is not pooled: aligned).
  if (buf.byteOffset % 4 === 0) return new Float32Array(buf.buffer, buf.byteOffset, samples);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + samples * 4));
}

export interface AudioProbe {
  /** Short container name where known (wav, flac, mp3, ogg, m4a, webm), else ffprobe's. */
  format: string;
  durationSeconds: number;
  channels: number;
  sampleRate: number;
}

const FORMAT_NAMES: Array<[RegExp, string]> = [
  [/^wav$/, 'wav'], [/^flac$/, 'flac'], [/^mp3$/, 'mp3'], [/^ogg$/, 'ogg'],
  [/^mov,mp4,m4a/, 'm4a'], [/^matroska,webm$/, 'webm'],
];

export async function probeAudio(path: string): Promise<AudioProbe> {
  const s = await stat(path).catch(() => null);
  if (!s || !s.isFile()) throw new AudioDecodeError(`No such audio file: ${path}`);
  if (s.size === 0) throw new AudioDecodeError('The audio file is empty.');
  const child = spawn(FFPROBE(), ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? new Error('ffprobe is not installed (needed to probe audio)') : e));
    child.on('close', resolve);
  });
  if (code !== 0) throw new AudioDecodeError('The file is not a supported audio format or is damaged.', err.trim());
  const info = JSON.parse(out) as {
    format?: { format_name?: string; duration?: string };
    streams?: Array<{ codec_type?: string; channels?: number; sample_rate?: string; duration?: string }>;
  };
  const audio = info.streams?.find((st) => st.codec_type === 'audio');
  if (!audio) throw new AudioDecodeError('The file contains no audio stream.');
  const name = info.format?.format_name ?? 'unknown';
  const format = FORMAT_NAMES.find(([re]) => re.test(name))?.[1] ?? name;
  const duration = Number(info.format?.duration ?? audio.duration ?? NaN);
  return {
    format,
    durationSeconds: Number.isFinite(duration) ? duration : 0,
    channels: audio.channels ?? 0,
    sampleRate: Number(audio.sample_rate ?? 0),
  };
}
