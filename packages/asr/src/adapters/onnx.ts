// The acoustic model behind onnxruntime-node: a batch of zero-padded PCM segments in, per-frame
// log-probabilities out. The rest of the engine sees only the AcousticModel interface, so it can
// be tested with a fake and a different runtime could be slotted in.
import * as ort from 'onnxruntime-node';

export interface AcousticBatchOutput {
  /** batch × frames × vocab, row-major. */
  data: Float32Array;
  batch: number;
  frames: number;
  vocab: number;
}

export interface AcousticModel {
  /** `audio` holds `batch` rows of `samples` floats (shorter segments zero-padded). */
  run(audio: Float32Array, batch: number, samples: number): Promise<AcousticBatchOutput>;
  close(): Promise<void>;
}

export interface OnnxModelOptions {
  inputName: string;
  outputName: string;
  intraOpThreads: number;
  executionProvider: 'cpu' | 'cuda';
}

export class OnnxAcousticModel implements AcousticModel {
  private constructor(private readonly session: ort.InferenceSession, private readonly opts: OnnxModelOptions) {}

  static async load(path: string, opts: OnnxModelOptions): Promise<OnnxAcousticModel> {
    const session = await ort.InferenceSession.create(path, {
      executionProviders: opts.executionProvider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
      intraOpNumThreads: opts.intraOpThreads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
    });
    if (!session.inputNames.includes(opts.inputName)) {
      throw new Error(`model input "${opts.inputName}" not found (model has ${session.inputNames.join(', ')})`);
    }
    if (!session.outputNames.includes(opts.outputName)) {
      throw new Error(`model output "${opts.outputName}" not found (model has ${session.outputNames.join(', ')})`);
    }
    return new OnnxAcousticModel(session, opts);
  }

  async run(audio: Float32Array, batch: number, samples: number): Promise<AcousticBatchOutput> {
    const input = new ort.Tensor('float32', audio, [batch, samples]);
    const out = await this.session.run({ [this.opts.inputName]: input }, [this.opts.outputName]);
    const t = out[this.opts.outputName]!;
    const dims = t.dims;
    if (dims.length !== 3) throw new Error(`model output has shape [${dims.join(', ')}], expected [batch, frames, tokens]`);
    const data = t.data as Float32Array;
    return { data, batch: Number(dims[0]), frames: Number(dims[1]), vocab: Number(dims[2]) };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
