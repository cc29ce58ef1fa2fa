/**
 * Every object rendered by the chart (all test values files, Helm 3 and Helm 4) and by kustomize (k8s/ and its
 * overlays, kubectl 1.31 and 1.35) is valid against the Kubernetes OpenAPI schema of a current release (and the
 * Prometheus Operator / Gateway API CRD schemas), has no unknown fields, and uses served API versions.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import path from 'node:path';
import type { K8sObject } from '../support/helm.js';
import { ciValues, ensureHelm, helmTemplate, helms, k8sDir, kubectls, kustomize, removeTempDirs } from '../support/helm.js';
import { knownKinds, schemaProblems, strictlyChecked } from './openapi.js';

beforeAll(() => {
  ensureHelm();
}, 10 * 60_000);
afterAll(removeTempDirs);

const KUSTOMIZATIONS = ['.', 'overlays/production', 'overlays/kubernetes-source'];

describe('the validator (control cases)', () => {
  const good = (): K8sObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x' },
    spec: {
      selector: { matchLabels: { a: 'b' } },
      template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ name: 'http', containerPort: 8080 }] }] } },
    },
  });

  it('knows the Kubernetes, Prometheus Operator and Gateway API kinds', () => {
    expect(knownKinds()).toEqual(
      expect.arrayContaining(['apps/v1/Deployment', 'monitoring.coreos.com/v1/ServiceMonitor', 'monitoring.coreos.com/v1/PrometheusRule', 'gateway.networking.k8s.io/v1/HTTPRoute']),
    );
  });

  it('accepts a valid Deployment', () => {
    expect(schemaProblems(good())).toEqual([]);
  });

  it('rejects a wrong type', () => {
    const d = good();
    d.spec.template.spec.containers[0].ports[0].containerPort = '8080';
    expect(schemaProblems(d).join('\n')).toMatch(/containerPort must be integer/);
  });

  it('rejects a missing required field', () => {
    const d = good();
    delete d.spec.selector;
    expect(schemaProblems(d).join('\n')).toMatch(/selector/);
  });

  it('rejects an unknown field', () => {
    const d = good();
    d.spec.template.spec.containers[0].readinesProbe = { httpGet: { path: '/readyz', port: 'http' } };
    expect(schemaProblems(d)).toEqual(['Deployment/x: unknown field spec.template.spec.containers[0].readinesProbe']);
  });

  it('rejects an API version current Kubernetes no longer serves', () => {
    expect(schemaProblems({ ...good(), apiVersion: 'extensions/v1beta1' }).join('\n')).toMatch(/not served/);
    expect(schemaProblems({ apiVersion: 'policy/v1beta1', kind: 'PodDisruptionBudget', metadata: { name: 'x' }, spec: {} }).join('\n')).toMatch(/not served/);
  });

  it('rejects a bad ServiceMonitor', () => {
    const sm: K8sObject = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'x' }, spec: { selector: {}, endpoints: [{ port: 'metrics', interval: 30 }] } };
    expect(schemaProblems(sm).join('\n')).toMatch(/interval must be string/);
  });
});

function expectValid(objs: K8sObject[]): void {
  expect(objs.length).toBeGreaterThan(3);
  expect(objs.flatMap(schemaProblems)).toEqual([]);
}

describe.each(helms())('chart rendered by $label', (tool) => {
  it.each(Object.keys(ciValues))('%s values: every object is valid', (scenario) => {
    expectValid(helmTemplate(tool.bin, { values: [ciValues[scenario]!] }));
  });

  it('every built-in kind of the all-features render is checked for unknown fields', () => {
    const objs = helmTemplate(tool.bin, { values: [ciValues['all-features']!] });
    const crds = ['ServiceMonitor', 'PrometheusRule', 'HTTPRoute'];
    expect(objs.filter((o) => !crds.includes(o.kind) && !strictlyChecked(o)).map((o) => o.kind)).toEqual([]);
  });

  it('the release name and namespace do not matter', () => {
    expectValid(helmTemplate(tool.bin, { release: 'a-rather-long-release-name-that-goes-on-and-on-and-on', namespace: 'blogs', values: [ciValues['all-features']!] }));
  });
});

describe.each(kubectls())('kustomize with $label', (tool) => {
  it.each(KUSTOMIZATIONS)('k8s/%s: every object is valid', (dir) => {
    expectValid(kustomize(tool.bin, path.join(k8sDir, dir)));
  });
});
