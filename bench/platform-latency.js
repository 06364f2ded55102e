#!/usr/bin/env node
// Time from upload to finished transcript through the whole running platform (gateway → upload →
// S3 → NATS → inference → S3/PostgreSQL), for a long recording: what a researcher waits for.
//
//   pnpm exec turbo run build && node bench/platform-latency.js [--minutes 10] [--audio FILE]
//
// Starts the platform with a scratch database and NATS namespace (like the e2e tests), synthesises
// a recording with espeak-ng unless --audio is given, uploads it as MP3 with the dev API key, polls
// the job and prints: upload (HTTP 202) time, queue wait, transcription time, total, and the
// real-time factor of the whole path. The platform and database are removed afterwards.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

const { withPlatform, runMain } = require('./platform.js');

const { values: args } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, audio: { type: 'string' } } });

function synthesise(minutes, dir) {
  const sentences = [
    'thank you for taking the time to talk with me about your work today',
    'we started the study in the spring and interviewed families across the city',
    'the patient was given a small dose of medicine after the interview',
    'most of the households we visited had seen their income fall over the last two years',
    'the team moved the service to a new framework and the tests became much faster',
    'can you tell me a little more about how that decision was made',
  ];
  const wavs = [];
  let seconds = 0;
  for (let i = 0; seconds < minutes * 60; i++) {
    const wav = path.join(dir, `p${i}.wav`);
    const voice = ['en-us', 'en-gb', 'en-us+m3', 'en-us+f3'][i % 4];
    execFileSync('espeak-ng', ['-v', voice, '-s', '150', '-w', wav, sentences.slice(i % 6).concat(sentences.slice(0, i % 6)).join('. ')]);
    seconds += Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', wav], { encoding: 'utf8' }));
    wavs.push(wav);
  }
  const list = path.join(dir, 'list.txt');
  fs.writeFileSync(list, wavs.map((w) => `file '${w}'`).join('\n'));
  const out = path.join(dir, 'interview.mp3');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-t', String(minutes * 60), '-c:a', 'libmp3lame', '-b:a', '64k', out]);
  return out;
}

async function main() {
  const synthDir = fs.mkdtempSync(path.join(os.tmpdir(), 'verbatim-latency-audio-'));
  const audio = args.audio ?? synthesise(Number(args.minutes), synthDir);
  const duration = Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', audio], { encoding: 'utf8' }));
  await withPlatform('latency', {}, async (platform) => {
    const auth = { authorization: `Bearer ${platform.apiKey}` };
    const form = new FormData();
    form.set('file', new Blob([fs.readFileSync(audio)], { type: 'audio/mpeg' }), path.basename(audio));
    const t0 = performance.now();
    const res = await fetch(`${platform.gatewayUrl}/v1/transcripts`, { method: 'POST', headers: auth, body: form });
    if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
    const { id } = await res.json();
    const tAccepted = performance.now();
    let tStarted = 0;
    let job;
    for (;;) {
      job = await (await fetch(`${platform.gatewayUrl}/v1/transcripts/${id}`, { headers: auth })).json();
      if (!tStarted && job.status !== 'queued') tStarted = performance.now();
      if (job.status === 'completed' || job.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const tDone = performance.now();
    const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
    console.log(`audio: ${(duration / 60).toFixed(1)} min MP3 (${(fs.statSync(audio).size / 1e6).toFixed(1)} MB), ${os.cpus().length} CPUs`);
    console.log(`status:            ${job.status}${job.failure_reason ? ` (${job.failure_reason})` : ''}`);
    console.log(`upload → 202:      ${s(tAccepted - t0)}   (streamed to S3, decoded and probed by upload)`);
    console.log(`202 → processing:  ${s(tStarted - tAccepted)}   (outbox → JetStream → worker)`);
    console.log(`processing → done: ${s(tDone - tStarted)}   (download, decode, model, beam search, store)`);
    console.log(`total:             ${s(tDone - t0)}   = ${(duration / ((tDone - t0) / 1000)).toFixed(0)}× faster than real time`);
    console.log(`words: ${(job.text ?? '').split(/\s+/).filter(Boolean).length}, model ${job.model?.name} ${job.model?.version}`);
  });
  fs.rmSync(synthDir, { recursive: true, force: true });
}

runMain(main);
