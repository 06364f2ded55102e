// Detects an audio container from its first bytes (magic numbers), so what we accept depends on
// the content and never on the filename or the declared content type.

export type AudioFormat = 'wav' | 'flac' | 'mp3' | 'ogg' | 'm4a' | 'aac' | 'webm';

/** How many leading bytes detection wants before deciding (less is fine when the file is shorter). */
export const DETECTION_HEAD_BYTES = 4096;

export const SUPPORTED_FORMATS_TEXT = 'WAV, FLAC, MP3, OGG (Opus or Vorbis), M4A/MP4 audio, AAC (ADTS) and WebM/Matroska';

/**
 * Whether ffmpeg can validate the format while the bytes stream past, or needs a seekable copy.
 * MP4/M4A files usually carry their index (moov) after the audio (mdat); read from a pipe, ffmpeg
 * then decodes nothing, so those are spooled to a temporary file (disk, not memory) and probed there.
 */
export function needsSeekableInput(format: AudioFormat): boolean {
  return format === 'm4a';
}

const ascii = (b: Uint8Array, at: number, text: string) => {
  if (b.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) if (b[at + i] !== text.charCodeAt(i)) return false;
  return true;
};

const MP3_BITRATES_KBPS = {
  // [version 1 layers 1..3], [version 2/2.5 layers 1..3]; index 0 = free, 15 = bad
  v1: [
    [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  ],
  v2: [
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  ],
};
const MP3_SAMPLE_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/** Length in bytes of the MPEG audio frame whose header starts at `at`, or undefined if it is not one. */
export function mpegFrameLength(b: Uint8Array, at: number): number | undefined {
  if (b.length < at + 4) return undefined;
  const b1 = b[at + 1]!;
  const b2 = b[at + 2]!;
  if (b[at] !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
  const version = (b1 >> 3) & 0x03; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5, 1 reserved
  const layerBits = (b1 >> 1) & 0x03; // 3 = layer I, 2 = layer II, 1 = layer III, 0 reserved (ADTS)
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 0x03;
  if (version === 1 || layerBits === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const layer = 4 - layerBits; // 1, 2, 3
  const padding = (b2 >> 1) & 0x01;
  const kbps = (version === 3 ? MP3_BITRATES_KBPS.v1 : MP3_BITRATES_KBPS.v2)[layer - 1]![bitrateIndex]!;
  const sampleRate = MP3_SAMPLE_RATES[version]![rateIndex]!;
  if (layer === 1) return Math.floor((12 * kbps * 1000) / sampleRate + padding) * 4;
  const samplesPerFrame = layer === 3 && version !== 3 ? 576 : 1152;
  return Math.floor((samplesPerFrame / 8) * ((kbps * 1000) / sampleRate)) + padding;
}

function isAdts(b: Uint8Array, at: number): boolean {
  // 12-bit sync, layer 00, a valid sampling-frequency index and a frame length past the header.
  if (b.length < at + 7 || b[at] !== 0xff || (b[at + 1]! & 0xf6) !== 0xf0) return false;
  const rateIndex = (b[at + 2]! >> 2) & 0x0f;
  const frameLength = ((b[at + 3]! & 0x03) << 11) | (b[at + 4]! << 3) | (b[at + 5]! >> 5);
  return rateIndex <= 12 && frameLength >= 7;
}

function adtsFrameLength(b: Uint8Array, at: number): number {
  return ((b[at + 3]! & 0x03) << 11) | (b[at + 4]! << 3) | (b[at + 5]! >> 5);
}

/**
 * A frame-sync format is accepted on a header plus, when the head is long enough to hold it, a
 * second header right after the first frame: random bytes pass the first test about once in a
 * few thousand, both rarely.
 */
function confirmedBySecondFrame(b: Uint8Array, length: number, isHeaderAt: (at: number) => boolean): boolean {
  if (b.length < length + 4) return true;
  return isHeaderAt(length);
}

export function detectAudioFormat(head: Uint8Array): AudioFormat | undefined {
  if ((ascii(head, 0, 'RIFF') || ascii(head, 0, 'RF64') || ascii(head, 0, 'BW64')) && ascii(head, 8, 'WAVE')) return 'wav';
  if (ascii(head, 0, 'fLaC')) return 'flac';
  if (ascii(head, 0, 'OggS')) return 'ogg';
  if (ascii(head, 4, 'ftyp')) return 'm4a';
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return 'webm';
  if (ascii(head, 0, 'ID3') && head.length >= 10) {
    // An ID3v2 tag can precede FLAC or ADTS as well as MP3; look past it when the head reaches.
    const tagSize = ((head[6]! & 0x7f) << 21) | ((head[7]! & 0x7f) << 14) | ((head[8]! & 0x7f) << 7) | (head[9]! & 0x7f);
    const after = 10 + tagSize + ((head[5]! & 0x10) !== 0 ? 10 : 0);
    if (head.length > after + 4) {
      const rest = head.subarray(after);
      if (ascii(rest, 0, 'fLaC')) return 'flac';
      if (isAdts(rest, 0)) return 'aac';
    }
    return 'mp3';
  }
  if (isAdts(head, 0)) {
    return confirmedBySecondFrame(head, adtsFrameLength(head, 0), (at) => isAdts(head, at)) ? 'aac' : undefined;
  }
  const mpegLength = mpegFrameLength(head, 0);
  if (mpegLength !== undefined && mpegLength > 4) {
    return confirmedBySecondFrame(head, mpegLength, (at) => mpegFrameLength(head, at) !== undefined) ? 'mp3' : undefined;
  }
  return undefined;
}

/** The format ffmpeg's demuxer saw, when it is more precise than the magic number (e.g. FLAC behind an ID3 tag). */
export function formatFromDemuxer(demuxer: string | undefined): AudioFormat | undefined {
  if (!demuxer) return undefined;
  const names = demuxer.split(',');
  if (names.includes('wav') || names.includes('w64')) return 'wav';
  if (names.includes('flac')) return 'flac';
  if (names.includes('mp3')) return 'mp3';
  if (names.includes('ogg')) return 'ogg';
  if (names.includes('mp4') || names.includes('mov')) return 'm4a';
  if (names.includes('aac')) return 'aac';
  if (names.includes('webm') || names.includes('matroska')) return 'webm';
  return undefined;
}
