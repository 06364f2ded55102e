// Whisper-family models (encoder–decoder ONNX exports) behind the same SpeechEngine interface as
// our CTC models. load.ts dispatches `family: "whisper"` manifests here after verifying checksums.
//
// transcribe(): the audio is decoded in 30 s windows the way openai/whisper's `transcribe` moves
// through long audio: each window's log-mel features go through the encoder, a greedy decode with
// the key/value cache produces text and timestamp tokens (forced prefix <|startoftranscript|>
// <|lang|> <|transcribe|>, optionally preceded by <|startofprev|> and the request's vocabulary as
// a prompt), the tokens are cut into segments at timestamp pairs, and the next window starts
// where the last complete segment ended. Word times are approximate (see decoding.ts).
import { readFile } from 'node:fs/promises';
import { ModelLoadError, modelPath } from '../adapters/model-files.js';
import { InvalidRequestError } from '../errors.js';
import type { EngineLogger, EngineOptions, ModelInfo, ModelManifest, Segment, SpeechEngine, TranscribeOptions, Transcript } from '../types.js';
import { validateWhisperManifest, whisperSpec, type WhisperManifest, type WhisperSpec } from './config.js';
import { applyRules, argmax, compressionRatio, logProbOf, round3, sampleToken, seededRandom, segmentText, softmaxAt, splitWindow } from './decoding.js';
import { WhisperMelExtractor } from './mel.js';
import { WhisperOnnx } from './onnx.js';
import { WhisperTokenizer } from './tokenizer.js';

export type { WhisperManifest } from './config.js';

export interface WhisperEngineParts {
  info: ModelInfo;
  spec: WhisperSpec;
  tokenizer: WhisperTokenizer;
  model: WhisperOnnx;
  /** Forced prefix: <|startoftranscript|> [<|lang|> <|task|>] [<|notimestamps|>]. */
  sotSequence: number[];
  /** Language "auto": the language token of sotSequence[1] is chosen per request from its first window. */
  autoLanguage: boolean;
  timestamps: boolean;
  maxNewTokens: number;
  domains: Record<string, () => Promise<string>>;
  noSpeechThreshold: number;
  logprobThreshold: number;
  /** openai/whisper's fallback: decode again at the next temperature while the text is a loop or unlikely. */
  temperatures: number[];
  compressionRatioThreshold: number;
  logger?: EngineLogger;
}

export interface WindowDecode {
  /** Generated tokens after the prompt, ending with <|endoftext|> when the model ended the window. */
  tokens: number[];
  /** log P of each generated token under the processed (suppressed, timestamp-ruled) distribution. */
  logprobs: number[];
  /** P(<|nospeech|>) at the <|startoftranscript|> position, or null when the model has no such token. */
  noSpeechProb: number | null;
  avgLogprob: number;
  /** Set by the fallback loop: the temperature that produced this result, and its text's compression ratio. */
  temperature?: number;
  compressionRatio?: number;
}

export interface DecodeOptions {
  /** false: re-run the whole sequence each step instead of using the key/value cache. */
  useCache?: boolean;
  maxNewTokens?: number;
  signal?: AbortSignal | undefined;
  /** 0 (default): greedy; above 0: sample from softmax(logits / temperature) with `rng`. */
  temperature?: number;
  rng?: () => number;
}

type EncoderOutput = Awaited<ReturnType<WhisperOnnx['encode']>>;

export async function loadWhisperEngine(dir: string, manifest: unknown, options: EngineOptions = {}): Promise<SpeechEngine> {
  return WhisperEngine.load(dir, manifest as ModelManifest, options);
}

export class WhisperEngine implements SpeechEngine {
  readonly info: ModelInfo;
  readonly spec: WhisperSpec;
  readonly tokenizer: WhisperTokenizer;
  readonly mel: WhisperMelExtractor;
  private readonly domainTerms = new Map<string, Promise<string[]>>();
  private closed = false;

  constructor(private readonly parts: WhisperEngineParts) {
    this.info = parts.info;
    this.spec = parts.spec;
    this.tokenizer = parts.tokenizer;
    this.mel = new WhisperMelExtractor({
      nMels: parts.spec.nMels,
      sampleRate: parts.spec.sampleRate,
      nFft: parts.spec.nFft,
      hopLength: parts.spec.hopLength,
      chunkLength: parts.spec.chunkLength,
    });
  }

