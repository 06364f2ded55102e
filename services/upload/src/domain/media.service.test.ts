import type { ProbeVerdict } from './ffmpeg-output';
import type { AudioProbe, ByteSink, Media, MediaRepository, ObjectStore, UploadPart } from './media';
import { MediaService } from './media.service';

const WAV_HEAD = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVEfmt '), Buffer.alloc(32)]);
const ID = '7f1c1d8e-3f5c-4a7e-9a51-1c2b3d4e5f60';

class FakeStore implements ObjectStore {
  objects = new Map<string, Buffer>();
  aborted = 0;
  beginUpload(key: string): ByteSink {
    const chunks: Buffer[] = [];
    return {
      write: async (c) => void chunks.push(Buffer.from(c)),
      finish: async () => void this.objects.set(key, Buffer.concat(chunks)),
      abort: async () => void this.aborted++,
    };
  }
  async delete(key: string) {
    this.objects.delete(key);
  }
  async read(key: string, range: { start: number; end?: number }) {
    const object = this.objects.get(key) ?? Buffer.alloc(0);
    return [object.subarray(range.start, range.end === undefined ? undefined : range.end + 1)];
  }
}

class FakeProbe implements AudioProbe {
  constructor(
    private readonly verdict: ProbeVerdict,
    private readonly progressPerChunk = 0,
  ) {}
  seekable: boolean[] = [];
  start(o: { seekable: boolean; onProgress?: (s: number) => void }): ByteSink<ProbeVerdict> {
    this.seekable.push(o.seekable);
    let decoded = 0;
    return {
      write: async () => {
        decoded += this.progressPerChunk;
        o.onProgress?.(decoded);
      },
      finish: async () => this.verdict,
      abort: async () => undefined,
    };
  }
}

class FakeRepository implements MediaRepository {
  rows: Media[] = [];
  failInsert = false;
  async insert(m: Media) {
    if (this.failInsert) throw new Error('database down');
    this.rows.push(m);
  }
  async find(accountId: string, id: string) {
    return this.rows.find((m) => m.id === id && m.accountId === accountId);
  }
  async markDeleted(accountId: string, id: string, removeObject: (m: Media) => Promise<void>) {
    const m = await this.find(accountId, id);
    if (!m) return false;
    await removeObject(m);
    this.rows = this.rows.filter((r) => r !== m);
    return true;
  }
  async listExpired(before: Date) {
    return this.rows.filter((m) => m.createdAt < before).map((m) => ({ accountId: m.accountId, id: m.id }));
  }
}

const ok: ProbeVerdict = { ok: true, stream: { codec: 'pcm_s16le', sampleRate: 16000, channels: 1 }, durationSeconds: 2.5, demuxer: 'wav' };

function setup(verdict: ProbeVerdict = ok, progressPerChunk = 0) {
  const store = new FakeStore();
  const probe = new FakeProbe(verdict, progressPerChunk);
  const repository = new FakeRepository();
  const service = new MediaService({
    store,
    probe,
    repository,
    limits: { maxBytes: 1_000_000, maxDurationSeconds: 60 },
    maxConcurrentUploads: 1,
    newId: () => ID,
    now: () => new Date('2026-01-10T00:00:00Z'),
  });
  return { store, probe, repository, service };
}

async function* parts(body: Buffer[], accountId = 'acct-1'): AsyncIterable<UploadPart> {
  yield { kind: 'metadata', metadata: { accountId, filename: '../../etc/interview one.wav', contentType: 'audio/wav', declaredSize: 0 } };
  for (const b of body) yield { kind: 'chunk', bytes: b };
}

const signal = new AbortController().signal;

