// Resumable uploads: a file goes up in parts; after a dropped connection the upload asks the
// server how much it already has and continues from there, so a 1 GB interview never restarts.
import { ApiError, request } from './api';

export interface UploadOptions {
  domain: string;
  vocabulary: string[];
  onProgress: (sentBytes: number, totalBytes: number) => void;
  signal?: AbortSignal;
}

interface UploadSession {
  id: string;
  offset: number;
  size: number;
  chunk_size: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function putPart(id: string, offset: number, blob: Blob, onProgress: (loaded: number) => void, signal?: AbortSignal, csrf = ''): Promise<number> {
  // XMLHttpRequest, because fetch cannot report upload progress.
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', `/v1/uploads/${id}/parts?offset=${offset}`);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.setRequestHeader('x-csrf-token', csrf);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve((JSON.parse(xhr.responseText) as { offset: number }).offset);
      else {
        let message = `upload failed (${xhr.status})`;
        try {
          message = (JSON.parse(xhr.responseText) as { error: { message: string } }).error.message;
        } catch {
          /* keep the generic message */
        }
        reject(new ApiError(xhr.status, message));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'connection lost'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(blob);
  });
}

export async function uploadFile(file: File, opts: UploadOptions, csrf: string): Promise<{ id: string }> {
  const session = await request<UploadSession>('POST', '/v1/uploads', {
    filename: file.name,
    size: file.size,
    content_type: file.type || 'application/octet-stream',
    domain: opts.domain,
    vocabulary: opts.vocabulary,
  });
  let offset = session.offset;
  let failures = 0;
  while (offset < file.size) {
    if (opts.signal?.aborted) throw new ApiError(0, 'cancelled');
    const end = Math.min(file.size, offset + session.chunk_size);
    try {
      offset = await putPart(session.id, offset, file.slice(offset, end), (loaded) => opts.onProgress(offset + loaded, file.size), opts.signal, csrf);
      failures = 0;
      opts.onProgress(offset, file.size);
    } catch (e) {
      const err = e as ApiError;
      // A 4xx other than an offset mismatch is final (not audio, too large...): say so.
      if (err.status >= 400 && err.status < 500 && err.status !== 409) throw err;
      if (++failures > 8) throw err;
      await sleep(Math.min(30_000, 500 * 2 ** failures));
      // Ask where the server is, then continue from there.
      offset = (await request<UploadSession>('GET', `/v1/uploads/${session.id}`)).offset;
    }
  }
  return request<{ id: string }>('POST', `/v1/uploads/${session.id}/complete`);
}
