import { FfmpegOutputParser, channelsFromLayout, cleanErrorLine, judgeProbe, parseAudioStreamLine } from './ffmpeg-output';

// Trimmed from real ffmpeg 5.1 runs of `ffmpeg -hide_banner -nostdin -nostats -progress pipe:2 -i pipe:0 -map 0:a:0 -f null -`.
const M4A_RUN = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'pipe:0':
  Metadata:
    major_brand     : M4A 
  Duration: 00:00:03.00, start: 0.000000, bitrate: N/A
  Stream #0:0[0x1](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo, fltp, 69 kb/s (default)
Stream mapping:
  Stream #0:0 -> #0:0 (aac (native) -> pcm_s16le (native))
Output #0, null, to 'pipe:':
  Stream #0:0(und): Audio: pcm_s16le, 48000 Hz, mono, s16, 705 kb/s (default)
bitrate=N/A
total_size=N/A
out_time_us=23220
out_time_ms=23220
out_time=00:00:00.023220
progress=continue
out_time_us=3018594
progress=end
`;

describe('parseAudioStreamLine', () => {
  it('reads codec, rate and channels from input stream lines', () => {
    expect(parseAudioStreamLine('  Stream #0:0: Audio: pcm_s16le ([1][0][0][0] / 0x0001), 44100 Hz, mono, s16, 705 kb/s')).toEqual({ codec: 'pcm_s16le', sampleRate: 44100, channels: 1 });
    expect(parseAudioStreamLine('  Stream #0:0: Audio: opus, 48000 Hz, stereo, fltp')).toEqual({ codec: 'opus', sampleRate: 48000, channels: 2 });
    expect(parseAudioStreamLine('  Stream #0:1(eng): Audio: ac3, 48000 Hz, 5.1(side), fltp, 384 kb/s')).toEqual({ codec: 'ac3', sampleRate: 48000, channels: 6 });
    expect(parseAudioStreamLine('  Stream #0:0: Audio: pcm_s16le, 16000 Hz, 3 channels (FL+FR+LFE), s16')).toEqual({ codec: 'pcm_s16le', sampleRate: 16000, channels: 3 });
  });

  it('ignores video and malformed lines', () => {
    expect(parseAudioStreamLine('  Stream #0:0: Video: h264, yuv420p, 1280x720')).toBeUndefined();
    expect(parseAudioStreamLine('  Stream #0:0: Audio: none')).toBeUndefined();
  });

  it('knows common layouts', () => {
    expect(channelsFromLayout('quad')).toBe(4);
    expect(channelsFromLayout('7.1')).toBe(8);
    expect(channelsFromLayout('1 channels (FC)')).toBe(1);
    expect(channelsFromLayout('weird')).toBeUndefined();
  });
});

describe('FfmpegOutputParser', () => {
  it('takes the input stream (not the output one) and the last decoded time, fed in arbitrary pieces', () => {
    const progress: number[] = [];
    const p = new FfmpegOutputParser((s) => progress.push(s));
    for (let i = 0; i < M4A_RUN.length; i += 7) p.feed(M4A_RUN.slice(i, i + 7));
    const out = p.end();
    expect(out.demuxer).toBe('mov,mp4,m4a,3gp,3g2,mj2');
    expect(out.stream).toEqual({ codec: 'aac', sampleRate: 44100, channels: 2 });
    expect(out.durationSeconds).toBeCloseTo(3.018594, 6);
    expect(progress).toEqual([0.02322, 3.018594]);
    expect(out.errors).toEqual([]);
    expect(judgeProbe(0, out)).toEqual({ ok: true, stream: out.stream, durationSeconds: out.durationSeconds, demuxer: out.demuxer });
  });

  it('falls back to the last time= of the stats line', () => {
    const p = new FfmpegOutputParser();
    p.feed("Input #0, wav, from 'pipe:0':\n  Stream #0:0: Audio: pcm_s16le, 8000 Hz, mono, s16, 128 kb/s\n");
    p.feed('size=N/A time=00:00:01.50 bitrate=N/A speed=1x\rsize=N/A time=00:01:02.25 bitrate=N/A speed=1x\n');
    expect(p.end().durationSeconds).toBeCloseTo(62.25, 6);
  });

  it('explains an undecodable input in words a customer can read', () => {
    const p = new FfmpegOutputParser();
    p.feed('[flac @ 0x5581c0a3e2c0] invalid STREAMINFO header\npipe:0: Invalid data found when processing input\n');
    const verdict = judgeProbe(1, p.end());
    expect(verdict).toEqual({ ok: false, reason: 'invalid streaminfo header' });
  });

  it('refuses a file with no audio stream or no samples', () => {
    const noAudio = new FfmpegOutputParser();
    noAudio.feed("Input #0, matroska,webm, from 'pipe:0':\n  Stream #0:0: Video: vp9, yuv420p\nStream map '0:a:0' matches no streams.\n");
    expect(judgeProbe(1, noAudio.end())).toEqual({ ok: false, reason: 'it contains no audio stream' });

    const empty = new FfmpegOutputParser();
    empty.feed("Input #0, wav, from 'pipe:0':\n  Stream #0:0: Audio: pcm_s16le, 8000 Hz, mono, s16, 128 kb/s\nout_time_us=0\nprogress=end\n");
    expect(judgeProbe(0, empty.end())).toEqual({ ok: false, reason: 'it contains no audio samples' });
  });

  it('strips addresses and paths from error lines', () => {
    expect(cleanErrorLine('[mp3 @ 0x55d0c0ffee00] Header missing')).toBe('Header missing');
    expect(cleanErrorLine('file:/tmp/verbatim-upload-x1/audio: moov atom not found')).toBe('moov atom not found');
  });
});
