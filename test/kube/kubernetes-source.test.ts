// The Kubernetes content source against a real API server (etcd + kube-apiserver from the harness):
// posts from labelled ConfigMaps, followed through the watch, served over real HTTP; broken posts;
// an API outage; a watch that expires (410) and relists; URL conflicts with the posts folder.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { PostsFolder } from '../support/posts.js';
import { startBlogProcess } from '../support/process.js';
import { promtoolCheckMetrics } from '../support/prometheus.js';
import {
  TcpProxy,
  createNamespace,
  get,
  kubeconfigVia,
  metric,
  postConfigMap,
  postText,
  readyz,
  startKubeBlog,
  waitForPage,
  waitUntil,
  type KubeBlog,
} from './kube-support.js';

let cp: ControlPlane;
let core: CoreV1Api;
let scratch: string;
const blogs: KubeBlog[] = [];

async function blogIn(namespace: string, env: Record<string, string> = {}): Promise<KubeBlog> {
  const blog = await startKubeBlog({ CONTENT_SOURCES: 'kubernetes', KUBECONFIG: cp.kubeconfigPath, KUBE_NAMESPACE: namespace, ...env });
  blogs.push(blog);
  return blog;
}

beforeAll(async () => {
  cp = await startControlPlane();
  core = cp.kubeConfig.makeApiClient(CoreV1Api);
  scratch = mkdtempSync(path.join(tmpdir(), 'kubeblog-kube-test-'));
}, 45 * 60_000);

