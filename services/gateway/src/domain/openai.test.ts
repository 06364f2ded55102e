import { compressionRatio, languageName, openAiError, shapeOpenAiResponse, verboseJson } from './openai';
import type { TranscriptBody } from './transcript';

const t: TranscriptBody = {
  text: 'Hello world. Second.',
  duration_seconds: 4.5,
  segments: [
    { id: 0, start: 0, end: 2, text: 'Hello world.', confidence: 0.5, words: [{ word: 'Hello', start: 0, end: 0.8, confidence: 0.9 }, { word: 'world.', start: 0.9, end: 2, confidence: 0.1 }] },
    { id: 1, start: 2.5, end: 4.5, text: 'Second.', confidence: 1, words: [] },
  ],
};

describe('OpenAI response shaping', () => {
  it('json is just the text', () => {
    expect(shapeOpenAiResponse(t, 'json')).toEqual({ contentType: 'application/json; charset=utf-8', body: { text: 'Hello world. Second.' } });
  });

  it('text, srt and vtt are plain text', () => {
    expect(shapeOpenAiResponse(t, 'text').body).toBe('Hello world.\nSecond.\n');
    expect(shapeOpenAiResponse(t, 'srt').body).toMatch(/^1\n00:00:00,000 --> 00:00:02,000\nHello world\.\n/);
    expect(shapeOpenAiResponse(t, 'vtt').body).toMatch(/^WEBVTT\n\n00:00:00\.000 --> 00:00:02\.000/);
    expect(shapeOpenAiResponse(t, 'vtt').contentType).toMatch(/^text\/plain/);
  });

  it('verbose_json follows Whisper', () => {
    const v = verboseJson(t, { language: 'en' }) as { segments: Array<Record<string, unknown>>; words?: unknown };
    expect(v).toMatchObject({ task: 'transcribe', language: 'english', duration: 4.5, text: 'Hello world. Second.' });
    expect(v.segments[0]).toMatchObject({ id: 0, seek: 0, start: 0, end: 2, text: 'Hello world.', tokens: [], temperature: 0, no_speech_prob: 0 });
    expect(v.segments[0]!.avg_logprob).toBeCloseTo(Math.log(0.5), 3);
    expect(v.segments[1]!.seek).toBe(250);
    expect(v.segments[1]!.avg_logprob).toBe(0);
    expect(v.words).toBeUndefined();
    expect(verboseJson(t, { words: true }).words).toEqual([
      { word: 'Hello', start: 0, end: 0.8 },
      { word: 'world.', start: 0.9, end: 2 },
    ]);
  });

  it('names languages', () => {
    expect(languageName(undefined)).toBe('english');
    expect(languageName('de')).toBe('german');
    expect(languageName('German')).toBe('german');
    expect(languageName('xx')).toBe('english');
  });

  it('measures compression ratio', () => {
    expect(compressionRatio('')).toBe(0);
    expect(compressionRatio('la '.repeat(100))).toBeGreaterThan(5);
  });

  it('shapes errors by status', () => {
    expect(openAiError(401, 'bad key', 'invalid_api_key')).toEqual({ error: { message: 'bad key', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    expect(openAiError(402, 'no credit').error.type).toBe('insufficient_quota');
    expect(openAiError(503, 'down').error.type).toBe('server_error');
    expect(openAiError(400, 'bad', null, 'file').error.param).toBe('file');
  });
});
