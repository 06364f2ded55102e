import { renderStatementHtml, type StatementData } from './statement.js';

const data: StatementData = {
  accountId: 'acct-<script>',
  month: '2026-11',
  plan: 'payg',
  openingMicros: 1_000_000n,
  topUpsMicros: 5_000_000n,
  chargesMicros: 620_000n,
  adjustmentsMicros: 0n,
  closingMicros: 5_380_000n,
  audioSeconds: 61.5,
  lines: [{ jobId: 'job-1', at: new Date('2026-11-03T10:00:00Z'), domain: 'medicine', audioSeconds: 61.5, billedSeconds: 62n, perMinuteMicros: 600_000n, chargedMicros: 620_000n }],
  topUps: [{ at: new Date('2026-11-01T09:00:00Z'), amountMicros: 5_000_000n, source: 'stripe', reference: 'cs_test_1' }],
  generatedAt: new Date('2026-11-27T12:00:00Z'),
};

describe('statement page', () => {
  const html = renderStatementHtml(data);

  it('shows the summary, each job line and each top-up', () => {
    expect(html).toContain('Statement for 2026-11');
    expect(html).toContain('$1.00'); // opening
    expect(html).toContain('$5.38'); // closing
    expect(html).toMatch(/job-1<\/td><td>medicine<\/td><td class="num">1:02<\/td><td class="num">62<\/td><td class="num">\$0.60<\/td><td class="num">\$0.62/);
    expect(html).toContain('cs_test_1');
    expect(html).not.toContain('Adjustments');
    expect(renderStatementHtml({ ...data, lines: [{ ...data.lines[0]!, audioSeconds: 59.6 }] })).toContain('>1:00<');
  });

  it('escapes what it did not write itself', () => {
    expect(html).not.toContain('<script>');
    expect(html).toContain('acct-&lt;script&gt;');
  });

  it('is a page that prints on its own (no external resources)', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('@media print');
    expect(html).not.toMatch(/<(link|script|img)\b/);
  });
});
