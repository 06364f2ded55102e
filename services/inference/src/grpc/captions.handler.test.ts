import { toFloat32 } from './captions.handler.js';

it('reassembles float32 samples split across chunks at any byte', () => {
  const samples = new Float32Array([0.5, -0.25, 1, -1]);
  const bytes = new Uint8Array(samples.buffer);
  const a = toFloat32(new Uint8Array(0), bytes.subarray(0, 7));
  expect(Array.from(a.pcm)).toEqual([0.5]);
  expect(a.rest).toHaveLength(3);
  const b = toFloat32(a.rest, bytes.subarray(7));
  expect(Array.from(b.pcm)).toEqual([-0.25, 1, -1]);
  expect(b.rest).toHaveLength(0);
});
