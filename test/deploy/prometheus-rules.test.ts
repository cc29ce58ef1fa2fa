/**
 * The chart's PrometheusRule: `promtool check rules` accepts its groups, and `promtool test rules` runs the unit
 * tests in alerts.test.yaml (each alert fires on the series that should fire it and stays quiet otherwise).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { ensureHelm, ensurePromtool, helmTemplate, helms, makeTempDir, only, removeTempDirs, repoRoot, run } from '../support/helm.js';

let promtool: string;
beforeAll(() => {
  ensureHelm();
  promtool = ensurePromtool(); // first run may apt-get install Debian's prometheus package
}, 10 * 60_000);
afterAll(removeTempDirs);

const ALERTS = ['KubeblogHighErrorRatio', 'KubeblogHighLatencyP99', 'KubeblogContentReloadFailing', 'KubeblogNoReadyReplicas'];

/** Renders the PrometheusRule and writes its spec (the rule groups) plus alerts.test.yaml into a fresh dir. */
function rulesDir(helm: string, set: string[] = []): string {
  const objs = helmTemplate(helm, { release: 'kubeblog', namespace: 'default', set: ['metrics.prometheusRule.enabled=true', ...set] });
  const rule = only(objs, 'PrometheusRule');
  const dir = makeTempDir('rules');
  writeFileSync(path.join(dir, 'rules.yaml'), stringify(rule.spec));
  copyFileSync(path.join(repoRoot, 'test', 'deploy', 'alerts.test.yaml'), path.join(dir, 'alerts.test.yaml'));
  return dir;
}

describe.each(helms())('PrometheusRule rendered by $label', (tool) => {
  it('has the four alerts, and promtool check rules accepts it', () => {
    const dir = rulesDir(tool.bin);
    const r = run(promtool, ['check', 'rules', 'rules.yaml'], { cwd: dir });
    expect({ status: r.status, out: r.stdout }).toEqual({ status: 0, out: expect.stringContaining('SUCCESS: 4 rules found') });
    const objs = helmTemplate(tool.bin, { set: ['metrics.prometheusRule.enabled=true'] });
    const alerts = only(objs, 'PrometheusRule').spec.groups.flatMap((g: { rules: { alert: string }[] }) => g.rules.map((x) => x.alert));
    expect(alerts).toEqual(ALERTS);
  });

  it('passes the alert unit tests', () => {
    const dir = rulesDir(tool.bin);
    const r = run(promtool, ['test', 'rules', 'alerts.test.yaml'], { cwd: dir });
    expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({ status: 0, out: expect.stringContaining('SUCCESS') });
  });

  it('the unit tests catch a rule that no longer fires (error ratio threshold raised to 50%)', () => {
    const dir = rulesDir(tool.bin, ['metrics.prometheusRule.errorRatio.threshold=0.5']);
    const r = run(promtool, ['test', 'rules', 'alerts.test.yaml'], { cwd: dir });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/KubeblogHighErrorRatio/);
  });

  it('the unit tests catch a rule that fires too eagerly (no-ready-replicas without the 5m wait)', () => {
    const dir = rulesDir(tool.bin, ['metrics.prometheusRule.noReadyReplicas.for=0s']);
    const r = run(promtool, ['test', 'rules', 'alerts.test.yaml'], { cwd: dir });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/KubeblogNoReadyReplicas/);
  });

  it('disabled alerts are left out and extra rules appended; the result still checks', () => {
    const dir = rulesDir(tool.bin, [
      'metrics.prometheusRule.latencyP99.enabled=false',
      'metrics.prometheusRule.additionalRules[0].alert=KubeblogDown',
      'metrics.prometheusRule.additionalRules[0].expr=up{job="kubeblog"} == 0',
      'metrics.prometheusRule.additionalRules[0].for=5m',
    ]);
    const r = run(promtool, ['check', 'rules', 'rules.yaml'], { cwd: dir });
    expect({ status: r.status, out: r.stdout }).toEqual({ status: 0, out: expect.stringContaining('SUCCESS: 4 rules found') });
  });

  it('a custom series selector replaces the default one in every kubeblog expression', () => {
    const objs = helmTemplate(tool.bin, { set: ['metrics.prometheusRule.enabled=true', 'metrics.prometheusRule.selector=kubernetes_namespace="blog"'] });
    const exprs: string[] = only(objs, 'PrometheusRule').spec.groups[0].rules.map((x: { expr: string }) => x.expr);
    for (const e of exprs.slice(0, 3)) {
      expect(e).toContain('kubernetes_namespace="blog"');
      expect(e).not.toContain('job="kubeblog"');
    }
  });
});
