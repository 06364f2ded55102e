// Live captions from any SpeechEngine: audio arrives in chunks; every stepMs the buffered,
// not-yet-final audio is decoded again and its text is the partial caption. Words become final
// (and are never rewritten) when two consecutive decodes agree on them and they lie clear of
// the buffer's end ("local agreement"), when a pause follows them, or when the buffer reaches
// windowSeconds. Final audio is dropped from the buffer, so each decode stays short.
import type { Segment, SpeechEngine, TranscribeOptions, Word } from './types.js';

export interface StreamingOptions {
  /** Longest stretch of audio held undecided before it is forced final (seconds). */
  windowSeconds?: number;
  /** Re-decode after this much new audio (ms). */
  stepMs?: number;
  /** Silence after the last word that makes everything so far final (ms). */
  pauseMs?: number;
  /** Words ending closer than this to the newest audio stay partial (ms). */
  marginMs?: number;
  /** Domain and vocabulary boosting, as for transcribe(). */
  domain?: string;
  vocabulary?: string[];
}

export interface StreamingUpdate {
  /** Text not yet final (may change with the next update). */
  partial: string;
  /** Segments that became final with this update, in order; never changed afterwards. */
  final?: Segment[];
}

export class StreamingRecognizer {
  private readonly sr: number;
  private readonly window: number;
  private readonly step: number;
  private readonly pause: number;
  private readonly margin: number;
  private readonly request: TranscribeOptions;
  private buf = new Float32Array(0);
  private len = 0;
  /** Stream time (s) of buf[0]. */
  private offset = 0;
  private sinceDecode = 0;
  private previous: string[] = [];
  private partial = '';
  private nextId = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private flushed = false;

  constructor(private readonly engine: SpeechEngine, opts: StreamingOptions = {}) {
    this.sr = engine.info.sampleRate;
    this.window = opts.windowSeconds ?? 12;
    this.step = Math.round(((opts.stepMs ?? 400) / 1000) * this.sr);
    this.pause = (opts.pauseMs ?? 600) / 1000;
    this.margin = (opts.marginMs ?? 500) / 1000;
    this.request = { segmentation: 'none', ...(opts.domain ? { domain: opts.domain } : {}), ...(opts.vocabulary ? { vocabulary: opts.vocabulary } : {}) };
  }

  /** Add audio (mono float PCM at the engine's rate). Calls are processed in order. */
  push(chunk: Float32Array): Promise<StreamingUpdate> {
    if (this.flushed) return Promise.reject(new Error('StreamingRecognizer: push after flush'));
    return this.enqueue(async () => {
      this.append(chunk);
      this.sinceDecode += chunk.length;
      if (this.sinceDecode < this.step) return { partial: this.partial };
      this.sinceDecode = 0;
      return this.decode(false);
    });
  }

  /** End of stream: everything still partial becomes final. */
  flush(): Promise<{ partial: string; final: Segment[] }> {
    this.flushed = true;
    return this.enqueue(async () => {
      const u = await this.decode(true);
      return { partial: '', final: u.final ?? [] };
    });
  }

  /** Seconds of audio received so far. */
  get receivedSeconds(): number {
    return this.offset + this.len / this.sr;
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private append(chunk: Float32Array) {
    if (this.len + chunk.length > this.buf.length) {
      const bigger = new Float32Array(Math.max(this.len + chunk.length, this.buf.length * 2, this.sr));
      bigger.set(this.buf.subarray(0, this.len));
      this.buf = bigger;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
  }

  private async decode(final: boolean): Promise<StreamingUpdate> {
    const duration = this.len / this.sr;
    const t = this.len > 0 ? await this.engine.transcribe(this.buf.slice(0, this.len), this.request) : null;
    const words = t ? t.segments.flatMap((s) => s.words) : [];
    const texts = words.map((w) => w.word);

    let commit = 0;
    if (final) {
      commit = words.length;
    } else if (words.length && duration - words[words.length - 1]!.end >= this.pause) {
      commit = words.length; // a pause: the utterance so far is complete
    } else {
      // Local agreement with the previous decode, away from the newest audio.
      while (commit < words.length && commit < this.previous.length && texts[commit] === this.previous[commit]
        && words[commit]!.end <= duration - this.margin) commit++;
      if (commit === 0 && duration >= this.window) {
        // No agreement for a whole window: force out all but the words near the end.
        while (commit < words.length && words[commit]!.end <= duration - 1) commit++;
      }
    }

    const out: Segment[] = [];
    let cut = 0;
    if (commit > 0) {
      const done = words.slice(0, commit);
      const after = words[commit];
      const lastEnd = done[done.length - 1]!.end;
      cut = after ? (lastEnd + after.start) / 2 : Math.min(duration, lastEnd + Math.min(0.3, (duration - lastEnd) / 2));
      out.push(this.segment(done));
    } else if (!words.length && duration > 2) {
      cut = duration - 1; // silence: keep only the last second
    } else if (duration >= this.window) {
      cut = duration - 1;
    }
    if (final) cut = duration;
    this.drop(Math.round(cut * this.sr));
    this.previous = texts.slice(commit);
    this.partial = final ? '' : this.previous.join(' ');
    return out.length ? { partial: this.partial, final: out } : { partial: this.partial };
  }

  private segment(words: Word[]): Segment {
    const shifted = words.map((w) => ({ ...w, start: round3(w.start + this.offset), end: round3(w.end + this.offset) }));
    return {
      id: this.nextId++,
      start: shifted[0]!.start,
      end: shifted[shifted.length - 1]!.end,
      text: shifted.map((w) => w.word).join(' '),
      words: shifted,
      confidence: round3(shifted.reduce((s, w) => s + w.confidence, 0) / shifted.length),
    };
  }

  private drop(samples: number) {
    if (samples <= 0) return;
    const n = Math.min(samples, this.len);
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
    this.offset += n / this.sr;
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
