// A model folder on disk: manifest.json read and validated, every file in `checksums` verified
// (sha256) before anything is loaded, so a half-copied or tampered model never serves.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, resolve } from 'node:path';
import type { CtcManifest, ModelManifest } from '../types.js';

export class ModelLoadError extends Error {
  readonly kind = 'failed_precondition';
  constructor(message: string) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

export async function readManifest(dir: string): Promise<ModelManifest> {
  const path = join(dir, 'manifest.json');
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch {
    throw new ModelLoadError(`No model at ${dir}: manifest.json is missing`);
  }
  let m: unknown;
  try {
    m = JSON.parse(raw);
  } catch (e) {
    throw new ModelLoadError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  const problems: string[] = [];
  const o = m as Record<string, unknown>;
  if (typeof o !== 'object' || o === null) throw new ModelLoadError(`${path} is not a JSON object`);
  for (const k of ['name', 'version']) if (typeof o[k] !== 'string' || !o[k]) problems.push(`"${k}" must be a non-empty string`);
  if (o.family !== 'ctc' && o.family !== 'whisper') problems.push(`"family" must be "ctc" or "whisper" (got ${JSON.stringify(o.family)})`);
  if (typeof o.sample_rate !== 'number' || o.sample_rate <= 0) problems.push('"sample_rate" must be a positive number');
  if (typeof o.files !== 'object' || o.files === null) problems.push('"files" must be an object');
  if (o.checksums !== undefined && (typeof o.checksums !== 'object' || o.checksums === null)) problems.push('"checksums" must be an object');
  if (problems.length) throw new ModelLoadError(`Invalid manifest ${path}: ${problems.join('; ')}`);
  return m as ModelManifest;
}

export function validateCtcManifest(m: ModelManifest, dir: string): CtcManifest {
  const o = m as Record<string, unknown>;
  const problems: string[] = [];
  const files = o.files as Record<string, unknown>;
  if (typeof files.model !== 'string') problems.push('"files.model" must name the .onnx file');
  if (typeof (o.input as { name?: unknown })?.name !== 'string') problems.push('"input.name" is required');
  if (typeof (o.output as { name?: unknown })?.name !== 'string') problems.push('"output.name" is required');
  if (typeof o.samples_per_frame !== 'number' || o.samples_per_frame <= 0) problems.push('"samples_per_frame" must be a positive number');
  const tokens = o.tokens;
  if (!Array.isArray(tokens) || tokens.length < 2 || !tokens.every((t) => typeof t === 'string')) problems.push('"tokens" must be a list of strings');
  const n = Array.isArray(tokens) ? tokens.length : 0;
  for (const k of ['blank_id', 'word_delimiter_id']) {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= n) problems.push(`"${k}" must index "tokens"`);
  }
  if (problems.length) throw new ModelLoadError(`Invalid CTC manifest in ${dir}: ${problems.join('; ')}`);
  return m as CtcManifest;
}

/** A path inside the model folder (manifests must not point outside it). */
export function modelPath(dir: string, rel: string): string {
  if (isAbsolute(rel) || normalize(rel).startsWith('..')) throw new ModelLoadError(`Manifest path ${rel} points outside the model folder`);
  return resolve(dir, rel);
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  await new Promise<void>((res, rej) => {
    createReadStream(path).on('data', (d) => h.update(d)).on('end', () => res()).on('error', rej);
  });
  return h.digest('hex');
}

/** Verify every checksummed file; all mismatches are reported together. */
export async function verifyChecksums(dir: string, m: ModelManifest): Promise<void> {
  const sums = m.checksums ?? {};
  const bad: string[] = [];
  await Promise.all(Object.entries(sums).map(async ([rel, expected]) => {
    const want = String(expected).replace(/^sha256:/, '').toLowerCase();
    const got = await sha256File(modelPath(dir, rel)).catch(() => null);
    if (got === null) bad.push(`${rel} is missing`);
    else if (got !== want) bad.push(`${rel} has sha256 ${got.slice(0, 12)}…, manifest says ${want.slice(0, 12)}…`);
  }));
  if (bad.length) throw new ModelLoadError(`Model ${m.name} ${m.version} in ${dir} failed verification: ${bad.sort().join('; ')}`);
}
