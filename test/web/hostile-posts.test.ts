import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { PostsFolder, post } from '../support/posts.js';
import { startTestBlog, type TestBlog } from '../support/blog.js';

const RENDER_TIMEOUT_MS = 1500;

let folder: PostsFolder;
let t: TestBlog;

/** Milliseconds one GET takes. */
async function timed(url: string): Promise<{ ms: number; status: number }> {
  const start = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  return { ms: performance.now() - start, status: res.status };
}

beforeAll(async () => {
  folder = await PostsFolder.create({
    '2017-12-15-good.md': post({ title: 'A good post', tags: 'kubernetes' }, 'Readers come for this.'),
    // Liquid that would run for minutes: the limit on Liquid is raised so only the render time-out stops it.
    '2018-01-01-endless-loop.md': post({ title: 'Endless loop' }, 'Intro.\n\n{% for i in (1..30000) %}{% for j in (1..30000) %}{% endfor %}{% endfor %}\n'),
    '2018-01-02-deep-quotes.md': post({ title: 'Deep quotes' }, `${'>'.repeat(3000)} deep\n`),
  });
  t = await startTestBlog({
    POSTS_DIR: folder.dir,
    RENDER_TIMEOUT_MS: String(RENDER_TIMEOUT_MS),
    LIQUID_RENDER_LIMIT_MS: '60000',
    LIQUID_MEMORY_LIMIT: '1000000000',
  });
});
afterAll(async () => {
  await t.stop();
  await folder.remove();
});

describe('a post that takes too long to render', () => {
  it('holds a render thread, never the event loop: probes and cached pages answer meanwhile', async () => {
    await request(t.url).get('/posts/good').expect(200);
    let answered: { ms: number; status: number } | undefined;
    const slow = timed(`${t.url}/posts/endless-loop`).then((result) => (answered = result));
    const during: number[] = [];
    while (answered === undefined) {
      const probe = await timed(`${t.url}/readyz`);
      const page = await timed(`${t.url}/posts/good`);
      expect([probe.status, page.status]).toEqual([200, 200]);
      if (answered === undefined) during.push(probe.ms, page.ms);
    }
    const result = await slow;
    // The slow render lasts RENDER_TIMEOUT_MS: readers were answered many times meanwhile, each quickly.
    expect(during.length).toBeGreaterThanOrEqual(8);
    // Had the render held the event loop, one of them would have waited for all of it.
    expect(Math.max(...during)).toBeLessThan(RENDER_TIMEOUT_MS / 2);
    expect(result.status).toBe(200);
    expect(result.ms).toBeLessThan(RENDER_TIMEOUT_MS + 3000);
  });

  it('is shown without its body, logged with its file, counted, and not rendered again', async () => {
    const page = await request(t.url).get('/posts/endless-loop').expect(200);
    expect(page.text).toContain('Endless loop');
    expect(page.text).toContain('could not be shown in full');
    const logged = t.logs.lines.find((l) => l.level === 'error' && String(l.file).endsWith('2018-01-01-endless-loop.md') && l.part === 'body');
    expect(String(logged?.reason)).toContain('RENDER_TIMEOUT_MS');
    const failures = (await t.blog.metrics.renderFailures.get()).values.find((v) => v.labels.part === 'body' && v.labels.reason === 'timeout');
    expect(failures?.value).toBe(1);
    // A new content version renders the page again, but the post's body is known to fail: no second wait.
    t.blog.cache.clear();
    const again = await timed(`${t.url}/posts/endless-loop`);
    expect(again.status).toBe(200);
    expect(again.ms).toBeLessThan(RENDER_TIMEOUT_MS / 2);
  });
});

describe('a post the Markdown renderer cannot handle', () => {
  it('never makes another page fail: front page, feeds and API still answer', async () => {
    for (const path of ['/', '/feed.xml', '/feed.json', '/api/posts', '/archive', '/tags/kubernetes', '/posts/good']) {
      const res = await request(t.url).get(path);
      expect([path, res.status]).toEqual([path, 200]);
    }
    const feed = await request(t.url).get('/feed.xml').expect(200);
    expect(feed.text).toContain('Readers come for this.');
    const deep = await request(t.url).get('/posts/deep-quotes').expect(200);
    expect(deep.text).toContain('could not be shown in full');
    expect(t.logs.lines.some((l) => l.level === 'error' && String(l.file).endsWith('2018-01-02-deep-quotes.md'))).toBe(true);
  });
});
