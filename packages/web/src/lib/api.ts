// Typed client of the gateway's API for the web app. Same origin; the session cookie carries
// authentication and every state-changing request sends the CSRF token from the session.
import { csrf, rememberCsrf } from './session';

export type JobStatus = 'queued' | 'processing' | 'completed' | 'failed';
export type Domain = 'general' | 'medicine' | 'social_science' | 'software';

export interface Word {
  word: string;
  start: number;
  end: number;
  confidence: number;
}
export interface Segment {
  id: number;
  start: number;
  end: number;
  text: string;
  confidence: number;
  words: Word[];
}
export interface JobSummary {
  id: string;
  status: JobStatus;
  filename: string;
  domain: string;
  created_at: string;
  completed_at?: string | null;
  duration_seconds: number;
  progress?: number;
  queue_position?: number | null;
  failure_reason?: string | null;
}
export interface Transcript extends JobSummary {
  text?: string;
  segments?: Segment[];
  revision?: number;
  model?: { name: string; version: string };
}
export interface Session {
  user: { email: string };
  account: { id: string; name: string };
  csrf_token: string;
}
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export function setCsrfToken(token: string): void {
  rememberCsrf(token);
}

export async function request<T>(method: string, path: string, body?: unknown, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (method !== 'GET' && method !== 'HEAD') headers.set('x-csrf-token', csrf());
  let payload: BodyInit | undefined;
  if (body instanceof Blob || body instanceof ArrayBuffer) payload = body;
  else if (body !== undefined) {
    headers.set('content-type', 'application/json');
    payload = JSON.stringify(body);
  }
  const res = await fetch(path, { ...init, method, headers, body: payload, credentials: 'same-origin' });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const err = (data as { error?: { message?: string; code?: string } } | undefined)?.error;
    throw new ApiError(res.status, err?.message ?? `${res.status} ${res.statusText}`, err?.code);
  }
  return data as T;
}

export const api = {
  session: () => request<Session>('GET', '/v1/session'),
  signIn: (email: string, password: string) => request<Session>('POST', '/v1/session', { email, password }),
  signUp: (email: string, password: string, accountName: string) => request<Session>('POST', '/v1/signup', { email, password, account_name: accountName }),
  signOut: () => request<void>('DELETE', '/v1/session'),
  listJobs: (cursor?: string) => request<{ data: JobSummary[]; next_cursor: string | null }>('GET', `/v1/transcripts?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
  getTranscript: (id: string) => request<Transcript>('GET', `/v1/transcripts/${id}`),
  deleteJob: (id: string) => request<void>('DELETE', `/v1/transcripts/${id}`),
  correct: (id: string, baseRevision: number, edits: Array<{ segment_id: number; word_index: number; word: string }>) =>
    request<{ revision: number }>('POST', `/v1/transcripts/${id}/corrections`, { base_revision: baseRevision, edits }),
  rate: (id: string, score: number, comment: string) => request<void>('POST', `/v1/transcripts/${id}/rating`, { score, comment }),
  listKeys: () => request<{ data: ApiKey[] }>('GET', '/v1/api-keys'),
  createKey: (name: string) => request<ApiKey & { key: string }>('POST', '/v1/api-keys', { name }),
  revokeKey: (id: string) => request<void>('DELETE', `/v1/api-keys/${id}`),
  usage: () => request<{ month: string; audio_seconds: number; charged_usd: number; balance_usd: number; price_per_minute_usd: number; jobs: number }>('GET', '/v1/billing/usage'),
};

export const exportUrl = (id: string, format: string) => `/v1/transcripts/${id}/export?format=${format}`;
export const audioUrl = (id: string) => `/v1/transcripts/${id}/audio`;