afterAll(async () => {
  for (const blog of blogs) await blog.stop().catch(() => undefined);
  await cp?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('posts from ConfigMaps', () => {
  it('serves labelled ConfigMaps only, and follows create, update, relabel and delete without a restart', async () => {
    const ns = 'crud';
    await createNamespace(core, ns);
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: postConfigMap('first', { '2024-05-01-first.md': postText('First post'), 'README.txt': 'not a post, ignored' }),
    });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'unlabelled' }, data: { '2024-05-02-unlabelled.md': postText('Not for the blog') } },
    });

    const blog = await blogIn(ns);
    // start() resolved: the first complete list is in, so the blog is ready and serves it.
    expect((await readyz(blog.opsUrl)).status).toBe(200);
    expect((await get(`${blog.url}/posts/first`)).body).toContain('First post');
    expect((await get(`${blog.url}/posts/unlabelled`)).status).toBe(404);
    const api = JSON.parse((await get(`${blog.url}/api/posts`)).body) as { posts: Array<{ slug: string }> };
    expect(api.posts.map((p) => p.slug)).toEqual(['first']);

    // Create: served within a second or two, no restart.
    let t0 = Date.now();
    await core.createNamespacedConfigMap({ namespace: ns, body: postConfigMap('second', { '2024-05-03-second.md': postText('Second post') }) });
    await waitForPage(`${blog.url}/posts/second`, 200, 'Second post');
    const createMs = Date.now() - t0;

    // Update.
    t0 = Date.now();
    await core.patchNamespacedConfigMap({
      namespace: ns,
      name: 'second',
      body: [{ op: 'replace', path: '/data/2024-05-03-second.md', value: postText('Second post, edited') }],
    });
    await waitForPage(`${blog.url}/posts/second`, 200, 'Second post, edited');
    const updateMs = Date.now() - t0;

    // Removing the label takes the post away, as the watch sees the object leave the selection.
    await core.patchNamespacedConfigMap({ namespace: ns, name: 'first', body: [{ op: 'remove', path: '/metadata/labels' }] });
    await waitForPage(`${blog.url}/posts/first`, 404);

    // Delete.
    t0 = Date.now();
    await core.deleteNamespacedConfigMap({ namespace: ns, name: 'second' });
    await waitForPage(`${blog.url}/posts/second`, 404);
    const deleteMs = Date.now() - t0;

    expect(createMs).toBeLessThan(2000);
    expect(updateMs).toBeLessThan(2000);
    expect(deleteMs).toBeLessThan(2000);
    expect(await metric(blog.opsUrl, 'kubeblog_kube_events_total{type="added"}')).toBe(2);
    expect(await metric(blog.opsUrl, 'kubeblog_kube_events_total{type="modified"}')).toBe(1);
    expect(await metric(blog.opsUrl, 'kubeblog_kube_events_total{type="deleted"}')).toBe(2);
    expect(await metric(blog.opsUrl, 'kubeblog_kube_objects')).toBe(0);
    expect(await metric(blog.opsUrl, 'kubeblog_kube_watch_up')).toBe(1);
    expect(await metric(blog.opsUrl, 'kubeblog_kube_watch_restarts_total')).toBe(0);
    const lastSync = await metric(blog.opsUrl, 'kubeblog_kube_last_sync_timestamp_seconds');
    expect(lastSync).toBeGreaterThan(Date.now() / 1000 - 60);
    // The kube metrics are as clean as the rest: promtool has nothing to say.
    expect(await promtoolCheckMetrics(await (await fetch(`${blog.opsUrl}/metrics`)).text())).toBe('');
    process.stdout.write(`kube source latency: create ${createMs} ms, update ${updateMs} ms, delete ${deleteMs} ms\n`);
  }, 60_000);

  it('keeps following a namespace that stays quiet past the client’s 30-s watch inactivity limit, without a warning', async () => {
    const ns = 'quiet';
    await createNamespace(core, ns);
    await core.createNamespacedConfigMap({ namespace: ns, body: postConfigMap('before', { '2024-05-10-before.md': postText('Before the quiet') }) });
    const blog = await blogIn(ns);
    // client-node 2.x ends a watch that has received nothing for 30 s and opens another from where it was.
    await new Promise((resolve) => setTimeout(resolve, 33_000));
    expect(blog.logs.lines.filter((l) => l.msg === 'watching ConfigMaps').length).toBeGreaterThanOrEqual(2);
    const t0 = Date.now();
    await core.createNamespacedConfigMap({ namespace: ns, body: postConfigMap('after', { '2024-05-11-after.md': postText('After the quiet') }) });
    await waitForPage(`${blog.url}/posts/after`, 200, 'After the quiet');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect((await get(`${blog.url}/posts/before`)).status).toBe(200);
    expect(await metric(blog.opsUrl, 'kubeblog_kube_watch_up')).toBe(1);
    expect(await metric(blog.opsUrl, 'kubeblog_kube_watch_restarts_total')).toBe(0);
    expect(blog.logs.lines.filter((l) => l.level === 'warn' || l.level === 'error').map((l) => l.msg)).toEqual([]);
  }, 60_000);

  it('applies a change atomically: readers see the old set of posts or the new one, never a mix', async () => {
    const ns = 'atomic';
    await createNamespace(core, ns);
    const oldSet = { '2024-06-01-a.md': postText('A'), '2024-06-02-b.md': postText('B'), '2024-06-03-c.md': postText('C') };
    const newSet = { '2024-06-04-d.md': postText('D'), '2024-06-05-e.md': postText('E'), '2024-06-06-f.md': postText('F') };
    await core.createNamespacedConfigMap({ namespace: ns, body: postConfigMap('issue', oldSet) });
    const blog = await blogIn(ns);
    const slugs = () => blog.blog.store.catalog().posts.map((p) => p.slug).sort().join(',');
    expect(slugs()).toBe('a,b,c');
    const seen: string[] = [];
    blog.blog.store.on('change', (catalog) => seen.push(catalog.posts.map((p) => p.slug).sort().join(',')));

    await core.replaceNamespacedConfigMap({ namespace: ns, name: 'issue', body: postConfigMap('issue', newSet) });
    await waitUntil('the new set of posts', async () => (slugs() === 'd,e,f' ? true : undefined));
    expect(seen).toEqual(['d,e,f']);
    for (const slug of ['d', 'e', 'f']) expect((await get(`${blog.url}/posts/${slug}`)).status).toBe(200);
    expect((await get(`${blog.url}/posts/a`)).status).toBe(404);
  }, 60_000);

  it('skips and reports a broken post, binaryData and an oversized ConfigMap while serving the rest', async () => {
    const ns = 'broken';
    await createNamespace(core, ns);
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: postConfigMap(
        'mixed',
        {
          '2024-07-01-good.md': postText('Good post'),
          '2024-07-02-broken.md': '---\ntitle: [unclosed\n---\nbody\n',
          'notes.md': 'a Markdown key without a date',
          'style.css': 'body {}',
        },
        { binaryData: { '2024-07-03-binary.md': Buffer.from('\u0000\u0001binary').toString('base64') } },
      ),
    });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: postConfigMap('huge', { '2024-07-04-huge.md': postText('Huge post', 'x'.repeat(5000)) }),
    });
    await core.createNamespacedConfigMap({ namespace: ns, body: postConfigMap('fine', { '2024-07-05-fine.md': postText('Fine post') }) });

    const blog = await blogIn(ns, { KUBE_MAX_CONFIGMAP_BYTES: '4096' });
    expect((await readyz(blog.opsUrl)).status).toBe(200);
    expect((await get(`${blog.url}/posts/good`)).body).toContain('Good post');
    expect((await get(`${blog.url}/posts/fine`)).body).toContain('Fine post');
    expect((await get(`${blog.url}/posts/broken`)).status).toBe(404);
    expect((await get(`${blog.url}/posts/binary`)).status).toBe(404);
    expect((await get(`${blog.url}/posts/huge`)).status).toBe(404);

    const skipped = blog.logs.lines.filter((l) => String(l.msg).startsWith('post skipped'));
    const byKey = (configMap: string, key: string | undefined) => skipped.find((l) => l.configMap === `${ns}/${configMap}` && l.key === key);
    expect(byKey('mixed', '2024-07-02-broken.md')).toMatchObject({ level: 'warn', reason: expect.stringContaining('front matter is not valid YAML') });
    expect(String(byKey('mixed', '2024-07-02-broken.md')?.msg)).toContain(`configmap/${ns}/mixed#2024-07-02-broken.md`);
    expect(byKey('mixed', 'notes.md')?.reason).toContain('file name is not YYYY-MM-DD-slug.md');
    expect(byKey('mixed', '2024-07-03-binary.md')?.reason).toContain('binaryData');
    expect(byKey('huge', undefined)?.reason).toMatch(/is \d+ bytes, over the limit of 4096 bytes/);
    expect(skipped).toHaveLength(4); // style.css is not a post and is ignored, as in a folder
    expect(await metric(blog.opsUrl, 'kubeblog_content_posts{state="invalid"}')).toBe(4);
    expect(await metric(blog.opsUrl, 'kubeblog_content_posts{state="published"}')).toBe(2);

    // Fixing the broken post serves it; the problem count goes down.
    await core.patchNamespacedConfigMap({
      namespace: ns,
      name: 'mixed',
      body: [{ op: 'replace', path: '/data/2024-07-02-broken.md', value: postText('Mended post') }],
    });
    await waitForPage(`${blog.url}/posts/broken`, 200, 'Mended post');
    expect(await metric(blog.opsUrl, 'kubeblog_content_posts{state="invalid"}')).toBe(3);
    expect((await get(`${blog.url}/posts/good`)).status).toBe(200);
  }, 60_000);
});

