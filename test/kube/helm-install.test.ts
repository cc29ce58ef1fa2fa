// `helm install`, `helm upgrade` and `helm uninstall` of helm/kubeblog into a real API server (etcd +
// kube-apiserver from the harness), with Helm 3 and Helm 4. The API server validates every object; no
// kubelet runs, so pods never start and nothing waits for them. The installed ServiceAccount and Role
// are then used for real: a blog configured like the installed pods, with that ServiceAccount's token,
// serves a post from a ConfigMap.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import path from 'node:path';
import { AppsV1Api, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { chartDir, ciValues, ensureHelm, helmTemplate, helms, removeTempDirs, repoRoot, run } from '../support/helm.js';
import { get, postConfigMap, postText, startKubeBlog, statusOf } from './kube-support.js';

let cp: ControlPlane;
let core: CoreV1Api;
let apps: AppsV1Api;
let rbac: RbacAuthorizationV1Api;

beforeAll(async () => {
  ensureHelm();
  cp = await startControlPlane();
  core = cp.kubeConfig.makeApiClient(CoreV1Api);
  apps = cp.kubeConfig.makeApiClient(AppsV1Api);
  rbac = cp.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
}, 45 * 60_000);

afterAll(async () => {
  await cp?.stop();
  removeTempDirs();
});

describe.each(helms())('$label', (helm) => {
  const ns = `helm${helm.major}`;
  const release = 'blog';
  const name = 'blog-kubeblog';
  const helmRun = (...args: string[]) => {
    const result = run(helm.bin, [...args, '--namespace', ns, '--kubeconfig', cp.kubeconfigPath]);
    if (result.status !== 0) throw new Error(`helm ${args[0]} exited ${result.status}: ${result.stderr}`);
    return result;
  };
  const releaseInfo = () => {
    const list = JSON.parse(helmRun('list', '--output', 'json').stdout) as Array<{ name: string; revision: string; status: string }>;
    return list.find((r) => r.name === release);
  };

  it('installs with the Kubernetes content source: the API server accepts every object, and the Role is enough for the blog', async () => {
    helmRun('install', release, chartDir, '--create-namespace', '--set', 'content.kubernetes.enabled=true');
    expect(releaseInfo()).toMatchObject({ revision: '1', status: 'deployed' });

    const deployment = await apps.readNamespacedDeployment({ namespace: ns, name });
    const pod = deployment.spec!.template.spec!;
    expect(pod.serviceAccountName).toBe(name);
    expect(pod.automountServiceAccountToken).toBe(true);
    const container = pod.containers.find((c) => c.name === 'kubeblog')!;
    expect(container.env?.find((e) => e.name === 'KUBE_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.namespace');
    const settings = (await core.readNamespacedConfigMap({ namespace: ns, name })).data ?? {};
    expect(settings.CONTENT_SOURCES).toBe('directory,kubernetes');
    const role = await rbac.readNamespacedRole({ namespace: ns, name });
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }]);
    expect((await rbac.readNamespacedRoleBinding({ namespace: ns, name })).subjects).toEqual([{ kind: 'ServiceAccount', name, namespace: ns }]);
    expect(await statusOf(core.readNamespacedService({ namespace: ns, name }))).toBe('ok');

    // Run the blog as the installed pods would: the release's settings, its ServiceAccount's token, and
    // the namespace the downward API would give (KUBE_NAMESPACE).
    await core.createNamespacedConfigMap({ namespace: ns, body: postConfigMap('hello', { '2024-05-01-hello.md': postText(`Installed with ${helm.label}`) }) });
    const token = await cp.serviceAccountKubeconfig(ns, name);
    const env: Record<string, string> = {};
    for (const key of ['CONTENT_SOURCES', 'KUBE_LABEL_SELECTOR', 'SHOW_DRAFTS', 'SHOW_FUTURE', 'POSTS_PER_PAGE']) {
      if (settings[key] !== undefined) env[key] = settings[key]!;
    }
    const blog = await startKubeBlog({ ...env, KUBECONFIG: token, KUBE_NAMESPACE: ns, POSTS_DIR: path.join(repoRoot, 'posts') });
    try {
      expect((await get(`${blog.url}/posts/hello`)).body).toContain(`Installed with ${helm.label}`);
      expect((await get(`${blog.url}/posts/kubecon-was-nice`)).status).toBe(200);
    } finally {
      await blog.stop();
    }
  }, 180_000);

  it('upgrades: turning the Kubernetes source off removes the Role and the token, and changes the Deployment', async () => {
    helmRun('upgrade', release, chartDir, '--set', 'content.kubernetes.enabled=false', '--set', 'replicaCount=2');
    expect(releaseInfo()).toMatchObject({ revision: '2', status: 'deployed' });
    const deployment = await apps.readNamespacedDeployment({ namespace: ns, name });
    expect(deployment.spec?.replicas).toBe(2);
    expect(deployment.spec?.template.spec?.automountServiceAccountToken).toBe(false);
    expect((await core.readNamespacedConfigMap({ namespace: ns, name })).data?.CONTENT_SOURCES).toBe('directory');
    expect(await statusOf(rbac.readNamespacedRole({ namespace: ns, name }))).toBe(404);
    expect(await statusOf(rbac.readNamespacedRoleBinding({ namespace: ns, name }))).toBe(404);
  }, 120_000);

  it('uninstalls: every object of the release is gone; post ConfigMaps, which are not the release, stay', async () => {
    helmRun('uninstall', release);
    expect(releaseInfo()).toBeUndefined();
    expect(await statusOf(apps.readNamespacedDeployment({ namespace: ns, name }))).toBe(404);
    expect(await statusOf(core.readNamespacedService({ namespace: ns, name }))).toBe(404);
    expect(await statusOf(core.readNamespacedConfigMap({ namespace: ns, name }))).toBe(404);
    expect(await statusOf(core.readNamespacedServiceAccount({ namespace: ns, name }))).toBe(404);
    expect(await statusOf(core.readNamespacedConfigMap({ namespace: ns, name: 'hello' }))).toBe('ok');
    // Helm keeps no release record behind.
    const secrets = await core.listNamespacedSecret({ namespace: ns, labelSelector: 'owner=helm' });
    expect(secrets.items).toEqual([]);
  }, 120_000);
});

