// The media record and the ports the media service needs: object storage, an audio probe, a
// repository. Adapters implement them; tests may fake them.
import type { AudioFormat } from './audio-format.js';
import type { ProbeVerdict } from './ffmpeg-output.js';

export interface Media {
  id: string;
  accountId: string;
  filename: string;
  format: AudioFormat;
  durationSeconds: number;
  channels: number;
  sampleRate: number;
  sizeBytes: number;
  sha256: string;
  storageKey: string;
  createdAt: Date;
}

export interface UploadMetadata {
  accountId: string;
  filename: string;
  contentType: string;
  /** 0 when the client does not know. */
  declaredSize: number;
}

export type UploadPart = { kind: 'metadata'; metadata: UploadMetadata } | { kind: 'chunk'; bytes: Uint8Array };

/**
 * A destination the upload's bytes stream into. write() resolves when the sink can take more
 * (backpressure) and rejects once the sink has failed; abort() is idempotent, rejects pending
 * writes and leaves nothing behind.
 */
export interface ByteSink<R = void> {
  write(chunk: Uint8Array): Promise<void>;
  finish(): Promise<R>;
  abort(): Promise<void>;
}

export interface ObjectStore {
  beginUpload(key: string, contentType: string): ByteSink;
  /** Removes an object; succeeds when it is already gone. */
  delete(key: string): Promise<void>;
  /** Bytes [start, end] (inclusive) of an object, as a stream; end undefined reads to the last byte. */
  read(key: string, range: { start: number; end?: number }, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
}

export interface AudioProbe {
  /** seekable: the format cannot be validated from a pipe and needs a seekable (spooled) copy. */
  start(options: { seekable: boolean; onProgress?: (decodedSeconds: number) => void }): ByteSink<ProbeVerdict>;
}

export interface MediaRepository {
  /** Inserts the row and its media.uploaded.v1 event in one transaction. */
  insert(media: Media): Promise<void>;
  /** A live (not deleted) media of this account. */
  find(accountId: string, id: string): Promise<Media | undefined>;
  /**
   * Under a row lock: runs removeObject, marks the media deleted and enqueues media.deleted.v1, all
   * committed together. False when there is no live media of that id in the account.
   */
  markDeleted(accountId: string, id: string, removeObject: (media: Media) => Promise<void>): Promise<boolean>;
  /** Live media created before `before`, oldest first. */
  listExpired(before: Date, limit: number): Promise<Array<{ accountId: string; id: string }>>;
}

export interface UploadObserver {
  accepted(media: Media): void;
  rejected(kind: string): void;
}
