// Proves the local control plane (test/support/control-plane.ts) is a real Kubernetes API
// server that the blog's Kubernetes tests can rely on: objects are stored, RBAC is enforced for
// ServiceAccount tokens, clients reconnect after an API server restart, and an etcd compaction
// makes a watch from an old resourceVersion fail with 410 Gone.
// The first run builds kube-apiserver and etcd (many minutes); `npm test` builds them before Jest.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import {
  AuthenticationV1Api,
  CoreV1Api,
  KubeConfig,
  VersionApi,
  Watch,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { ensureEnvtestBinaries, grantConfigMapRead, startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { statusOf } from './kube-support.js';

let cp: ControlPlane;
let core: CoreV1Api;

async function createNamespace(name: string): Promise<void> {
  await core.createNamespace({ body: { metadata: { name } } });
}

interface WatchOutcome {
  type?: string;
  object?: Record<string, unknown>;
  error?: unknown;
}

/** Starts a watch and resolves with its first event, or with the error/end that came instead. */
async function firstWatchEvent(kc: KubeConfig, path: string, query: Record<string, string>): Promise<WatchOutcome> {
  let controller: AbortController | undefined;
  const outcome = await new Promise<WatchOutcome>((resolve) => {
    const timer = setTimeout(() => resolve({ error: new Error('no watch event within 15 s') }), 15_000);
    const settle = (o: WatchOutcome) => {
      clearTimeout(timer);
      resolve(o);
    };
    new Watch(kc)
      .watch(
        path,
        query,
        (type, object) => settle({ type, object: object as Record<string, unknown> }),
        (err) => settle({ error: err ?? new Error('watch ended without an event') }),
      )
      .then((c) => (controller = c), (err) => settle({ error: err }));
  });
  controller?.abort();
  return outcome;
}

beforeAll(async () => {
  // Normally a no-op (npm test builds the binaries first); the first build alone can take ~30 min.
  await ensureEnvtestBinaries();
  cp = await startControlPlane();
  core = cp.kubeConfig.makeApiClient(CoreV1Api);
}, 45 * 60_000);

afterAll(async () => {
  await cp?.stop();
});

describe('local control plane (etcd + kube-apiserver)', () => {
  it('is the Kubernetes version the harness builds, over TLS with the admin kubeconfig', async () => {
    const version = await cp.kubeConfig.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toMatch(/^v1\.33\.\d+$/);
    expect(version.major).toBe('1');
    expect(version.minor).toBe('33');
    expect(cp.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(existsSync(cp.kubeconfigPath)).toBe(true);
  });

  it('stores namespaces and ConfigMaps and selects them by label', async () => {
    await createNamespace('cp-smoke');
    await core.createNamespacedConfigMap({
      namespace: 'cp-smoke',
      body: {
        metadata: { name: 'hello', labels: { 'kubeblog.dev/post': '' } },
        data: { '2024-05-01-hello.md': '---\ntitle: Hello\n---\nHi' },
      },
    });
    await core.createNamespacedConfigMap({ namespace: 'cp-smoke', body: { metadata: { name: 'unlabelled' } } });

    const read = await core.readNamespacedConfigMap({ namespace: 'cp-smoke', name: 'hello' });
    expect(read.data?.['2024-05-01-hello.md']).toContain('title: Hello');
    const listed = await core.listNamespacedConfigMap({ namespace: 'cp-smoke', labelSelector: 'kubeblog.dev/post' });
    expect(listed.items.map((cm) => cm.metadata?.name)).toEqual(['hello']);

    // The API server validates objects: an invalid name is rejected.
    expect(await statusOf(core.createNamespacedConfigMap({ namespace: 'cp-smoke', body: { metadata: { name: 'Not_Valid' } } }))).toBe(422);
    // NamespaceLifecycle admission is on: no objects in a namespace that does not exist.
    expect(await statusOf(core.createNamespacedConfigMap({ namespace: 'nope', body: { metadata: { name: 'x' } } }))).toBe(404);
  });

  it('authenticates ServiceAccount tokens and enforces RBAC: a Role grants configmaps, not secrets', async () => {
    const ns = 'cp-rbac';
    await createNamespace(ns);
    await createNamespace('cp-rbac-other');
    await grantConfigMapRead(cp.kubeConfig, ns, 'reader');
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'post' }, data: { a: 'b' } } });
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'db' }, stringData: { password: 'hunter2' } } });

    const saKubeconfig = await cp.serviceAccountKubeconfig(ns, 'reader');
    const saConfig = new KubeConfig();
    saConfig.loadFromFile(saKubeconfig);
    expect(saConfig.getContextObject(saConfig.getCurrentContext())?.namespace).toBe(ns);

    const review = await saConfig.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    expect(review.status?.userInfo?.username).toBe(`system:serviceaccount:${ns}:reader`);

    const saCore = saConfig.makeApiClient(CoreV1Api);
    const cms = await saCore.listNamespacedConfigMap({ namespace: ns });
    expect(cms.items.map((cm) => cm.metadata?.name)).toContain('post');
    expect((await saCore.readNamespacedConfigMap({ namespace: ns, name: 'post' })).data).toEqual({ a: 'b' });

    expect(await statusOf(saCore.readNamespacedSecret({ namespace: ns, name: 'db' }))).toBe(403);
    expect(await statusOf(saCore.listNamespacedSecret({ namespace: ns }))).toBe(403);
    expect(await statusOf(saCore.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'x' } } }))).toBe(403);
    expect(await statusOf(saCore.listNamespacedConfigMap({ namespace: 'cp-rbac-other' }))).toBe(403);

    // A token that is not the API server's is rejected outright.
    const forged = new KubeConfig();
    forged.loadFromOptions({
      clusters: [{ name: 'c', server: cp.server, caData: Buffer.from(cp.caPem).toString('base64') }],
      users: [{ name: 'u', token: 'not-a-real-token' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    expect(await statusOf(forged.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: ns }))).toBe(401);
  });

  it('can stop and restart the API server on the same address; data survives and clients reconnect', async () => {
    await createNamespace('cp-restart');
    await core.createNamespacedConfigMap({ namespace: 'cp-restart', body: { metadata: { name: 'before' }, data: { k: 'v1' } } });

    await cp.stopApiServer();
    expect(cp.apiServerRunning).toBe(false);
    await expect(core.readNamespacedConfigMap({ namespace: 'cp-restart', name: 'before' })).rejects.toThrow();

    await cp.startApiServer();
    expect(cp.apiServerRunning).toBe(true);
    // The same client object, same kubeconfig (same port, same CA, same token) works again.
    const read = await core.readNamespacedConfigMap({ namespace: 'cp-restart', name: 'before' });
    expect(read.data).toEqual({ k: 'v1' });
    await core.createNamespacedConfigMap({ namespace: 'cp-restart', body: { metadata: { name: 'after' } } });
    const names = (await core.listNamespacedConfigMap({ namespace: 'cp-restart' })).items.map((cm) => cm.metadata?.name);
    expect(names).toEqual(expect.arrayContaining(['before', 'after']));
  }, 120_000);

  it('compactEtcd makes a watch from an older resourceVersion fail with 410 Gone', async () => {
    const ns = 'cp-compact';
    await createNamespace(ns);
    const created: V1ConfigMap = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'post' }, data: { v: '1' } },
    });
    const oldRv = created.metadata?.resourceVersion;
    expect(oldRv).toBeDefined();
    await core.replaceNamespacedConfigMap({ namespace: ns, name: 'post', body: { ...created, data: { v: '2' } } });

    const path = `/api/v1/namespaces/${ns}/configmaps`;
    const query = { resourceVersion: String(oldRv), fieldSelector: 'metadata.name=post' };

    // Before compaction the old resourceVersion is still served: the watch replays the update.
    const before = await firstWatchEvent(cp.kubeConfig, path, query);
    expect(before.error).toBeUndefined();
    expect(before.type).toBe('MODIFIED');
    expect((before.object?.data as Record<string, string> | undefined)?.v).toBe('2');

    const revision = await cp.compactEtcd();
    expect(revision).toBeGreaterThan(Number(oldRv));

    const after = await firstWatchEvent(cp.kubeConfig, path, query);
    expect(after.error).toBeUndefined();
    expect(after.type).toBe('ERROR');
    expect(after.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });

    // A fresh list gives a current resourceVersion from which watching works again.
    const list = await core.listNamespacedConfigMap({ namespace: ns });
    const fresh = firstWatchEvent(cp.kubeConfig, path, { resourceVersion: String(list.metadata?.resourceVersion) });
    await core.patchNamespacedConfigMap({ namespace: ns, name: 'post', body: [{ op: 'replace', path: '/data/v', value: '3' }] });
    const next = await fresh;
    expect(next.type).toBe('MODIFIED');
    expect((next.object?.data as Record<string, string> | undefined)?.v).toBe('3');
  }, 60_000);
});