describe('URL conflicts', () => {
  it('the source listed first in CONTENT_SOURCES wins; the loser is logged and counted', async () => {
    const ns = 'conflict';
    await createNamespace(core, ns);
    await core.createNamespacedConfigMap({ namespace: ns, body: postConfigMap('shared', { '2024-03-01-shared.md': postText('From Kubernetes') }) });
    const folder = await PostsFolder.create({
      '2024-03-01-shared.md': postText('From the folder'),
      '2024-03-02-only-in-folder.md': postText('Folder only'),
    });
    try {
      const dirFirst = await blogIn(ns, { CONTENT_SOURCES: 'directory,kubernetes', POSTS_DIR: folder.dir });
      expect((await get(`${dirFirst.url}/posts/shared`)).body).toContain('From the folder');
      expect((await get(`${dirFirst.url}/posts/only-in-folder`)).status).toBe(200);
      expect(await metric(dirFirst.opsUrl, 'kubeblog_content_conflicts_total')).toBeGreaterThanOrEqual(1);
      const warning = dirFirst.logs.lines.find((l) => String(l.msg).includes('two files claim the URL "/posts/shared"'));
      expect(warning).toMatchObject({ winner: path.join(folder.dir, '2024-03-01-shared.md'), loser: `configmap/${ns}/shared#2024-03-01-shared.md` });

      const kubeFirst = await blogIn(ns, { CONTENT_SOURCES: 'kubernetes,directory', POSTS_DIR: folder.dir });
      expect((await get(`${kubeFirst.url}/posts/shared`)).body).toContain('From Kubernetes');
      expect(await metric(kubeFirst.opsUrl, 'kubeblog_content_conflicts_total')).toBeGreaterThanOrEqual(1);
      expect(kubeFirst.logs.lines.find((l) => String(l.msg).includes('two files claim the URL "/posts/shared"'))).toMatchObject({
        winner: `configmap/${ns}/shared#2024-03-01-shared.md`,
        loser: path.join(folder.dir, '2024-03-01-shared.md'),
      });
    } finally {
      await folder.remove();
    }
  }, 60_000);

  it('between two ConfigMaps the older one (creationTimestamp) wins, whatever the names', async () => {
    const ns = 'conflict-age';
    await createNamespace(core, ns);
    const older = await core.createNamespacedConfigMap({ namespace: ns, body: postConfigMap('zz-older', { '2024-03-01-same.md': postText('Older claim') }) });
    // creationTimestamp has one-second resolution: create the newer one until it is really newer.
    await waitUntil('a ConfigMap created a second later', async () => {
      const newer = await core.createNamespacedConfigMap({ namespace: ns, body: postConfigMap('aa-newer', { '2024-03-01-same.md': postText('Newer claim') }) });
      if (newer.metadata!.creationTimestamp!.getTime() > older.metadata!.creationTimestamp!.getTime()) return true;
      await core.deleteNamespacedConfigMap({ namespace: ns, name: 'aa-newer' });
      await new Promise((r) => setTimeout(r, 100));
      return undefined;
    }, 5000);
    const blog = await blogIn(ns);
    expect((await get(`${blog.url}/posts/same`)).body).toContain('Older claim');
    expect(await metric(blog.opsUrl, 'kubeblog_content_conflicts_total')).toBeGreaterThanOrEqual(1);
    // The older one goes: the newer claim takes over.
    await core.deleteNamespacedConfigMap({ namespace: ns, name: 'zz-older' });
    await waitForPage(`${blog.url}/posts/same`, 200, 'Newer claim');
  }, 60_000);
});

