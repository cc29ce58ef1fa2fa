import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { ContentStore } from '../../src/content/store.js';
import { startTestBlog, type TestBlog } from '../support/blog.js';
import { post } from '../support/posts.js';
import { startBlogProcess } from '../support/process.js';
import { within } from '../support/wait.js';

let root: string;
let running: TestBlog | undefined;

type Reload = { result: string; changed: boolean };

/** The next reload of the store that matches, failing after a bound; `cancel` drops an unneeded wait. */
function awaitReload(store: ContentStore, want: (e: Reload) => boolean = (e) => e.changed): { done: Promise<void>; cancel(): void } {
  let cancel = () => {};
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      store.off('reload', listener);
      reject(new Error('no reload within 10 s'));
    }, 10_000);
    function listener(event: Reload) {
      if (!want(event)) return;
      cancel();
      resolve();
    }
    cancel = () => {
      clearTimeout(timer);
      store.off('reload', listener);
    };
    store.on('reload', listener);
  });
  return { done, cancel };
}

function nextReload(store: ContentStore, want?: (e: Reload) => boolean): Promise<void> {
  return awaitReload(store, want).done;
}

/** kubeblog_content_source_up of the directory source, as Prometheus would scrape it. */
async function sourceUp(t: TestBlog): Promise<number> {
  const exposition = (await request(t.blog.opsApp).get('/metrics').expect(200)).text;
  return Number(/^kubeblog_content_source_up\{source="directory"\} (\d+)$/m.exec(exposition)?.[1]);
}

async function titles(t: TestBlog): Promise<string[]> {
  const res = await request(t.url).get('/api/posts').expect(200);
  return (res.body as { posts: Array<{ title: string }> }).posts.map((p) => p.title);
}

/** Waits, reload by reload, until readers see these titles; a swap may arrive as several file events. */
async function untilTitles(t: TestBlog, expected: string[]): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const reload = awaitReload(t.blog.store, () => true);
    if ((await titles(t)).join('\n') === expected.join('\n')) {
      reload.cancel();
      return;
    }
    await reload.done;
  }
  expect(await titles(t)).toEqual(expected);
}

afterEach(async () => {
  await running?.stop();
  running = undefined;
  await rm(root, { recursive: true, force: true });
});

