import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { PostsFolder, post } from '../support/posts.js';
import { startTestBlog, type TestBlog } from '../support/blog.js';

let folder: PostsFolder;
let proxied: TestBlog;
let fixed: TestBlog;

beforeAll(async () => {
  folder = await PostsFolder.create({
    '2017-12-15-kubecon-was-nice.md': post({ title: 'KubeCon was nice!', tags: 'kubernetes' }, 'Text.'),
    '2016-01-01-older.md': post({ title: 'Older' }, 'Old.'),
  });
  proxied = await startTestBlog({ POSTS_DIR: folder.dir, BASE_PATH: '/blog/', TRUST_PROXY: 'true', ALLOWED_HOSTS: 'example.com' });
  fixed = await startTestBlog({ POSTS_DIR: folder.dir, BASE_PATH: 'blog', SITE_URL: 'https://www.example.org/ignored-path' });
});
afterAll(async () => {
  await Promise.all([proxied.stop(), fixed.stop()]);
  await folder.remove();
});

describe('a blog under a base path', () => {
  it('prefixes every link, asset, feed and sitemap entry with the base path', async () => {
    const home = await request(proxied.url).get('/blog/').set('X-Forwarded-Proto', 'https').set('X-Forwarded-Host', 'example.com').expect(200);
    expect(home.text).toContain('href="/blog/posts/kubecon-was-nice"');
    expect(home.text).toMatch(/href="\/blog\/assets\/style\.[0-9a-f]+\.css"/);
    expect(home.text).toContain('href="https://example.com/blog/feed.xml"');
    expect(home.text).toContain('<link rel="canonical" href="https://example.com/blog/">');
    const hrefs = [...home.text.matchAll(/href="(\/[^"]*)"/g)].map((m) => m[1] ?? '');
    expect(hrefs.filter((h) => !h.startsWith('/blog/'))).toEqual([]);
    const feed = await request(proxied.url).get('/blog/feed.xml').set('X-Forwarded-Proto', 'https').set('X-Forwarded-Host', 'example.com').expect(200);
    expect(feed.text).toContain('<link href="https://example.com/blog/posts/kubecon-was-nice"/>');
    const sitemap = await request(proxied.url).get('/blog/sitemap.xml').set('X-Forwarded-Proto', 'https').set('X-Forwarded-Host', 'example.com').expect(200);
    expect(sitemap.text).toContain('<loc>https://example.com/blog/posts/kubecon-was-nice</loc>');
    const api = await request(proxied.url).get('/blog/api/posts').expect(200);
    expect((api.body as { posts: Array<{ url: string }> }).posts[0]?.url).toBe('/blog/posts/kubecon-was-nice');
  });

  it('serves nothing of the blog outside the base path, and redirects legacy URLs inside it', async () => {
    await request(proxied.url).get('/posts/kubecon-was-nice').expect(404);
    await request(proxied.url).get('/blog/2016/01/01/older.html').expect(301).expect('Location', '/blog/posts/older');
    await request(proxied.url).get('/blog/page/1').expect(301).expect('Location', '/blog/');
  });

  it('uses SITE_URL for absolute URLs and ignores forwarded headers then', async () => {
    const page = await request(fixed.url).get('/blog/posts/older').set('X-Forwarded-Host', 'evil.example').expect(200);
    expect(page.text).toContain('<link rel="canonical" href="https://www.example.org/blog/posts/older">');
    expect(page.text).not.toContain('evil.example');
  });

  it('does not trust forwarded headers unless TRUST_PROXY says so', async () => {
    const folderBlog = await startTestBlog({ POSTS_DIR: folder.dir });
    try {
      const page = await request(folderBlog.url).get('/').set('X-Forwarded-Host', 'evil.example').set('X-Forwarded-Proto', 'https').expect(200);
      expect(page.text).not.toContain('evil.example');
      expect(page.text).toMatch(/<link rel="canonical" href="http:\/\/127\.0\.0\.1:\d+\/">/);
    } finally {
      await folderBlog.stop();
    }
  });
});
