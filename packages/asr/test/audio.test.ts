// Audio in, against the real ffmpeg/ffprobe: format detection by content on files ffmpeg makes
// in every supported container, decoding from paths and streams, and the errors customers see.
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AudioDecodeError, decodeAudio, detectAudioFormat, probeAudio } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'asr-audio-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FORMATS = [
  ['wav', ['-c:a', 'pcm_s16le']],
  ['flac', ['-c:a', 'flac']],
  ['mp3', ['-c:a', 'libmp3lame', '-b:a', '64k']],
  ['ogg', ['-c:a', 'libopus', '-b:a', '32k']],
  ['m4a', ['-c:a', 'aac', '-b:a', '64k']],
  ['webm', ['-c:a', 'libopus', '-b:a', '32k']],
] as const;

function make(ext: string, codec: readonly string[], seconds = 1.5, channels = 2, rate = 44100): string {
  const path = join(dir, `tone.${ext}`);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${rate}:duration=${seconds}`,
    '-ac', String(channels), ...codec, path]);
  return path;
}

describe.each(FORMATS)('%s', (ext, codec) => {
  let path: string;
  beforeAll(() => { path = make(ext, codec); });

  it('is detected by its first bytes', () => {
    expect(detectAudioFormat(readFileSync(path).subarray(0, 64))).toBe(ext);
  });

  it('is probed', async () => {
    const p = await probeAudio(path);
    expect(p.format).toBe(ext);
    expect(p.channels).toBe(2);
    expect(p.durationSeconds).toBeGreaterThan(1.4);
    expect(p.durationSeconds).toBeLessThan(1.7);
  });

  it('decodes to 16 kHz mono float from a path and from a stream', async () => {
    const a = await decodeAudio(path);
    expect(a.length / 16000).toBeGreaterThan(1.4);
    expect(a.length / 16000).toBeLessThan(1.7);
    const peak = a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(peak).toBeGreaterThan(0.1);
    expect(peak).toBeLessThanOrEqual(1.0001);
    const b = await decodeAudio(createReadStream(path));
    expect(Math.abs(b.length - a.length)).toBeLessThan(1600);
  });
});

describe('bad input', () => {
  it('is not detected as audio', () => {
    expect(detectAudioFormat(Buffer.from('%PDF-1.7 hello'))).toBeNull();
    expect(detectAudioFormat(new Uint8Array(0))).toBeNull();
    expect(detectAudioFormat(Buffer.from('<html><body>'))).toBeNull();
  });

  it('gives a readable AudioDecodeError for garbage, empty and missing files', async () => {
    const garbage = join(dir, 'garbage.wav');
    writeFileSync(garbage, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
    const empty = join(dir, 'empty.mp3');
    writeFileSync(empty, '');
    await expect(decodeAudio(garbage)).rejects.toThrow(AudioDecodeError);
    await expect(decodeAudio(garbage)).rejects.toThrow(/could not be decoded/);
    await expect(decodeAudio(empty)).rejects.toThrow(/empty/);
    await expect(decodeAudio(join(dir, 'nope.wav'))).rejects.toThrow(/No such audio file/);
    await expect(decodeAudio(Readable.from([]))).rejects.toThrow(/empty/);
    await expect(decodeAudio(Readable.from([Buffer.from('not audio at all, just text')]))).rejects.toThrow(AudioDecodeError);
    await expect(probeAudio(garbage)).rejects.toThrow(AudioDecodeError);
  });

  it('reports a container with no audio samples', async () => {
    const silentHeader = join(dir, 'zero.wav');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'anullsrc=r=16000:cl=mono', '-t', '0', silentHeader]);
    await expect(decodeAudio(silentHeader)).rejects.toThrow(/no audio/);
  });

  it('stops when aborted', async () => {
    const path = make('wav', ['-c:a', 'pcm_s16le'], 1);
    const ac = new AbortController();
    ac.abort();
    await expect(decodeAudio(path, { signal: ac.signal })).rejects.toThrow(/abort/i);
  });
});
