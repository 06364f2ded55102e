// A monthly statement of one account and its printable HTML page (print to PDF from a browser).
import { formatUsd } from './money.js';

export interface StatementLine {
  jobId: string;
  at: Date;
  domain: string;
  audioSeconds: number;
  billedSeconds: bigint;
  perMinuteMicros: bigint;
  chargedMicros: bigint;
}

export interface StatementTopUpLine {
  at: Date;
  amountMicros: bigint;
  source: string;
  reference: string;
}

export interface StatementData {
  accountId: string;
  month: string;
  plan: string;
  openingMicros: bigint;
  topUpsMicros: bigint;
  chargesMicros: bigint;
  adjustmentsMicros: bigint;
  closingMicros: bigint;
  audioSeconds: number;
  lines: StatementLine[];
  topUps: StatementTopUpLine[];
  generatedAt: Date;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const minutes = (seconds: number) => {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

const day = (d: Date) => d.toISOString().slice(0, 10);

export function renderStatementHtml(s: StatementData): string {
  const rows = s.lines
    .map(
      (l) =>
        `<tr><td>${day(l.at)}</td><td class="mono">${escapeHtml(l.jobId)}</td><td>${escapeHtml(l.domain || '—')}</td>` +
        `<td class="num">${minutes(l.audioSeconds)}</td><td class="num">${l.billedSeconds}</td>` +
        `<td class="num">${formatUsd(l.perMinuteMicros)}</td><td class="num">${formatUsd(l.chargedMicros)}</td></tr>`,
    )
    .join('\n');
  const topUps = s.topUps
    .map((t) => `<tr><td>${day(t.at)}</td><td>${escapeHtml(t.source)}</td><td class="mono">${escapeHtml(t.reference)}</td><td class="num">${formatUsd(t.amountMicros)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Verbatim statement ${escapeHtml(s.month)} — ${escapeHtml(s.accountId)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#111}
h1{font-size:1.4rem;margin:0 0 .25rem} .muted{color:#555}
table{border-collapse:collapse;width:100%;margin:1rem 0} th,td{padding:.3rem .5rem;border-bottom:1px solid #ddd;text-align:left}
.num{text-align:right;font-variant-numeric:tabular-nums} .mono{font-family:ui-monospace,monospace;font-size:12px}
.summary td{border:none} .summary .total td{font-weight:600;border-top:2px solid #111}
@media print{body{margin:0} a{color:inherit}}
</style></head>
<body>
<h1>Statement for ${escapeHtml(s.month)}</h1>
<div class="muted">Account ${escapeHtml(s.accountId)} · plan ${escapeHtml(s.plan)} · generated ${s.generatedAt.toISOString()}</div>
<table class="summary">
<tr><td>Opening balance</td><td class="num">${formatUsd(s.openingMicros)}</td></tr>
<tr><td>Top-ups</td><td class="num">${formatUsd(s.topUpsMicros)}</td></tr>
<tr><td>Transcription (${s.lines.length} jobs, ${minutes(s.audioSeconds)} of audio)</td><td class="num">−${formatUsd(s.chargesMicros)}</td></tr>
${s.adjustmentsMicros !== 0n ? `<tr><td>Adjustments</td><td class="num">${formatUsd(-s.adjustmentsMicros)}</td></tr>` : ''}
<tr class="total"><td>Closing balance</td><td class="num">${formatUsd(s.closingMicros)}</td></tr>
</table>
<h2>Transcription</h2>
<table><thead><tr><th>Date</th><th>Job</th><th>Domain</th><th class="num">Audio</th><th class="num">Billed s</th><th class="num">Per minute</th><th class="num">Amount</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="7" class="muted">No jobs this month.</td></tr>'}
</tbody>
<tfoot><tr><td colspan="6">Total</td><td class="num">${formatUsd(s.chargesMicros)}</td></tr></tfoot></table>
<h2>Top-ups</h2>
<table><thead><tr><th>Date</th><th>Source</th><th>Reference</th><th class="num">Amount</th></tr></thead>
<tbody>
${topUps || '<tr><td colspan="4" class="muted">No top-ups this month.</td></tr>'}
</tbody></table>
</body></html>
`;
}
