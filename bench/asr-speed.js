#!/usr/bin/env node
// Speed of the speech engine on a 10-minute recording: real-time factor of the ONNX acoustic
// model in onnxruntime-node on 1 and 2 threads, time of the TypeScript beam search, end-to-end
// engine time, peak RSS, and WER against the synthesised text (with and without the LM).
//
//   pnpm --filter @verbatim/asr build && node bench/asr-speed.js [--model-dir DIR] [--threads 1,2]
//        [--minutes 10] [--audio FILE --reference FILE.txt] [--beam N]
//
// The audio is synthesised once with espeak-ng (several voices, paragraphs with pauses) into
// bench/results/ (git-ignored). Each thread count runs in a fresh process so peak RSS is its own.
// RTF = processing seconds / audio seconds (lower is better); "×" = audio seconds / processing.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

const ROOT = path.resolve(__dirname, '..');
const ASR = path.join(ROOT, 'packages/asr/dist');
const RESULTS = path.join(__dirname, 'results');

const { values: args } = parseArgs({
  options: {
    'model-dir': { type: 'string' },
    threads: { type: 'string', default: '1,2' },
    minutes: { type: 'string', default: '10' },
    audio: { type: 'string' },
    reference: { type: 'string' },
    child: { type: 'boolean', default: false },
    batch: { type: 'string', default: '8' },
    beam: { type: 'string' },
  },
});

const SENTENCES = [
  'Thank you for agreeing to talk with us today about your work.',
  'Could you start by telling me how you first became interested in this field?',
  'I grew up in a small town where most families worked at the factory.',
  'When the factory closed, almost everyone I knew had to find a new job.',
  'That experience is really why I decided to study poverty and inequality.',
  'We interviewed households about their income, their rent and their debts.',
  'Many of the people we spoke to were working two jobs and still could not save any money.',
  'The survey showed that housing costs had risen much faster than wages.',
  'In the clinic we see a lot of patients with high blood pressure and diabetes.',
  'The doctor prescribed metformin and asked the patient to come back in three months.',
  'Her blood tests were normal, but she still complained of headaches and fatigue.',
  'We adjusted the dose of the beta blocker after the second visit.',
  'The nurse explained how to check blood sugar before every meal.',
  'Most of my day is spent writing code and reviewing pull requests.',
  'Our team moved the whole application from a monolith to a set of small services.',
  'The tests run on every commit, so we find most bugs before they reach production.',
  'At the conference I gave a talk about testing web applications written in Ruby.',
  'Someone in the audience asked a very good question about database migrations.',
  'I think the most important thing is to listen carefully and ask open questions.',
  'We recorded every interview and later wrote down exactly what people said.',
  'Transcribing a single hour of speech by hand can take five or six hours.',
  'That is why an accurate automatic transcript saves so much time.',
  'Sometimes people speak quietly or very fast, and the recording is hard to follow.',
  'After lunch we met the community group and talked about the new bus routes.',
  'The children walk to school along a busy road without a pavement.',
  'Parents told us they worry about safety every single morning.',
  'The local council promised to build a crossing before the end of the year.',
  'In the end, the project taught me to be patient and to trust the people I work with.',
  'We will publish the results next spring, together with the anonymous interview data.',
  'Is there anything else you would like to add before we finish?',
];
const VOICES = ['en-us', 'en-gb', 'en-us+f3', 'en-us+m3', 'en-gb-x-rp', 'en-us+f2'];

