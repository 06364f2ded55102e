// Live captions (StreamCaptions): the first message is the config, then raw 16 kHz mono float32
// little-endian PCM in chunks of any size. The StreamingRecognizer re-decodes the undecided tail
// every few hundred milliseconds; an update is sent when the partial text changes or segments
// become final (final segments are never rewritten). End of input flushes the rest as final.
import type { MessageInitShape } from '@bufbuild/protobuf';
import { StreamingRecognizer } from '@verbatim/asr';
import { AppError, errors, type CallContext } from '@verbatim/common';
import type { inference } from '@verbatim/proto';
import { GENERAL_DOMAIN, checkBoosting, requireAccount, type ValidationLimits } from '../domain/jobs.js';
import type { ModelRuntime } from '../adapters/model.runtime.js';

export interface CaptionsOptions {
  /** Caption streams one replica serves at once (they share the CPU with batch jobs). */
  maxStreams: number;
  /** Longest stream accepted, seconds of audio. */
  maxSeconds: number;
  limits: () => ValidationLimits;
}

type Update = MessageInitShape<typeof inference.CaptionUpdateSchema>;

let open = 0;

export async function* captionsHandler(
  reqs: AsyncIterable<inference.CaptionAudio>,
  ctx: CallContext,
  model: () => ModelRuntime | undefined,
  o: CaptionsOptions,
): AsyncIterable<Update> {
  const input = reqs[Symbol.asyncIterator]();
  const first = await input.next();
  if (first.done || first.value.part.case !== 'config') throw errors.invalid('the first message of a caption stream must be its config');
  const config = first.value.part.value;
  requireAccount(config.accountId);
  const problems: string[] = [];
  const { domain, vocabulary } = checkBoosting(config.domain, config.vocabulary, o.limits(), problems);
  if (problems.length) throw errors.invalid(problems.join('; '));
  const runtime = model();
  if (!runtime) throw errors.unavailable('the speech model is not loaded yet; try again shortly');
  if (open >= o.maxStreams) throw new AppError('resource_exhausted', 'too many live caption streams on this server; try again shortly');

  open++;
  try {
    const useDomain = domain !== GENERAL_DOMAIN || runtime.domains.includes(GENERAL_DOMAIN);
    const recognizer = new StreamingRecognizer(runtime.engine, {
      ...(useDomain ? { domain } : {}),
      ...(vocabulary.length ? { vocabulary } : {}),
    });
    const maxSamples = o.maxSeconds * runtime.engine.info.sampleRate;
    let samples = 0;
    let carry: Uint8Array = new Uint8Array(0);
    let lastPartial = '';
    for (;;) {
      const next = await input.next();
      if (next.done) break;
      ctx.signal.throwIfAborted();
      const part = next.value.part;
      if (part.case === 'config') throw errors.invalid('the config may only be the first message of a caption stream');
      if (part.case !== 'pcm' || part.value.length === 0) continue;
      const { pcm, rest } = toFloat32(carry, part.value);
      carry = rest;
      samples += pcm.length;
      if (samples > maxSamples) throw errors.invalid(`a caption stream may carry at most ${o.maxSeconds} seconds of audio`);
      if (pcm.length === 0) continue;
      const u = await recognizer.push(pcm);
      if (u.final?.length || u.partial !== lastPartial) {
        lastPartial = u.partial;
        yield { partial: u.partial, final: u.final ?? [] };
      }
    }
    const last = await recognizer.flush();
    yield { partial: '', final: last.final };
  } finally {
    open--;
  }
}

/** Little-endian float32 samples from bytes, keeping a partial sample for the next chunk. */
export function toFloat32(carry: Uint8Array, chunk: Uint8Array): { pcm: Float32Array; rest: Uint8Array } {
  const all = carry.length ? Buffer.concat([carry, chunk]) : chunk;
  const whole = all.length - (all.length % 4);
  // A copy: the chunk's own buffer need not be 4-byte aligned.
  const bytes = new Uint8Array(whole);
  bytes.set(all.subarray(0, whole));
  return { pcm: new Float32Array(bytes.buffer), rest: all.slice(whole) };
}
