// The blog with the chart's ServiceAccount, Role and RoleBinding (rendered by `helm template` from
// helm/kubeblog with content.kubernetes.enabled=true), authenticated by a real ServiceAccount token:
// the Role is enough to serve and follow posts, and it cannot read Secrets or write anything.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { ensureHelm, helmTemplate, only, removeTempDirs, type K8sObject } from '../support/helm.js';
import { createNamespace, get, postConfigMap, postText, readyz, startKubeBlog, statusOf, waitForPage, type KubeBlog } from './kube-support.js';

let cp: ControlPlane;
let core: CoreV1Api;
const blogs: KubeBlog[] = [];

/** The chart's RBAC objects for a release in `namespace`, as `helm template` renders them. */
function chartRbac(namespace: string): { serviceAccount: K8sObject; role: K8sObject; roleBinding: K8sObject } {
  const objects = helmTemplate(ensureHelm().helm3, { release: 'blog', namespace, set: ['content.kubernetes.enabled=true'] });
  return { serviceAccount: only(objects, 'ServiceAccount'), role: only(objects, 'Role'), roleBinding: only(objects, 'RoleBinding') };
}

beforeAll(async () => {
  ensureHelm();
  cp = await startControlPlane();
  core = cp.kubeConfig.makeApiClient(CoreV1Api);
}, 45 * 60_000);

afterAll(async () => {
  for (const blog of blogs) await blog.stop().catch(() => undefined);
  await cp?.stop();
  removeTempDirs();
});