describe('cleanup when the owning process dies', () => {
  it('kills etcd and kube-apiserver and removes the temp dir when the test process is SIGKILLed', async () => {
    const binDir = await ensureEnvtestBinaries();
    const harness = new URL('../support/control-plane.js', import.meta.url).href;
    // A separate Node process starts a control plane, reports it, and is then killed with SIGKILL,
    // so that no exit hook of it can run.
    const script = `
      import { startControlPlane } from ${JSON.stringify(harness)};
      import { readFileSync } from 'node:fs';
      const cp = await startControlPlane({ binDir: ${JSON.stringify(binDir)} });
      const pids = readFileSync(cp.dir + '/pids', 'utf8').trim().split('\\n').map(Number);
      console.log(JSON.stringify({ dir: cp.dir, pids }));
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const report = await new Promise<{ dir: string; pids: number[] }>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line) as { dir: string; pids: number[] });
      });
      child.on('exit', (code) => reject(new Error(`the child exited early (${code})`)));
    });
    expect(report.pids).toHaveLength(2);
    // Alive = exists and is not a zombie (an orphan may wait a moment for init to reap it).
    const alive = (pid: number) => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    expect(report.pids.every(alive)).toBe(true);
    expect(existsSync(report.dir)).toBe(true);

    child.kill('SIGKILL');
    const deadline = Date.now() + 15_000;
    while ((report.pids.some(alive) || existsSync(report.dir)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(report.pids.filter(alive)).toEqual([]);
    expect(existsSync(report.dir)).toBe(false);
  }, 120_000);
});
