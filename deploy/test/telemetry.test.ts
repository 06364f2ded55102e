// The telemetry registry (telemetry/metrics.yaml) against the code and the monitoring config:
// no dashboard panel or alert on a metric nobody emits, no emitted metric left undocumented.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const registry = (parse(readFileSync(join(ROOT, 'telemetry', 'metrics.yaml'), 'utf8')) as { metrics: Array<{ name: string; type: string; labels: string[] }> }).metrics;
const names = new Set(registry.map((m) => m.name));

/** Metric names used in PromQL: identifiers followed by {, [, ( or whitespace, minus functions. */
function metricsIn(expr: string): string[] {
  const found = new Set<string>();
  for (const m of expr.matchAll(/\b((?:verbatim|process)_[a-z0-9_]+|up)\b(?=\s*[{[)\s]|$)/g)) {
    found.add(m[1]!.replace(/_(bucket|count|sum)$/, ''));
  }
  return [...found];
}

describe('telemetry registry', () => {
  it('lists every verbatim_* metric registered in the code, and only those', () => {
    const grep = execFileSync('grep', ['-rhoE', "name: '(verbatim_[a-z0-9_]+)'", 'services', 'packages/common/src', '--include=*.ts'], { cwd: ROOT, encoding: 'utf8' });
    const inCode = new Set([...grep.matchAll(/verbatim_[a-z0-9_]+/g)].map((m) => m[0]));
    const documented = [...names].filter((n) => n.startsWith('verbatim_'));
    expect([...inCode].filter((n) => !names.has(n))).toEqual([]);
    expect(documented.filter((n) => !inCode.has(n))).toEqual([]);
  });

  it('covers every metric the dashboards and alert rules use', () => {
    const chart = join(ROOT, 'deploy', 'helm', 'verbatim');
    const exprs: string[] = [];
    for (const f of readdirSync(join(chart, 'dashboards'))) {
      const d = JSON.parse(readFileSync(join(chart, 'dashboards', f), 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
      for (const p of d.panels) for (const t of p.targets) exprs.push(t.expr);
    }
    const rules = parse(readFileSync(join(chart, 'rules', 'verbatim.rules.yaml'), 'utf8')) as { groups: Array<{ rules: Array<{ expr: string }> }> };
    for (const g of rules.groups) for (const r of g.rules) exprs.push(r.expr);
    const used = new Set(exprs.flatMap(metricsIn));
    expect(used.size).toBeGreaterThan(15);
    expect([...used].filter((n) => !names.has(n))).toEqual([]);
  });
});
