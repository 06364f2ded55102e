// Thin gRPC handlers for verbatim.upload.v1.UploadService: map messages to the media service and back.
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { isAppError, type ServiceImpl } from '@verbatim/common';
import { upload } from '@verbatim/proto';
import type { Media, UploadPart } from '../domain/media.js';
import type { MediaService } from '../domain/media.service.js';

export function toMediaMessage(m: Media) {
  return {
    id: m.id,
    accountId: m.accountId,
    filename: m.filename,
    format: m.format,
    durationSeconds: m.durationSeconds,
    channels: m.channels,
    sampleRate: m.sampleRate,
    sizeBytes: BigInt(m.sizeBytes),
    storageKey: m.storageKey,
    sha256: m.sha256,
    createdAt: timestampFromDate(m.createdAt),
  };
}

async function* toParts(requests: AsyncIterable<upload.UploadRequest>): AsyncIterable<UploadPart> {
  for await (const r of requests) {
    if (r.part.case === 'metadata') {
      const m = r.part.value;
      yield { kind: 'metadata', metadata: { accountId: m.accountId, filename: m.filename, contentType: m.contentType, declaredSize: Number(m.declaredSize) } };
    } else if (r.part.case === 'chunk') {
      yield { kind: 'chunk', bytes: r.part.value };
    }
    // A message with neither part carries nothing: skipped.
  }
}

/** Largest data field of one MediaChunk: well under gRPC's 4 MiB default message limit. */
const READ_CHUNK_BYTES = 256 * 1024;

/** Splits a byte stream into pieces of at most `max` bytes. */
async function* rechunk(body: AsyncIterable<Uint8Array>, max: number): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    for (let i = 0; i < chunk.byteLength; i += max) yield chunk.subarray(i, Math.min(chunk.byteLength, i + max));
  }
}

export function uploadHandlers(media: MediaService): ServiceImpl<typeof upload.UploadService> {
  return {
    upload: async (requests, ctx) => {
      try {
        const m = await media.upload(toParts(requests), ctx.signal);
        ctx.logger.info({ mediaId: m.id, accountId: m.accountId, format: m.format, sizeBytes: m.sizeBytes, durationSeconds: m.durationSeconds }, 'media uploaded');
        return { media: toMediaMessage(m) };
      } catch (e) {
        // Refusals are the customer's to fix, but operators want to see them (no content is logged).
        if (isAppError(e)) ctx.logger.info({ kind: e.kind, reason: e.message }, 'upload refused');
        throw e;
      }
    },
    getMedia: async (req) => toMediaMessage(await media.get(req.accountId, req.mediaId)),
    deleteMedia: async (req) => ({ deleted: await media.delete(req.accountId, req.mediaId) }),
    readMedia: async function* (req, ctx) {
      const r = await media.read(req.accountId, req.mediaId, Number(req.offset), Number(req.length), ctx.signal);
      let first = true;
      for await (const data of rechunk(r.body, READ_CHUNK_BYTES)) {
        yield first ? { data, totalSize: BigInt(r.media.sizeBytes), format: r.media.format } : { data };
        first = false;
      }
    },
  };
}
