// The byte-level BPE tokenizer against the Python `tokenizers` library's own encodings of the
// same tokenizer.json (stored in the fixture by training/whisper/export_tiny.py).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_DIR, fixtureJson, reference } from '../../test/whisper-fixture';
import { bytesToUnicode, WhisperTokenizer } from './tokenizer';

const tok = WhisperTokenizer.fromJson(readFileSync(join(FIXTURE_DIR, 'tokenizer.json'), 'utf8'));
const ref = reference();

describe('WhisperTokenizer', () => {
  it.each(ref.tokenizer.map((c) => [c.text, c.ids] as const))('encodes %j exactly as Python tokenizers does', (text, ids) => {
    expect(tok.encode(text)).toEqual(ids);
  });

  it.each(ref.tokenizer.map((c) => [c.text] as const))('round-trips %j', (text) => {
    expect(tok.decode(tok.encode(text))).toBe(text);
  });

  it('decodes the reference transcript (invalid UTF-8 included) as Python does', () => {
    const { generated_ids, text } = ref.decode.plain;
    const eot = tok.tokenToId('<|endoftext|>')!;
    expect(tok.decode(generated_ids.filter((t) => t < eot))).toBe(text);
  });

  it('knows the special and timestamp tokens at the ids generation_config.json gives', () => {
    const gen = fixtureJson('generation_config.json') as { eos_token_id: number; decoder_start_token_id: number; no_timestamps_token_id: number; prev_sot_token_id: number; lang_to_id: Record<string, number> };
    expect(tok.tokenToId('<|endoftext|>')).toBe(gen.eos_token_id);
    expect(tok.tokenToId('<|startoftranscript|>')).toBe(gen.decoder_start_token_id);
    expect(tok.tokenToId('<|notimestamps|>')).toBe(gen.no_timestamps_token_id);
    expect(tok.tokenToId('<|startofprev|>')).toBe(gen.prev_sot_token_id);
    expect(tok.tokenToId('<|en|>')).toBe(gen.lang_to_id['<|en|>']);
    expect(tok.tokenToId('<|0.00|>')).toBe(gen.no_timestamps_token_id + 1);
    expect(tok.tokenToId('<|30.00|>')).toBe(gen.no_timestamps_token_id + 1501);
    expect(tok.size).toBe(gen.no_timestamps_token_id + 1502);
  });

  it('never turns special-token text in a prompt into control tokens', () => {
    const ids = tok.encode(' <|endoftext|> <|0.00|>');
    expect(ids.every((i) => !tok.isAdded(i))).toBe(true);
    expect(tok.decode(ids)).toBe(' <|endoftext|> <|0.00|>');
  });

  it('keeps added tokens in the text only when asked', () => {
    const ids = [tok.tokenToId('<|startoftranscript|>')!, ...tok.encode(' Hello'), tok.tokenToId('<|1.00|>')!];
    expect(tok.decode(ids)).toBe(' Hello');
    expect(tok.decode(ids, true)).toBe('<|startoftranscript|> Hello<|1.00|>');
  });

  it('reads merges in both tokenizer.json layouts ("a b" strings and [a, b] pairs)', () => {
    const json = JSON.parse(readFileSync(join(FIXTURE_DIR, 'tokenizer.json'), 'utf8')) as { model: { merges: Array<string | string[]> } };
    const asStrings = { ...json, model: { ...json.model, merges: json.model.merges.map((m) => (typeof m === 'string' ? m : m.join(' '))) } };
    const asPairs = { ...json, model: { ...json.model, merges: json.model.merges.map((m) => (typeof m === 'string' ? m.split(' ') : m)) } };
    const text = ref.tokenizer[1]!.text;
    expect(new WhisperTokenizer(asStrings as never).encode(text)).toEqual(ref.tokenizer[1]!.ids);
    expect(new WhisperTokenizer(asPairs as never).encode(text)).toEqual(ref.tokenizer[1]!.ids);
  });

  it('maps all 256 bytes to distinct printable characters (GPT-2 byte encoder)', () => {
    const m = bytesToUnicode();
    expect(new Set(m).size).toBe(256);
    expect(m[32]).toBe('Ġ');
    expect(m[65]).toBe('A');
  });
});
