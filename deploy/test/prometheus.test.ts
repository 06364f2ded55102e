// Every PromQL expression of the dashboards and alert rules, evaluated by a real Prometheus (the
// Debian package's binary) scraping the real platform after real traffic: two uploads transcribed,
// failing requests, a rating, corrections and cohorts. Each expression must parse; a dashboard
// expression must return series (no panel on a metric nobody emits, or on a label it lacks); an
// alert's expression is expected to be empty on a healthy system, so each metric it selects must
// exist instead, with the labels it matches or groups on.
//
// Needs what the end-to-end tests need (local PostgreSQL and NATS, built services, the speech
// model, espeak-ng) plus /usr/bin/prometheus. One platform start for the whole file.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { createClient, createPool } from '@verbatim/common';
import { freePort, startPlatform, uniqueName, type Platform } from '@verbatim/devkit';
import { feedback } from '@verbatim/proto';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..');
const CHART = join(ROOT, 'deploy', 'helm', 'verbatim');
const PG = process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432';
const PROMETHEUS = process.env.PROMETHEUS_BIN ?? 'prometheus';
const JOBS = ['gateway', 'upload', 'inference', 'billing', 'feedback'] as const;

/**
 * Dashboard expressions that may return no series after this test's traffic, each with why. An
 * entry here still must parse, and every metric it selects must be declared by a scraped service
 * (its HELP/TYPE in /metrics, seen through Prometheus's metadata API), so a metric nobody emits
 * fails even here. Keep it short: prefer traffic that makes the series appear.
 */
const MAY_BE_EMPTY: Record<string, string> = {};

// ---------------------------------------------------------------------------------------------
// The expressions and what they select.

interface Expression {
  source: string;
  expr: string;
}

function dashboardExpressions(): Expression[] {
  const out: Expression[] = [];
  for (const f of readdirSync(join(CHART, 'dashboards')).filter((n) => n.endsWith('.json')).sort()) {
    const d = JSON.parse(readFileSync(join(CHART, 'dashboards', f), 'utf8')) as { panels: Array<{ title: string; targets?: Array<{ expr: string; refId?: string }> }> };
    for (const p of d.panels) for (const t of p.targets ?? []) out.push({ source: `${f} "${p.title}"${t.refId ? ` ${t.refId}` : ''}`, expr: t.expr.trim() });
  }
  return out;
}

function ruleExpressions(): Expression[] {
  const rules = parse(readFileSync(join(CHART, 'rules', 'verbatim.rules.yaml'), 'utf8')) as { groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string }> }> };
  return rules.groups.flatMap((g) => g.rules.map((r) => ({ source: `${g.name}/${r.alert ?? r.record}`, expr: String(r.expr).trim() })));
}

interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}
interface Selector {
  metric: string;
  matchers: Matcher[];
}

const NOT_METRICS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless', 'inf', 'nan', 'start', 'end']);

/**
 * The vector selectors of an expression and the labels it groups or matches on. A small reader for
 * the PromQL these files use (Prometheus parses it for real when queried): grouping clauses and
 * range/subquery brackets are taken out, then every identifier not called as a function and not
 * a keyword is a metric, with the matchers in the braces after it.
 */
function analyse(expr: string): { selectors: Selector[]; groupingLabels: string[] } {
  const groupingLabels = new Set<string>();
  const clause = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;
  for (const m of expr.matchAll(clause)) for (const l of m[1]!.split(',')) if (l.trim()) groupingLabels.add(l.trim());
  const s = expr.replace(clause, ' ').replace(/\[[^\]]*\]/g, ' ');
  const selectors: Selector[] = [];
  const token = /"(?:[^"\\]|\\.)*"|\d[\w.]*|\{([^}]*)\}|([a-zA-Z_:][\w:]*)(\s*\{([^}]*)\})?(\s*\()?/g;
  for (const m of s.matchAll(token)) {
    const [, bareMatchers, name, , matchers, call] = m;
    if (bareMatchers !== undefined) {
      const ms = parseMatchers(bareMatchers);
      const byName = ms.find((x) => x.label === '__name__' && x.op === '=');
      if (!byName) throw new Error(`a selector without a metric name in: ${expr}`);
      selectors.push({ metric: byName.value, matchers: ms.filter((x) => x !== byName) });
    } else if (name && !call && !NOT_METRICS.has(name.toLowerCase())) {
      selectors.push({ metric: name, matchers: parseMatchers(matchers ?? '') });
    }
  }
  return { selectors, groupingLabels: [...groupingLabels] };
}

