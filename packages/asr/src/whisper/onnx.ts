// The Whisper encoder and decoder behind onnxruntime-node, in the layout of the public ONNX
// conversions (optimum, onnx-community/whisper-*):
//   encoder_model.onnx          input_features [B, n_mels, 3000] -> last_hidden_state [B, 1500, d]
//   decoder_model_merged.onnx   input_ids, encoder_hidden_states, past_key_values.N.{decoder,encoder}.{key,value},
//                               use_cache_branch -> logits, present.N.{decoder,encoder}.{key,value}
// or the older pair decoder_model.onnx (first step) + decoder_with_past_model.onnx (later steps).
// The first step runs without cache (use_cache_branch = false, empty past tensors) and returns
// the cross-attention keys/values computed from the encoder output; later steps feed one token and
// the cache. The encoder entries of `present` are ignored on cached steps (optimum's merged
// decoders return placeholders there) and the first step's kept, as transformers.js does.
// float16 exports are handled by converting at the edges.
import * as ort from 'onnxruntime-node';

export interface WhisperSessionOptions {
  threads: number;
  executionProvider: 'cpu' | 'cuda';
}

type Session = ort.InferenceSession;

function sessionOptions(o: WhisperSessionOptions): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: o.executionProvider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    intraOpNumThreads: o.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  };
}

function inputType(s: Session, name: string): ort.Tensor.Type {
  const meta = s.inputMetadata?.find((m) => m.name === name);
  return meta && meta.isTensor ? meta.type : 'float32';
}

export interface DecoderState {
  /** past_key_values.* tensors for the next cached step (empty before the first step). */
  past: Record<string, ort.Tensor>;
  /** Tokens already in the cache. */
  cached: number;
}

export class WhisperOnnx {
  private readonly pastNames: string[];
  private readonly floatType: ort.Tensor.Type;
  private readonly encoderFloat: ort.Tensor.Type;

  private constructor(
    private readonly encoder: Session,
    private readonly decoder: Session,
    private readonly decoderWithPast: Session | null,
    private readonly layers: number,
    private readonly heads: number,
    private readonly headDim: number,
  ) {
    const names: string[] = [];
    for (let i = 0; i < layers; i++) {
      for (const part of ['decoder', 'encoder']) for (const kv of ['key', 'value']) names.push(`past_key_values.${i}.${part}.${kv}`);
    }
    this.pastNames = names;
    const withPast = decoderWithPast ?? decoder;
    for (const n of names) {
      if (!withPast.inputNames.includes(n)) {
        throw new Error(`the decoder has no input "${n}" (inputs: ${withPast.inputNames.slice(0, 8).join(', ')}…); ` +
          'export it with past key values (optimum task automatic-speech-recognition-with-past)');
      }
    }
    this.floatType = inputType(withPast, names[0]!);
    this.encoderFloat = inputType(encoder, 'input_features');
  }

  static async load(paths: { encoder: string; decoder: string; decoderWithPast?: string }, dims: { layers: number; heads: number; headDim: number }, o: WhisperSessionOptions): Promise<WhisperOnnx> {
    const opts = sessionOptions(o);
    const encoder = await ort.InferenceSession.create(paths.encoder, opts);
    const decoder = await ort.InferenceSession.create(paths.decoder, opts).catch(async (e: unknown) => {
      await encoder.release();
      throw e;
    });
    let withPast: Session | null = null;
    if (paths.decoderWithPast) {
      withPast = await ort.InferenceSession.create(paths.decoderWithPast, opts).catch(async (e: unknown) => {
        await encoder.release();
        await decoder.release();
        throw e;
      });
    }
    for (const [s, what, inp] of [[encoder, 'encoder', 'input_features'], [decoder, 'decoder', 'input_ids']] as const) {
      if (!s.inputNames.includes(inp)) throw new Error(`the ${what} has no input "${inp}" (inputs: ${s.inputNames.join(', ')})`);
    }
    if (!decoder.outputNames.includes('logits')) throw new Error(`the decoder has no output "logits" (outputs: ${decoder.outputNames.join(', ')})`);
    return new WhisperOnnx(encoder, decoder, withPast, dims.layers, dims.heads, dims.headDim);
  }

