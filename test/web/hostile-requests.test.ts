import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { PostsFolder, post } from '../support/posts.js';
import { startTestBlog, type TestBlog } from '../support/blog.js';

let folder: PostsFolder;
let t: TestBlog;

const canonicalOf = (page: string) => /<link rel="canonical" href="([^"]*)">/.exec(page)?.[1];
const misses = async (blog: TestBlog) => (await blog.blog.metrics.cacheMisses.get()).values[0]?.value ?? 0;

beforeAll(async () => {
  folder = await PostsFolder.create({
    '2017-12-15-kubecon-was-nice.md': post({ title: 'KubeCon was nice!', tags: '[Kubernetes, Vec<T>]' }, 'I love conferences.'),
    '2018-01-01-kx.md': post({ title: 'Kx' }, 'A post whose slug is kx.'),
  });
  t = await startTestBlog({ POSTS_DIR: folder.dir, ALLOWED_HOSTS: 'blog.example.com,www.example.com:8443' });
});
afterAll(async () => {
  await t.stop();
  await folder.remove();
});

describe('the Host header', () => {
  it('puts only allowed hosts into absolute URLs and cannot make pages render again', async () => {
    const allowed = await request(t.url).get('/posts/kx').set('Host', 'WWW.example.com:8443').expect(200);
    expect(canonicalOf(allowed.text)).toBe('http://www.example.com:8443/posts/kx');
    const before = await misses(t);
    const entries = t.blog.cache.size;
    for (let i = 0; i < 200; i++) {
      const res = await request(t.url).get('/posts/kx').set('Host', `attacker-${i}.example:${1000 + i}`).expect(200);
      expect(canonicalOf(res.text)).toBe('http://blog.example.com/posts/kx');
      expect(res.text).not.toContain('attacker-');
    }
    // One render for the first allowed host, then every other Host is served that page from the cache.
    expect((await misses(t)) - before).toBeLessThanOrEqual(1);
    expect(t.blog.cache.size - entries).toBeLessThanOrEqual(1);
  });
});

describe('other spellings of a URL', () => {
  it('answer 301 to the one canonical URL without rendering anything', async () => {
    await request(t.url).get('/posts/kx').expect(200);
    await request(t.url).get('/').expect(200);
    await request(t.url).get('/api/posts').expect(200);
    await request(t.url).get('/tags/kubernetes').expect(200);
    const before = await misses(t);
    const spellings: Array<[string, string]> = [
      ['/Posts/kx', '/posts/kx'],
      ['/POSTS/KX', 'none'],
      ['/posts/%6Bx', '/posts/kx'],
      ['/posts/%6bx', '/posts/kx'],
      ['/posts/kx/', '/posts/kx'],
      ['/posts/kx?utm_source=x', ''],
      ['/API/posts', '/api/posts'],
      ['/api/posts/', '/api/posts'],
      ['/page/1', '/'],
      ['/Tags/Kubernetes', '/tags/kubernetes'],
      ['/tags/KUBERNETES/', '/tags/kubernetes'],
      ['/tags/kubernetes/page/1', '/tags/kubernetes'],
      ['/Feed.xml', '/feed.xml'],
      ['/archive/', '/archive'],
    ];
    for (const [spelling, canonical] of spellings) {
      const res = await request(t.url).get(spelling);
      if (canonical === '') {
        // The query string is not part of the page: the same cached page answers.
        expect(res.status).toBe(200);
      } else if (canonical === 'none') {
        // A slug is case-sensitive: this names no post.
        expect(res.status).toBe(404);
      } else {
        expect([spelling, res.status, res.headers.location]).toEqual([spelling, 301, canonical]);
      }
    }
    expect((await misses(t)) - before).toBe(0);
  });

  it('finds tags whatever their case, and keeps a tag with markup characters escaped', async () => {
    await request(t.url).get('/tags/Kubernetes').expect(301).expect('Location', '/tags/kubernetes');
    const tag = await request(t.url).get('/tags/vec-t').expect(200);
    expect(tag.text).toContain('Posts tagged “Vec&lt;T&gt;”');
  });
});

describe('forwarded headers behind a trusted proxy', () => {
  let proxied: TestBlog;
  beforeAll(async () => {
    proxied = await startTestBlog({ POSTS_DIR: folder.dir, TRUST_PROXY: 'true', ALLOWED_HOSTS: 'blog.example.com' });
  });
  afterAll(() => proxied.stop());

  it('accepts X-Forwarded-Proto only as http or https, and X-Forwarded-Host only when allowed', async () => {
    const https = await request(proxied.url).get('/posts/kx').set('X-Forwarded-Proto', 'https').set('X-Forwarded-Host', 'blog.example.com').expect(200);
    expect(canonicalOf(https.text)).toBe('https://blog.example.com/posts/kx');
    for (const proto of ['javascript:alert(1)//', 'gopher', 'https"><script>', 'ftp']) {
      const res = await request(proxied.url).get('/posts/kx').set('X-Forwarded-Proto', proto).set('X-Forwarded-Host', 'blog.example.com').expect(200);
      expect(canonicalOf(res.text)).toBe('http://blog.example.com/posts/kx');
    }
    const evil = await request(proxied.url).get('/feed.xml').set('X-Forwarded-Host', 'evil.example').expect(200);
    expect(evil.text).not.toContain('evil.example');
  });
});

describe('/version', () => {
  it('is not on the public port, which tells nobody the Node.js version or git revision', async () => {
    const res = await request(t.url).get('/version').expect(404);
    expect(res.text).not.toContain(process.version);
    const ops = await request(t.blog.opsApp).get('/version').expect(200);
    expect(ops.body).toMatchObject({ name: 'kubeblog', nodejs: process.version });
  });
});