describe('watching a posts folder', () => {
  it('serves added, edited and removed posts without a restart', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kubeblog-watch-'));
    await writeFile(path.join(root, '2020-01-01-one.md'), post({ title: 'One' }, 'x'));
    running = await startTestBlog({ POSTS_DIR: root });
    const store = running.blog.store;
    expect(await titles(running)).toEqual(['One']);

    let changed = nextReload(store);
    await writeFile(path.join(root, '2020-02-01-two.md'), post({ title: 'Two' }, 'y'));
    await changed;
    expect(await titles(running)).toEqual(['Two', 'One']);

    changed = nextReload(store);
    await writeFile(path.join(root, '2020-01-01-one.md'), post({ title: 'One, edited' }, 'x'));
    await changed;
    expect(await titles(running)).toEqual(['Two', 'One, edited']);
    await request(running.url).get('/posts/one').expect(200).expect(/One, edited/);

    changed = nextReload(store);
    await unlink(path.join(root, '2020-02-01-two.md'));
    await changed;
    expect(await titles(running)).toEqual(['One, edited']);
    await request(running.url).get('/posts/two').expect(404);
  });

  it('shows reading time and word count from the post file, and the new ones after an edit', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kubeblog-watch-'));
    const file = path.join(root, '2020-01-01-long.md');
    await writeFile(file, post({ title: 'Long' }, 'word '.repeat(1100)));
    running = await startTestBlog({ POSTS_DIR: root });
    await request(running.url).get('/').expect(200).expect(/5 min read/);
    await request(running.url).get('/posts/long').expect(200).expect(/5 min read/).expect(/"wordCount":1100[,}]/);

    const changed = nextReload(running.blog.store);
    await writeFile(file, post({ title: 'Long' }, 'word '.repeat(2200)));
    await changed;
    await request(running.url).get('/').expect(200).expect(/10 min read/);
    await request(running.url).get('/posts/long').expect(200).expect(/10 min read/).expect(/"wordCount":2200[,}]/);
  });

  it('keeps serving the last good version of a post an edit broke, counted invalid, until it is fixed or deleted', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kubeblog-watch-'));
    const file = path.join(root, '2020-01-02-two.md');
    await writeFile(path.join(root, '2020-01-01-one.md'), post({ title: 'One' }, 'x'));
    await writeFile(file, post({ title: 'Two' }, 'The first version of two.'));
    running = await startTestBlog({ POSTS_DIR: root });
    const store = running.blog.store;

    let changed = nextReload(store);
    await writeFile(file, '---\ntitle: [broken\n---\nThe broken version of two.\n');
    await changed;
    expect(await titles(running)).toEqual(['Two', 'One']);
    const page = await request(running.url).get('/posts/two').expect(200);
    expect(page.text).toContain('The first version of two.');
    expect(page.text).not.toContain('broken version');
    const metrics = await request(running.blog.opsApp).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^kubeblog_content_posts\{state="invalid"\} 1$/m);
    const logged = running.logs.lines.find((l) => l.file === file);
    expect(logged?.msg).toMatch(/^post broken, serving its last good version: .*front matter is not valid YAML/);

    changed = nextReload(store);
    await writeFile(file, post({ title: 'Two, fixed' }, 'The fixed version of two.'));
    await changed;
    expect(await titles(running)).toEqual(['Two, fixed', 'One']);
    await request(running.url).get('/posts/two').expect(200).expect(/The fixed version of two/);
    expect(store.counts().invalid).toBe(0);

    changed = nextReload(store);
    await writeFile(file, '---\ntitle: [broken again\n---\n');
    await changed;
    changed = nextReload(store);
    await unlink(file);
    await changed;
    expect(await titles(running)).toEqual(['One']);
    await request(running.url).get('/posts/two').expect(404);
  });

  it('is not ready while the folder is gone, serving its last posts, and follows the folder made again', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kubeblog-watch-'));
    const dir = path.join(root, 'posts');
    await mkdir(dir);
    await writeFile(path.join(dir, '2020-01-01-one.md'), post({ title: 'One' }, 'The body of one.'));
    await writeFile(path.join(dir, '2020-01-02-two.md'), post({ title: 'Two' }, 'The body of two.'));
    running = await startTestBlog({ POSTS_DIR: dir });
    const t = running;

    const failed = nextReload(t.blog.store, (e) => e.result === 'failure');
    await rm(dir, { recursive: true });
    await failed;
    const notReady = await request(t.url).get('/readyz').expect(503);
    expect((notReady.body as { reasons: string[] }).reasons).toEqual([
      `content source directory cannot be read (posts folder "${dir}" cannot be read: ENOENT); its last good posts are still served`,
    ]);
    expect(await sourceUp(t)).toBe(0);
    expect(t.logs.lines.find((l) => l.level === 'error')?.msg).toBe(
      `posts folder "${dir}" cannot be read: ENOENT; serving its last 2 good posts, not ready until it can be read again`,
    );
    expect(await titles(t)).toEqual(['Two', 'One']);
    await request(t.url).get('/posts/one').expect(200).expect(/The body of one/);
    await request(t.url).get('/posts/two').expect(200).expect(/The body of two/);

    await mkdir(dir);
    await writeFile(path.join(dir, '2020-01-03-three.md'), post({ title: 'Three' }, 'x'));
    await within(5000, async () => (await titles(t)).join() === 'Three');
    await request(t.url).get('/readyz').expect(200);
    expect(await sourceUp(t)).toBe(1);

    // Watched again: with WATCH_POLL_SECONDS=0 nothing else would see this post.
    await writeFile(path.join(dir, '2020-01-04-four.md'), post({ title: 'Four' }, 'x'));
    await within(3000, async () => (await titles(t)).join() === 'Four,Three');
  });

  it('follows a posts folder swapped for another by renames', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kubeblog-watch-'));
    const dir = path.join(root, 'posts');
    await mkdir(dir);
    await writeFile(path.join(dir, '2020-01-01-old.md'), post({ title: 'Old' }, 'x'));
    running = await startTestBlog({ POSTS_DIR: dir });
    const t = running;

    await mkdir(path.join(root, 'posts.new'));
    await writeFile(path.join(root, 'posts.new', '2020-01-02-new.md'), post({ title: 'New' }, 'x'));
    await rename(dir, path.join(root, 'posts.old'));
    await rename(path.join(root, 'posts.new'), dir);
    await within(5000, async () => (await titles(t)).join() === 'New');

    await writeFile(path.join(dir, '2020-01-03-newer.md'), post({ title: 'Newer' }, 'x'));
    await within(3000, async () => (await titles(t)).join() === 'Newer,New');
    await request(t.url).get('/readyz').expect(200);
  });

  it('shows a new post within about a second while another file is written every 20 ms', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kubeblog-watch-'));
    const busy = path.join(root, '2020-01-01-busy.md');
    await writeFile(busy, post({ title: 'Busy' }, 'version 0'));
    // Real processes: in this one, a pause of the event loop (shared with the test) lets a debounce timer
    // run out however often the file is written.
    const blog = await startBlogProcess({ POSTS_DIR: root, WATCH_POLL_SECONDS: '0', SHUTDOWN_DELAY_SECONDS: '0' });
    const writer = spawn(
      process.execPath,
      ['-e', 'let n = 0; setInterval(() => require("fs").writeFileSync(process.argv[1], `---\\ntitle: Busy\\n---\\nversion ${++n}\\n`), 20)', busy],
      { stdio: 'ignore' },
    );
    const served = async () => ((await (await fetch(`${blog.url}/api/posts`)).json()) as { posts: Array<{ title: string }> }).posts.map((p) => p.title);
    try {
      await within(5000, async () => /version [1-9]\d/.test(await readFile(busy, 'utf8')));
      const written = Date.now();
      await writeFile(path.join(root, '2020-01-02-new.md'), post({ title: 'New' }, 'x'));
      await within(3000, async () => (await served()).includes('New'));
      expect(Date.now() - written).toBeLessThan(1500);
    } finally {
      writer.kill();
      blog.child.kill('SIGKILL');
      await blog.exited;
    }
  });

  it('follows a Kubernetes ConfigMap volume, whose ..data symlink is swapped atomically', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kubeblog-configmap-'));
    const volume = path.join(root, 'posts');
    await mkdir(path.join(volume, '..2024_05_01_v1'), { recursive: true });
    await writeFile(path.join(volume, '..2024_05_01_v1', '2024-05-01-hello.md'), post({ title: 'Hello v1' }, 'x'));
    await symlink('..2024_05_01_v1', path.join(volume, '..data'));
    await symlink('..data/2024-05-01-hello.md', path.join(volume, '2024-05-01-hello.md'));
    running = await startTestBlog({ POSTS_DIR: volume });
    expect(await titles(running)).toEqual(['Hello v1']);

    // What the kubelet's atomic writer does: a new timestamped folder, a new ..data link renamed over the old.
    const changed = nextReload(running.blog.store);
    await mkdir(path.join(volume, '..2024_05_02_v2'));
    await writeFile(path.join(volume, '..2024_05_02_v2', '2024-05-01-hello.md'), post({ title: 'Hello v2' }, 'x'));
    await writeFile(path.join(volume, '..2024_05_02_v2', '2024-05-02-second.md'), post({ title: 'Second' }, 'y'));
    await symlink('..2024_05_02_v2', path.join(volume, '..data_tmp'));
    await rename(path.join(volume, '..data_tmp'), path.join(volume, '..data'));
    await symlink('..data/2024-05-02-second.md', path.join(volume, '2024-05-02-second.md'));
    await rm(path.join(volume, '..2024_05_01_v1'), { recursive: true });
    await changed;
    await untilTitles(running, ['Second', 'Hello v2']);
  });

  it('follows a git-sync checkout, where a symlink on the folder path is swapped', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kubeblog-gitsync-'));
    const worktree = async (rev: string, title: string) => {
      await mkdir(path.join(root, '.worktrees', rev, 'posts'), { recursive: true });
      await writeFile(path.join(root, '.worktrees', rev, 'posts', '2024-05-01-hello.md'), post({ title }, 'x'));
    };
    await worktree('aaa', 'From aaa');
    await symlink('.worktrees/aaa', path.join(root, 'current'));
    running = await startTestBlog({ POSTS_DIR: path.join(root, 'current', 'posts') });
    expect(await titles(running)).toEqual(['From aaa']);

    const changed = nextReload(running.blog.store);
    await worktree('bbb', 'From bbb');
    await symlink('.worktrees/bbb', path.join(root, 'current.tmp'));
    await rename(path.join(root, 'current.tmp'), path.join(root, 'current'));
    await changed;
    await untilTitles(running, ['From bbb']);
  });

  it('refuses to start without a posts folder, saying which setting and why', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kubeblog-missing-'));
    await expect(startTestBlog({ POSTS_DIR: path.join(root, 'nope') })).rejects.toThrow(/POSTS_DIR: posts folder ".*nope" cannot be read: ENOENT/);
  });
});
