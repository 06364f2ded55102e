// The Whisper manifest and the Hugging Face files beside it (config.json, generation_config.json,
// preprocessor_config.json, tokenizer.json), read into the numbers and token ids the runtime needs.
import type { ModelManifest } from '../types.js';
import type { WhisperTokenizer } from './tokenizer.js';

export interface WhisperManifest extends ModelManifest {
  family: 'whisper';
  files: {
    encoder: string;
    /** The merged decoder (with `use_cache_branch`), or the first-step decoder when `decoder_with_past` is given. */
    decoder: string;
    /** Optional: the separate with-past decoder of older exports (decoder_with_past_model.onnx). */
    decoder_with_past?: string;
    tokenizer: string;
    config: string;
    generation_config?: string;
    preprocessor_config?: string;
  } & Record<string, string>;
  /** Spoken language code ("en", "de", …) for multilingual models, or "auto" to detect it per request; default "en". */
  language?: string;
  task?: 'transcribe' | 'translate';
  /** Ask for timestamp tokens (default true); false decodes whole windows as one segment each. */
  timestamps?: boolean;
  /** Most tokens generated per 30 s window (default: half the decoder's context, 224). */
  max_new_tokens?: number;
  /** Optional domain term lists ({"medicine": "domains/medicine.txt"}), used as a prompt. */
  domains?: Record<string, string>;
  /** Skip a window as silence when P(<|nospeech|>) exceeds this and the average log-prob is below logprob_threshold. */
  no_speech_threshold?: number;
  logprob_threshold?: number;
  /** Temperatures tried in turn while a window's text is a loop or unlikely (default 0, 0.2, … 1.0; [0] = greedy only). */
  temperatures?: number[];
  /** A window's text is a loop above this gzip compression ratio (default 2.4). */
  compression_ratio_threshold?: number;
}

export interface WhisperSpec {
  nMels: number;
  sampleRate: number;
  nFft: number;
  hopLength: number;
  chunkLength: number;
  /** Encoder output frames per window (1500) and the audio seconds one frame covers (0.02). */
  nAudioCtx: number;
  timePrecision: number;
  /** Decoder context (448). */
  nTextCtx: number;
  decoderLayers: number;
  decoderHeads: number;
  headDim: number;
  vocabSize: number;
  multilingual: boolean;
  eot: number;
  sot: number;
  sotPrev: number | null;
  noSpeech: number | null;
  noTimestamps: number;
  timestampBegin: number;
  transcribe: number | null;
  translate: number | null;
  langToId: Record<string, number>;
  suppressTokens: number[];
  beginSuppressTokens: number[];
  maxInitialTimestampIndex: number | null;
}

type Json = Record<string, unknown>;