/** API groups this bare API server serves (no CRDs are installed). */
const BUILT_IN_GROUPS = new Set(['v1', 'apps/v1', 'rbac.authorization.k8s.io/v1', 'networking.k8s.io/v1', 'policy/v1', 'autoscaling/v2']);

describe.each(helms())('$label, every chart test values file that needs no CRDs', (helm) => {
  it('installs (the API server validates every object) and uninstalls cleanly', () => {
    const installable = Object.entries(ciValues).filter(([, file]) =>
      helmTemplate(ensureHelm().helm3, { values: [file] }).every((o) => BUILT_IN_GROUPS.has(o.apiVersion)),
    );
    // all-features also renders an HTTPRoute, ServiceMonitor and PrometheusRule, whose CRDs this API server lacks.
    expect(installable.map(([name]) => name)).toEqual(expect.arrayContaining(['default', 'configmap', 'gitsync', 'ingress-tls', 'kubernetes-source']));
    for (const [name, file] of installable) {
      const ns = `ci-${name}-h${helm.major}`;
      const common = ['--namespace', ns, '--kubeconfig', cp.kubeconfigPath];
      const install = run(helm.bin, ['install', 'ci', chartDir, '--create-namespace', '--values', file, ...common]);
      expect({ name, status: install.status, stderr: install.stderr }).toEqual({ name, status: 0, stderr: '' });
      const uninstall = run(helm.bin, ['uninstall', 'ci', ...common]);
      expect({ name, status: uninstall.status, stderr: uninstall.stderr }).toEqual({ name, status: 0, stderr: '' });
    }
  }, 300_000);
});
