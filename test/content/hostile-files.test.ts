import { afterEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { startTestBlog, type TestBlog } from '../support/blog.js';
import { post } from '../support/posts.js';
import { type BlogProcess, startBlogProcess } from '../support/process.js';
import { within } from '../support/wait.js';

let root: string;
let dir: string;
let running: TestBlog | undefined;
let proc: BlogProcess | undefined;

async function makeFolder(): Promise<void> {
  root = await mkdtemp(path.join(tmpdir(), 'kubeblog-hostile-'));
  dir = path.join(root, 'posts');
  await mkdir(dir);
  await writeFile(path.join(dir, '2020-01-01-good.md'), post({ title: 'Good' }, 'A good post.'));
}

afterEach(async () => {
  await running?.stop();
  running = undefined;
  if (proc) {
    proc.child.kill('SIGKILL');
    await proc.exited;
    proc = undefined;
  }
  await rm(root, { recursive: true, force: true });
});

async function titles(url: string): Promise<string[]> {
  const res = await fetch(`${url}/api/posts`);
  return ((await res.json()) as { posts: Array<{ title: string }> }).posts.map((p) => p.title);
}

/** Everything a reader can get that lists or shows post text. */
async function everythingPublic(url: string): Promise<string> {
  const paths = ['/', '/api/posts', '/feed.xml', '/feed.json', '/sitemap.xml', '/archive', '/tags'];
  const bodies = await Promise.all(paths.map(async (p) => (await fetch(`${url}${p}`)).text()));
  return bodies.join('\n');
}

describe('a posts folder several people can write to', () => {
  it('serves no file a symlink leads to outside the folder, and says which and why', async () => {
    await makeFolder();
    await writeFile(path.join(root, 'secret.md'), post({ title: 'Secret' }, 'The secret outside the folder.'));
    await symlink('/etc/passwd', path.join(dir, '2020-01-02-passwd.md'));
    await symlink('../secret.md', path.join(dir, '2020-01-03-secret.md'));
    await symlink('/proc/self/status', path.join(dir, '2020-01-04-status.md'));
    running = await startTestBlog({ POSTS_DIR: dir });

    expect(await titles(running.url)).toEqual(['Good']);
    for (const slug of ['passwd', 'secret', 'status']) await request(running.url).get(`/posts/${slug}`).expect(404);
    const everything = await everythingPublic(running.url);
    expect(everything).toContain('Good');
    expect(everything).not.toMatch(/root:x:0:0|secret outside|VmRSS|TracerPid/);

    for (const [name, target] of [
      ['2020-01-02-passwd.md', '/etc/passwd'],
      ['2020-01-03-secret.md', path.join(root, 'secret.md')],
      ['2020-01-04-status.md', '/proc/'],
    ] as const) {
      const line = running.logs.lines.find((l) => l.file === path.join(dir, name));
      expect(String(line?.reason)).toContain(`leads to "${target}`);
      expect(String(line?.reason)).toContain(`outside the posts folder "${dir}"; not read`);
    }
    expect(running.blog.store.counts().invalid).toBe(3);
  });

  it('refuses a post over POST_MAX_BYTES from its size, naming the setting, and serves the rest', async () => {
    await makeFolder();
    await writeFile(path.join(dir, '2020-01-02-huge.md'), post({ title: 'Huge' }, 'word '.repeat(10_000_000)));
    running = await startTestBlog({ POSTS_DIR: dir });

    expect(await titles(running.url)).toEqual(['Good']);
    await request(running.url).get('/posts/huge').expect(404);
    const line = running.logs.lines.find((l) => l.file === path.join(dir, '2020-01-02-huge.md'));
    expect(line?.reason).toBe('is 50000021 bytes, over the limit of 1048576 bytes (POST_MAX_BYTES); not read');
  });

  it('starts and reloads with FIFOs named like posts, which it never opens', async () => {
    await makeFolder();
    execFileSync('mkfifo', [path.join(dir, 'x.md')]);
    proc = await startBlogProcess({ POSTS_DIR: dir, WATCH_POLL_SECONDS: '0', SHUTDOWN_DELAY_SECONDS: '0' });
    for (const port of [proc.port, proc.metricsPort]) expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect(await titles(proc.url)).toEqual(['Good']);

    execFileSync('mkfifo', [path.join(dir, '2020-01-02-pipe.md')]);
    await writeFile(path.join(dir, '2020-01-03-after.md'), post({ title: 'After' }, 'Written after start-up.'));
    await within(5000, async () => (await titles(proc!.url)).includes('After'));
    for (const port of [proc.port, proc.metricsPort]) expect((await fetch(`http://127.0.0.1:${port}/livez`)).status).toBe(200);

    const refused = proc
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => String(l.reason).startsWith('is not a regular file (a FIFO)'))
      .map((l) => path.basename(String(l.file)));
    expect(refused.sort()).toEqual(['2020-01-02-pipe.md', 'x.md']);
  });
});
