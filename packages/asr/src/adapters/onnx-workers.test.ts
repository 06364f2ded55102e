import { resolve } from 'node:path';
import { OnnxWorkerPool } from './onnx-workers.js';

const MODEL = resolve(__dirname, '../../test/fixtures/tiny-ctc/model.onnx');
const opts = { modelPath: MODEL, inputName: 'audio', outputName: 'log_probs', intraOpThreads: 1, executionProvider: 'cpu' as const };

describe('OnnxWorkerPool', () => {
  it('runs batches in parallel on its workers', async () => {
    const pool = await OnnxWorkerPool.load({ ...opts, workers: 2 });
    try {
      const runs = await Promise.all([1, 2, 3].map((b) => pool.run(new Float32Array(b * 4800).fill(0.05), b, 4800)));
      runs.forEach((r, i) => {
        expect(r).toMatchObject({ batch: i + 1, frames: 10, vocab: 29 });
        // a frame of 0.05 is token 5
        const row = r.data.subarray(0, 29);
        expect(row.indexOf(Math.max(...row))).toBe(5);
      });
    } finally {
      await pool.close();
    }
  });

  it('replaces a worker that died', async () => {
    const pool = await OnnxWorkerPool.load({ ...opts, workers: 1 });
    try {
      const worker = (pool as unknown as { workers: Array<{ worker: { terminate(): Promise<number> } }> }).workers[0]!;
      await worker.worker.terminate();
      const r = await pool.run(new Float32Array(4800), 1, 4800);
      expect(r.frames).toBe(10);
    } finally {
      await pool.close();
    }
  });

  it('reports a bad input name', async () => {
    await expect(OnnxWorkerPool.load({ ...opts, inputName: 'pcm', workers: 1 })).rejects.toThrow(/model input "pcm" not found \(model has audio\)/);
  });
});
