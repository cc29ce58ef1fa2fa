/**
 * The plain manifests in k8s/: `kubectl kustomize` (kubectl 1.31 and 1.35) renders the base and overlays, with
 * the same security posture, probes and wiring as the chart, and the posts ConfigMap generated from the
 * repository's posts.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { K8sObject } from '../support/helm.js';
import { ensureHelm, k8sDir, kubectls, kustomize, ofKind, only, packageVersion, removeTempDirs, repoRoot } from '../support/helm.js';
import { allPolicies, containerEnv, deployment, kubeblogContainer } from './policy.js';

beforeAll(() => {
  ensureHelm();
}, 10 * 60_000);
afterAll(removeTempDirs);

const version = packageVersion();
const KUSTOMIZATIONS = ['.', 'overlays/production', 'overlays/kubernetes-source'];
const POLICIES = ['security', 'probes', 'containerPorts', 'services', 'selectors', 'serviceMonitors', 'routing', 'rbacAndToken', 'shutdownAndRollout', 'labels'];

describe.each(kubectls())('$label', (tool) => {
  describe.each(KUSTOMIZATIONS)('k8s/%s', (dir) => {
    let objs: K8sObject[];
    beforeAll(() => {
      objs = kustomize(tool.bin, path.join(k8sDir, dir));
    });
    it.each(POLICIES)('policy %s holds', (policy) => {
      expect(allPolicies(objs, { helm: false, version })[policy]).toEqual([]);
    });
    it('uses the image of this version', () => {
      expect(kubeblogContainer(objs).image).toBe(`ghcr.io/kubeblog/kubeblog:${version}`);
    });
  });

  it('k8s/ serves the repository posts from a generated ConfigMap mounted at POSTS_DIR', () => {
    const objs = kustomize(tool.bin, k8sDir);
    const dep = deployment(objs);
    const vol = dep.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'posts');
    const cm = only(objs, 'ConfigMap', vol.configMap.name);
    expect(cm.metadata.name).toMatch(/^kubeblog-posts-[a-z0-9]{10}$/); // hash suffix: a post change rolls the pods
    const posts = readdirSync(path.join(repoRoot, 'posts')).filter((f) => /\.(md|markdown)$/.test(f)).sort();
    expect(Object.keys(cm.data).sort()).toEqual(posts);
    for (const p of posts) expect(cm.data[p]).toBe(readFileSync(path.join(repoRoot, 'posts', p), 'utf8'));
    const mount = kubeblogContainer(objs).volumeMounts.find((m: { name: string }) => m.name === 'posts');
    expect(mount).toEqual({ name: 'posts', mountPath: '/content/posts', readOnly: true });
    expect(containerEnv(objs, kubeblogContainer(objs)).POSTS_DIR).toBe('/content/posts');
  });

  it('production adds an HPA, a PDB, a NetworkPolicy and spreads the pods', () => {
    const objs = kustomize(tool.bin, path.join(k8sDir, 'overlays/production'));
    expect(only(objs, 'HorizontalPodAutoscaler').spec).toMatchObject({ minReplicas: 2, maxReplicas: 6 });
    expect(only(objs, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
    const np = only(objs, 'NetworkPolicy');
    expect(np.spec.ingress.find((r: { ports: { port: string }[] }) => r.ports[0]!.port === 'metrics').from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } },
    ]);
    expect(deployment(objs).spec.template.spec.topologySpreadConstraints).toHaveLength(2);
    expect(containerEnv(objs, kubeblogContainer(objs))).toMatchObject({ SITE_URL: 'https://blog.example.com', POSTS_DIR: '/content/posts' });
  });

  it('kubernetes-source adds the Role, RoleBinding, token and CONTENT_SOURCES', () => {
    const objs = kustomize(tool.bin, path.join(k8sDir, 'overlays/kubernetes-source'));
    expect(only(objs, 'Role').rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }]);
    expect(ofKind(objs, 'RoleBinding')).toHaveLength(1);
    expect(deployment(objs).spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(containerEnv(objs, kubeblogContainer(objs)).CONTENT_SOURCES).toBe('directory,kubernetes');
  });
});

describe('k8s/base/posts', () => {
  it('is an exact copy of posts/ (kustomize cannot read files outside k8s/base; copy new posts over)', () => {
    const repoPosts = readdirSync(path.join(repoRoot, 'posts')).filter((f) => /\.(md|markdown)$/.test(f)).sort();
    const copy = readdirSync(path.join(k8sDir, 'base', 'posts')).sort();
    expect(copy).toEqual(repoPosts);
    for (const p of repoPosts) {
      expect(readFileSync(path.join(k8sDir, 'base', 'posts', p), 'utf8')).toBe(readFileSync(path.join(repoRoot, 'posts', p), 'utf8'));
    }
  });

  it('every post is listed in the configMapGenerator', () => {
    const k = parseYaml(readFileSync(path.join(k8sDir, 'base', 'kustomization.yaml'), 'utf8')) as { configMapGenerator: { name: string; files?: string[] }[] };
    const gen = k.configMapGenerator.find((g) => g.name === 'kubeblog-posts')!;
    const copy = readdirSync(path.join(k8sDir, 'base', 'posts')).sort();
    expect([...(gen.files ?? [])].sort()).toEqual(copy.map((f) => `posts/${f}`));
  });
});
