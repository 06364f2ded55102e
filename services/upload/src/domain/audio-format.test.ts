import { detectAudioFormat, formatFromDemuxer, mpegFrameLength } from './audio-format';

const bytes = (...parts: Array<string | number[] | Buffer>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.isBuffer(p) ? p : Buffer.from(p))));
const pad = (b: Buffer, n: number) => Buffer.concat([b, Buffer.alloc(Math.max(0, n - b.length))]);

describe('detectAudioFormat', () => {
  it.each([
    ['wav', bytes('RIFF', [0xde, 0x09, 0x04, 0x00], 'WAVEfmt ')],
    ['wav', bytes('RF64', [0xff, 0xff, 0xff, 0xff], 'WAVEds64')],
    ['flac', bytes('fLaC', [0, 0, 0, 0x22])],
    ['ogg', bytes('OggS', [0, 2, 0, 0])],
    ['m4a', bytes([0, 0, 0, 0x1c], 'ftypM4A ', [0, 0, 2, 0])],
    ['m4a', bytes([0, 0, 0, 0x20], 'ftypisom', [0, 0, 2, 0])],
    ['webm', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81])],
    ['mp3', bytes('ID3', [4, 0, 0, 0, 0, 0, 0x23], 'TSSE')],
    ['aac', bytes([0xff, 0xf1, 0x50, 0x40, 0x21, 0x3f, 0xfc])],
  ])('recognises %s', (format, head) => {
    expect(detectAudioFormat(head)).toBe(format);
  });

  it('recognises a bare MPEG audio frame when the next frame follows where it should', () => {
    const header = [0xff, 0xfb, 0x90, 0x64]; // MPEG-1 layer III, 128 kb/s, 44.1 kHz
    expect(mpegFrameLength(Buffer.from(header), 0)).toBe(417);
    const twoFrames = Buffer.concat([pad(Buffer.from(header), 417), Buffer.from(header)]);
    expect(detectAudioFormat(twoFrames)).toBe('mp3');
    const noSecond = pad(Buffer.from(header), 1000);
    expect(detectAudioFormat(noSecond)).toBeUndefined();
  });

  it('looks past an ID3 tag for FLAC', () => {
    const tag = bytes('ID3', [3, 0, 0, 0, 0, 0, 4], 'abcd');
    expect(detectAudioFormat(bytes(tag, 'fLaC', [0, 0, 0, 0x22]))).toBe('flac');
  });

  it.each([
    ['text', Buffer.from('this is not audio at all, just words', 'latin1')],
    ['a RIFF that is not WAVE', bytes('RIFF', [0, 0, 0, 0], 'AVI LIST')],
    ['empty', Buffer.alloc(0)],
    ['zeros', Buffer.alloc(4096)],
    ['a PNG', bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a])],
  ])('refuses %s', (_name, head) => {
    expect(detectAudioFormat(head)).toBeUndefined();
  });
});

describe('formatFromDemuxer', () => {
  it.each([
    ['wav', 'wav'],
    ['mov,mp4,m4a,3gp,3g2,mj2', 'm4a'],
    ['matroska,webm', 'webm'],
    ['mp3', 'mp3'],
    ['aac', 'aac'],
    ['flac', 'flac'],
    ['ogg', 'ogg'],
  ])('%s → %s', (demuxer, format) => expect(formatFromDemuxer(demuxer)).toBe(format));

  it('is undefined for an unknown demuxer', () => expect(formatFromDemuxer('avi')).toBeUndefined());
});