describe('MediaService.upload', () => {
  it('stores the bytes, records the media and keeps only the file name', async () => {
    const { service, store, repository } = setup();
    const media = await service.upload(parts([WAV_HEAD, Buffer.alloc(10_000, 1)]), signal);
    expect(media).toMatchObject({ id: ID, accountId: 'acct-1', filename: 'interview one.wav', format: 'wav', durationSeconds: 2.5, sizeBytes: WAV_HEAD.length + 10_000, storageKey: `audio/acct-1/${ID}` });
    expect(store.objects.get(media.storageKey)).toHaveLength(media.sizeBytes);
    expect(repository.rows).toEqual([media]);
  });

  it('refuses unknown content before storing anything', async () => {
    const { service, store, probe } = setup();
    await expect(service.upload(parts([Buffer.from('hello world, definitely not audio')]), signal)).rejects.toMatchObject({ kind: 'unsupported_media_type' });
    expect(probe.seekable).toEqual([]);
    expect(store.objects.size).toBe(0);
  });

  it('deletes the stored object when the decoder refuses the file', async () => {
    const { service, store, repository } = setup({ ok: false, reason: 'invalid data found when processing input' });
    await expect(service.upload(parts([WAV_HEAD]), signal)).rejects.toMatchObject({
      kind: 'unprocessable',
      message: 'the file could not be decoded as audio: invalid data found when processing input',
    });
    expect(store.objects.size).toBe(0);
    expect(repository.rows).toEqual([]);
  });

  it('stops as soon as the decoded audio passes the duration limit', async () => {
    const { service, store } = setup(ok, 40);
    await expect(service.upload(parts([WAV_HEAD, Buffer.alloc(5000), Buffer.alloc(5000), Buffer.alloc(5000)]), signal)).rejects.toMatchObject({ kind: 'payload_too_large', message: 'the audio is longer than the 1 min 0 s limit' });
    expect(store.aborted).toBe(1);
    expect(store.objects.size).toBe(0);
  });

  it('counts bytes as they arrive and refuses past the size limit', async () => {
    const { service, store } = setup();
    await expect(service.upload(parts([WAV_HEAD, Buffer.alloc(600_000), Buffer.alloc(600_000)]), signal)).rejects.toMatchObject({ kind: 'payload_too_large' });
    expect(store.aborted).toBe(1);
  });

  it('removes the object when the media cannot be recorded', async () => {
    const { service, store, repository } = setup();
    repository.failInsert = true;
    await expect(service.upload(parts([WAV_HEAD]), signal)).rejects.toThrow('database down');
    expect(store.objects.size).toBe(0);
  });

  it('spools MP4 for a seekable probe', async () => {
    const { service, probe } = setup({ ...ok, demuxer: 'mov,mp4,m4a,3gp,3g2,mj2' });
    const m4a = Buffer.concat([Buffer.from([0, 0, 0, 0x1c]), Buffer.from('ftypM4A '), Buffer.alloc(64)]);
    expect(await service.upload(parts([m4a]), signal)).toMatchObject({ format: 'm4a' });
    expect(probe.seekable).toEqual([true]);
  });

  it('refuses a malformed account and uploads beyond the concurrency limit', async () => {
    const { service } = setup();
    await expect(service.upload(parts([WAV_HEAD], '../other'), signal)).rejects.toMatchObject({ kind: 'invalid_argument' });
    let release: (() => void) | undefined;
    async function* slow(): AsyncIterable<UploadPart> {
      yield* parts([WAV_HEAD]);
      await new Promise<void>((r) => (release = r));
    }
    const first = service.upload(slow(), signal);
    await expect(service.upload(parts([WAV_HEAD]), signal)).rejects.toMatchObject({ kind: 'resource_exhausted' });
    while (!release) await new Promise((r) => setImmediate(r));
    release();
    await expect(first).resolves.toMatchObject({ id: ID });
  });
});

describe('MediaService get/delete/sweep', () => {
  it('scopes reads, deletes idempotently and sweeps expired media', async () => {
    const { service, store, repository } = setup();
    const media = await service.upload(parts([WAV_HEAD]), signal);
    await expect(service.get('acct-2', media.id)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(service.get('acct-1', 'nope')).rejects.toMatchObject({ kind: 'not_found' });
    expect(await service.delete('acct-1', media.id)).toBe(true);
    expect(await service.delete('acct-1', media.id)).toBe(false);
    expect(store.objects.size).toBe(0);

    repository.rows.push({ ...media, createdAt: new Date('2025-12-01T00:00:00Z') });
    expect(await service.sweepExpired(0)).toBe(0);
    expect(await service.sweepExpired(30)).toBe(1);
    expect(repository.rows).toEqual([]);
  });
});

describe('MediaService.read', () => {
  it('reads a byte range of the account\'s own media and refuses ranges past the end', async () => {
    const { service } = setup();
    const body = Buffer.concat([WAV_HEAD, Buffer.alloc(1000, 7)]);
    const media = await service.upload(parts([body]), signal);
    const collect = async (it: AsyncIterable<Uint8Array>) => {
      const out: Buffer[] = [];
      for await (const c of it) out.push(Buffer.from(c));
      return Buffer.concat(out);
    };
    const whole = await service.read('acct-1', media.id, 0, 0);
    expect(whole).toMatchObject({ start: 0, end: body.length - 1 });
    expect((await collect(whole.body)).equals(body)).toBe(true);
    const part = await service.read('acct-1', media.id, 4, 4);
    expect((await collect(part.body)).toString()).toBe(body.subarray(4, 8).toString());
    expect((await service.read('acct-1', media.id, body.length - 2, 100)).end).toBe(body.length - 1);
    await expect(service.read('acct-1', media.id, body.length, 0)).rejects.toMatchObject({ kind: 'invalid_argument' });
    await expect(service.read('acct-2', media.id, 0, 0)).rejects.toMatchObject({ kind: 'not_found' });
  });
});
