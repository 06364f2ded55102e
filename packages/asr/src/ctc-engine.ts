// The CTC engine: long audio → speech segments → batched acoustic model runs → beam search per
// segment with the request's boost vocabulary → a Transcript with word timings.
import type { AcousticModel } from './adapters/onnx.js';
import { CtcDecoder, type DecodeResult } from './domain/ctc-decoder.js';
import { segmentSpeech } from './domain/vad.js';
import { BoostTrie, type Tokenizer } from './domain/vocabulary.js';
import { InvalidRequestError } from './errors.js';
import type { EngineLogger, ModelInfo, Segment, SpeechEngine, TranscribeOptions, Transcript, Word } from './types.js';

/** Bonus (nats) of a completed domain term and of an entry of a request's own vocabulary. */
export const DEFAULT_BOOST = { domain: 4, custom: 7 };

export interface CtcEngineParts {
  info: ModelInfo;
  acoustic: AcousticModel;
  /** The model's decoder (LM and lexicon); requests add their boost trie. */
  decoder: CtcDecoder;
  tokenizer: Tokenizer;
  samplesPerFrame: number;
  /** Domain name → its term list (loaded lazily). */
  domains: Record<string, () => Promise<string>>;
  batchSize: number;
  /** Batches in flight at once (inference of one overlaps decoding of another). */
  concurrency: number;
  boost?: { domain: number; custom: number };
  logger?: EngineLogger;
  /** Longest segment fed to the model (seconds), when segmentation is off. */
  maxSegmentSeconds?: number;
}

interface Span { index: number; start: number; end: number }

export class CtcEngine implements SpeechEngine {
  readonly info: ModelInfo;
  private readonly domainTerms = new Map<string, Promise<string>>();
  private readonly domainTries = new Map<string, BoostTrie>();
  private closed = false;

  constructor(private readonly parts: CtcEngineParts) {
    this.info = parts.info;
  }

