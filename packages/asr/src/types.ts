// The public shapes of the speech engine. The inference service, the CLI and the Whisper family
// (src/whisper/) code against exactly these; change them only by adding optional fields.

export type ModelFamily = 'ctc' | 'whisper';

export interface ModelInfo {
  name: string;
  version: string;
  family: ModelFamily;
  sampleRate: number;
  /** Absolute path of the model folder. */
  dir: string;
}

/** One recognised word; times in seconds from the start of the audio, confidence in 0..1. */
export interface Word {
  word: string;
  start: number;
  end: number;
  confidence: number;
}

export interface Segment {
  id: number;
  start: number;
  end: number;
  text: string;
  words: Word[];
  confidence: number;
}

export interface Transcript {
  text: string;
  segments: Segment[];
  durationSeconds: number;
  model: { name: string; version: string };
}

export interface TranscribeOptions {
  /** A domain named in the manifest's `domains` (e.g. "medicine"): its term list is boosted. */
  domain?: string;
  /** Words or phrases to boost for this request (a customer's names, jargon). */
  vocabulary?: string[];
  signal?: AbortSignal;
  onProgress?: (processedSeconds: number, totalSeconds: number) => void;
  /**
   * 'vad' (default) cuts the audio at pauses; 'none' decodes it as one segment (used by the
   * streaming recogniser on its short window). Engines may ignore it.
   */
  segmentation?: 'vad' | 'none';
}

export interface SpeechEngine {
  readonly info: ModelInfo;
  /** 16 kHz (info.sampleRate) mono float PCM in [-1, 1]. */
  transcribe(pcm: Float32Array, options?: TranscribeOptions): Promise<Transcript>;
  close(): Promise<void>;
}

export interface EngineLogger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
}

export interface DecoderOptions {
  /** Shallow fusion with the manifest's word n-gram LM (default true when the model has one). */
  useLm?: boolean;
  /** Overrides of the manifest's lm_weights. */
  alpha?: number;
  beta?: number;
  beamWidth?: number;
  /** Nats for a word outside the lexicon, and per letter of it (≤ 0). */
  unkPenalty?: number;
  oovCharPenalty?: number;
  /** Bonus (nats) of a completed domain term and of a request's own vocabulary entry. */
  domainBonus?: number;
  vocabularyBonus?: number;
}

export interface EngineOptions {
  /** CPU thread budget for inference (default: 1). */
  threads?: number;
  executionProvider?: 'cpu' | 'cuda';
  /** Segments per inference batch (default 8 on CPU, 32 on CUDA). */
  batchSize?: number;
  /**
   * Inference worker threads, each with its own session and threads/workers intra-op threads
   * (default: `threads` on CPU, 1 on CUDA). 0 runs the session on the calling thread, which
   * blocks the event loop during each batch.
   */
  inferenceWorkers?: number;
  logger?: EngineLogger;
  /** Decoder tuning; defaults come from the manifest. */
  decoder?: DecoderOptions;
}

/** manifest.json of a model folder. Fields beyond these are kept but not interpreted here. */
export interface ModelManifest {
  name: string;
  version: string;
  family: ModelFamily;
  sample_rate: number;
  files: Record<string, string>;
  checksums?: Record<string, string>;
  [key: string]: unknown;
}

export interface CtcManifest extends ModelManifest {
  family: 'ctc';
  files: { model: string; lm?: string; lexicon?: string; [key: string]: string | undefined } & Record<string, string>;
  input: { name: string };
  output: { name: string };
  samples_per_frame: number;
  tokens: string[];
  blank_id: number;
  word_delimiter_id: number;
  domains?: Record<string, string>;
  lm_weights?: { alpha?: number; beta?: number; beam?: number; unk_penalty?: number; oov_char_penalty?: number };
}
