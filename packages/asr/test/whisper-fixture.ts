// Paths and readers for the committed tiny random Whisper fixture
// (packages/asr/test/fixtures/whisper-tiny-random, made by `bash training/whisper/export_tiny.sh`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURE_DIR = join(__dirname, 'fixtures', 'whisper-tiny-random');

export interface Reference {
  signal: { file: string; sample_rate: number; samples: number };
  mel: {
    n_mels: number;
    frames: number;
    head: { file: string; frames: number };
    tail: { file: string; frames: number };
    max: number;
    min: number;
    mean: number;
  };
  max_new_tokens: number;
  decode: Record<'plain' | 'prompted', { prompt_ids: number[]; generated_ids: number[]; text: string; prompt_text: string | null }>;
  vocabulary_words: string[];
  detected_language: string;
  tokenizer: Array<{ text: string; ids: number[] }>;
}

export function reference(): Reference {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, 'reference', 'reference.json'), 'utf8')) as Reference;
}

export function readF32(rel: string): Float32Array {
  const b = readFileSync(join(FIXTURE_DIR, 'reference', rel));
  const out = new Float32Array(b.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = b.readFloatLE(i * 4);
  return out;
}

export function fixtureJson(rel: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, rel), 'utf8')) as Record<string, unknown>;
}
