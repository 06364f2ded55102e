// Reads what `ffmpeg -i <audio> -map 0:a:0 -f null - -progress pipe:2` writes on stderr: the input's
// first audio stream (codec, sample rate, channels), the decoded duration (progress out_time_us, or
// the last `time=`), and the error lines that explain a failure. Fed incrementally, memory bounded.

export interface AudioStreamInfo {
  codec: string;
  sampleRate: number;
  channels: number;
}

export interface ProbeOutcome {
  /** ffmpeg's demuxer name, e.g. "wav", "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm". */
  demuxer: string | undefined;
  stream: AudioStreamInfo | undefined;
  /** Seconds of audio actually decoded. */
  durationSeconds: number;
  errors: string[];
}

const LAYOUT_CHANNELS: Record<string, number> = {
  mono: 1,
  stereo: 2,
  downmix: 2,
  '2.1': 3,
  '3.0': 3,
  '3.0(back)': 3,
  '4.0': 4,
  quad: 4,
  'quad(side)': 4,
  '3.1': 4,
  '5.0': 5,
  '5.0(side)': 5,
  '4.1': 5,
  '5.1': 6,
  '5.1(side)': 6,
  '6.0': 6,
  '6.0(front)': 6,
  hexagonal: 6,
  '6.1': 7,
  '6.1(back)': 7,
  '6.1(front)': 7,
  '7.0': 7,
  '7.0(front)': 7,
  '7.1': 8,
  '7.1(wide)': 8,
  '7.1(wide-side)': 8,
  '7.1(top)': 8,
  octagonal: 8,
  cube: 8,
  hexadecagonal: 16,
  '22.2': 24,
};

/** Channel count from ffmpeg's layout token ("mono", "5.1(side)", "3 channels", "2 channels (FL+FR)"). */
export function channelsFromLayout(layout: string): number | undefined {
  const t = layout.trim();
  const n = /^(\d+) channels?\b/.exec(t);
  if (n) return Number(n[1]);
  return LAYOUT_CHANNELS[t];
}

/**
 * One "Stream #0:0...: Audio: ..." line → codec, rate, channels. The layout may contain commas
 * inside parentheses ("2 channels (FL+FR)") but not at top level, so split at top-level commas.
 */
export function parseAudioStreamLine(line: string): AudioStreamInfo | undefined {
  const m = /Stream #\d+:\d+.*?: Audio: (.*)$/.exec(line);
  if (!m) return undefined;
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of m[1]!) {
    if (ch === '(') depth++;
    if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  parts.push(current.trim());
  const codec = (parts[0] ?? '').split(' ')[0] ?? '';
  const rateIndex = parts.findIndex((p) => /^\d+ Hz$/.test(p));
  if (rateIndex < 0) return undefined;
  const sampleRate = Number.parseInt(parts[rateIndex]!, 10);
  const channels = channelsFromLayout(parts[rateIndex + 1] ?? '');
  if (!channels || !sampleRate) return undefined;
  return { codec, sampleRate, channels };
}

function parseClock(text: string): number | undefined {
  const m = /^(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text.trim());
  if (!m) return undefined;
  const s = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
  return m[1] ? -s : s;
}

// Lines that are noise rather than a reason (banners, metadata, progress keys).
const PROGRESS_KEY = /^(frame|fps|stream_\d+_\d+_q|bitrate|total_size|out_time_us|out_time_ms|out_time|dup_frames|drop_frames|speed|progress)=/;
const ERROR_HINT = /error|invalid|could not|cannot|not find|no such|failed|matches no streams|unsupported|corrupt|truncated|empty|nothing was encoded|end of file/i;

export class FfmpegOutputParser {
  private pending = '';
  private section: 'preamble' | 'input' | 'output' = 'preamble';
  private demuxer: string | undefined;
  private stream: AudioStreamInfo | undefined;
  private outTimeUs: number | undefined;
  private lastClock: number | undefined;
  private readonly errors: string[] = [];
  private static readonly MAX_LINE = 4096;
  private static readonly MAX_ERRORS = 8;

  constructor(private readonly onProgress?: (seconds: number) => void) {}

  /** Feeds a piece of stderr; lines may be split across pieces and end in \n or \r. */
  feed(text: string): void {
    this.pending += text;
    const lines = this.pending.split(/\r\n|\n|\r/);
    this.pending = lines.pop() ?? '';
    if (this.pending.length > FfmpegOutputParser.MAX_LINE) this.pending = this.pending.slice(-FfmpegOutputParser.MAX_LINE);
    for (const line of lines) this.line(line);
  }

  end(): ProbeOutcome {
    if (this.pending) this.line(this.pending);
    this.pending = '';
    const seconds = this.outTimeUs !== undefined ? this.outTimeUs / 1e6 : (this.lastClock ?? 0);
    return { demuxer: this.demuxer, stream: this.stream, durationSeconds: Math.max(0, seconds), errors: [...this.errors] };
  }

  private line(raw: string): void {
    const line = raw.trimEnd();
    if (!line) return;
    const input = /^Input #0, ([^,]+(?:,[^, ]+)*), from /.exec(line);
    if (input) {
      this.section = 'input';
      this.demuxer = input[1];
      return;
    }
    if (/^Output #0/.test(line) || /^Stream mapping:/.test(line)) {
      this.section = 'output';
      return;
    }
    if (this.section === 'input' && !this.stream) {
      const stream = parseAudioStreamLine(line);
      if (stream) {
        this.stream = stream;
        return;
      }
    }
    const us = /^out_time_us=(\d+)$/.exec(line);
    if (us) {
      this.outTimeUs = Number(us[1]);
      this.onProgress?.(this.outTimeUs / 1e6);
      return;
    }
    if (PROGRESS_KEY.test(line)) return;
    const clock = /\btime=(-?\d+:\d{2}:\d{2}(?:\.\d+)?)/.exec(line);
    if (clock) {
      const s = parseClock(clock[1]!);
      if (s !== undefined) this.lastClock = s;
      return;
    }
    if (ERROR_HINT.test(line) && this.errors.length < FfmpegOutputParser.MAX_ERRORS) this.errors.push(cleanErrorLine(line));
  }
}

/** ffmpeg prefixes errors with "[demuxer @ 0x55d…] " and names the input "pipe:0" or a temp path; neither helps a customer. */
export function cleanErrorLine(line: string): string {
  return line
    .replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/i, '')
    .replace(/((?:file:)?\/[^\s:]+|pipe:\d?):\s*/g, '')
    .trim()
    .slice(0, 300);
}

export type ProbeVerdict =
  | { ok: true; stream: AudioStreamInfo; durationSeconds: number; demuxer: string | undefined }
  | { ok: false; reason: string };

/** Turns ffmpeg's exit status and output into an accepted stream or a reason a customer can read. */
export function judgeProbe(exitCode: number | null, outcome: ProbeOutcome): ProbeVerdict {
  const noStream = outcome.errors.some((e) => /matches no streams|does not contain any stream/i.test(e));
  if (noStream || (exitCode === 0 && !outcome.stream)) return { ok: false, reason: 'it contains no audio stream' };
  if (exitCode !== 0) {
    const reason = outcome.errors.find((e) => !/^Conversion failed!?$/i.test(e)) ?? `the decoder stopped with status ${exitCode ?? 'killed'}`;
    return { ok: false, reason: reason.replace(/\.$/, '').toLowerCase() };
  }
  if (!outcome.stream || outcome.durationSeconds <= 0) return { ok: false, reason: 'it contains no audio samples' };
  return { ok: true, stream: outcome.stream, durationSeconds: outcome.durationSeconds, demuxer: outcome.demuxer };
}
