// The acoustic model on worker threads. onnxruntime-node's session.run() is synchronous on the
// calling thread (its promise only defers the call), so in-process inference blocks the event
// loop and runs one batch at a time. A pool of workers, each with its own session, runs batches
// in parallel up to the thread budget while the main thread runs the beam search.
import { Worker } from 'node:worker_threads';
import type { AcousticBatchOutput, AcousticModel, OnnxModelOptions } from './onnx.js';

// Plain CommonJS evaluated in the worker, so the same code runs from dist/ and under ts-jest/SWC.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
let session;
async function init() {
  session = await ort.InferenceSession.create(workerData.modelPath, {
    executionProviders: workerData.executionProvider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    intraOpNumThreads: workerData.intraOpThreads, interOpNumThreads: 1,
    graphOptimizationLevel: 'all', executionMode: 'sequential',
  });
  return { inputs: session.inputNames, outputs: session.outputNames };
}
parentPort.on('message', async (m) => {
  try {
    if (m.type === 'init') return parentPort.postMessage({ id: m.id, ok: await init() });
    if (m.type === 'close') { await session?.release(); return parentPort.postMessage({ id: m.id, ok: true }); }
    const input = new ort.Tensor('float32', new Float32Array(m.audio), [m.batch, m.samples]);
    const out = await session.run({ [workerData.inputName]: input }, [workerData.outputName]);
    const t = out[workerData.outputName];
    const data = t.data;
    const copy = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
    parentPort.postMessage({ id: m.id, ok: { data: copy.buffer, dims: t.dims.map(Number) } }, [copy.buffer]);
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  }
});
`;

interface Pending { resolve: (v: unknown) => void; reject: (e: Error) => void }

class ModelWorker {
  readonly worker: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  busy = false;
  dead = false;

  constructor(workerData: object) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
    this.worker.on('message', (m: { id: number; ok?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.ok);
    });
    this.worker.on('error', (e) => { this.dead = true; this.failAll(e); });
    this.worker.on('exit', (code) => { this.dead = true; this.failAll(new Error(`inference worker exited (${code})`)); });
    this.worker.unref();
  }

  call<T>(msg: object, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.dead) return Promise.reject(new Error('inference worker is not running'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      // Referenced only while a call is outstanding: an idle pool must not keep a process alive.
      this.worker.ref();
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  private failAll(e: Error) {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}

export interface WorkerPoolOptions extends OnnxModelOptions {
  modelPath: string;
  workers: number;
}

export class OnnxWorkerPool implements AcousticModel {
  private readonly queue: Array<() => void> = [];

  private closed = false;

  private constructor(private readonly workers: ModelWorker[], private readonly workerData: object) {}

  static async load(opts: WorkerPoolOptions): Promise<OnnxWorkerPool> {
    const workerData = {
      ortPath: require.resolve('onnxruntime-node'),
      modelPath: opts.modelPath,
      inputName: opts.inputName,
      outputName: opts.outputName,
      intraOpThreads: opts.intraOpThreads,
      executionProvider: opts.executionProvider,
    };
    const workers = Array.from({ length: Math.max(1, opts.workers) }, () => new ModelWorker(workerData));
    try {
      const names = await Promise.all(workers.map((w) => w.call<{ inputs: string[]; outputs: string[] }>({ type: 'init' })));
      const { inputs, outputs } = names[0]!;
      if (!inputs.includes(opts.inputName)) throw new Error(`model input "${opts.inputName}" not found (model has ${inputs.join(', ')})`);
      if (!outputs.includes(opts.outputName)) throw new Error(`model output "${opts.outputName}" not found (model has ${outputs.join(', ')})`);
    } catch (e) {
      await Promise.all(workers.map((w) => w.worker.terminate()));
      throw e;
    }
    return new OnnxWorkerPool(workers, workerData);
  }

  async run(audio: Float32Array, batch: number, samples: number): Promise<AcousticBatchOutput> {
    const w = await this.acquire();
    try {
      // The batch buffer is built for this call only, so it can be moved, not copied.
      const buf = audio.byteOffset === 0 && audio.byteLength === audio.buffer.byteLength ? audio.buffer : audio.slice().buffer;
      const r = await w.call<{ data: ArrayBuffer; dims: number[] }>({ type: 'run', audio: buf, batch, samples }, [buf as ArrayBuffer]);
      if (r.dims.length !== 3) throw new Error(`model output has shape [${r.dims.join(', ')}], expected [batch, frames, tokens]`);
      return { data: new Float32Array(r.data), batch: r.dims[0]!, frames: r.dims[1]!, vocab: r.dims[2]! };
    } finally {
      this.release(w);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map(async (w) => {
      await w.call({ type: 'close' }).catch(() => undefined);
      await w.worker.terminate();
    }));
  }

  private acquire(): Promise<ModelWorker> {
    if (this.closed) return Promise.reject(new Error('the model is closed'));
    for (const w of this.workers) {
      if (w.dead && !w.busy) {
        w.busy = true;
        this.release(w); // replaces it
      }
    }
    const idle = this.workers.find((w) => !w.busy && !w.dead);
    if (idle) {
      idle.busy = true;
      return Promise.resolve(idle);
    }
    return new Promise((resolve) => this.queue.push(() => resolve(this.acquire())));
  }

  private release(w: ModelWorker) {
    if (w.dead && !this.closed) {
      // A worker that died (out of memory, a native crash) is replaced; the batch it held has
      // already failed and the job's retry policy decides what happens to it.
      const fresh = new ModelWorker(this.workerData);
      fresh.busy = true;
      this.workers[this.workers.indexOf(w)] = fresh;
      void fresh.call({ type: 'init' }).then(
        () => { fresh.busy = false; this.queue.shift()?.(); },
        () => { fresh.dead = true; fresh.busy = false; },
      );
      return;
    }
    w.busy = false;
    this.queue.shift()?.();
  }
}