function num(o: Json, key: string): number | undefined {
  const v = o[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function ids(o: Json, key: string): number[] | undefined {
  const v = o[key];
  return Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;
}

export function validateWhisperManifest(m: ModelManifest, dir: string): WhisperManifest {
  const problems: string[] = [];
  const files = m.files as Record<string, unknown>;
  for (const k of ['encoder', 'decoder', 'tokenizer', 'config']) {
    if (typeof files[k] !== 'string' || !files[k]) problems.push(`"files.${k}" must name a file`);
  }
  for (const k of ['decoder_with_past', 'generation_config', 'preprocessor_config']) {
    if (files[k] !== undefined && typeof files[k] !== 'string') problems.push(`"files.${k}" must be a file name`);
  }
  const o = m as Json;
  if (o.task !== undefined && o.task !== 'transcribe' && o.task !== 'translate') problems.push('"task" must be "transcribe" or "translate"');
  if (o.language !== undefined && (typeof o.language !== 'string' || !o.language)) problems.push('"language" must be a language code such as "en"');
  if (o.max_new_tokens !== undefined && (typeof o.max_new_tokens !== 'number' || o.max_new_tokens < 1)) problems.push('"max_new_tokens" must be a positive number');
  if (o.temperatures !== undefined && (!Array.isArray(o.temperatures) || !o.temperatures.every((t) => typeof t === 'number' && t >= 0))) {
    problems.push('"temperatures" must be a list of numbers >= 0');
  }
  if (m.sample_rate !== 16000) problems.push(`Whisper models take 16 kHz audio; "sample_rate" is ${m.sample_rate}`);
  if (problems.length) throw new Error(`Invalid Whisper manifest in ${dir}: ${problems.join('; ')}`);
  return m as WhisperManifest;
}

/**
 * Numbers from config.json, token ids from generation_config.json (falling back to the
 * tokenizer's added tokens, for conversions that ship an older generation config).
 */
export function whisperSpec(config: Json, generation: Json, preprocessor: Json, tok: WhisperTokenizer): WhisperSpec {
  const need = (o: Json, key: string, file: string): number => {
    const v = num(o, key);
    if (v === undefined) throw new Error(`${file} has no "${key}"`);
    return v;
  };
  const byName = (name: string): number | undefined => tok.tokenToId(name);
  const dModel = need(config, 'd_model', 'config.json');
  const heads = need(config, 'decoder_attention_heads', 'config.json');
  const nMels = num(config, 'num_mel_bins') ?? num(preprocessor, 'feature_size') ?? 80;
  const hop = num(preprocessor, 'hop_length') ?? 160;
  const sampleRate = num(preprocessor, 'sampling_rate') ?? 16000;
  const nAudioCtx = num(config, 'max_source_positions') ?? 1500;
  const chunkLength = num(preprocessor, 'chunk_length') ?? 30;

  const eot = num(generation, 'eos_token_id') ?? num(config, 'eos_token_id') ?? byName('<|endoftext|>');
  const sot = num(generation, 'decoder_start_token_id') ?? num(config, 'decoder_start_token_id') ?? byName('<|startoftranscript|>');
  const noTimestamps = num(generation, 'no_timestamps_token_id') ?? byName('<|notimestamps|>');
  if (eot === undefined || sot === undefined || noTimestamps === undefined) {
    throw new Error('cannot find <|endoftext|>, <|startoftranscript|> and <|notimestamps|> in generation_config.json or tokenizer.json');
  }
  const tasks = (generation.task_to_id ?? {}) as Record<string, number>;
  const langToId: Record<string, number> = {};
  for (const [k, v] of Object.entries((generation.lang_to_id ?? {}) as Record<string, number>)) {
    langToId[k.replace(/^<\|/, '').replace(/\|>$/, '')] = v;
  }
  const vocabSize = num(config, 'vocab_size') ?? tok.size;
  // openai/whisper: multilingual iff n_vocab >= 51865 (English-only vocabularies also hold the
  // language tokens, but .en models are trained with <|startoftranscript|> alone)
  const multilingual = typeof generation.is_multilingual === 'boolean' ? generation.is_multilingual : vocabSize >= 51865;
  if (multilingual && Object.keys(langToId).length === 0) {
    // older generation configs: find language tokens in the vocabulary between sot and translate
    const translate = byName('<|translate|>') ?? noTimestamps;
    for (let id = sot + 1; id < translate; id++) {
      const s = tok.idToString(id);
      const m = s && /^<\|([a-z]{2,3}|haw|yue)\|>$/.exec(s);
      if (m) langToId[m[1]!] = id;
    }
  }
  const nospeech = byName('<|nospeech|>') ?? byName('<|nocaptions|>') ?? null;
  const suppress = ids(generation, 'suppress_tokens') ?? ids(config, 'suppress_tokens') ?? [];
  const beginSuppress = ids(generation, 'begin_suppress_tokens') ?? ids(config, 'begin_suppress_tokens') ?? [byName('Ġ') ?? 220, eot];
  return {
    nMels,
    sampleRate,
    nFft: num(preprocessor, 'n_fft') ?? 400,
    hopLength: hop,
    chunkLength,
    nAudioCtx,
    timePrecision: (chunkLength / nAudioCtx),
    nTextCtx: num(config, 'max_target_positions') ?? 448,
    decoderLayers: need(config, 'decoder_layers', 'config.json'),
    decoderHeads: heads,
    headDim: dModel / heads,
    vocabSize,
    multilingual,
    eot,
    sot,
    sotPrev: num(generation, 'prev_sot_token_id') ?? byName('<|startofprev|>') ?? null,
    noSpeech: nospeech,
    noTimestamps,
    timestampBegin: noTimestamps + 1,
    transcribe: tasks.transcribe ?? byName('<|transcribe|>') ?? null,
    translate: tasks.translate ?? byName('<|translate|>') ?? null,
    langToId,
    suppressTokens: suppress.filter((t) => t >= 0 && t < vocabSize),
    beginSuppressTokens: beginSuppress.filter((t) => t >= 0 && t < vocabSize),
    maxInitialTimestampIndex: num(generation, 'max_initial_timestamp_index') ?? 50,
  };
}
