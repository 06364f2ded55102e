// Byte streams on their way to the upload service: re-cut into gRPC-sized chunks, counted, and
// stopped at the size limit, without ever holding more than one chunk.
import { AppError } from '@verbatim/common';

export const CHUNK_BYTES = 256 * 1024;

export function tooLarge(limit: number): AppError {
  return new AppError('payload_too_large', `the audio is larger than the limit of ${formatBytes(limit)}`);
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${Math.round((n / 1024 ** 3) * 10) / 10} GiB`;
  if (n >= 1024 ** 2) return `${Math.round((n / 1024 ** 2) * 10) / 10} MiB`;
  return `${n} bytes`;
}

/**
 * Yields the source's bytes in chunks of exactly `size` (the last may be shorter). Throws a 413
 * once more than `limit` bytes have come, or when `truncated()` says the producer cut the stream.
 */
export async function* rechunk(source: AsyncIterable<Buffer | Uint8Array>, options: { size?: number; limit: number; truncated?: () => boolean }): AsyncGenerator<Buffer> {
  const size = options.size ?? CHUNK_BYTES;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let total = 0;
  for await (const piece of source) {
    let buf = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    total += buf.length;
    if (total > options.limit || options.truncated?.()) throw tooLarge(options.limit);
    while (buf.length > 0) {
      const take = Math.min(size - pendingBytes, buf.length);
      pending.push(buf.subarray(0, take));
      pendingBytes += take;
      buf = buf.subarray(take);
      if (pendingBytes === size) {
        yield Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
      }
    }
  }
  if (options.truncated?.()) throw tooLarge(options.limit);
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}