describe("the chart's Role, used through a ServiceAccount token", () => {
  it('is enough to serve and follow posts, and allows nothing else: no Secrets, no writes, no other namespace', async () => {
    const ns = 'blog-ns';
    await createNamespace(core, ns);
    await createNamespace(core, 'elsewhere');
    const { serviceAccount, role, roleBinding } = chartRbac(ns);
    // What the chart grants: get/list/watch on configmaps, nothing more.
    expect(role.metadata.namespace).toBe(ns);
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }]);
    const objects = KubernetesObjectApi.makeApiClient(cp.kubeConfig);
    for (const object of [serviceAccount, role, roleBinding]) await objects.create(object as KubernetesObject);

    await core.createNamespacedConfigMap({ namespace: ns, body: postConfigMap('hello', { '2024-05-01-hello.md': postText('Hello from RBAC') }) });
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'db' }, stringData: { password: 'hunter2' } } });
    await core.createNamespacedConfigMap({ namespace: 'elsewhere', body: postConfigMap('other', { '2024-05-02-other.md': postText('Other') }) });

    const saKubeconfig = await cp.serviceAccountKubeconfig(ns, serviceAccount.metadata.name);
    // No KUBE_NAMESPACE: the namespace comes from the kubeconfig context, as it would from the pod.
    const blog = await startKubeBlog({ CONTENT_SOURCES: 'kubernetes', KUBECONFIG: saKubeconfig });
    blogs.push(blog);
    expect(blog.source?.namespace).toBe(ns);
    expect((await readyz(blog.opsUrl)).status).toBe(200);
    expect((await get(`${blog.url}/posts/hello`)).body).toContain('Hello from RBAC');
    // The watch is allowed too: a new post shows up.
    await core.createNamespacedConfigMap({ namespace: ns, body: postConfigMap('later', { '2024-05-03-later.md': postText('Later post') }) });
    await waitForPage(`${blog.url}/posts/later`, 200, 'Later post');
    expect((await get(`${blog.url}/posts/other`)).status).toBe(404);

    // The same token cannot read Secrets, write ConfigMaps, or look into another namespace.
    const sa = new KubeConfig();
    sa.loadFromFile(saKubeconfig);
    const saCore = sa.makeApiClient(CoreV1Api);
    expect(await statusOf(saCore.readNamespacedSecret({ namespace: ns, name: 'db' }))).toBe(403);
    expect(await statusOf(saCore.listNamespacedSecret({ namespace: ns }))).toBe(403);
    expect(await statusOf(saCore.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'x' } } }))).toBe(403);
    expect(await statusOf(saCore.deleteNamespacedConfigMap({ namespace: ns, name: 'hello' }))).toBe(403);
    expect(await statusOf(saCore.listNamespacedConfigMap({ namespace: 'elsewhere' }))).toBe(403);
    expect(await statusOf(saCore.listNamespacedConfigMap({ namespace: ns }))).toBe('ok');
  }, 120_000);

  it('without the RoleBinding the blog does not start, and says it is forbidden to list configmaps', async () => {
    const ns = 'unbound';
    await createNamespace(core, ns);
    const { serviceAccount, role } = chartRbac(ns);
    const objects = KubernetesObjectApi.makeApiClient(cp.kubeConfig);
    for (const object of [serviceAccount, role]) await objects.create(object as KubernetesObject);
    const saKubeconfig = await cp.serviceAccountKubeconfig(ns, serviceAccount.metadata.name);
    await expect(startKubeBlog({ CONTENT_SOURCES: 'kubernetes', KUBECONFIG: saKubeconfig, KUBE_SYNC_TIMEOUT_SECONDS: '2' })).rejects.toThrow(
      /within 2 s \(KUBE_SYNC_TIMEOUT_SECONDS\); last error: HTTP 403 Forbidden: .*cannot list resource "configmaps" in API group "" in the namespace "unbound"/,
    );
  }, 60_000);

  it('in a pod: the token, CA and namespace files of the ServiceAccount are enough (no kubeconfig, no KUBE_NAMESPACE)', async () => {
    const ns = 'in-cluster';
    await createNamespace(core, ns);
    const { serviceAccount, role, roleBinding } = chartRbac(ns);
    const objects = KubernetesObjectApi.makeApiClient(cp.kubeConfig);
    for (const object of [serviceAccount, role, roleBinding]) await objects.create(object as KubernetesObject);
    await core.createNamespacedConfigMap({ namespace: ns, body: postConfigMap('hello', { '2024-05-01-pod.md': postText('Read with the pod token') }) });

    // What the kubelet mounts, under a scratch root instead of /.
    const root = mkdtempSync(path.join(tmpdir(), 'kubeblog-pod-'));
    try {
      const saDir = path.join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
      mkdirSync(saDir, { recursive: true });
      const saKubeconfig = JSON.parse(readFileSync(await cp.serviceAccountKubeconfig(ns, serviceAccount.metadata.name), 'utf8')) as {
        users: Array<{ user: { token: string } }>;
      };
      writeFileSync(path.join(saDir, 'token'), saKubeconfig.users[0]!.user.token);
      writeFileSync(path.join(saDir, 'ca.crt'), cp.caPem);
      writeFileSync(path.join(saDir, 'namespace'), ns);
      const emptyHome = path.join(root, 'home');
      mkdirSync(emptyHome);
      // The kubelet's service environment variables.
      const api = new URL(cp.server);
      process.env.KUBERNETES_SERVICE_HOST = api.hostname;
      process.env.KUBERNETES_SERVICE_PORT = api.port;
      const blog = await startKubeBlog({ CONTENT_SOURCES: 'kubernetes' }, { sourceOverrides: { serviceAccountDir: saDir, home: emptyHome } });
      blogs.push(blog);
      expect(blog.source?.namespace).toBe(ns);
      expect(blog.logs.lines.find((l) => String(l.msg).startsWith('reading posts from ConfigMaps'))).toMatchObject({
        namespaceFrom: path.join(saDir, 'namespace'),
        kubeconfig: `in-cluster ServiceAccount (${saDir})`,
        server: cp.server,
      });
      expect((await get(`${blog.url}/posts/pod`)).body).toContain('Read with the pod token');
    } finally {
      delete process.env.KUBERNETES_SERVICE_HOST;
      delete process.env.KUBERNETES_SERVICE_PORT;
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
