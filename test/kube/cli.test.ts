// The `kubeblog` command (package.json "bin"), run as a child process against a real API server, with
// a blog reading the same namespace: publish -> a reader sees the post; retract -> it is gone; invalid
// files send nothing; clear one-line errors.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { grantConfigMapRead, startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { repoRoot } from '../support/helm.js';
import { freePort } from '../support/process.js';
import { createNamespace, get, postText, startKubeBlog, waitForPage, type KubeBlog } from './kube-support.js';

const NS = 'authors';
let cp: ControlPlane;
let core: CoreV1Api;
let blog: KubeBlog;
let dir: string;
let emptyHome: string;

/** The compiled CLI, found through package.json "bin" as npm would link it. */
const cliPath = (() => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  return path.join(repoRoot, pkg.bin.kubeblog!);
})();

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kubeblog(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliPath, ...args],
      { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: emptyHome, KUBECONFIG: cp.kubeconfigPath, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function writePost(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function postConfigMaps(): Promise<string[]> {
  const list = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'kubeblog.dev/post' });
  return list.items.map((cm) => cm.metadata!.name!).sort();
}

beforeAll(async () => {
  cp = await startControlPlane();
  core = cp.kubeConfig.makeApiClient(CoreV1Api);
  await createNamespace(core, NS);
  dir = mkdtempSync(path.join(tmpdir(), 'kubeblog-cli-'));
  emptyHome = mkdtempSync(path.join(tmpdir(), 'kubeblog-cli-home-'));
  blog = await startKubeBlog({ CONTENT_SOURCES: 'kubernetes', KUBECONFIG: cp.kubeconfigPath, KUBE_NAMESPACE: NS });
}, 45 * 60_000);