describe('resilience', () => {
  it('readiness waits for the first complete list, then an API outage keeps the posts and readiness; changes made after the restart arrive', async () => {
    const ns = 'outage';
    await createNamespace(core, ns);
    await core.createNamespacedConfigMap({ namespace: ns, body: postConfigMap('steady', { '2024-08-01-steady.md': postText('Steady post') }) });

    // Start while the API server is down: the blog answers, but is not ready.
    await cp.stopApiServer();
    const blog = await startKubeBlog(
      { CONTENT_SOURCES: 'kubernetes', KUBECONFIG: cp.kubeconfigPath, KUBE_NAMESPACE: ns, KUBE_SYNC_TIMEOUT_SECONDS: '0' },
      { wait: false },
    );
    blogs.push(blog);
    await waitUntil('a failed first list', async () => ((await metric(blog.opsUrl, 'kubeblog_kube_watch_restarts_total')) ?? 0) >= 1 || undefined);
    const notReady = await readyz(blog.opsUrl);
    expect(notReady.status).toBe(503);
    expect(JSON.stringify(notReady.body)).toContain('content not loaded yet from: kubernetes');
    await cp.startApiServer();
    await blog.started;
    expect((await readyz(blog.opsUrl)).status).toBe(200);
    expect((await get(`${blog.url}/posts/steady`)).body).toContain('Steady post');

    // An outage after the first list: posts and readiness stay.
    const restartsBefore = (await metric(blog.opsUrl, 'kubeblog_kube_watch_restarts_total')) ?? 0;
    await cp.stopApiServer();
    await waitUntil('the blog to notice the outage', async () => ((await metric(blog.opsUrl, 'kubeblog_kube_watch_up')) === 0 ? true : undefined));
    for (let i = 0; i < 3; i++) {
      expect((await readyz(blog.opsUrl)).status).toBe(200);
      expect((await get(`${blog.url}/posts/steady`)).status).toBe(200);
      // Keep serving while the source retries (each failure is counted).
      const restarts = (await metric(blog.opsUrl, 'kubeblog_kube_watch_restarts_total')) ?? 0;
      await waitUntil('another failed retry', async () => (((await metric(blog.opsUrl, 'kubeblog_kube_watch_restarts_total')) ?? 0) > restarts ? true : undefined));
    }
    expect(blog.logs.lines.some((l) => l.level === 'warn' && String(l.msg).includes('serving the last good posts'))).toBe(true);
    // The log says why and where: the address refused, not just "fetch failed".
    const port = new URL(cp.server).port;
    expect(blog.logs.lines.some((l) => l.level === 'warn' && String(l.msg).includes(`failed (connect ECONNREFUSED 127.0.0.1:${port})`))).toBe(true);
    expect(await metric(blog.opsUrl, 'kubeblog_content_reloads_total{source="kubernetes",result="failure"}')).toBeGreaterThanOrEqual(3);

    await cp.startApiServer();
    await core.createNamespacedConfigMap({ namespace: ns, body: postConfigMap('after', { '2024-08-02-after.md': postText('Written after the restart') }) });
    await core.patchNamespacedConfigMap({
      namespace: ns,
      name: 'steady',
      body: [{ op: 'replace', path: '/data/2024-08-01-steady.md', value: postText('Steady post, edited after the restart') }],
    });
    await waitForPage(`${blog.url}/posts/after`, 200, 'Written after the restart', 30_000);
    await waitForPage(`${blog.url}/posts/steady`, 200, 'Steady post, edited after the restart', 30_000);
    await waitUntil('the watch to be up again', async () => ((await metric(blog.opsUrl, 'kubeblog_kube_watch_up')) === 1 ? true : undefined));
    expect(await metric(blog.opsUrl, 'kubeblog_kube_watch_restarts_total')).toBeGreaterThan(restartsBefore);
    expect(blog.logs.lines.some((l) => String(l.msg).includes('Kubernetes API reachable again'))).toBe(true);
    expect((await readyz(blog.opsUrl)).status).toBe(200);
  }, 180_000);

  it('a watch whose resourceVersion expired (410 Gone) relists: changes missed meanwhile, deletions included, are applied', async () => {
    const ns = 'expire';
    await createNamespace(core, ns);
    for (const name of ['keep', 'edit', 'drop']) {
      await core.createNamespacedConfigMap({ namespace: ns, body: postConfigMap(name, { [`2024-09-01-${name}.md`]: postText(`Post ${name}`) }) });
    }
    // The blog reaches the API server through a proxy, so it can miss changes others make directly.
    const proxy = await TcpProxy.start(Number(new URL(cp.server).port));
    try {
      const kubeconfig = kubeconfigVia(cp.kubeconfigPath, proxy.port, path.join(scratch, 'via-proxy.kubeconfig'));
      const blog = await blogIn(ns, { KUBECONFIG: kubeconfig });
      expect((await get(`${blog.url}/posts/drop`)).status).toBe(200);

      proxy.cut();
      await waitUntil('the blog to lose its watch', async () => ((await metric(blog.opsUrl, 'kubeblog_kube_watch_up')) === 0 ? true : undefined));
      // Changes the blog cannot see.
      await core.deleteNamespacedConfigMap({ namespace: ns, name: 'drop' });
      await core.patchNamespacedConfigMap({
        namespace: ns,
        name: 'edit',
        body: [{ op: 'replace', path: '/data/2024-09-01-edit.md', value: postText('Post edit, changed while cut off') }],
      });
      await core.createNamespacedConfigMap({ namespace: ns, body: postConfigMap('new', { '2024-09-02-new.md': postText('Post new') }) });
      // Expire every resourceVersion the blog knows: stop the API server, compact etcd, start it again.
      await cp.stopApiServer();
      await cp.compactEtcd();
      await cp.startApiServer();
      expect((await get(`${blog.url}/posts/drop`)).status).toBe(200); // still the last good set
      proxy.heal();

      await waitForPage(`${blog.url}/posts/drop`, 404, undefined, 30_000);
      await waitForPage(`${blog.url}/posts/edit`, 200, 'Post edit, changed while cut off');
      await waitForPage(`${blog.url}/posts/new`, 200, 'Post new');
      expect((await get(`${blog.url}/posts/keep`)).status).toBe(200);
      expect(blog.logs.lines.some((l) => String(l.msg).includes('relisting ConfigMaps: the watch position expired (410 Gone)'))).toBe(true);
      const api = JSON.parse((await get(`${blog.url}/api/posts`)).body) as { posts: Array<{ slug: string }> };
      expect(api.posts.map((p) => p.slug).sort()).toEqual(['edit', 'keep', 'new']);

      // And the new watch works.
      await core.createNamespacedConfigMap({ namespace: ns, body: postConfigMap('later', { '2024-09-03-later.md': postText('Post later') }) });
      await waitForPage(`${blog.url}/posts/later`, 200, 'Post later');
      expect((await readyz(blog.opsUrl)).status).toBe(200);
    } finally {
      await proxy.close();
    }
  }, 180_000);

  it('start-up gives up with a clear reason when the first list never succeeds within KUBE_SYNC_TIMEOUT_SECONDS', async () => {
    const proxy = await TcpProxy.start(Number(new URL(cp.server).port));
    proxy.cut();
    try {
      const kubeconfig = kubeconfigVia(cp.kubeconfigPath, proxy.port, path.join(scratch, 'unreachable.kubeconfig'));
      const t0 = Date.now();
      await expect(
        startKubeBlog({ CONTENT_SOURCES: 'kubernetes', KUBECONFIG: kubeconfig, KUBE_NAMESPACE: 'default', KUBE_SYNC_TIMEOUT_SECONDS: '2' }),
      ).rejects.toThrow(/no complete list of ConfigMaps in namespace "default" within 2 s \(KUBE_SYNC_TIMEOUT_SECONDS\); last error: .*(ECONNRESET|socket hang up)/);
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      await proxy.close();
    }
  }, 30_000);

  it('a missing kubeconfig stops start-up with a message naming it', async () => {
    const missing = path.join(scratch, 'no-such.kubeconfig');
    await expect(startKubeBlog({ CONTENT_SOURCES: 'kubernetes', KUBECONFIG: missing })).rejects.toThrow(
      `CONTENT_SOURCES includes kubernetes, but KUBECONFIG names ${missing}, which does not exist`,
    );
  });
});

