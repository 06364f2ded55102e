import { AppError } from '@verbatim/common';
import { AsyncQueue, PcmConverter, clip, closeFor, parseCaptionConfig } from './captions';

describe('parseCaptionConfig', () => {
  it('defaults to the general domain, no vocabulary and float32 PCM', () => {
    expect(parseCaptionConfig('{}')).toEqual({ domain: 'general', vocabulary: [], format: 'f32le' });
    expect(parseCaptionConfig('{"type":"config","domain":"software","vocabulary":"gRPC, JetStream","format":"s16le","sample_rate":16000}')).toEqual({
      domain: 'software',
      vocabulary: ['gRPC', 'JetStream'],
      format: 's16le',
    });
  });

  it('says what is wrong', () => {
    expect(() => parseCaptionConfig('hello')).toThrow(/JSON config/);
    expect(() => parseCaptionConfig('[]')).toThrow(/JSON object/);
    expect(() => parseCaptionConfig('{"format":"mp3"}')).toThrow(/format must be/);
    expect(() => parseCaptionConfig('{"sample_rate":44100}')).toThrow(/sample_rate must be 16000/);
    expect(() => parseCaptionConfig('{"domain":"astrology"}')).toThrow(/domain must be one of/);
    expect(() => parseCaptionConfig('{"langauge":"en"}')).toThrow(/unknown config field langauge/);
  });
});

describe('PcmConverter', () => {
  it('passes float32 through and converts int16, keeping an odd byte for the next frame', () => {
    const f = Buffer.from([1, 2, 3]);
    expect(new PcmConverter('f32le').push(f)).toBe(f);
    const c = new PcmConverter('s16le');
    const pcm = Buffer.alloc(4);
    pcm.writeInt16LE(-16384, 0);
    pcm.writeInt16LE(8192, 2);
    const a = Buffer.from(c.push(pcm.subarray(0, 3)));
    const b = Buffer.from(c.push(pcm.subarray(3)));
    expect([a.length, b.length]).toEqual([4, 4]);
    expect([a.readFloatLE(0), b.readFloatLE(0)]).toEqual([-0.5, 0.25]);
  });
});

describe('AsyncQueue', () => {
  it('hands items to a waiting reader, counts queued bytes, ends', async () => {
    let drained = 0;
    const q = new AsyncQueue<Buffer>((b) => b.length, () => drained++);
    const it = q[Symbol.asyncIterator]();
    const pending = it.next();
    q.push(Buffer.alloc(3));
    expect((await pending).value).toHaveLength(3);
    q.push(Buffer.alloc(5));
    q.push(Buffer.alloc(7));
    expect(q.bytes).toBe(12);
    await it.next();
    await it.next();
    expect(q.bytes).toBe(0);
    expect(drained).toBe(1);
    q.end();
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });
});

describe('closeFor', () => {
  it('is 4000 + the HTTP status, with the message; internal errors say nothing more', () => {
    expect(closeFor(new AppError('invalid_argument', 'bad domain'))).toEqual({ code: 4400, reason: 'bad domain' });
    expect(closeFor(new AppError('resource_exhausted', 'busy'))).toEqual({ code: 4429, reason: 'busy' });
    expect(closeFor(new AppError('internal', 'db password wrong'))).toEqual({ code: 4500, reason: 'internal error' });
    expect(closeFor(new Error('boom'))).toEqual({ code: 4500, reason: 'internal error' });
    expect(Buffer.byteLength(clip('é'.repeat(200)))).toBeLessThanOrEqual(123);
  });
});
