// The Kubernetes source's settings, names and retry timing; no API server needed.
import { describe, it, expect, afterAll } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { configMapNameFor, labelValueFor } from '../../src/kube/configmap-posts.js';
import { loadKubeConfig, resolveNamespace } from '../../src/kube/kubeconfig.js';
import { backoffDelay } from '../../src/kube/kubernetes-source.js';
import { ConfigError, isLabelSelector, loadConfig } from '../../src/ops/config.js';
import { startBlogProcess } from '../support/process.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'kubeblog-kube-settings-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function kubeconfigFile(name: string, contextNamespace?: string): string {
  const file = path.join(scratch, name);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', ...(contextNamespace ? { namespace: contextNamespace } : {}) } }],
      'current-context': 'ctx',
    }),
  );
  return file;
}

describe('settings', () => {
  it('accepts kubernetes in CONTENT_SOURCES, alone or with the folder, in either order', () => {
    expect(loadConfig({ CONTENT_SOURCES: 'kubernetes' }).contentSources).toEqual(['kubernetes']);
    expect(loadConfig({ CONTENT_SOURCES: 'directory, kubernetes' }).contentSources).toEqual(['directory', 'kubernetes']);
    expect(loadConfig({ CONTENT_SOURCES: 'kubernetes,directory' }).contentSources).toEqual(['kubernetes', 'directory']);
    expect(() => loadConfig({ CONTENT_SOURCES: 'kubernetes,kubernetes' })).toThrow(ConfigError);
    expect(() => loadConfig({ CONTENT_SOURCES: 'kube' })).toThrow('CONTENT_SOURCES: "kube" is not a comma-separated list of distinct directory, kubernetes');
  });

  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      kubeNamespace: undefined,
      kubeLabelSelector: 'kubeblog.dev/post',
      kubeconfig: undefined,
      kubeMaxConfigMapBytes: 1048576,
      kubeSyncTimeoutSeconds: 60,
    });
    expect(loadConfig({ KUBECONFIG: '/a:/b', KUBE_MAX_CONFIGMAP_BYTES: '4096', KUBE_SYNC_TIMEOUT_SECONDS: '0' })).toMatchObject({
      kubeconfig: '/a:/b',
      kubeMaxConfigMapBytes: 4096,
      kubeSyncTimeoutSeconds: 0,
    });
  });

  it('validates KUBE_LABEL_SELECTOR, KUBE_NAMESPACE and the numbers', () => {
    for (const ok of ['kubeblog.dev/post', 'kubeblog.dev/post=hello', 'blog=main,tier!=draft', '!legacy', 'env in (prod, staging),kubeblog.dev/post', 'a==b', 'x notin (a,b)']) {
      expect({ ok, valid: isLabelSelector(ok) }).toEqual({ ok, valid: true });
    }
    expect(isLabelSelector('kubeblog.dev/post=')).toBe(true); // the label is there and empty
    for (const bad of ['a b', 'x in (a', '=value', 'Bad_Prefix.example/x', 'k=v=w', 'a,,b']) {
      expect({ bad, valid: isLabelSelector(bad) }).toEqual({ bad, valid: false });
    }
    expect(() => loadConfig({ KUBE_LABEL_SELECTOR: 'a b' })).toThrow('KUBE_LABEL_SELECTOR: "a b" is not a Kubernetes label selector');
    expect(() => loadConfig({ KUBE_NAMESPACE: 'Blog_NS' })).toThrow('KUBE_NAMESPACE: "Blog_NS" is not a Kubernetes namespace name');
    expect(() => loadConfig({ KUBE_MAX_CONFIGMAP_BYTES: '10' })).toThrow('KUBE_MAX_CONFIGMAP_BYTES: "10" is not a whole number from 1024 to 1073741824');
    expect(() => loadConfig({ KUBE_SYNC_TIMEOUT_SECONDS: '-1' })).toThrow('KUBE_SYNC_TIMEOUT_SECONDS');
  });

  it('a bad setting stops kubeblog at start-up with exit code 2 and the variable named', async () => {
    const proc = await startBlogProcess({ CONTENT_SOURCES: 'directory,kubernetes', KUBE_LABEL_SELECTOR: 'not a selector' }, false);
    const { code } = await proc.exited;
    expect(code).toBe(2);
    expect(proc.output()).toContain('kubeblog: bad setting KUBE_LABEL_SELECTOR: "not a selector" is not a Kubernetes label selector');
  });
});