function synthesise(seconds, wavPath, refPath) {
  const { decodeAudio } = require(ASR);
  return (async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'asr-bench-'));
    const sr = 16000;
    const chunks = [];
    const refs = [];
    let total = 0;
    let i = 0;
    const pause = new Float32Array(Math.round(0.8 * sr));
    while (total < seconds - 15) {
      const para = [0, 1, 2, 3].map((k) => SENTENCES[(i * 4 + k) % SENTENCES.length]).join(' ');
      const voice = VOICES[i % VOICES.length];
      const rate = String(150 + ((i * 17) % 40));
      const f = path.join(tmp, `p${i}.wav`);
      execFileSync('espeak-ng', ['-v', voice, '-s', rate, '-w', f, para]);
      const pcm = await decodeAudio(f, { sampleRate: sr });
      if (total + (pcm.length + pause.length) / sr > seconds) break;
      chunks.push(pcm, pause);
      refs.push(para);
      total += (pcm.length + pause.length) / sr;
      i++;
    }
    const n = seconds * sr;
    const all = new Float32Array(n);
    let at = 0;
    for (const c of chunks) { all.set(c.subarray(0, Math.max(0, Math.min(c.length, n - at))), at); at += c.length; }
    writeWav16(wavPath, all, sr);
    fs.writeFileSync(refPath, refs.join('\n') + '\n');
    fs.rmSync(tmp, { recursive: true, force: true });
  })();
}

function writeWav16(file, pcm, sr) {
  const data = Buffer.alloc(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(pcm[i] * 32767))), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8); h.write('fmt ', 12);
  h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22); h.writeUInt32LE(sr, 24);
  h.writeUInt32LE(sr * 2, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34); h.write('data', 36); h.writeUInt32LE(data.length, 40);
  fs.writeFileSync(file, Buffer.concat([h, data]));
}

async function child() {
  const asr = require(ASR);
  const { loadCtcDecoder } = require(path.join(ASR, 'load.js'));
  const { validateCtcManifest } = require(path.join(ASR, 'adapters/model-files.js'));
  const ort = require(require.resolve('onnxruntime-node', { paths: [path.join(ROOT, 'packages/asr')] }));
  const threads = Number(args.threads);
  const batchSize = Number(args.batch);
  const beam = args.beam ? { beamWidth: Number(args.beam) } : {};
  const dir = path.resolve(args['model-dir']);
  const reference = args.reference ? fs.readFileSync(args.reference, 'utf8') : null;
  const out = { threads, batchSize, cpu: os.cpus()[0]?.model, node: process.version, ort: ort.env.versions?.common };
  const now = () => performance.now() / 1000;

  let t = now();
  const pcm = await asr.decodeAudio(args.audio);
  out.audioSeconds = pcm.length / 16000;
  out.ffmpegDecodeSeconds = now() - t;

  t = now();
  const spans = asr.segmentSpeech(pcm, 16000);
  out.vadSeconds = now() - t;
  out.segments = spans.length;
  out.speechSeconds = spans.reduce((s, x) => s + x.end - x.start, 0);

  // The acoustic model alone, batched as the engine batches (longest first, zero-padded).
  const manifest = validateCtcManifest(await asr.readManifest(dir), dir);
  const session = await ort.InferenceSession.create(path.join(dir, manifest.files.model), {
    executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
  });
  const spf = manifest.samples_per_frame;
  const segs = spans.map((s) => pcm.subarray(Math.round(s.start * 16000), Math.round(s.end * 16000)));
  const order = segs.map((_, i) => i).sort((a, b) => segs[b].length - segs[a].length);
  const posts = new Array(segs.length);
  await session.run({ [manifest.input.name]: new ort.Tensor('float32', new Float32Array(16000), [1, 16000]) }); // warm-up
  t = now();
  for (let i = 0; i < order.length; i += batchSize) {
    const idx = order.slice(i, i + batchSize);
    const width = Math.ceil(segs[idx[0]].length / spf) * spf;
    const audio = new Float32Array(idx.length * width);
    idx.forEach((k, j) => audio.set(segs[k], j * width));
    const r = await session.run({ [manifest.input.name]: new ort.Tensor('float32', audio, [idx.length, width]) });
    const lp = r[manifest.output.name];
    const [, frames, vocab] = lp.dims;
    idx.forEach((k, j) => {
      const n = Math.min(frames, Math.ceil(segs[k].length / spf));
      posts[k] = { data: lp.data.slice(j * frames * vocab, (j * frames + n) * vocab), frames: n, vocab };
    });
  }
  out.modelSeconds = now() - t;
  out.modelRtf = out.modelSeconds / out.audioSeconds;
  await session.release();

  // The beam search alone, with and without the LM, on those posteriors.
  for (const useLm of [true, false]) {
    const { decoder } = await loadCtcDecoder(dir, manifest, { decoder: { useLm, ...beam } });
    out.beam = decoder.config.beamWidth;
    t = now();
    const text = posts.map((p) => decoder.decode(p).text).filter(Boolean).join(' ');
    const key = useLm ? 'lm' : 'noLm';
    out[`decode_${key}_Seconds`] = now() - t;
    if (reference) out[`wer_${key}`] = asr.wordErrorRate(reference, text);
  }

  // The whole engine as the service and CLI run it (inference and decoding overlap).
  t = now();
  const engine = await asr.loadEngine(dir, { threads, batchSize, decoder: beam });
  out.loadSeconds = now() - t;
  t = now();
  const tr = await engine.transcribe(pcm);
  out.engineSeconds = now() - t;
  out.engineRtf = out.engineSeconds / out.audioSeconds;
  await engine.close();
  if (reference) out.wer_engine = asr.wordErrorRate(reference, tr.text).wer;
  out.peakRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify(out) + '\n');
}

