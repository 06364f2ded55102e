// POST /v1/audio/transcriptions driven by the official `openai` client over real HTTP, so an
// existing OpenAI integration is known to work unchanged.
import { Writable } from 'node:stream';
import { createLogger } from '@verbatim/common';
import OpenAI, { toFile } from 'openai';
import { fakeAudio, multipart, startTestGateway, type TestGateway } from './support';

let t: TestGateway;
const logLines: string[] = [];
let client: OpenAI;
let account: Awaited<ReturnType<TestGateway['newAccount']>>;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  t = await startTestGateway({ SYNC_TRANSCRIPTION_TIMEOUT_MS: '1000' }, { logger: createLogger('gateway', 'info', sink) });
  account = await t.newAccount('OpenAI user');
  client = new OpenAI({ apiKey: account.apiKey, baseURL: `http://127.0.0.1:${t.port}/v1`, maxRetries: 0 });
  t.fakes.autoCompleteAfterPolls = 0; // every job completes on its first poll
});

afterAll(() => t.close());

const file = () => toFile(fakeAudio(64_000), 'talk.wav', { type: 'audio/wav' });

describe('OpenAI-compatible transcription', () => {
  it('lists models, with whisper-1 as an alias of the default', async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(['whisper-1', 'verbatim-en']);
  });

  it('json (the default) returns {text}', async () => {
    const res = await client.audio.transcriptions.create({ file: await file(), model: 'whisper-1' });
    expect(res).toEqual({ text: 'hello world from verbatim' });
  });

  it('text, srt and vtt return plain text', async () => {
    const text = await client.audio.transcriptions.create({ file: await file(), model: 'whisper-1', response_format: 'text' });
    expect(text).toBe('hello world from verbatim\n');
    const srt = await client.audio.transcriptions.create({ file: await file(), model: 'whisper-1', response_format: 'srt' });
    expect(srt).toBe('1\n00:00:00,000 --> 00:00:02,000\nhello world from verbatim\n');
    const vtt = await client.audio.transcriptions.create({ file: await file(), model: 'whisper-1', response_format: 'vtt' });
    expect(String(vtt).startsWith('WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nhello world from verbatim')).toBe(true);
  });

  it('verbose_json with word timestamps, and the prompt becomes vocabulary', async () => {
    const res = await client.audio.transcriptions.create({
      file: await file(),
      model: 'verbatim-en',
      response_format: 'verbose_json',
      timestamp_granularities: ['word', 'segment'],
      prompt: 'JetStream, Jepsen',
      language: 'en',
      temperature: 0,
    });
    expect(res).toMatchObject({ task: 'transcribe', language: 'english', duration: 2, text: 'hello world from verbatim' });
    expect(res.segments![0]).toMatchObject({ id: 0, seek: 0, start: 0, end: 2, tokens: [], temperature: 0 });
    expect(res.words![1]).toEqual({ word: 'world', start: 0.5, end: 0.9 });
    const created = t.fakes.calls.filter((c) => c.method === 'CreateJob').pop()!.request as { vocabulary: string[]; domain: string };
    expect(created).toMatchObject({ vocabulary: ['JetStream', 'Jepsen'], domain: 'general' });
  });

  it('errors come in OpenAI shape: bad key, bad response_format, failed job, time-out', async () => {
    const bad = new OpenAI({ apiKey: 'sk-not-ours', baseURL: `http://127.0.0.1:${t.port}/v1`, maxRetries: 0 });
    await expect(bad.audio.transcriptions.create({ file: await file(), model: 'whisper-1' })).rejects.toMatchObject({
      status: 401,
      error: { type: 'invalid_request_error', code: 'invalid_api_key', message: expect.stringMatching(/malformed API key/) },
    });

    const body = multipart({ model: 'whisper-1', response_format: 'docx' }, { filename: 'a.wav', content: fakeAudio(1000) });
    const res = await t.gateway.http.inject({ method: 'POST', url: '/v1/audio/transcriptions', headers: { ...account.auth, ...body.headers }, payload: body.payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { message: expect.stringMatching(/response_format must be one of/), type: 'invalid_request_error', param: 'response_format', code: 'invalid_argument' } });

    const pdf = multipart({ model: 'whisper-1' }, { filename: 'a.pdf', content: Buffer.from('%PDF-1.4') });
    const refused = await t.gateway.http.inject({ method: 'POST', url: '/v1/audio/transcriptions', headers: { ...account.auth, ...pdf.headers }, payload: pdf.payload });
    expect(refused.statusCode).toBe(415);
    expect(refused.json().error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_format' });

    t.fakes.autoCompleteAfterPolls = null;
    const timedOut = client.audio.transcriptions.create({ file: await file(), model: 'whisper-1' });
    await expect(timedOut).rejects.toMatchObject({ status: 504, error: { type: 'server_error', message: expect.stringMatching(/did not finish within 1 s/) } });

    t.fakes.failJobsWith = 'the audio contains no speech';
    await expect(client.audio.transcriptions.create({ file: await file(), model: 'whisper-1' })).rejects.toMatchObject({
      status: 422,
      error: { message: 'the transcription failed: the audio contains no speech' },
    });
    t.fakes.failJobsWith = null;
  });

  it('stops waiting when the client goes away', async () => {
    t.fakes.autoCompleteAfterPolls = null;
    const polls = t.fakes.count('GetJob');
    const controller = new AbortController();
    const pending = client.audio.transcriptions.create({ file: await file(), model: 'whisper-1' }, { signal: controller.signal }).catch((e: unknown) => e);
    while (t.fakes.count('GetJob') === polls) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await pending;
    // The wait ends as cancelled (it would otherwise poll until the time-out).
    while (!logLines.some((l) => l.includes('"kind":"cancelled"'))) await new Promise((r) => setTimeout(r, 20));
  });

  it('logs neither API keys nor transcript text', () => {
    const all = logLines.join('');
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain(account.apiKey.split('_')[2]);
    expect(all).not.toContain('hello world from verbatim');
  });

  it('a wait in progress when the gateway drains is answered at once, and not to be retried', async () => {
    t.fakes.autoCompleteAfterPolls = null;
    const polls = t.fakes.count('GetJob');
    const pending = client.audio.transcriptions.create({ file: await file(), model: 'whisper-1' }).catch((e: unknown) => e);
    while (t.fakes.count('GetJob') === polls) await new Promise((r) => setTimeout(r, 10));
    const stopped = t.gateway.stop();
    const err = (await pending) as { status: number; headers: Headers; error: { message: string } };
    expect(err).toMatchObject({ status: 503, error: { message: expect.stringMatching(/restarting; the transcription goes on as job/) } });
    expect(err.headers.get('x-should-retry')).toBe('false');
    await stopped;
  });
});