describe('where the source connects and which namespace it reads', () => {
  it('KUBECONFIG first (a missing file is an error), then ~/.kube/config, then the pod ServiceAccount, else a clear error', () => {
    const home = path.join(scratch, 'home');
    mkdirSync(path.join(home, '.kube'), { recursive: true });
    const noSa = path.join(scratch, 'no-sa', 'var/run/secrets/kubernetes.io/serviceaccount');
    const explicit = kubeconfigFile('explicit.kubeconfig', 'from-explicit');
    expect(loadKubeConfig({ kubeconfigEnv: explicit, home, serviceAccountDir: noSa }).from).toBe(explicit);
    expect(() => loadKubeConfig({ kubeconfigEnv: path.join(scratch, 'missing'), home, serviceAccountDir: noSa })).toThrow(
      `KUBECONFIG names ${path.join(scratch, 'missing')}, which does not exist`,
    );
    expect(() => loadKubeConfig({ kubeconfigEnv: undefined, home, serviceAccountDir: noSa })).toThrow(
      `no Kubernetes configuration found: KUBECONFIG is not set, ${path.join(home, '.kube', 'config')} does not exist, and no ServiceAccount token is mounted at ${noSa}`,
    );
    writeFileSync(path.join(home, '.kube', 'config'), '{"apiVersion":"v1","kind":"Config","clusters":[],"contexts":[],"users":[]}');
    expect(() => loadKubeConfig({ kubeconfigEnv: undefined, home, serviceAccountDir: noSa })).toThrow('has no current-context');
  });

  it('KUBE_NAMESPACE, else the pod namespace file, else the kubeconfig context, else default', () => {
    const sa = path.join(scratch, 'pod', 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(path.join(sa, 'namespace'), 'pod-ns\n');
    const withContext = new KubeConfig();
    withContext.loadFromFile(kubeconfigFile('ctx.kubeconfig', 'ctx-ns'));
    const without = new KubeConfig();
    without.loadFromFile(kubeconfigFile('plain.kubeconfig'));
    const nowhere = path.join(scratch, 'nowhere');
    expect(resolveNamespace('set-ns', withContext, sa).namespace).toBe('set-ns');
    expect(resolveNamespace(undefined, withContext, sa).namespace).toBe('pod-ns');
    expect(resolveNamespace(undefined, withContext, nowhere)).toEqual({ namespace: 'ctx-ns', from: 'kubeconfig context "ctx"' });
    expect(resolveNamespace(undefined, without, nowhere)).toEqual({ namespace: 'default', from: 'default' });
  });
});

describe('names kubeblog publish writes', () => {
  const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
  const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

  it('are post-<slug> when the slug allows, and always valid and distinct', () => {
    expect(configMapNameFor('hello-world')).toBe('post-hello-world');
    expect(labelValueFor('hello-world')).toBe('hello-world');
    expect(labelValueFor('Hello_World')).toBe('Hello_World');
    const slugs = ['Hello_World', 'hello_world', 'hello-world', 'über-straße', 'ÜBER-STRASSE', '---', '日本語', 'a'.repeat(300), `${'a'.repeat(300)}b`, 'x.y'];
    const names = slugs.map(configMapNameFor);
    const labels = slugs.map(labelValueFor);
    for (const name of names) expect({ name, valid: DNS_SUBDOMAIN.test(name) && name.length <= 253 }).toEqual({ name, valid: true });
    for (const label of labels) expect({ label, valid: LABEL_VALUE.test(label) }).toEqual({ label, valid: true });
    expect(new Set(names).size).toBe(slugs.length);
    expect(new Set(labels).size).toBe(slugs.length);
  });
});

describe('retry timing', () => {
  it('doubles from the initial delay up to the cap, with jitter between half and all of it', () => {
    const backoff = { initialMs: 500, maxMs: 30_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => backoffDelay(n, backoff, () => 1))).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(backoffDelay(3, backoff, () => 0)).toBe(1000);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(10, backoff);
      expect(d).toBeGreaterThanOrEqual(15_000);
      expect(d).toBeLessThanOrEqual(30_000);
    }
  });
});
