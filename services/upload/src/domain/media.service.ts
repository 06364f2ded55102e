// The media service: takes an upload stream, detects its format, streams the bytes at once into
// object storage and into the audio probe (never holding the file in memory), enforces the size
// and duration limits, and records the media with its event. Also reads, deletes and expires media.
import { createHash, randomUUID } from 'node:crypto';
import { AppError, isAppError, keys } from '@verbatim/common';
import { DETECTION_HEAD_BYTES, SUPPORTED_FORMATS_TEXT, detectAudioFormat, formatFromDemuxer, needsSeekableInput, type AudioFormat } from './audio-format.js';
import { checkDeclaredSize, exceedsDuration, exceedsSize, retentionCutoff, tooLarge, tooLong, type UploadLimits } from './limits.js';
import type { AudioProbe, Media, MediaRepository, ObjectStore, UploadMetadata, UploadObserver, UploadPart } from './media.js';

const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const MEDIA_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const CONTENT_TYPES: Record<AudioFormat, string> = {
  wav: 'audio/wav',
  flac: 'audio/flac',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  webm: 'audio/webm',
};

export function undecodable(reason: string): AppError {
  return new AppError('unprocessable', `the file could not be decoded as audio: ${reason}`);
}

export function unsupported(): AppError {
  return new AppError('unsupported_media_type', `the file is not in a supported audio format; supported formats are ${SUPPORTED_FORMATS_TEXT}`);
}

function checkAccount(accountId: string): void {
  if (!ACCOUNT_ID.test(accountId)) throw new AppError('invalid_argument', 'account_id is missing or malformed');
}

