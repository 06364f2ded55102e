// The alert rules with Prometheus's own tool: syntax (`promtool check rules`) and behaviour
// (`promtool test rules`: each alert fires when it should and not before).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const RULES = join(__dirname, '..', 'helm', 'verbatim', 'rules');

describe('alert rules', () => {
  it('parse', () => {
    const out = execFileSync('promtool', ['check', 'rules', join(RULES, 'verbatim.rules.yaml')], { encoding: 'utf8' });
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('fire when they should and not before', () => {
    const out = execFileSync('promtool', ['test', 'rules', join(RULES, 'verbatim.rules.test.yaml')], { encoding: 'utf8' });
    expect(out).toMatch(/SUCCESS/);
  });
});
