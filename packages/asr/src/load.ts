// Loading a model folder into a SpeechEngine: manifest and checksums first, then dispatch on the
// model family. CTC models are built here; Whisper-family models live in ./whisper/.
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { OnnxAcousticModel } from './adapters/onnx.js';
import { OnnxWorkerPool } from './adapters/onnx-workers.js';
import { ModelLoadError, modelPath, readManifest, validateCtcManifest, verifyChecksums } from './adapters/model-files.js';
import { ArpaBuilder, type ArpaModel } from './domain/arpa.js';
import { CtcDecoder, DEFAULT_DECODER } from './domain/ctc-decoder.js';
import { Lexicon, Tokenizer } from './domain/vocabulary.js';
import { CtcEngine, DEFAULT_BOOST } from './ctc-engine.js';
import type { CtcManifest, EngineOptions, SpeechEngine } from './types.js';

export const DEFAULT_MODEL_NAME = 'verbatim-ctc-en';

/** VERBATIM_MODEL_DIR, else <repo root>/models/verbatim-ctc-en/<version named in CURRENT>. */
export function defaultModelDir(): string {
  const env = process.env.VERBATIM_MODEL_DIR;
  if (env) return resolve(env);
  const base = join(repoRoot(), 'models', DEFAULT_MODEL_NAME);
  const current = join(base, 'CURRENT');
  if (existsSync(current)) {
    const version = readFileSync(current, 'utf8').trim();
    if (version) return join(base, version);
  }
  return base;
}

function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

type WhisperModule = { loadWhisperEngine(dir: string, manifest: unknown, options?: EngineOptions): Promise<SpeechEngine> };

export async function loadEngine(modelDir: string, options: EngineOptions = {}): Promise<SpeechEngine> {
  const dir = resolve(modelDir);
  const manifest = await readManifest(dir);
  await verifyChecksums(dir, manifest);
  if (manifest.family === 'whisper') {
    // Loaded on demand: a CTC deployment never pays for the Whisper code path. The specifier is
    // a variable so that this package builds while ./whisper/ is developed separately.
    const spec = './whisper/engine.js';
    const mod = (await import(spec)) as WhisperModule;
    return mod.loadWhisperEngine(dir, manifest, options);
  }
  return loadCtcEngine(dir, validateCtcManifest(manifest, dir), options);
}