  static async load(dir: string, manifest: ModelManifest, options: EngineOptions = {}): Promise<WhisperEngine> {
    const started = Date.now();
    let m: WhisperManifest;
    try {
      m = validateWhisperManifest(manifest, dir);
    } catch (e) {
      throw new ModelLoadError((e as Error).message);
    }
    const where = `${m.name} ${m.version}`;
    const readJson = async (rel: string | undefined, required: boolean): Promise<Record<string, unknown>> => {
      if (!rel) return {};
      try {
        return JSON.parse(await readFile(modelPath(dir, rel), 'utf8')) as Record<string, unknown>;
      } catch (e) {
        if (!required && (e as NodeJS.ErrnoException).code === 'ENOENT') return {};
        throw new ModelLoadError(`Cannot read ${rel} of model ${where}: ${(e as Error).message}`);
      }
    };
    const [config, generation, preprocessor] = await Promise.all([
      readJson(m.files.config, true),
      readJson(m.files.generation_config, false),
      readJson(m.files.preprocessor_config, false),
    ]);
    let tokenizer: WhisperTokenizer;
    let spec: WhisperSpec;
    try {
      tokenizer = WhisperTokenizer.fromJson(await readFile(modelPath(dir, m.files.tokenizer), 'utf8'));
      spec = whisperSpec(config, generation, preprocessor, tokenizer);
    } catch (e) {
      throw new ModelLoadError(`Cannot load the tokenizer/config of model ${where}: ${(e as Error).message}`);
    }

    const language = m.language ?? 'en';
    const task = m.task ?? 'transcribe';
    const timestamps = m.timestamps ?? true;
    const sotSequence = [spec.sot];
    const autoLanguage = language === 'auto' && spec.multilingual;
    if (spec.multilingual) {
      const lang = autoLanguage ? Object.values(spec.langToId)[0] : spec.langToId[language];
      if (lang === undefined) {
        throw new ModelLoadError(`Model ${where} does not know language "${language}" (it knows: ${Object.keys(spec.langToId).join(', ')})`);
      }
      const taskId = task === 'translate' ? spec.translate : spec.transcribe;
      if (taskId === null) throw new ModelLoadError(`Model ${where} has no <|${task}|> token`);
      sotSequence.push(lang, taskId);
    } else if ((language !== 'en' && language !== 'auto') || task !== 'transcribe') {
      throw new ModelLoadError(`Model ${where} is English-only; it cannot ${task} "${language}"`);
    }
    if (!timestamps) sotSequence.push(spec.noTimestamps);

    const threads = Math.max(1, Math.floor(options.threads ?? 1));
    const executionProvider = options.executionProvider ?? 'cpu';
    const model = await WhisperOnnx.load(
      {
        encoder: modelPath(dir, m.files.encoder),
        decoder: modelPath(dir, m.files.decoder),
        ...(m.files.decoder_with_past ? { decoderWithPast: modelPath(dir, m.files.decoder_with_past) } : {}),
      },
      { layers: spec.decoderLayers, heads: spec.decoderHeads, headDim: spec.headDim },
      { threads, executionProvider },
    ).catch((e: Error) => {
      throw new ModelLoadError(`Cannot load the ONNX files of model ${where}: ${e.message}`);
    });

    const domains: Record<string, () => Promise<string>> = {};
    for (const [name, rel] of Object.entries(m.domains ?? {})) {
      domains[name] = () => readFile(modelPath(dir, rel), 'utf8').catch(() => {
        throw new ModelLoadError(`Domain list ${rel} of model ${where} is missing`);
      });
    }
    const engine = new WhisperEngine({
      info: { name: m.name, version: m.version, family: 'whisper', sampleRate: m.sample_rate, dir },
      spec,
      tokenizer,
      model,
      sotSequence,
      autoLanguage,
      timestamps,
      maxNewTokens: Math.max(1, Math.floor(m.max_new_tokens ?? spec.nTextCtx / 2)),
      domains,
      noSpeechThreshold: m.no_speech_threshold ?? 0.6,
      logprobThreshold: m.logprob_threshold ?? -1,
      temperatures: m.temperatures && m.temperatures.length ? [...m.temperatures] : [0, 0.2, 0.4, 0.6, 0.8, 1.0],
      compressionRatioThreshold: m.compression_ratio_threshold ?? 2.4,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    options.logger?.info({
      model: m.name, version: m.version, family: 'whisper', threads, executionProvider, language, task,
      nMels: spec.nMels, decoderLayers: spec.decoderLayers, vocab: spec.vocabSize, loadMs: Date.now() - started,
    }, 'speech model loaded');
    return engine;
  }

  async transcribe(pcm: Float32Array, options: TranscribeOptions = {}): Promise<Transcript> {
    if (this.closed) throw new Error('engine is closed');
    const { signal, onProgress } = options;
    signal?.throwIfAborted();
    const sr = this.info.sampleRate;
    const total = pcm.length / sr;
    const prompt = await this.prompt(options);
    const window = this.mel.nSamples;
    const segments: Segment[] = [];
    let sotSequence = this.parts.sotSequence;
    let prevEnd = 0;
    let seek = 0;
    while (seek < pcm.length) {
      signal?.throwIfAborted();
      const windowSamples = Math.min(window, pcm.length - seek);
      if (windowSamples < this.spec.hopLength) break; // less than one frame left
      const encoderOut = await this.parts.model.encode(this.mel.extract(pcm, seek), this.spec.nMels);
      if (this.parts.autoLanguage && seek === 0) {
        const lang = await this.detectLanguage(encoderOut);
        sotSequence = [sotSequence[0]!, lang.id, ...sotSequence.slice(2)];
        this.parts.logger?.info({ model: this.info.name, language: lang.code }, 'language detected');
      }
      const d = await this.decodeWithFallback(encoderOut, prompt, sotSequence, seek, signal);
      const timeOffset = seek / sr;
      const silent = d.noSpeechProb !== null && d.noSpeechProb > this.parts.noSpeechThreshold && d.avgLogprob < this.parts.logprobThreshold;
      if (silent) {
        seek += windowSamples;
      } else {
        const generated = d.tokens[d.tokens.length - 1] === this.spec.eot ? d.tokens.slice(0, -1) : d.tokens;
        const split = splitWindow(generated, d.logprobs, this.spec.timestampBegin, timeOffset, windowSamples, sr, this.spec.timePrecision);
        for (const raw of split.segments) {
          const start = Math.max(raw.start, prevEnd);
          const seg = { ...raw, start, end: Math.max(raw.end, start) };
          const t = segmentText(seg, this.tokenizer, this.spec.eot);
          if (!t.text) continue;
          segments.push({ id: segments.length, start: round3(seg.start), end: round3(seg.end), text: t.text, words: t.words, confidence: t.confidence });
          prevEnd = seg.end;
        }
        seek += split.advanceSamples;
      }
      onProgress?.(Math.min(seek / sr, total), total);
      // let timers and I/O (job heartbeats, health checks) run between windows
      await new Promise((r) => setImmediate(r));
    }
    if (seek < pcm.length || pcm.length === 0) onProgress?.(total, total); // a tail shorter than one frame, or no audio
    return {
      text: segments.map((s) => s.text).join(' '),
      segments,
      durationSeconds: total,
      model: { name: this.info.name, version: this.info.version },
    };
  }

  /**
   * Greedy decode of one window's features. `prompt` goes before the forced prefix
   * (<|startofprev|> and the prompt text tokens, or nothing). `useCache: false` re-runs the whole
   * sequence each step (slow; the reference the cached path is tested against).
   */
  async decodeWindow(features: Float32Array, prompt: readonly number[], opts: DecodeOptions = {}): Promise<WindowDecode> {
    const encoderOut = await this.parts.model.encode(features, this.spec.nMels);
    return this.decodeEncoded(encoderOut, prompt, this.parts.sotSequence, opts);
  }

  /**
   * openai/whisper's decode_with_fallback: greedy first; while the result is repetitive
   * (compression ratio above the threshold) or unlikely (average log-probability below the
   * threshold) and not silence, sample again at the next temperature (seeded by the window's
   * position, so a transcript is reproducible).
   */
  async decodeWithFallback(encoderOut: EncoderOutput, prompt: readonly number[], sotSequence: readonly number[], seek: number, signal?: AbortSignal): Promise<WindowDecode> {
    const p = this.parts;
    let d: WindowDecode | null = null;
    for (const temperature of p.temperatures) {
      d = await this.decodeEncoded(encoderOut, prompt, sotSequence, {
        signal, temperature, rng: seededRandom((seek * 31 + Math.round(temperature * 1000)) >>> 0),
      });
      const text = this.tokenizer.decode(d.tokens.filter((t) => t < this.spec.eot));
      d.temperature = temperature;
      d.compressionRatio = compressionRatio(text);
      let again = d.compressionRatio > p.compressionRatioThreshold || d.avgLogprob < p.logprobThreshold;
      if (d.noSpeechProb !== null && d.noSpeechProb > p.noSpeechThreshold) again = false;
      if (!again) break;
    }
    return d!;
  }

  /** The spoken language of one window's features: the likeliest language token after <|startoftranscript|>. */
  async detectLanguage(encoderOut: EncoderOutput): Promise<{ code: string; id: number; probability: number }> {
    const row = (await this.parts.model.step(encoderOut, [this.spec.sot], this.parts.model.newState(), false)).last;
    const langs = Object.entries(this.spec.langToId);
    if (langs.length === 0) throw new Error('this model has no language tokens');
    const masked = new Float32Array(row.length).fill(-Infinity);
    for (const [, id] of langs) masked[id] = row[id]!;
    const id = argmax(masked);
    const code = langs.find(([, v]) => v === id)![0];
    return { code, id, probability: softmaxAt(masked, id) };
  }

  private async decodeEncoded(encoderOut: EncoderOutput, prompt: readonly number[], sotSequence: readonly number[], opts: DecodeOptions): Promise<WindowDecode> {
    const spec = this.spec;
    const useCache = opts.useCache ?? true;
    const tokens = [...prompt, ...sotSequence];
    const begin = tokens.length;
    const sotIndex = prompt.length;
    const maxNew = Math.max(0, Math.min(opts.maxNewTokens ?? this.parts.maxNewTokens, spec.nTextCtx - begin));
    const state = this.parts.model.newState();
    const generated: number[] = [];
    const logprobs: number[] = [];
    let noSpeechProb: number | null = null;
    for (let step = 0; step < maxNew; step++) {
      opts.signal?.throwIfAborted();
      const wantRow = step === 0 && spec.noSpeech !== null ? sotIndex : undefined;
      const out = await this.parts.model.step(encoderOut, tokens, state, useCache, wantRow);
      if (out.row && spec.noSpeech !== null) noSpeechProb = softmaxAt(out.row, spec.noSpeech);
      const scores = out.last;
      applyRules(scores, generated, spec, this.parts.timestamps);
      const t = opts.temperature ?? 0;
      const next = t > 0 ? sampleToken(scores, t, opts.rng ?? Math.random) : argmax(scores);
      const lp = logProbOf(scores, next);
      tokens.push(next);
      generated.push(next);
      logprobs.push(lp);
      if (next === spec.eot) break;
    }
    const sum = logprobs.reduce((a, b) => a + b, 0);
    return { tokens: generated, logprobs, noSpeechProb, avgLogprob: generated.length ? sum / generated.length : 0 };
  }

  /**
   * <|startofprev|> + " term, term, …": the domain's terms, then the request's own words (nearest
   * to the transcript). At most 223 tokens: the request's words come first (its last ones if even
   * they are too many), then as many domain terms as fit, in the order of the domain's list.
   */
  async prompt(options: Pick<TranscribeOptions, 'vocabulary' | 'domain'>): Promise<number[]> {
    let domainTerms: string[] = [];
    if (options.domain) {
      const load = this.parts.domains[options.domain];
      if (!load) {
        const known = Object.keys(this.parts.domains);
        throw new InvalidRequestError(`Unknown domain "${options.domain}"; this model knows: ${known.length ? known.join(', ') : 'none'}`);
      }
      if (!this.domainTerms.has(options.domain)) {
        this.domainTerms.set(options.domain, load().then((text) => text.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean)));
      }
      domainTerms = await this.domainTerms.get(options.domain)!;
    }
    return this.promptFromTerms(domainTerms, options.vocabulary ?? []);
  }

  promptFromTerms(domainTerms: readonly string[], requestTerms: readonly string[]): number[] {
    const sotPrev = this.spec.sotPrev;
    if (sotPrev === null) return [];
    const budget = Math.floor(this.spec.nTextCtx / 2) - 1;
    const encode = (terms: string[]) => (terms.length ? this.tokenizer.encode(' ' + terms.join(', ')) : []);
    let mine = unique(requestTerms.map((t) => t.trim()).filter(Boolean));
    while (mine.length > 0 && encode(mine).length > budget) mine = mine.slice(1);
    const seen = new Set(mine);
    const chosen: string[] = [];
    for (const t of unique(domainTerms)) {
      if (seen.has(t)) continue;
      if (encode([...chosen, t, ...mine]).length > budget) break;
      chosen.push(t);
    }
    const ids = encode([...chosen, ...mine]);
    return ids.length ? [sotPrev, ...ids] : [];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.parts.model.close();
  }
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}