  /** features: [nMels][frames] for one window. Returns the encoder's last_hidden_state. */
  async encode(features: Float32Array, nMels: number): Promise<ort.Tensor> {
    const frames = features.length / nMels;
    const input = this.encoderFloat === 'float16'
      ? new ort.Tensor('float16', toFloat16(features), [1, nMels, frames])
      : new ort.Tensor('float32', features, [1, nMels, frames]);
    const out = await this.encoder.run({ input_features: input });
    const name = this.encoder.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : this.encoder.outputNames[0]!;
    return out[name] as ort.Tensor;
  }

  newState(): DecoderState {
    return { past: {}, cached: 0 };
  }

  /**
   * Runs the decoder on `tokens` (all of them when the state is empty or `useCache` is false,
   * else only those not yet cached) and returns the logits of the last position, plus the
   * logits of position `alsoRow` when asked (for the no-speech probability).
   */
  async step(encoderOut: ort.Tensor, tokens: readonly number[], state: DecoderState, useCache = true, alsoRow?: number): Promise<{ last: Float32Array; row?: Float32Array }> {
    const cached = useCache && state.cached > 0;
    const fresh = cached ? tokens.slice(state.cached) : tokens;
    const session = cached && this.decoderWithPast ? this.decoderWithPast : this.decoder;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(fresh, (t) => BigInt(t)), [1, fresh.length]),
    };
    if (session.inputNames.includes('encoder_hidden_states')) feeds.encoder_hidden_states = encoderOut;
    if (session.inputNames.includes('use_cache_branch')) feeds.use_cache_branch = new ort.Tensor('bool', new Uint8Array([cached ? 1 : 0]), [1]);
    for (const name of this.pastNames) {
      if (!session.inputNames.includes(name)) continue;
      feeds[name] = cached ? state.past[name]! : this.emptyPast();
    }
    // only what is used: a cached step's encoder entries are placeholders, and some exports add
    // attention outputs (decoder_attentions.N, cross_attentions.N) we do not read
    const fetches = ['logits'];
    if (useCache) {
      for (const name of this.pastNames) {
        const present = name.replace('past_key_values', 'present');
        if ((!cached || name.includes('.decoder.')) && session.outputNames.includes(present)) fetches.push(present);
      }
    }
    const out = await session.run(feeds, fetches);
    const logits = out.logits as ort.Tensor;
    const [, t, v] = logits.dims as [number, number, number];
    const rowAt = (i: number): Float32Array => {
      const data = logits.data as Float32Array | Uint16Array;
      const sub = data.subarray(i * v, (i + 1) * v);
      return logits.type === 'float16' ? fromFloat16(sub as Uint16Array) : Float32Array.from(sub as Float32Array);
    };
    if (useCache) {
      const past: Record<string, ort.Tensor> = {};
      for (const name of this.pastNames) {
        const present = out[name.replace('past_key_values', 'present')] as ort.Tensor | undefined;
        if (name.includes('.encoder.') && cached) past[name] = state.past[name]!;
        else if (present) past[name] = present;
        else throw new Error(`the decoder did not return ${name.replace('past_key_values', 'present')}`);
      }
      state.past = past;
      state.cached = tokens.length;
    }
    const res: { last: Float32Array; row?: Float32Array } = { last: rowAt(t - 1) };
    if (alsoRow !== undefined && !cached && alsoRow < t) res.row = rowAt(alsoRow);
    return res;
  }

  private emptyPast(): ort.Tensor {
    const dims = [1, this.heads, 0, this.headDim];
    return this.floatType === 'float16' ? new ort.Tensor('float16', new Uint16Array(0), dims) : new ort.Tensor('float32', new Float32Array(0), dims);
  }

  async close(): Promise<void> {
    await this.encoder.release();
    await this.decoder.release();
    await this.decoderWithPast?.release();
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary32 → binary16 bits (round to nearest even). */
export function toFloat16(x: Float32Array): Uint16Array {
  const out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    f32[0] = x[i]!;
    const b = u32[0]!;
    const sign = (b >>> 16) & 0x8000;
    const exp = (b >>> 23) & 0xff;
    let mant = b & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      let h = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const half = 1 << (shift - 1);
      if (rem > half || (rem === half && (h & 1))) h++;
      out[i] = sign | h;
      continue;
    }
    let h = (e << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++; // a carry into the exponent is still right
    out[i] = sign | h;
  }
  return out;
}

/** binary16 bits → float32. */
export function fromFloat16(x: Uint16Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const h = x[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) out[i] = sign * mant * 2 ** -24;
    else if (exp === 0x1f) out[i] = mant ? NaN : sign * Infinity;
    else out[i] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return out;
}