async function loadCtcEngine(dir: string, m: CtcManifest, options: EngineOptions): Promise<SpeechEngine> {
  const threads = Math.max(1, Math.floor(options.threads ?? 1));
  const ep = options.executionProvider ?? 'cpu';
  const started = Date.now();
  const cuda = ep === 'cuda';
  const workers = Math.max(0, Math.floor(options.inferenceWorkers ?? (cuda ? 1 : threads)));
  const modelOpts = {
    inputName: m.input.name,
    outputName: m.output.name,
    intraOpThreads: Math.max(1, Math.floor(threads / Math.max(1, workers))),
    executionProvider: ep,
  };
  const modelFile = modelPath(dir, m.files.model);
  const open = (o: typeof modelOpts) => (workers > 0 ? OnnxWorkerPool.load({ ...o, modelPath: modelFile, workers }) : OnnxAcousticModel.load(modelFile, o));
  let effectiveEp = ep;
  const acoustic = await open(modelOpts).catch(async (e: Error) => {
    if (!cuda) throw e;
    effectiveEp = 'cpu';
    // The CUDA provider ships separately (ONNXRUNTIME_NODE_INSTALL=cuda12 at install time); a
    // node without it still serves, slower, rather than not at all.
    options.logger?.warn({ err: e.message }, 'CUDA execution provider unavailable; running the model on CPU');
    return open({ ...modelOpts, executionProvider: 'cpu' });
  }).catch((e: Error) => {
    throw new ModelLoadError(`Cannot load ${m.files.model} of model ${m.name} ${m.version}: ${e.message}`);
  });

  const { decoder, tokenizer, lm, lexicon } = await loadCtcDecoder(dir, m, options);
  const domains: Record<string, () => Promise<string>> = {};
  for (const [name, rel] of Object.entries(m.domains ?? {})) {
    domains[name] = () => readFile(modelPath(dir, rel), 'utf8').catch(() => {
      throw new ModelLoadError(`Domain list ${rel} of model ${m.name} ${m.version} is missing`);
    });
  }
  const engine = new CtcEngine({
    info: { name: m.name, version: m.version, family: 'ctc', sampleRate: m.sample_rate, dir },
    acoustic,
    decoder,
    tokenizer,
    samplesPerFrame: m.samples_per_frame,
    domains,
    batchSize: Math.max(1, options.batchSize ?? (cuda ? 32 : 8)),
    boost: { domain: options.decoder?.domainBonus ?? DEFAULT_BOOST.domain, custom: options.decoder?.vocabularyBonus ?? DEFAULT_BOOST.custom },
    // One batch more than there are workers: the main thread decodes one while they infer.
    concurrency: Math.max(1, workers) + 1,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  options.logger?.info({
    model: m.name, version: m.version, family: 'ctc', threads, inferenceWorkers: workers, executionProvider: effectiveEp,
    lm: lm ? { order: lm.order } : null, lexiconWords: lexicon?.size ?? 0, loadMs: Date.now() - started,
  }, 'speech model loaded');
  return engine;
}

/** The decoder of a CTC model folder: tokens, LM (unless disabled), lexicon and weights. */
export async function loadCtcDecoder(dir: string, m: CtcManifest, options: EngineOptions = {}) {
  const tokenizer = new Tokenizer(m.tokens, m.blank_id, m.word_delimiter_id);
  const d = options.decoder ?? {};
  const useLm = d.useLm ?? true;
  let lm: ArpaModel | null = null;
  if (useLm && m.files.lm) {
    try {
      lm = await readArpa(modelPath(dir, m.files.lm));
    } catch (e) {
      throw new ModelLoadError(`Cannot load the language model ${m.files.lm} of ${m.name} ${m.version}: ${(e as Error).message}`);
    }
  }
  let lexicon: Lexicon | null = null;
  if (m.files.lexicon || lm) {
    lexicon = new Lexicon(tokenizer);
    if (m.files.lexicon) lexicon.addLines(await readFile(modelPath(dir, m.files.lexicon), 'utf8'));
    if (lm) for (const w of lm.vocabulary()) lexicon.add(w);
  }
  const weights = m.lm_weights ?? {};
  const decoder = new CtcDecoder({
    ...DEFAULT_DECODER,
    tokens: m.tokens,
    blankId: m.blank_id,
    delimiterId: m.word_delimiter_id,
    beamWidth: d.beamWidth ?? weights.beam ?? DEFAULT_DECODER.beamWidth,
    alpha: lm ? d.alpha ?? weights.alpha ?? DEFAULT_DECODER.alpha : 0,
    beta: lm ? d.beta ?? weights.beta ?? DEFAULT_DECODER.beta : d.beta ?? 0,
    // Without an LM there is no per-word bonus to balance the lexicon's penalties, and on the
    // first model strong penalties turned unknown words into deletions: keep only a mild one.
    unkPenalty: d.unkPenalty ?? (lm ? weights.unk_penalty ?? DEFAULT_DECODER.unkPenalty : -1),
    oovCharPenalty: d.oovCharPenalty ?? (lm ? weights.oov_char_penalty ?? DEFAULT_DECODER.oovCharPenalty : 0),
    // A pause of about a third of a second between letters is a word boundary.
    pauseFrames: Math.max(4, Math.round((0.36 * m.sample_rate) / m.samples_per_frame)),
  }, { lm, lexicon: lexicon?.root ?? null });

  return { decoder, tokenizer, lm, lexicon };
}

/** Read an ARPA file line by line (production LMs can be far larger than a string may be). */
async function readArpa(path: string): Promise<ArpaModel> {
  const b = new ArpaBuilder();
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) b.line(line);
  return b.build();
}