async function main() {
  const modelDir = args['model-dir'] ?? require(ASR).defaultModelDir();
  if (!fs.existsSync(path.join(modelDir, 'manifest.json'))) {
    console.error(`no model at ${modelDir} (give --model-dir)`);
    process.exit(2);
  }
  fs.mkdirSync(RESULTS, { recursive: true });
  const minutes = Number(args.minutes);
  let audio = args.audio;
  let reference = args.reference;
  if (!audio) {
    audio = path.join(RESULTS, `speech-${minutes}min.wav`);
    reference = path.join(RESULTS, `speech-${minutes}min.txt`);
    if (!fs.existsSync(audio) || !fs.existsSync(reference)) {
      console.error(`synthesising ${minutes} minutes of speech with espeak-ng -> ${audio}`);
      await synthesise(minutes * 60, audio, reference);
    }
  }
  const rows = [];
  for (const threads of args.threads.split(',').map(Number)) {
    console.error(`running with ${threads} thread(s)…`);
    const r = spawnSync(process.execPath, [__filename, '--child', '--threads', String(threads), '--batch', args.batch, ...(args.beam ? ['--beam', args.beam] : []), '--model-dir', modelDir, '--audio', audio,
      ...(reference ? ['--reference', reference] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) process.exit(r.status ?? 1);
    rows.push(JSON.parse(r.stdout.trim().split('\n').pop()));
  }
  const f = (x, d = 3) => (typeof x === 'number' ? x.toFixed(d) : '-');
  console.log(`model ${modelDir} (beam ${rows[0].beam})\naudio ${audio}: ${f(rows[0].audioSeconds, 1)} s, ${rows[0].segments} segments, ${f(rows[0].speechSeconds, 1)} s speech; ${rows[0].cpu}, node ${rows[0].node}`);
  console.log('threads | model s | model RTF | model × | beam+LM s | beam s | engine s | engine RTF | engine × | peak RSS MiB | WER LM | WER no LM');
  for (const r of rows) {
    console.log([r.threads, f(r.modelSeconds, 2), f(r.modelRtf, 5), f(1 / r.modelRtf, 0), f(r.decode_lm_Seconds, 2), f(r.decode_noLm_Seconds, 2),
      f(r.engineSeconds, 2), f(r.engineRtf, 5), f(1 / r.engineRtf, 0), f(r.peakRssMiB, 0), f(r.wer_lm?.wer, 3), f(r.wer_noLm?.wer, 3)].join(' | '));
  }
  console.log(`ffmpeg decode ${f(rows[0].ffmpegDecodeSeconds, 2)} s, VAD ${f(rows[0].vadSeconds, 2)} s, engine load ${f(rows[0].loadSeconds, 2)} s`);
  const file = path.join(RESULTS, 'asr-speed.json');
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), modelDir, audio, rows }, null, 2) + '\n');
  console.log(`wrote ${path.relative(ROOT, file)}`);
}

(args.child ? child() : main()).catch((e) => {
  console.error(e);
  process.exit(1);
});
