// Pieces of the live-caption WebSocket that need no socket: the client's config message, audio
// frames as the float32 PCM inference takes, a queue that feeds the bidi StreamCaptions RPC, and
// the close code an error ends the socket with.
import { errors, httpStatusFor, isAppError, type ErrorKind } from '@verbatim/common';
import type { Domain } from '../domain/transcript.js';
import { parseJobOptions } from '../routes/transcripts.routes.js';

export type PcmFormat = 'f32le' | 's16le';
export const SAMPLE_RATE = 16_000;

export interface CaptionConfig {
  domain: Domain;
  vocabulary: string[];
  format: PcmFormat;
}

/** The first client message: JSON {domain?, vocabulary?, format?: "f32le" | "s16le", sample_rate?: 16000}. */
export function parseCaptionConfig(text: string): CaptionConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw errors.invalid('the first message must be the JSON config, e.g. {"domain":"general","vocabulary":[]}');
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw errors.invalid('the config must be a JSON object');
  const c = raw as Record<string, unknown>;
  const known = new Set(['type', 'domain', 'vocabulary', 'format', 'sample_rate']);
  const unknown = Object.keys(c).filter((k) => !known.has(k));
  if (unknown.length) throw errors.invalid(`unknown config field ${unknown[0]}`);
  if (c.type !== undefined && c.type !== 'config') throw errors.invalid('the first message must be the config');
  const format = c.format ?? 'f32le';
  if (format !== 'f32le' && format !== 's16le') throw errors.invalid('format must be "f32le" (float32 little-endian) or "s16le" (16-bit little-endian)');
  if (c.sample_rate !== undefined && c.sample_rate !== SAMPLE_RATE) throw errors.invalid(`sample_rate must be ${SAMPLE_RATE} (mono)`);
  const { domain, vocabulary } = parseJobOptions({ domain: c.domain, vocabulary: c.vocabulary });
  return { domain, vocabulary, format };
}

/**
 * One binary frame as float32 little-endian bytes for inference. f32le passes through (inference
 * keeps a partial sample for the next chunk); s16le is converted here, keeping an odd byte.
 */
export class PcmConverter {
  private carry: Buffer = Buffer.alloc(0);
  constructor(readonly format: PcmFormat) {}

  push(frame: Buffer): Uint8Array {
    if (this.format === 'f32le') return frame;
    const all = this.carry.length ? Buffer.concat([this.carry, frame]) : frame;
    const samples = all.length >> 1;
    const out = Buffer.allocUnsafe(samples * 4);
    for (let i = 0; i < samples; i++) out.writeFloatLE(all.readInt16LE(i * 2) / 32768, i * 4);
    this.carry = Buffer.from(all.subarray(samples * 2));
    return out;
  }
}

/** A single-consumer async queue: the WebSocket pushes, the gRPC call pulls. */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private ended = false;
  bytes = 0;

  constructor(private readonly sizeOf: (item: T) => number = () => 0, private readonly onDrain?: () => void) {}

  push(item: T): void {
    if (this.ended) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: item, done: false });
      return;
    }
    this.items.push(item);
    this.bytes += this.sizeOf(item);
  }

  end(): void {
    this.ended = true;
    if (this.waiting && this.items.length === 0) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: undefined, done: true });
    }
  }

  get isEnded(): boolean {
    return this.ended;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item !== undefined) {
          this.bytes -= this.sizeOf(item);
          if (this.items.length === 0) this.onDrain?.();
          return Promise.resolve({ value: item, done: false });
        }
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
      return: () => {
        this.end();
        this.items = [];
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

/** Application close codes are 4000 + the HTTP status of the error's kind (4400, 4429, 4503, …). */
export function closeFor(e: unknown): { code: number; reason: string } {
  if (isAppError(e)) {
    const status = httpStatusFor(e.kind as ErrorKind);
    const reason = status >= 500 && e.kind === 'internal' ? 'internal error' : e.message;
    return { code: 4000 + status, reason };
  }
  return { code: 4500, reason: 'internal error' };
}

/** A close reason fits in 123 bytes of UTF-8. */
export function clip(reason: string): string {
  let r = reason;
  while (Buffer.byteLength(r) > 123) r = `${r.slice(0, r.length - 2)}…`;
  return r;
}