describe('the entry point, as `npm start` and the image run it', () => {
  it('with kubernetes in CONTENT_SOURCES, loads the Kubernetes client and serves posts from ConfigMaps next to the posts folder', async () => {
    const ns = 'process';
    await createNamespace(core, ns);
    await core.createNamespacedConfigMap({ namespace: ns, body: postConfigMap('from-api', { '2024-06-01-from-api.md': postText('Post from the API') }) });
    const folder = await PostsFolder.create({ '2024-06-02-from-folder.md': postText('Post from the folder') });
    const proc = await startBlogProcess({
      CONTENT_SOURCES: 'directory,kubernetes',
      POSTS_DIR: folder.dir,
      KUBECONFIG: cp.kubeconfigPath,
      KUBE_NAMESPACE: ns,
      SHUTDOWN_DELAY_SECONDS: '0',
    });
    try {
      expect((await get(`${proc.url}/posts/from-api`)).body).toContain('Post from the API');
      expect((await get(`${proc.url}/posts/from-folder`)).body).toContain('Post from the folder');
      await core.createNamespacedConfigMap({ namespace: ns, body: postConfigMap('later', { '2024-06-03-later.md': postText('Post added later') }) });
      await waitForPage(`${proc.url}/posts/later`, 200, 'Post added later');
    } finally {
      proc.child.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);
      await folder.remove();
    }
  });
});