  async transcribe(pcm: Float32Array, options: TranscribeOptions = {}): Promise<Transcript> {
    if (this.closed) throw new Error('engine is closed');
    const { signal, onProgress } = options;
    signal?.throwIfAborted();
    const started = performance.now();
    const sr = this.info.sampleRate;
    const total = pcm.length / sr;
    const decoder = this.parts.decoder.withBoost((await this.boostTrie(options))?.root ?? null);

    const spans = this.spans(pcm, options.segmentation ?? 'vad');
    const speech = spans.reduce((s, x) => s + (x.end - x.start), 0);
    const results: Array<{ span: Span; result: DecodeResult } | undefined> = new Array(spans.length);

    // Longest first so each batch holds segments of similar length (little padding).
    const order = [...spans].sort((a, b) => b.end - b.start - (a.end - a.start));
    const batches: Span[][] = [];
    for (let i = 0; i < order.length; i += this.parts.batchSize) batches.push(order.slice(i, i + this.parts.batchSize));

    let done = 0;
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (next < batches.length && !failed) {
        const batch = batches[next++]!;
        signal?.throwIfAborted();
        const decoded = await this.runBatch(pcm, batch, decoder, signal).catch((e: unknown) => {
          failed = true;
          throw e;
        });
        decoded.forEach((r, k) => (results[batch[k]!.index] = { span: batch[k]!, result: r }));
        done += batch.reduce((s, x) => s + (x.end - x.start), 0);
        onProgress?.(speech > 0 ? (done / speech) * total : total, total);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.parts.concurrency, batches.length) }, worker));
    if (spans.length === 0) onProgress?.(total, total);

    const segments: Segment[] = [];
    for (const r of results) {
      if (!r || !r.result.text) continue;
      segments.push(this.toSegment(segments.length, r.span, r.result));
    }
    const ms = performance.now() - started;
    // Sizes and timings only: never transcript text.
    this.parts.logger?.info({
      audioSeconds: round3(total), speechSeconds: round3(speech / sr), segments: segments.length, batches: batches.length,
      domain: options.domain ?? null, vocabularySize: options.vocabulary?.length ?? 0, ms: Math.round(ms), rtf: total > 0 ? ms / 1000 / total : 0,
    }, 'transcribed');
    return {
      text: segments.map((s) => s.text).join(' '),
      segments,
      durationSeconds: total,
      model: { name: this.info.name, version: this.info.version },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.parts.acoustic.close();
  }

  private spans(pcm: Float32Array, mode: 'vad' | 'none'): Span[] {
    const sr = this.info.sampleRate;
    if (pcm.length === 0) return [];
    if (mode === 'none') {
      // Still keep segments to a size the model handles well.
      const max = Math.round((this.parts.maxSegmentSeconds ?? 30) * sr);
      const out: Span[] = [];
      for (let a = 0; a < pcm.length; a += max) out.push({ index: out.length, start: a, end: Math.min(pcm.length, a + max) });
      return out;
    }
    return segmentSpeech(pcm, sr).map((s, index) => ({
      index,
      start: Math.round(s.start * sr),
      end: Math.min(pcm.length, Math.round(s.end * sr)),
    })).filter((s) => s.end > s.start);
  }

  private async runBatch(pcm: Float32Array, batch: Span[], decoder: CtcDecoder, signal?: AbortSignal): Promise<DecodeResult[]> {
    const spf = this.parts.samplesPerFrame;
    const longest = Math.max(...batch.map((s) => s.end - s.start));
    // Pad to whole frames so every segment's frames line up with the model's, and to at least
    // a quarter second: a front end's analysis window must fit (a stream's last chunk can be tiny).
    const minimum = Math.round(this.info.sampleRate / 4);
    const width = Math.ceil(Math.max(longest, minimum) / spf) * spf;
    const audio = new Float32Array(batch.length * width);
    batch.forEach((s, k) => audio.set(pcm.subarray(s.start, s.end), k * width));
    const out = await this.parts.acoustic.run(audio, batch.length, width);
    const stride = out.frames * out.vocab;
    const results: DecodeResult[] = [];
    for (let k = 0; k < batch.length; k++) {
      signal?.throwIfAborted();
      const s = batch[k]!;
      const frames = Math.min(out.frames, Math.ceil((s.end - s.start) / spf));
      results.push(decoder.decode({ data: out.data.subarray(k * stride, k * stride + frames * out.vocab), frames, vocab: out.vocab }));
      // Let timers and I/O (job heartbeats, health checks) run between segments.
      await new Promise((r) => setImmediate(r));
    }
    return results;
  }

  private toSegment(id: number, span: Span, r: DecodeResult): Segment {
    const sr = this.info.sampleRate;
    const spf = this.parts.samplesPerFrame;
    const offset = span.start / sr;
    const spanEnd = span.end / sr;
    const words: Word[] = r.words.map((w) => ({
      word: w.word,
      start: round3(offset + (w.startFrame * spf) / sr),
      end: round3(Math.min(spanEnd, offset + (w.endFrame * spf) / sr)),
      confidence: round3(w.confidence),
    }));
    return {
      id,
      start: words.length ? words[0]!.start : round3(offset),
      end: words.length ? words[words.length - 1]!.end : round3(spanEnd),
      text: r.text,
      words,
      confidence: round3(r.confidence),
    };
  }

  private async boostTrie(options: TranscribeOptions): Promise<BoostTrie | null> {
    const weights = this.parts.boost ?? DEFAULT_BOOST;
    const vocab = (options.vocabulary ?? []).map((v) => v.trim()).filter(Boolean);
    let domainText: string | null = null;
    if (options.domain) {
      const load = this.parts.domains[options.domain];
      if (!load) {
        const known = Object.keys(this.parts.domains);
        throw new InvalidRequestError(`Unknown domain "${options.domain}"; this model knows: ${known.length ? known.join(', ') : 'none'}`);
      }
      if (!this.domainTerms.has(options.domain)) this.domainTerms.set(options.domain, load());
      domainText = await this.domainTerms.get(options.domain)!;
      if (vocab.length === 0) {
        let trie = this.domainTries.get(options.domain);
        if (!trie) {
          trie = new BoostTrie(this.parts.tokenizer);
          trie.addLines(domainText, weights.domain);
          this.domainTries.set(options.domain, trie);
        }
        return trie;
      }
    }
    if (vocab.length === 0) return null;
    const trie = new BoostTrie(this.parts.tokenizer);
    if (domainText) trie.addLines(domainText, weights.domain);
    for (const v of vocab) trie.add(v, weights.custom);
    return trie;
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
