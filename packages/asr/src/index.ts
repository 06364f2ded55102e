// @verbatim/asr — the speech engine shared by the inference service and the CLI.
export type {
  ModelInfo, Word, Segment, Transcript, TranscribeOptions, SpeechEngine, EngineOptions, EngineLogger,
  DecoderOptions, ModelManifest, CtcManifest, ModelFamily,
} from './types.js';
export { loadEngine, defaultModelDir } from './load.js';
export { decodeAudio, probeAudio, AudioDecodeError, type AudioProbe, type DecodeAudioOptions } from './adapters/ffmpeg.js';
export { ModelLoadError, readManifest, verifyChecksums } from './adapters/model-files.js';
export { InvalidRequestError } from './errors.js';
export { detectAudioFormat, DETECT_HEAD_BYTES, type AudioFormat } from './domain/audio-format.js';
export { segmentSpeech, type SegmentSpeechOptions, type SpeechSpan } from './domain/vad.js';
export { toText, toSrt, toVtt, toCues, type Cue } from './domain/captions.js';
export { normalizeText } from './domain/text.js';
export { wordErrorRate, type WerResult } from './domain/wer.js';
export { StreamingRecognizer, type StreamingOptions, type StreamingUpdate } from './streaming.js';
export { CtcDecoder, DEFAULT_DECODER, type DecoderConfig, type Posteriors, type DecodeResult } from './domain/ctc-decoder.js';
export { ArpaModel, type NgramModel } from './domain/arpa.js';
export { CtcEngine, DEFAULT_BOOST } from './ctc-engine.js';
export type { AcousticModel, AcousticBatchOutput } from './adapters/onnx.js';
