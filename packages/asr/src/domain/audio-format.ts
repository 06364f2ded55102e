// Container detection by content (magic bytes), never by file name or the client's content type.

export type AudioFormat = 'wav' | 'flac' | 'mp3' | 'ogg' | 'm4a' | 'webm';

/** How many leading bytes detectAudioFormat wants to see (fewer still work for most formats). */
export const DETECT_HEAD_BYTES = 64;

export function detectAudioFormat(head: Uint8Array): AudioFormat | null {
  const ascii = (start: number, s: string) => {
    if (head.length < start + s.length) return false;
    for (let i = 0; i < s.length; i++) if (head[start + i] !== s.charCodeAt(i)) return false;
    return true;
  };
  if ((ascii(0, 'RIFF') || ascii(0, 'RIFX') || ascii(0, 'RF64')) && ascii(8, 'WAVE')) return 'wav';
  if (ascii(0, 'fLaC')) return 'flac';
  if (ascii(0, 'OggS')) return 'ogg';
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return 'webm';
  // ISO base media (MP4/M4A/3GP): a box size then 'ftyp'.
  if (ascii(4, 'ftyp')) return 'm4a';
  if (ascii(0, 'ID3')) {
    // An ID3v2 tag may also precede FLAC; look past it when the head is long enough.
    if (head.length >= 10) {
      const size = ((head[6]! & 0x7f) << 21) | ((head[7]! & 0x7f) << 14) | ((head[8]! & 0x7f) << 7) | (head[9]! & 0x7f);
      const after = 10 + size;
      if (head.length >= after + 4 && head[after] === 0x66 && head[after + 1] === 0x4c && head[after + 2] === 0x61 && head[after + 3] === 0x43) return 'flac';
    }
    return 'mp3';
  }
  // A bare MPEG audio frame: 11 sync bits, a valid version and layer, a valid bitrate index.
  if (head.length >= 3 && head[0] === 0xff && (head[1]! & 0xe0) === 0xe0) {
    const version = (head[1]! >> 3) & 3;
    const layer = (head[1]! >> 1) & 3;
    const bitrate = head[2]! >> 4;
    if (version !== 1 && layer !== 0 && bitrate !== 0 && bitrate !== 15) {
      // ADTS AAC also starts with 0xFFF but has layer bits 00, rejected above.
      return 'mp3';
    }
  }
  return null;
}
