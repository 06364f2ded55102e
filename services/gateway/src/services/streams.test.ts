import { rechunk } from './streams';

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const c of it) out.push(c);
  return out;
}

async function* pieces(sizes: number[]): AsyncGenerator<Buffer> {
  let v = 0;
  for (const s of sizes) yield Buffer.alloc(s, v++ % 256);
}

describe('rechunk', () => {
  it('cuts and joins pieces into fixed-size chunks, keeping the bytes', async () => {
    const chunks = await collect(rechunk(pieces([10, 3, 25, 1, 7]), { size: 8, limit: 1000 }));
    expect(chunks.map((c) => c.length)).toEqual([8, 8, 8, 8, 8, 6]);
    expect(Buffer.concat(chunks)).toEqual(Buffer.concat([Buffer.alloc(10, 0), Buffer.alloc(3, 1), Buffer.alloc(25, 2), Buffer.alloc(1, 3), Buffer.alloc(7, 4)]));
  });

  it('throws 413 past the limit or when the producer truncated', async () => {
    await expect(collect(rechunk(pieces([5, 5, 5]), { size: 4, limit: 12 }))).rejects.toMatchObject({ kind: 'payload_too_large' });
    await expect(collect(rechunk(pieces([5]), { size: 4, limit: 12, truncated: () => true }))).rejects.toMatchObject({ kind: 'payload_too_large' });
  });
});
