#!/usr/bin/env node
// The data flywheel, measured: a batch of synthetic interviews in every domain and several voices
// goes through the running platform; each transcript is then corrected automatically from the text
// that was spoken (as a customer would correct it by hand), tagged with its voice as a cohort, and
// the feedback service's measured WER is read back per domain and per voice through the operator
// API — the same numbers the quality dashboard shows.
//
//   pnpm exec turbo run build && node bench/quality-run.js [--per-cell 2]
//
// Voices: espeak-ng voices seen in training (en-us, en-gb-x-rp, en-us+f3) and, when installed,
// flite's kal voice, held out of training. The platform and database are removed afterwards.
'use strict';
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');
const { parseArgs } = require('node:util');

const run = promisify(execFile);
const { ROOT, withPlatform, runMain } = require('./platform.js');
const { values: args } = parseArgs({ options: { 'per-cell': { type: 'string', default: '2' } } });

const SCRIPTS = {
  medicine: [
    'the patient was started on metformin for type two diabetes and her blood pressure was checked every week',
    'after the biopsy the oncologist explained the results and recommended a course of chemotherapy',
    'he was admitted with pneumonia and treated with intravenous antibiotics for five days',
    'we lowered the dose of the beta blocker because her heart rate was too slow in the mornings',
  ],
  social_science: [
    'most households in the survey reported that their income had fallen below the poverty line',
    'the gini coefficient rose again which tells us that inequality in the region is still growing',
    'many families depend on welfare benefits and informal work to cover the cost of housing',
    'we interviewed parents about child care and the barriers that keep women out of paid employment',
  ],
  software: [
    'we rewrote the service in ruby and moved the background jobs to a separate queue',
    'the talk explained how the garbage collector works and why the memory use went down',
    'our team runs the test suite on every pull request before we deploy to production',
    'she showed how to profile the application and find the slow database queries',
  ],
  general: [
    'thank you for taking the time to talk with me about your work and your family',
    'i grew up in a small town and moved to the city when i was about twenty years old',
    'can you tell me a little more about how that decision was made at the time',
    'we met every thursday afternoon and talked about what had changed during the week',
  ],
};

async function voices() {
  const list = [
    { name: 'espeak en-us', synth: (text, out) => run('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', out, text]) },
    { name: 'espeak en-gb-x-rp', synth: (text, out) => run('espeak-ng', ['-v', 'en-gb-x-rp', '-s', '150', '-w', out, text]) },
    { name: 'espeak en-us+f3', synth: (text, out) => run('espeak-ng', ['-v', 'en-us+f3', '-s', '150', '-w', out, text]) },
  ];
  try {
    await run('flite', ['-lv']);
    list.push({ name: 'flite kal (held out)', synth: (text, out) => run('flite', ['-voice', 'kal', '-t', text, '-o', out]) });
  } catch {
    /* flite not installed: seen voices only */
  }
  return list;
}

async function main() {
  await withPlatform('quality', { env: { FEEDBACK_COHORT_MIN_JOBS: '1' } }, async (platform, work) => {
    const api = (p, init = {}, key = platform.apiKey) =>
      fetch(`${platform.gatewayUrl}${p}`, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers ?? {}) } });
    await run(process.execPath, [path.join(ROOT, 'services/gateway/dist/bootstrap.js'), '--operator', '--key-file', path.join(work, 'op')], { env: platform.env });
    const operator = fs.readFileSync(path.join(work, 'op'), 'utf8').trim();
    const perCell = Number(args['per-cell']);
    const jobs = [];
    let n = 0;
    for (const voice of await voices()) {
      for (const [domain, lines] of Object.entries(SCRIPTS)) {
        for (let k = 0; k < perCell; k++) {
          const text = [lines[k % lines.length], lines[(k + 1) % lines.length]].join('. ');
          const wav = path.join(work, `i${n++}.wav`);
          await voice.synth(text, wav);
          const form = new FormData();
          form.set('file', new Blob([fs.readFileSync(wav)], { type: 'audio/wav' }), path.basename(wav));
          form.set('domain', domain);
          const res = await api('/v1/transcripts', { method: 'POST', body: form });
          if (res.status !== 202) throw new Error(`upload: ${res.status} ${await res.text()}`);
          jobs.push({ id: (await res.json()).id, domain, voice: voice.name, text });
        }
      }
    }
    for (const j of jobs) {
      for (;;) {
        const job = await (await api(`/v1/transcripts/${j.id}`)).json();
        if (job.status === 'completed') break;
        if (job.status === 'failed') throw new Error(`job ${j.id} failed: ${job.failure_reason}`);
        await new Promise((r) => setTimeout(r, 300));
      }
      const json = { 'content-type': 'application/json' };
      let res = await api(`/v1/transcripts/${j.id}/cohort`, { method: 'PUT', headers: json, body: JSON.stringify({ attributes: { voice: j.voice } }) });
      if (!res.ok) throw new Error(`cohort: ${res.status} ${await res.text()}`);
      res = await api(`/v1/transcripts/${j.id}/corrections`, { method: 'POST', headers: json, body: JSON.stringify({ base_revision: 0, reference_text: j.text }) });
      if (!res.ok) throw new Error(`correction: ${res.status} ${await res.text()}`);
    }
    const byDomain = await (await api('/v1/quality?group_by=model_domain', {}, operator)).json();
    const byVoice = await (await api('/v1/quality?group_by=cohort&cohort_attribute=voice', {}, operator)).json();
    const pct = (x) => `${(x * 100).toFixed(1)}%`;
    console.log(`${jobs.length} interviews (${perCell} per domain and voice), corrected from their scripts\n`);
    console.log('| domain | model | corrected jobs | reference words | WER | CER |\n|---|---|---|---|---|---|');
    for (const g of byDomain.groups) console.log(`| ${g.domain || 'general'} | ${g.model_version} | ${g.corrected_jobs} | ${g.reference_words} | ${pct(g.wer)} | ${pct(g.cer)} |`);
    console.log('\n| voice | corrected jobs | reference words | WER | CER |\n|---|---|---|---|---|');
    for (const g of byVoice.groups) console.log(`| ${g.cohort_value} | ${g.corrected_jobs} | ${g.reference_words} | ${pct(g.wer)} | ${pct(g.cer)} |`);
    for (const gap of byVoice.cohort_gaps ?? []) console.log(`\ncohort gap (${gap.cohort_attribute ?? 'voice'}): ${JSON.stringify(gap)}`);
  });
}

runMain(main);
