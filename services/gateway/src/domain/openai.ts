// Response and error shapes of OpenAI's audio transcription API, so that existing OpenAI SDK
// clients work against Verbatim unchanged.
import { deflateSync } from 'node:zlib';
import { toSrt, toText, toVtt } from './export.js';
import type { TranscriptBody } from './transcript.js';

export const OPENAI_RESPONSE_FORMATS = ['json', 'text', 'srt', 'vtt', 'verbose_json'] as const;
export type OpenAiResponseFormat = (typeof OPENAI_RESPONSE_FORMATS)[number];

const LANGUAGES: Record<string, string> = {
  en: 'english',
  de: 'german',
  fr: 'french',
  es: 'spanish',
  it: 'italian',
  nl: 'dutch',
  pt: 'portuguese',
};

/** Whisper reports the language by name; our models are English, so that is the default. */
export function languageName(code: string | undefined): string {
  if (!code) return 'english';
  const c = code.trim().toLowerCase();
  return LANGUAGES[c] ?? (Object.values(LANGUAGES).includes(c) ? c : 'english');
}

/** How repetitive the text is, as Whisper measures it: bytes over deflated bytes. */
export function compressionRatio(text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return 0;
  return Math.round((bytes.length / deflateSync(bytes).length) * 1000) / 1000;
}

export interface VerboseOptions {
  language?: string;
  words?: boolean;
}

export function verboseJson(t: TranscriptBody, options: VerboseOptions = {}) {
  const body: Record<string, unknown> = {
    task: 'transcribe',
    language: languageName(options.language),
    duration: t.duration_seconds,
    text: t.text,
    segments: t.segments.map((s) => ({
      id: s.id,
      seek: Math.floor(s.start * 100), // Whisper's seek is in 10 ms frames
      start: s.start,
      end: s.end,
      text: s.text,
      tokens: [] as number[],
      temperature: 0,
      avg_logprob: Math.round(Math.log(Math.min(1, Math.max(s.confidence, 1e-6))) * 10_000) / 10_000,
      compression_ratio: compressionRatio(s.text),
      no_speech_prob: 0,
    })),
  };
  if (options.words) body.words = t.segments.flatMap((s) => s.words.map((w) => ({ word: w.word, start: w.start, end: w.end })));
  return body;
}

/** The response body and its content type for one `response_format`. */
export function shapeOpenAiResponse(t: TranscriptBody, format: OpenAiResponseFormat, options: VerboseOptions = {}): { contentType: string; body: string | object } {
  switch (format) {
    case 'json':
      return { contentType: 'application/json; charset=utf-8', body: { text: t.text } };
    case 'verbose_json':
      return { contentType: 'application/json; charset=utf-8', body: verboseJson(t, options) };
    case 'text':
      return { contentType: 'text/plain; charset=utf-8', body: toText(t.segments, t.text) };
    case 'srt':
      return { contentType: 'text/plain; charset=utf-8', body: toSrt(t.segments) };
    case 'vtt':
      return { contentType: 'text/plain; charset=utf-8', body: toVtt(t.segments) };
  }
}

export interface OpenAiError {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** OpenAI's error shape; `type` follows their taxonomy by status. */
export function openAiError(status: number, message: string, code: string | null = null, param: string | null = null): OpenAiError {
  const type =
    status === 401
      ? 'invalid_request_error'
      : status === 402 || status === 429
        ? 'insufficient_quota'
        : status >= 500
          ? 'server_error'
          : 'invalid_request_error';
  return { error: { message, type, param, code } };
}
