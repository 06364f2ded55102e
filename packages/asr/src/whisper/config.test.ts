// Reading a conversion's config.json / generation_config.json into what the runtime needs,
// including older or English-only conversions whose generation config says less.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_DIR, fixtureJson } from '../../test/whisper-fixture';
import { validateWhisperManifest, whisperSpec } from './config';
import { WhisperTokenizer } from './tokenizer';

const tok = WhisperTokenizer.fromJson(readFileSync(join(FIXTURE_DIR, 'tokenizer.json'), 'utf8'));
const config = fixtureJson('config.json');
const generation = fixtureJson('generation_config.json');
const preprocessor = fixtureJson('preprocessor_config.json');

describe('whisperSpec', () => {
  it('reads the fixture like a public conversion', () => {
    const s = whisperSpec(config, generation, preprocessor, tok);
    expect(s).toMatchObject({
      nMels: 80, nFft: 400, hopLength: 160, sampleRate: 16000, chunkLength: 30, nAudioCtx: 1500, nTextCtx: 448,
      decoderLayers: 2, decoderHeads: 4, headDim: 16, multilingual: true, maxInitialTimestampIndex: 50,
    });
    expect(s.timePrecision).toBeCloseTo(0.02, 12);
    expect(s.eot).toBe(tok.tokenToId('<|endoftext|>'));
    expect(s.sot).toBe(tok.tokenToId('<|startoftranscript|>'));
    expect(s.timestampBegin).toBe(tok.tokenToId('<|0.00|>'));
    expect(s.noSpeech).toBe(s.noTimestamps - 1);
    expect(s.langToId).toEqual({ en: tok.tokenToId('<|en|>'), de: tok.tokenToId('<|de|>'), es: tok.tokenToId('<|es|>'), fr: tok.tokenToId('<|fr|>') });
  });

  it('falls back to the tokenizer for token ids an older generation_config.json lacks', () => {
    const s = whisperSpec(config, { is_multilingual: true }, {}, tok);
    expect(s.noTimestamps).toBe(tok.tokenToId('<|notimestamps|>'));
    expect(s.sotPrev).toBe(tok.tokenToId('<|startofprev|>'));
    expect(s.transcribe).toBe(tok.tokenToId('<|transcribe|>'));
    expect(Object.keys(s.langToId).sort()).toEqual(['de', 'en', 'es', 'fr']);
    expect(s.beginSuppressTokens).toEqual([tok.tokenToId('Ġ'), s.eot]);
  });

  it('treats a 51864-token vocabulary without is_multilingual as English-only, like openai/whisper', () => {
    expect(whisperSpec({ ...config, vocab_size: 51864 }, { ...generation, is_multilingual: undefined }, {}, tok).multilingual).toBe(false);
    expect(whisperSpec({ ...config, vocab_size: 51865 }, { ...generation, is_multilingual: undefined }, {}, tok).multilingual).toBe(true);
  });

  it('takes 128 mel bins from config.json (large-v3)', () => {
    expect(whisperSpec({ ...config, num_mel_bins: 128 }, generation, preprocessor, tok).nMels).toBe(128);
  });
});

describe('validateWhisperManifest', () => {
  const base = JSON.parse(readFileSync(join(FIXTURE_DIR, 'manifest.json'), 'utf8'));
  it('accepts the fixture manifest and names every problem of a bad one', () => {
    expect(validateWhisperManifest(base, FIXTURE_DIR).files.decoder).toBe('decoder_model_merged.onnx');
    const bad = { ...base, sample_rate: 8000, task: 'summarise', temperatures: [0, -1], files: { decoder: 'd.onnx' } };
    expect(() => validateWhisperManifest(bad, '/m')).toThrow(/files.encoder.*files.tokenizer.*files.config.*task.*temperatures.*16 kHz/);
  });
});