function cleanFilename(name: string): string {
  // Kept for display only (the storage key never uses it): strip any path and control characters.
  // eslint-disable-next-line no-control-regex
  const base = (name.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (base || 'audio').slice(0, 255);
}

/** An iterator whose next() rejects as soon as the call is cancelled, rather than waiting for data. */
function cancellable<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncIterator<T> & { release(): void } {
  const inner = source[Symbol.asyncIterator]();
  const reason = () => (isAppError(signal.reason) ? signal.reason : new AppError('cancelled', 'the caller cancelled the upload'));
  return {
    next: () =>
      new Promise<IteratorResult<T>>((resolve, reject) => {
        if (signal.aborted) return reject(reason());
        const onAbort = () => reject(reason());
        signal.addEventListener('abort', onAbort, { once: true });
        inner.next().then(
          (r) => {
            signal.removeEventListener('abort', onAbort);
            resolve(r);
          },
          (e: unknown) => {
            signal.removeEventListener('abort', onAbort);
            reject(signal.aborted ? reason() : e);
          },
        );
      }),
    release: () => void inner.return?.()?.catch(() => undefined),
  };
}

export interface MediaServiceOptions {
  store: ObjectStore;
  probe: AudioProbe;
  repository: MediaRepository;
  limits: UploadLimits;
  /** Uploads handled at once by this replica; more are refused with resource_exhausted. */
  maxConcurrentUploads: number;
  observer?: UploadObserver;
  newId?: () => string;
  now?: () => Date;
}

export class MediaService {
  private active = 0;

  constructor(private readonly o: MediaServiceOptions) {}

  get uploadsInFlight(): number {
    return this.active;
  }

  async upload(parts: AsyncIterable<UploadPart>, signal: AbortSignal): Promise<Media> {
    try {
      if (this.active >= this.o.maxConcurrentUploads) {
        throw new AppError('resource_exhausted', 'too many uploads in progress on this server; try again shortly');
      }
      this.active++;
      try {
        const media = await this.receive(parts, signal);
        this.o.observer?.accepted(media);
        return media;
      } finally {
        this.active--;
      }
    } catch (e) {
      this.o.observer?.rejected(isAppError(e) ? e.kind : 'internal');
      throw e;
    }
  }

  private async receive(parts: AsyncIterable<UploadPart>, signal: AbortSignal): Promise<Media> {
    const { limits } = this.o;
    const it = cancellable(parts, signal);
    try {
      const first = await it.next();
      if (first.done) throw new AppError('invalid_argument', 'the upload stream was empty: send the metadata (account_id, filename) first, then the bytes');
      if (first.value.kind !== 'metadata') throw new AppError('invalid_argument', 'the first message of an upload must carry its metadata (account_id, filename)');
      const meta: UploadMetadata = first.value.metadata;
      checkAccount(meta.accountId);
      checkDeclaredSize(meta.declaredSize, limits);

      const nextChunk = async (): Promise<Uint8Array | undefined> => {
        const n = await it.next();
        if (n.done) return undefined;
        if (n.value.kind !== 'chunk') throw new AppError('invalid_argument', 'the metadata may be sent only once, as the first message');
        return n.value.bytes;
      };

      // Gather just enough of the head to recognise the format before storing anything.
      const head: Uint8Array[] = [];
      let headBytes = 0;
      let ended = false;
      while (headBytes < DETECTION_HEAD_BYTES) {
        const chunk = await nextChunk();
        if (!chunk) {
          ended = true;
          break;
        }
        head.push(chunk);
        headBytes += chunk.length;
        if (exceedsSize(headBytes, limits)) throw tooLarge(limits);
      }
      if (headBytes === 0) throw undecodable('the file is empty (no bytes were received)');
      const headBuffer = Buffer.concat(head);
      const detected = detectAudioFormat(headBuffer);
      if (!detected) throw unsupported();

      const id = (this.o.newId ?? randomUUID)();
      const storageKey = keys.audio(meta.accountId, id);
      return await this.streamAndRecord({ nextChunk, headBuffer, ended, detected, id, storageKey, meta, signal });
    } finally {
      it.release();
    }
  }

  private async streamAndRecord(s: {
    nextChunk: () => Promise<Uint8Array | undefined>;
    headBuffer: Buffer;
    ended: boolean;
    detected: AudioFormat;
    id: string;
    storageKey: string;
    meta: UploadMetadata;
    signal: AbortSignal;
  }): Promise<Media> {
    const { limits, store, probe } = this.o;
    let failure: AppError | undefined;
    const object = store.beginUpload(s.storageKey, CONTENT_TYPES[s.detected]);
    const decoder = probe.start({
      seekable: needsSeekableInput(s.detected),
      onProgress: (seconds) => {
        if (!failure && exceedsDuration(seconds, limits)) {
          failure = tooLong(limits);
          void decoder.abort();
        }
      },
    });
    const abortAll = () => Promise.allSettled([object.abort(), decoder.abort()]);
    const onCancel = () => void abortAll();
    s.signal.addEventListener('abort', onCancel, { once: true });

    const hash = createHash('sha256');
    let size = 0;
    const feed = async (chunk: Uint8Array) => {
      if (failure) throw failure;
      size += chunk.length;
      if (exceedsSize(size, limits)) throw tooLarge(limits);
      hash.update(chunk);
      // Both sinks take the same chunk; the next is read only when both can take it (backpressure).
      await Promise.all([object.write(chunk), decoder.write(chunk)]);
    };

    try {
      await feed(s.headBuffer);
      if (!s.ended) {
        for (let chunk = await s.nextChunk(); chunk; chunk = await s.nextChunk()) {
          if (chunk.length) await feed(chunk);
        }
      }
      if (failure) throw failure;
      const [stored, verdict] = await Promise.allSettled([object.finish(), decoder.finish()]);
      if (failure) throw failure;
      if (verdict.status === 'rejected') throw verdict.reason;
      if (!verdict.value.ok) throw undecodable(verdict.value.reason);
      if (exceedsDuration(verdict.value.durationSeconds, limits)) throw tooLong(limits);
      if (stored.status === 'rejected') throw stored.reason;

      const media: Media = {
        id: s.id,
        accountId: s.meta.accountId,
        filename: cleanFilename(s.meta.filename),
        format: formatFromDemuxer(verdict.value.demuxer) ?? s.detected,
        durationSeconds: Math.round(verdict.value.durationSeconds * 1000) / 1000,
        channels: verdict.value.stream.channels,
        sampleRate: verdict.value.stream.sampleRate,
        sizeBytes: size,
        sha256: hash.digest('hex'),
        storageKey: s.storageKey,
        createdAt: (this.o.now ?? (() => new Date()))(),
      };
      await this.o.repository.insert(media);
      return media;
    } catch (e) {
      await abortAll();
      // The object may be complete by now (the probe judges last): it must not outlive a refusal.
      await store.delete(s.storageKey).catch(() => undefined);
      // A limit crossed mid-stream is the real reason, not the sink errors that aborting it caused.
      throw failure ?? (s.signal.aborted ? new AppError('cancelled', 'the caller cancelled the upload') : e);
    } finally {
      s.signal.removeEventListener('abort', onCancel);
    }
  }

  async get(accountId: string, mediaId: string): Promise<Media> {
    checkAccount(accountId);
    const media = MEDIA_ID.test(mediaId) ? await this.o.repository.find(accountId, mediaId) : undefined;
    if (!media) throw new AppError('not_found', 'media not found');
    return media;
  }

  /**
   * The stored audio of a live media, or the byte range [offset, offset + length) of it (length 0:
   * to the end), for playback. An offset past the end is out of range (HTTP 416 at the gateway).
   */
  async read(accountId: string, mediaId: string, offset: number, length: number, signal?: AbortSignal): Promise<{ media: Media; start: number; end: number; body: AsyncIterable<Uint8Array> }> {
    const media = await this.get(accountId, mediaId);
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) throw new AppError('invalid_argument', 'offset and length must be non-negative integers');
    if (media.sizeBytes === 0 || offset >= media.sizeBytes) throw new AppError('invalid_argument', `offset ${offset} is past the end of the ${media.sizeBytes}-byte audio`);
    const end = length === 0 ? media.sizeBytes - 1 : Math.min(media.sizeBytes - 1, offset + length - 1);
    return { media, start: offset, end, body: await this.o.store.read(media.storageKey, { start: offset, end }, signal) };
  }

  /** True when this call deleted it; false when it was already gone (idempotent). */
  async delete(accountId: string, mediaId: string): Promise<boolean> {
    checkAccount(accountId);
    if (!MEDIA_ID.test(mediaId)) return false;
    return this.o.repository.markDeleted(accountId, mediaId, (m) => this.o.store.delete(m.storageKey));
  }

  /** Deletes media past retention, in batches; returns how many it deleted. */
  async sweepExpired(retentionDays: number, batch = 100, maxPerSweep = 10_000): Promise<number> {
    const cutoff = retentionCutoff((this.o.now ?? (() => new Date()))(), retentionDays);
    if (!cutoff) return 0;
    let deleted = 0;
    while (deleted < maxPerSweep) {
      const expired = await this.o.repository.listExpired(cutoff, batch);
      for (const m of expired) if (await this.delete(m.accountId, m.id)) deleted++;
      if (expired.length < batch) break;
    }
    return deleted;
  }
}
