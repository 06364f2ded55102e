import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCommand, UsageError } from './args.js';
import { EXIT, runCli } from './cli.js';

const TINY = resolve(__dirname, '../../asr/test/fixtures/tiny-ctc');
const tmp = mkdtempSync(join(tmpdir(), 'cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s), stderrIsTty: false } };
}

/** A WAV file the tiny test model reads as `text` (a frame of value k/100 is token k). */
function wavSaying(text: string, name: string, leadSeconds = 0.5): string {
  const tokens = ['<blank>', ' ', "'", ...'abcdefghijklmnopqrstuvwxyz'];
  const frames: number[] = Array.from({ length: Math.round(leadSeconds / 0.03) }, () => 0);
  for (const ch of text) frames.push(tokens.indexOf(ch) / 100, tokens.indexOf(ch) / 100, 0);
  frames.push(...Array.from({ length: 20 }, () => 0));
  const pcm = new Float32Array(frames.length * 480);
  frames.forEach((v, f) => pcm.fill(v, f * 480, (f + 1) * 480));
  const raw = join(tmp, `${name}.f32`);
  writeFileSync(raw, Buffer.from(pcm.buffer));
  const wav = join(tmp, `${name}.wav`);
  // 32-bit float WAV keeps the exact values the fake model keys on.
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'f32le', '-ar', '16000', '-ac', '1', '-i', raw, '-c:a', 'pcm_f32le', wav]);
  return wav;
}

describe('argument parsing', () => {
  it('reads the transcribe command and its options', () => {
    expect(parseCommand(['transcribe', 'a.wav', '--domain', 'medicine', '--vocabulary', 'metformin, beta blocker ,', '--format', 'srt', '--threads', '2', '--model-dir', '/m'])).toEqual({
      command: 'transcribe', file: 'a.wav', domain: 'medicine', vocabulary: ['metformin', 'beta blocker'], format: 'srt',
      modelDir: '/m', threads: 2, useLm: true, quiet: false,
    });
    expect(parseCommand(['transcribe', 'a.wav', '--no-lm', '-q'])).toMatchObject({ format: 'txt', useLm: false, quiet: true, vocabulary: [] });
    expect(parseCommand(['--help'])).toEqual({ command: 'help' });
  });

  it.each([
    [[], /missing command/],
    [['transcribe'], /missing <file>/],
    [['translate', 'a.wav'], /unknown command "translate"/],
    [['transcribe', 'a.wav', '--format', 'docx'], /--format must be one of txt, json, srt, vtt/],
    [['transcribe', 'a.wav', '--threads', '0'], /--threads must be a whole number/],
    [['transcribe', 'a.wav', '--colour'], /Unknown option '--colour'/],
    [['transcribe', 'a.wav', 'b.wav'], /one file at a time/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
    expect(() => parseCommand(argv)).toThrow(message);
  });
});

describe('verbatim transcribe', () => {
  it('prints the transcript in each format', async () => {
    const wav = wavSaying('good morning', 'hello');
    const txt = io();
    expect(await runCli(['transcribe', wav, '--model-dir', TINY], txt.io)).toBe(EXIT.ok);
    expect(txt.out.join('')).toBe('good morning\n');
    expect(txt.err.join('')).toMatch(/of audio in .* model tiny-ctc 0\.0\.1/);

    const json = io();
    expect(await runCli(['transcribe', wav, '--model-dir', TINY, '--format', 'json', '-q'], json.io)).toBe(EXIT.ok);
    const t = JSON.parse(json.out.join(''));
    expect(t).toMatchObject({ text: 'good morning', model: { name: 'tiny-ctc', version: '0.0.1' } });
    expect(t.segments[0].words.map((w: { word: string }) => w.word)).toEqual(['good', 'morning']);
    expect(json.err).toEqual([]);

    const srt = io();
    await runCli(['transcribe', wav, '--model-dir', TINY, '--format', 'srt', '-q'], srt.io);
    expect(srt.out.join('')).toMatch(/^1\n00:00:00,\d{3} --> 00:00:0\d,\d{3}\ngood morning\n$/);

    const vtt = join(tmp, 'out.vtt');
    await runCli(['transcribe', wav, '--model-dir', TINY, '--format', 'vtt', '-q', '-o', vtt], io().io);
    expect(readFileSync(vtt, 'utf8')).toMatch(/^WEBVTT\n\n00:00:00\.\d{3} --> /);
  });

  it('shows progress on stderr for long files', async () => {
    const wav = wavSaying('the patient', 'long', 40);
    const r = io();
    expect(await runCli(['transcribe', wav, '--model-dir', TINY], r.io)).toBe(EXIT.ok);
    expect(r.err.join('')).toMatch(/transcribing: 100% \(0:4\d \/ 0:4\d\)/);
  });

  it('exits 3 with a clear message for a missing or undecodable file', async () => {
    const missing = io();
    expect(await runCli(['transcribe', join(tmp, 'nope.mp3'), '--model-dir', TINY], missing.io)).toBe(EXIT.badInput);
    expect(missing.err.join('')).toMatch(/No such audio file/);
    const junk = join(tmp, 'junk.wav');
    writeFileSync(junk, 'this is not audio, it is a text file pretending to be a wav');
    const bad = io();
    expect(await runCli(['transcribe', junk, '--model-dir', TINY], bad.io)).toBe(EXIT.badInput);
    expect(bad.err.join('')).toMatch(/could not be decoded/);
    expect(bad.err.join('')).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it('exits 4 when the model cannot be loaded and 2 for usage errors', async () => {
    const wav = wavSaying('cat', 'cat');
    const noModel = io();
    expect(await runCli(['transcribe', wav, '--model-dir', join(tmp, 'no-model')], noModel.io)).toBe(EXIT.model);
    expect(noModel.err.join('')).toMatch(/manifest\.json is missing/);
    const usage = io();
    expect(await runCli(['transcribe'], usage.io)).toBe(EXIT.usage);
    expect(usage.err.join('')).toMatch(/Usage: verbatim transcribe/);
    const domain = io();
    expect(await runCli(['transcribe', wav, '--model-dir', TINY, '--domain', 'law'], domain.io)).toBe(EXIT.usage);
    expect(domain.err.join('')).toMatch(/Unknown domain "law"; this model knows: medicine/);
  });
});