function parseMatchers(body: string): Matcher[] {
  return [...body.matchAll(/([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)].map((m) => ({ label: m[1]!, op: m[2] as Matcher['op'], value: m[3]! }));
}

const quote = (v: string) => JSON.stringify(v);
const selectorText = (s: Selector) => `${s.metric}${s.matchers.length ? `{${s.matchers.map((m) => `${m.label}${m.op}${quote(m.value)}`).join(',')}}` : ''}`;

// ---------------------------------------------------------------------------------------------
// Helpers: Prometheus's HTTP API, bounded waits, speech.

interface QueryResult {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: 'vector' | 'matrix' | 'scalar' | 'string'; result: unknown };
}

let promUrl = '';

async function query(expr: string): Promise<QueryResult> {
  const res = await fetch(`${promUrl}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: expr }) });
  return (await res.json()) as QueryResult;
}

function seriesCount(r: QueryResult): number {
  if (r.status !== 'success' || !r.data) return 0;
  if (r.data.resultType === 'scalar' || r.data.resultType === 'string') return 1;
  return (r.data.result as unknown[]).length;
}

/** Series of a selector over the last minute: a scrape that timed out on the busy machine leaves
 * staleness markers, which would hide a gauge from an instant query until the next scrape. */
async function countOf(selector: string): Promise<number> {
  return seriesCount(await query(`count(last_over_time(${selector}[1m]))`));
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      if ((e as { fatal?: boolean }).fatal) throw e;
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function speak(dir: string, name: string, text: string): Promise<string> {
  const wav = join(dir, `${name}.wav`);
  await run('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', wav, text]);
  return wav;
}

// ---------------------------------------------------------------------------------------------
// The platform, Prometheus and the traffic: once for the file.

let work = '';
let dbName = '';
let platform: Platform | undefined;
let prometheus: ChildProcess | undefined;
let prometheusLog = '';
const dashboards = dashboardExpressions();
const rules = ruleExpressions();
/** The dashboard expressions' last answers, after the wait for every one to return series. */
const answers = new Map<string, QueryResult>();
/** What of the feedback traffic could not be driven (reported by its own test). */
const trafficProblems: string[] = [];

async function api(path: string, init: RequestInit & { key?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const key = init.key === undefined ? platform!.apiKey : init.key;
  if (key) headers.set('authorization', `Bearer ${key}`);
  return fetch(`${platform!.gatewayUrl}${path}`, { ...init, headers });
}

async function transcribe(text: string, name: string): Promise<{ id: string; text: string; body: { status: string; segments?: Array<{ id: number; words: Array<{ word: string }> }> } }> {
  const file = await speak(work, name, text);
  const form = new FormData();
  form.set('file', new Blob([await readFile(file)], { type: 'audio/wav' }), `${name}.wav`);
  const res = await api('/v1/transcripts', { method: 'POST', body: form });
  const created = (await res.json()) as { id: string };
  if (res.status !== 202) throw new Error(`upload of ${name} answered ${res.status}: ${JSON.stringify(created)}`);
  const body = await until(`transcript ${created.id} (${name}) completed`, 240_000, async () => {
    const b = (await (await api(`/v1/transcripts/${created.id}`)).json()) as { status: string };
    if (b.status === 'failed') throw Object.assign(new Error(`transcript ${created.id} failed: ${JSON.stringify(b)}`), { fatal: true });
    return b.status === 'completed' ? b : undefined;
  });
  return { id: created.id, text, body: body as never };
}

async function startPrometheus(): Promise<void> {
  const p = platform!;
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    scrape_configs: JOBS.map((s) => ({ job_name: `verbatim-${s}`, metrics_path: '/metrics', static_configs: [{ targets: [`127.0.0.1:${p.ports[`${s}Ops`]}`] }] })),
  };
  const configFile = join(work, 'prometheus.yml');
  await writeFile(configFile, JSON.stringify(config, null, 2)); // JSON is YAML
  prometheus = spawn(PROMETHEUS, [`--config.file=${configFile}`, `--storage.tsdb.path=${join(work, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (d: Buffer) => (prometheusLog = (prometheusLog + d.toString()).slice(-8_000));
  prometheus.stdout?.on('data', keep);
  prometheus.stderr?.on('data', keep);
  const exited = new Promise<never>((_, reject) => prometheus!.once('exit', (code) => reject(new Error(`prometheus exited (${code}): ${prometheusLog}`))));
  exited.catch(() => undefined);
  await Promise.race([
    exited,
    until(`prometheus ready at ${promUrl}`, 60_000, async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined)),
  ]);
  // Every service's target scraped successfully at least once.
  await until('every scrape target up', 60_000, async () => {
    const t = (await (await fetch(`${promUrl}/api/v1/targets?state=active`)).json()) as { data: { activeTargets: Array<{ labels: { job: string }; health: string; lastError: string }> } };
    const up = new Set(t.data.activeTargets.filter((x) => x.health === 'up').map((x) => x.labels.job));
    const missing = JOBS.filter((s) => !up.has(`verbatim-${s}`));
    if (missing.length) throw new Error(`not up: ${missing.join(', ')}; ${t.data.activeTargets.map((x) => `${x.labels.job}: ${x.health} ${x.lastError}`).join('; ')}`);
    return true;
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'verbatim-prometheus-'));
  dbName = uniqueName('verbatim_prom');
  platform = await startPlatform({
    root: ROOT,
    databaseUrl: `${PG}/${dbName}`,
    natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    natsNamespace: uniqueName('prom').replace(/_/g, '-'),
    logDir: join(work, 'logs'),
    keyFile: join(work, 'api-key'),
    // A cohort gap needs two cohorts with this many corrected jobs each: one, for two jobs.
    env: { LOG_LEVEL: 'info', RECONCILE_INTERVAL_MS: '2000', FEEDBACK_COHORT_MIN_JOBS: '1' },
    readyTimeoutMs: 180_000,
  }).catch((e: Error) => {
    throw new Error(`the platform did not start (service logs in ${join(work, 'logs')}): ${e.message}`);
  });
  await startPrometheus();

  // Traffic: two transcriptions, failing requests and a listing, then feedback.
  const jobs = [
    await transcribe('the patient was given a small dose of medicine and felt better', 'first'),
    await transcribe('please send the quarterly report to the finance team by friday', 'second'),
  ];
  const unauthorized = await api('/v1/transcripts', { key: 'vb_nope_notakey' });
  const unknown = await api('/v1/transcripts/00000000-0000-4000-8000-000000000000');
  const noRoute = await api('/v1/no-such-route');
  const list = await api('/v1/transcripts?limit=5');
  expect([unauthorized.status, unknown.status, noRoute.status, list.status]).toEqual([401, 404, 404, 200]);

  // Feedback traffic: a rating, a correction of each transcript (through the public route, which
  // edits a recognised word) and a cohort for each (set by the customer's integration through
  // feedback's gRPC API; there is no public route). What fails here is reported by its own test
  // below, and the quality panels that needed it fail on their own.
  const rated = await api(`/v1/transcripts/${jobs[0]!.id}/rating`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ score: 4 }) });
  if (rated.status !== 201) trafficProblems.push(`rating answered ${rated.status}: ${await rated.text()}`);
  const pool = createPool({ connectionString: `${PG}/${dbName}`, schema: 'feedback', max: 1 });
  const client = createClient(feedback.FeedbackService, `127.0.0.1:${platform.ports.feedback}`);
  try {
    for (const [i, job] of jobs.entries()) {
      const segment = job.body.segments?.find((s) => s.words.length > 0);
      if (!segment) {
        trafficProblems.push(`the model recognised no words in "${job.text}" (transcript ${job.id}), so it cannot be corrected`);
      } else {
        const res = await api(`/v1/transcripts/${job.id}/corrections`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ base_revision: 0, edits: [{ segment_id: segment.id, word_index: 0, word: `${segment.words[0]!.word}x` }] }),
        });
        if (res.status !== 201) trafficProblems.push(`correction of ${job.id} answered ${res.status}: ${await res.text()}`);
      }
      // Feedback learns of a job from transcription.completed.v1 (or a rating), asynchronously.
      const accountId = await until(`feedback knows job ${job.id}`, 60_000, async () => {
        const { rows } = await pool.query<{ account_id: string }>('SELECT account_id FROM jobs WHERE job_id = $1', [job.id]);
        return rows[0]?.account_id;
      });
      await client.setCohort({ accountId, jobId: job.id, attributes: { accent: i === 0 ? 'us' : 'uk' } });
    }
  } finally {
    await pool.end();
  }

  // Scrapes come every second: wait (bounded) until each dashboard expression returns series.
  const deadline = Date.now() + 60_000;
  let pending = dashboards;
  do {
    for (const e of pending) answers.set(e.expr, await query(e.expr));
    pending = pending.filter((e) => seriesCount(answers.get(e.expr)!) === 0 && !(e.expr in MAY_BE_EMPTY));
    if (pending.length) await new Promise((r) => setTimeout(r, 1_000));
  } while (pending.length && Date.now() < deadline);
}, 900_000);

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null && prometheus.signalCode === null) {
    const exited = new Promise((r) => prometheus!.once('exit', r));
    prometheus.kill('SIGTERM');
    const timer = setTimeout(() => prometheus?.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  await platform?.stop();
  if (dbName) {
    const admin = createPool({ connectionString: `${PG}/postgres`, schema: 'public', max: 1 });
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
  if (work) await rm(join(work, 'tsdb'), { recursive: true, force: true }); // the service logs stay
}, 120_000);

// ---------------------------------------------------------------------------------------------

/** Metrics Prometheus has seen declared (HELP/TYPE) by a scraped target, series or not. */
async function declaredMetrics(): Promise<Set<string>> {
  const body = (await (await fetch(`${promUrl}/api/v1/metadata`)).json()) as { data: Record<string, Array<{ type: string }>> };
  const out = new Set<string>();
  for (const [name, meta] of Object.entries(body.data)) {
    out.add(name);
    if (meta.some((m) => m.type === 'histogram' || m.type === 'summary')) for (const suffix of ['_bucket', '_count', '_sum']) out.add(`${name}${suffix}`);
  }
  out.add('up');
  return out;
}

/** Problems with the metrics and labels an expression selects: each must exist in what was scraped. */
async function selectorProblems(expr: string): Promise<string[]> {
  const { selectors, groupingLabels } = analyse(expr);
  const problems: string[] = [];
  if (!selectors.length) problems.push('selects no metric');
  for (const s of selectors) {
    if (!(await countOf(`{__name__=${quote(s.metric)}}`))) {
      problems.push(`no series of ${s.metric}`);
      continue;
    }
    for (const m of s.matchers) {
      if (!(await countOf(`${s.metric}{${m.label}!=""}`))) problems.push(`${s.metric} has no label ${m.label}`);
    }
    // Plain equality matchers name a value that exists on a healthy platform (status="queued",
    // service="inference"); regular expressions and negations may legitimately match nothing.
    const equalities = s.matchers.filter((m) => m.op === '=');
    if (equalities.length && !(await countOf(`${s.metric}{${equalities.map((m) => `${m.label}=${quote(m.value)}`).join(',')}}`))) {
      problems.push(`no series of ${selectorText({ metric: s.metric, matchers: equalities })}`);
    }
  }
  const names = [...new Set(selectors.map((s) => s.metric))];
  for (const l of groupingLabels) {
    if (!(await countOf(`{__name__=~${quote(names.join('|'))}, ${l}!=""}`))) problems.push(`no metric of ${names.join(', ')} has label ${l}`);
  }
  return [...new Set(problems)]; // a metric selected twice (offset) is reported once
}

describe('the PromQL reader', () => {
  it('finds selectors, matchers and grouping labels', () => {
    expect(analyse('sum by (status_code) (rate(verbatim_http_server_duration_seconds_count{route!~".*x.*",code="OK"}[5m])) / 1e6 > 0.95')).toEqual({
      selectors: [{ metric: 'verbatim_http_server_duration_seconds_count', matchers: [{ label: 'route', op: '!~', value: '.*x.*' }, { label: 'code', op: '=', value: 'OK' }] }],
      groupingLabels: ['status_code'],
    });
    expect(analyse('max(a offset 1d) - on (x) group_left b and up{job=~"g.*"} == 0').selectors.map((s) => s.metric)).toEqual(['a', 'b', 'up']);
  });
});

describe('the dashboards, against Prometheus scraping the platform', () => {
  it('were shown a rating, corrections and cohorts', () => {
    expect(trafficProblems).toEqual([]);
  });

  it('have expressions', () => {
    expect(dashboards.length).toBeGreaterThan(20);
    expect(Object.keys(MAY_BE_EMPTY).filter((e) => !dashboards.some((d) => d.expr === e))).toEqual([]); // no stale allow-list entry
  });

  it.each(dashboards.map((d) => [d.source, d.expr]))('%s parses and returns series: %s', async (_source, expr) => {
    const r = answers.get(expr) ?? (await query(expr));
    expect({ expr, status: r.status, error: r.error }).toEqual({ expr, status: 'success', error: undefined });
    if (expr in MAY_BE_EMPTY) {
      const declared = await declaredMetrics();
      expect(analyse(expr).selectors.map((s) => s.metric).filter((m) => !declared.has(m))).toEqual([]);
    } else {
      expect({ expr, series: seriesCount(r) > 0 }).toEqual({ expr, series: true });
    }
    if (!(expr in MAY_BE_EMPTY)) expect({ expr, problems: await selectorProblems(expr) }).toEqual({ expr, problems: [] });
  });
});

describe('the telemetry registry, against what Prometheus scraped', () => {
  it('lists the labels and the emitting service of every series scraped', async () => {
    const registry = (parse(readFileSync(join(ROOT, 'telemetry', 'metrics.yaml'), 'utf8')) as { metrics: Array<{ name: string; type: string; labels: string[]; emitted_by: string[] }> }).metrics;
    const byName = new Map(registry.map((m) => [m.name, m]));
    const res = await fetch(`${promUrl}/api/v1/series?${new URLSearchParams({ 'match[]': '{__name__=~"verbatim_.+"}', start: String(Date.now() / 1000 - 900) })}`);
    const series = ((await res.json()) as { data: Array<Record<string, string>> }).data;
    expect(series.length).toBeGreaterThan(0);
    const problems = new Set<string>();
    for (const s of series) {
      const name = s.__name__!;
      const m = byName.get(name) ?? byName.get(name.replace(/_(bucket|count|sum)$/, ''));
      if (!m) {
        problems.add(`${name} is not in telemetry/metrics.yaml`);
        continue;
      }
      const allowed = new Set([...m.labels, '__name__', 'service', 'job', 'instance', ...(m.type === 'histogram' ? ['le'] : [])]);
      for (const l of Object.keys(s)) if (!allowed.has(l)) problems.add(`${m.name} has label ${l}, not listed`);
      if (!m.emitted_by.includes(s.service!) && !m.emitted_by.includes('all')) problems.add(`${m.name} is emitted by ${s.service}, not listed in emitted_by`);
    }
    expect([...problems].sort()).toEqual([]);
  });
});

describe('the alert rules, against Prometheus scraping the platform', () => {
  it.each(rules.map((r) => [r.source, r.expr]))('%s parses and selects metrics that exist: %s', async (_source, expr) => {
    const r = await query(expr);
    expect({ expr, status: r.status, error: r.error }).toEqual({ expr, status: 'success', error: undefined });
    expect({ expr, problems: await selectorProblems(expr) }).toEqual({ expr, problems: [] });
  });
});