afterAll(async () => {
  await blog?.stop();
  await cp?.stop();
  for (const d of [dir, emptyHome]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('kubeblog publish / list / retract', () => {
  it('publish creates one ConfigMap per post with server-side apply, and readers see the posts', async () => {
    const hello = writePost('2024-05-01-hello.md', postText('Hello from the CLI', 'Published with **kubeblog publish**.'));
    const odd = writePost('2024-05-02-Odd_Name.md', postText('An odd slug'));
    const run = await kubeblog(['publish', hello, odd, '--namespace', NS]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`published hello: configmap/${NS}/post-hello#2024-05-01-hello.md`);

    const page = await waitForPage(`${blog.url}/posts/hello`, 200, 'Hello from the CLI');
    expect(page.body).toContain('<strong>kubeblog publish</strong>');
    await waitForPage(`${blog.url}/posts/Odd_Name`, 200, 'An odd slug');

    const cm = await core.readNamespacedConfigMap({ namespace: NS, name: 'post-hello' });
    expect(cm.metadata?.labels?.['kubeblog.dev/post']).toBe('hello');
    expect(Object.keys(cm.data ?? {})).toEqual(['2024-05-01-hello.md']);
    expect(cm.data?.['2024-05-01-hello.md']).toBe(readFileSync(hello, 'utf8'));
    expect(cm.metadata?.managedFields?.map((f) => [f.manager, f.operation])).toEqual([['kubeblog', 'Apply']]);
    // A slug that is not a DNS name gets a cleaned-up ConfigMap name that cannot collide.
    const names = await postConfigMaps();
    expect(names).toHaveLength(2);
    expect(names.find((n) => n !== 'post-hello')).toMatch(/^post-odd-name-[0-9a-f]{8}$/);
  }, 60_000);

  it('publishing again updates the post in place; a renamed file replaces the old key', async () => {
    const renamed = writePost('2024-05-03-hello.md', postText('Hello, revised'));
    const run = await kubeblog(['publish', renamed], { KUBE_NAMESPACE: NS });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`updated hello: configmap/${NS}/post-hello#2024-05-03-hello.md`);
    await waitForPage(`${blog.url}/posts/hello`, 200, 'Hello, revised');
    const cm = await core.readNamespacedConfigMap({ namespace: NS, name: 'post-hello' });
    expect(Object.keys(cm.data ?? {})).toEqual(['2024-05-03-hello.md']);
  }, 60_000);

  it('list shows the posts in the namespace', async () => {
    const run = await kubeblog(['list', '-n', NS]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^DATE\s+SLUG\s+STATE\s+CONFIGMAP\s+TITLE$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^2024-05-03\s+hello\s+published\s+post-hello#2024-05-03-hello\.md\s+Hello, revised$/),
      expect.stringMatching(/^2024-05-02\s+Odd_Name\s+published\s+post-odd-name-[0-9a-f]{8}#2024-05-02-Odd_Name\.md\s+An odd slug$/),
    ]);
  });

  it('retract deletes the post, and readers no longer see it; retracting it again fails clearly', async () => {
    const run = await kubeblog(['retract', 'hello', '-n', NS]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`retracted hello: deleted configmap/${NS}/post-hello\n`);
    await waitForPage(`${blog.url}/posts/hello`, 404);
    expect(await postConfigMaps()).not.toContain('post-hello');

    const again = await kubeblog(['retract', 'hello', '-n', NS]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`kubeblog: no post "hello" in namespace "${NS}" (no ConfigMap post-hello)\n`);
  }, 60_000);

  it('publish sends nothing when any file is not a valid post, and names each file and its problem', async () => {
    const before = await postConfigMaps();
    const good = writePost('2024-06-01-good.md', postText('Good'));
    const broken = writePost('2024-06-02-broken.md', '---\ntitle: [unclosed\n---\nText\n');
    const notPost = writePost('notes.md', 'just notes');
    const binary = writePost('2024-06-03-binary.md', '\u0000binary');
    const run = await kubeblog(['publish', good, broken, notPost, binary, path.join(dir, 'missing.md'), '-n', NS]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^kubeblog: ${broken}: front matter is not valid YAML: `)),
      `kubeblog: ${notPost}: file name is not YYYY-MM-DD-slug.md (or .markdown), as Jekyll names posts`,
      `kubeblog: ${binary}: contains binary data (NUL bytes), not a Markdown text file`,
      `kubeblog: ${path.join(dir, 'missing.md')}: cannot read: no such file`,
      'kubeblog: nothing published (4 problems)',
    ]);
    // Nothing reached the API server: not even the valid post.
    expect(await postConfigMaps()).toEqual(before);
    expect((await get(`${blog.url}/posts/good`)).status).toBe(404);
  });

  it('two files with the same slug are refused before anything is sent', async () => {
    const a = writePost('2024-06-04-twin.md', postText('Twin A'));
    const b = writePost('2024-06-05-twin.markdown', postText('Twin B'));
    const run = await kubeblog(['publish', a, b, '-n', NS]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`kubeblog: ${b}: has the same slug "twin" as ${a}; publish one of them`);
    expect(await postConfigMaps()).not.toContain('post-twin');
  });
});

describe('kubeblog errors', () => {
  it('--help prints the usage and exits 0; wrong usage exits 2 with one line', async () => {
    const help = await kubeblog(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: kubeblog <command> \[options\]/);
    for (const command of ['publish FILE...', 'retract SLUG...', 'list']) expect(help.stdout).toContain(command);

    const unknownOption = await kubeblog(['publish', '--frobnicate', 'x.md']);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toBe("kubeblog: Unknown option '--frobnicate' (kubeblog --help)\n");
    const unknownCommand = await kubeblog(['promote']);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr.trimEnd().split('\n')).toHaveLength(1);
    const noFiles = await kubeblog(['publish']);
    expect(noFiles.code).toBe(2);
    expect(noFiles.stderr).toBe('kubeblog: publish needs at least one FILE (kubeblog --help)\n');
  });

  it('a missing kubeconfig is one clear line', async () => {
    const missing = path.join(dir, 'nope.kubeconfig');
    const named = await kubeblog(['list'], { KUBECONFIG: missing });
    expect(named.code).toBe(1);
    expect(named.stderr).toBe(`kubeblog: KUBECONFIG names ${missing}, which does not exist\n`);

    const none = await kubeblog(['list'], { KUBECONFIG: '' });
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(
      `kubeblog: no Kubernetes configuration found: KUBECONFIG is not set, ${path.join(emptyHome, '.kube', 'config')} does not exist, and no ServiceAccount token is mounted at /var/run/secrets/kubernetes.io/serviceaccount\n`,
    );
  });

  it('forbidden says which verb on which resource in which namespace', async () => {
    // A reader with the chart's rules (get/list/watch on configmaps) may list but not publish or retract.
    await grantConfigMapRead(cp.kubeConfig, NS, 'reader');
    const reader = await cp.serviceAccountKubeconfig(NS, 'reader');
    const file = writePost('2024-07-01-forbidden.md', postText('Not allowed'));

    const publish = await kubeblog(['publish', file], { KUBECONFIG: reader });
    expect(publish.code).toBe(1);
    expect(publish.stderr).toMatch(
      new RegExp(`^kubeblog: forbidden: not allowed to patch configmaps in namespace "${NS}" \\(.*cannot patch resource "configmaps".*\\)\\n$`),
    );
    expect(await postConfigMaps()).not.toContain('post-forbidden');

    const retract = await kubeblog(['retract', 'Odd_Name'], { KUBECONFIG: reader });
    expect(retract.code).toBe(1);
    expect(retract.stderr).toMatch(new RegExp(`^kubeblog: forbidden: not allowed to delete configmaps in namespace "${NS}" \\(.*\\)\\n$`));

    const list = await kubeblog(['list'], { KUBECONFIG: reader });
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('Odd_Name');

    const elsewhere = await kubeblog(['list', '-n', 'default'], { KUBECONFIG: reader });
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toMatch(/^kubeblog: forbidden: not allowed to list configmaps in namespace "default" \(.*\)\n$/);
  }, 60_000);

  it('a namespace that does not exist is one clear line', async () => {
    const file = writePost('2024-07-02-nowhere.md', postText('Nowhere'));
    const run = await kubeblog(['publish', file, '--namespace', 'no-such-namespace']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('kubeblog: namespace "no-such-namespace" does not exist\n');
  });

  it('an unreachable API server is one clear line', async () => {
    // A port nothing listens on. (Not port 1: fetch, which client-node 2.x uses, refuses it as a "bad port".)
    const server = `https://127.0.0.1:${await freePort()}`;
    const kubeconfig = JSON.parse(readFileSync(cp.kubeconfigPath, 'utf8')) as { clusters: Array<{ cluster: { server: string } }> };
    kubeconfig.clusters[0]!.cluster.server = server;
    const file = path.join(dir, 'unreachable.kubeconfig');
    writeFileSync(file, JSON.stringify(kubeconfig));
    const run = await kubeblog(['list'], { KUBECONFIG: file });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`kubeblog: cannot reach the Kubernetes API server at ${server} (ECONNREFUSED); kubeconfig: ${file}\n`);
  });
});
