import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { PostsFolder, post } from '../support/posts.js';
import { rawGet, startTestBlog, type TestBlog } from '../support/blog.js';

const files: Record<string, string | Buffer> = {
  '2017-12-15-kubecon-was-nice.md': post(
    { layout: 'post', title: 'KubeCon was nice!', date: '2017-12-15 20:26:00', tags: '[Kubernetes, conferences]', categories: 'events' },
    'I love conferences. <!--more-->\n\nMore text about [Istio](https://istio.io/).\n\n## Tools\n\n<script>alert(1)</script>\n',
  ),
  '2018-03-01-helm-charts.md': post({ title: 'Helm charts', tags: 'kubernetes helm', permalink: '/blog/helm-charts/' }, 'Charts are packages.\n\nSecond paragraph.'),
  '2018-06-01-draft.md': post({ title: 'A draft', published: 'false' }, 'Not yet.'),
  '2999-01-01-future.md': post({ title: 'From the future' }, 'Later.'),
  '2019-01-01-broken.md': '---\ntitle: [oops\n---\nbroken',
  '2019-02-01-unterminated.md': '---\ntitle: never closed\n',
  '2019-03-01-binary.md': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]),
  'notes.txt': 'not a post',
  '.2019-04-01-hidden.md': post({ title: 'dotfile' }, 'x'),
};
for (let i = 1; i <= 12; i++) {
  const day = String(i).padStart(2, '0');
  files[`2016-01-${day}-filler-${i}.md`] = post({ title: `Filler ${i}`, tags: 'filler' }, `Filler body ${i}.`);
}

let folder: PostsFolder;
let t: TestBlog;
const app = () => t.url;

beforeAll(async () => {
  folder = await PostsFolder.create(files);
  t = await startTestBlog({ POSTS_DIR: folder.dir, SITE_TITLE: 'Test blog', SITE_AUTHOR: 'Ada' });
});
afterAll(async () => {
  await t.stop();
  await folder.remove();
});

describe('content loading', () => {
  it('skips broken posts with a message naming the file and the reason, and serves the rest', async () => {
    const skipped = t.logs.lines.filter((l) => String(l.msg).startsWith('post skipped'));
    expect(skipped.map((l) => String(l.file).split('/').pop()).sort()).toEqual(['2019-01-01-broken.md', '2019-02-01-unterminated.md', '2019-03-01-binary.md']);
    expect(skipped.find((l) => String(l.file).endsWith('binary.md'))?.reason).toMatch(/binary data/);
    const res = await request(app()).get('/api/posts').expect(200);
    const slugs = (res.body as { posts: Array<{ slug: string }> }).posts.map((p) => p.slug);
    expect(slugs.slice(0, 2)).toEqual(['helm-charts', 'kubecon-was-nice']);
    expect(slugs).toHaveLength(14);
    expect(slugs).not.toContain('draft');
    expect(slugs).not.toContain('future');
    expect(slugs).not.toContain('hidden');
  });
});

describe('pages', () => {
  it('lists the newest posts first with excerpts, dates and reading time, paginated by 10', async () => {
    const res = await request(app()).get('/').expect(200).expect('Content-Type', /text\/html/);
    expect(res.text.indexOf('Helm charts')).toBeLessThan(res.text.indexOf('KubeCon was nice!'));
    expect(res.text).toContain('<time datetime="2017-12-15T20:26:00.000Z"');
    expect(res.text).toContain('min read');
    // Jekyll's excerpt ends at the first blank line: <!--more--> is a separator only where a site names it.
    expect(res.text).toContain('<p>I love conferences. <!--more--></p>');
    expect(res.text.match(/class="post-card"/g)).toHaveLength(10);
    expect(res.text).toContain('href="/page/2"');
    const second = await request(app()).get('/page/2').expect(200);
    expect(second.text.match(/class="post-card"/g)).toHaveLength(4);
    expect(second.text).toContain('rel="prev" href="/"');
    await request(app()).get('/page/1').expect(301).expect('Location', '/');
    await request(app()).get('/page/3').expect(404);
    await request(app()).get('/page/abc').expect(404);
  });

  it('shows a post with meta, canonical link, Open Graph, JSON-LD and neighbours', async () => {
    const res = await request(app()).get('/posts/kubecon-was-nice').expect(200);
    const html = res.text;
    expect(html).toContain('<h1 class="p-name">KubeCon was nice!</h1>');
    expect(html).toMatch(/<link rel="canonical" href="http:\/\/127\.0\.0\.1:\d+\/posts\/kubecon-was-nice">/);
    expect(html).toContain('<meta property="og:title" content="KubeCon was nice!">');
    expect(html).toContain('<meta name="twitter:card" content="summary">');
    expect(html).toContain('<meta property="article:tag" content="Kubernetes">');
    const jsonLd = JSON.parse(/<script type="application\/ld\+json">(.*?)<\/script>/s.exec(html)?.[1] ?? '{}') as Record<string, unknown>;
    expect(jsonLd['@type']).toBe('BlogPosting');
    expect(jsonLd.headline).toBe('KubeCon was nice!');
    expect(jsonLd.datePublished).toBe('2017-12-15T20:26:00.000Z');
    expect(html).toContain('rel="prev" href="/posts/helm-charts"');
    expect(html).toContain('rel="next" href="/posts/filler-12"');
    expect(html).toContain('href="/tags/kubernetes"');
    expect(html).toContain('<h2 id="tools">Tools</h2>');
    expect(html).toContain('<a href="https://istio.io/" rel="noopener noreferrer">Istio</a>');
    await request(app()).get('/posts/no-such-post').expect(404);
    await request(app()).get('/posts/draft').expect(404);
  });

  it('has a themed 404 page with the site navigation', async () => {
    const res = await request(app()).get('/nowhere').expect(404).expect('Content-Type', /text\/html/);
    expect(res.text).toContain('Page not found');
    expect(res.text).toContain('<nav aria-label="Site">');
  });

  it('lists tags with counts, a tag page (paginated) and an archive by year', async () => {
    const tags = await request(app()).get('/tags').expect(200);
    expect(tags.text).toMatch(/<a href="\/tags\/filler">filler<\/a> <span class="count">12/);
    expect(tags.text).toMatch(/<a href="\/tags\/kubernetes">kubernetes<\/a> <span class="count">2/i);
    const tag = await request(app()).get('/tags/kubernetes').expect(200);
    expect(tag.text).toContain('Helm charts');
    expect(tag.text).toContain('KubeCon was nice!');
    expect(tag.text).not.toContain('Filler 1<');
    await request(app()).get('/tags/filler/page/2').expect(200);
    await request(app()).get('/tags/filler/page/3').expect(404);
    await request(app()).get('/tags/unknown').expect(404);
    const archive = await request(app()).get('/archive').expect(200);
    expect(archive.text).toContain('<h2 id="year-2018">2018</h2>');
    expect(archive.text.indexOf('year-2018')).toBeLessThan(archive.text.indexOf('year-2016'));
  });

  it('redirects Jekyll date URLs and permalinks to the canonical address', async () => {
    await request(app()).get('/2017/12/15/kubecon-was-nice.html').expect(301).expect('Location', '/posts/kubecon-was-nice');
    await request(app()).get('/events/2017/12/15/kubecon-was-nice.html').expect(301).expect('Location', '/posts/kubecon-was-nice');
    await request(app()).get('/blog/helm-charts/').expect(301).expect('Location', '/posts/helm-charts');
    await request(app()).get('/2017/12/16/kubecon-was-nice.html').expect(404);
  });
});

describe('feeds, sitemap, robots and API', () => {
  it('serves an Atom feed, linked from every page', async () => {
    const res = await request(app()).get('/feed.xml').expect(200).expect('Content-Type', /application\/atom\+xml/);
    expect(res.text).toContain('<feed xmlns="http://www.w3.org/2005/Atom"');
    expect(res.text).toMatch(/<link rel="self" href="http:\/\/127\.0\.0\.1:\d+\/feed\.xml"/);
    expect(res.text).toContain('<title>KubeCon was nice!</title>');
    expect(res.text.match(/<entry>/g)).toHaveLength(14);
    const page = await request(app()).get('/archive');
    expect(page.text).toMatch(/<link rel="alternate" type="application\/atom\+xml" title="Test blog" href="http:\/\/127\.0\.0\.1:\d+\/feed\.xml">/);
  });

  it('serves a JSON Feed and per-tag feeds', async () => {
    const json = await request(app()).get('/feed.json').expect(200).expect('Content-Type', /application\/feed\+json/);
    const feed = JSON.parse(json.text) as { version: string; feed_url: string; items: Array<{ title: string; content_html: string }> };
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(feed.feed_url).toMatch(/\/feed\.json$/);
    expect(feed.items[0]?.title).toBe('Helm charts');
    const tagFeed = await request(app()).get('/tags/helm/feed.xml').expect(200);
    expect(tagFeed.text.match(/<entry>/g)).toHaveLength(1);
    await request(app()).get('/tags/none/feed.xml').expect(404);
  });

  it('serves a sitemap with every post and robots.txt pointing at it', async () => {
    const sitemap = await request(app()).get('/sitemap.xml').expect(200).expect('Content-Type', /application\/xml/);
    expect(sitemap.text).toMatch(/<loc>http:\/\/127\.0\.0\.1:\d+\/posts\/kubecon-was-nice<\/loc>/);
    expect(sitemap.text.match(/\/posts\//g)).toHaveLength(14);
    const robots = await request(app()).get('/robots.txt').expect(200).expect('Content-Type', /text\/plain/);
    expect(robots.text).toMatch(/Sitemap: http:\/\/127\.0\.0\.1:\d+\/sitemap\.xml/);
  });

  it('answers the JSON API with summaries and one post with its HTML', async () => {
    const list = await request(app()).get('/api/posts').expect(200).expect('Content-Type', /application\/json/);
    const first = (list.body as { posts: Array<Record<string, unknown>> }).posts[1];
    expect(first).toEqual({
      slug: 'kubecon-was-nice',
      title: 'KubeCon was nice!',
      date: '2017-12-15T20:26:00.000Z',
      updated: null,
      tags: ['Kubernetes', 'conferences'],
      excerpt: 'I love conferences.',
      url: '/posts/kubecon-was-nice',
    });
    const one = await request(app()).get('/api/posts/kubecon-was-nice').expect(200);
    expect((one.body as { html: string }).html).toContain('<h2 id="tools">Tools</h2>');
    const missing = await request(app()).get('/api/posts/nope').expect(404);
    expect(missing.body).toEqual({ error: 'post not found', slug: 'nope' });
  });
});

describe('HTTP caching and security', () => {
  it('sends a strong ETag and answers 304 to If-None-Match', async () => {
    const first = await request(app()).get('/posts/helm-charts').expect(200);
    const etag = first.headers.etag;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers['cache-control']).toBe('public, max-age=60');
    await request(app()).get('/posts/helm-charts').set('If-None-Match', etag as string).expect(304);
    await request(app()).get('/posts/helm-charts').set('If-None-Match', '"other"').expect(200);
  });

  it('serves gzip to clients that take it, brotli to those that take only brotli, plain to the rest', async () => {
    const page = `${t.url}/posts/kubecon-was-nice`;
    const plain = await rawGet(page, { 'Accept-Encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    const gz = await rawGet(page, { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toMatch(/Accept-Encoding/);
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    expect(gz.body.length).toBeLessThan(plain.body.length / 2);
    expect(gz.headers.etag).not.toBe(plain.headers.etag);
    const br = await rawGet(page, { 'Accept-Encoding': 'br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    expect(br.headers.etag).not.toBe(gz.headers.etag);
    const again = await rawGet(page, { 'Accept-Encoding': 'br' });
    expect(again.body.equals(br.body)).toBe(true);
    const noGzip = await rawGet(page, { 'Accept-Encoding': 'gzip;q=0, br' });
    expect(noGzip.headers['content-encoding']).toBe('br');
    const none = await rawGet(page, {});
    expect(none.headers['content-encoding']).toBeUndefined();
    expect(none.body.equals(plain.body)).toBe(true);
    const hits = await t.blog.metrics.cacheHits.get();
    expect(hits.values[0]?.value).toBeGreaterThanOrEqual(5);
  });

  it('answers a cached page (the fast path) exactly as the first render did, and logs and counts it', async () => {
    const url = `${t.url}/tags/helm`;
    const first = await rawGet(url, { 'Accept-Encoding': 'identity' });
    const cached = await rawGet(url, { 'Accept-Encoding': 'identity', 'X-Request-Id': 'cached-1' });
    const comparable = (h: Record<string, unknown>) => {
      const { date: _date, 'x-request-id': _id, ...rest } = h;
      return rest;
    };
    expect(cached.body.equals(first.body)).toBe(true);
    expect(comparable(cached.headers)).toEqual(comparable(first.headers));
    expect(cached.headers['x-request-id']).toBe('cached-1');
    const line = t.logs.lines.find((l) => (l.req as { id?: string } | undefined)?.id === 'cached-1');
    expect(line).toMatchObject({ level: 'info', msg: 'GET /tags/helm 200', res: { statusCode: 200 } });
    const counted = (await t.blog.metrics.httpDuration.get()).values.find(
      (v) => v.metricName === 'http_request_duration_seconds_count' && v.labels.route === '/tags/:tag' && v.labels.status_code === '200',
    );
    expect(counted?.value).toBeGreaterThanOrEqual(2);
  });

  it('forbids inline script with a Content-Security-Policy while passing raw HTML through', async () => {
    const res = await request(app()).get('/posts/kubecon-was-nice').expect(200);
    expect(res.text).toContain('<script>alert(1)</script>');
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves one fingerprinted stylesheet with immutable caching and no external assets', async () => {
    const page = await request(app()).get('/').expect(200);
    const links = [...page.text.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1] ?? '');
    const external = links.filter((l) => /^https?:/.test(l) && !l.includes('127.0.0.1'));
    expect(external).toEqual([]);
    const css = /<link rel="stylesheet" href="(\/assets\/style\.[0-9a-f]{12}\.css)">/.exec(page.text)?.[1];
    expect(css).toBeDefined();
    const res = await request(app()).get(css as string).expect(200).expect('Content-Type', /text\/css/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.text).toContain('prefers-color-scheme: dark');
  });

  it('answers probes, and /version only on the metrics port', async () => {
    await request(app()).get('/healthz').expect(200);
    const ready = await request(app()).get('/readyz').expect(200);
    expect(ready.body).toMatchObject({ status: 'ready', posts: 14 });
    await request(app()).get('/version').expect(404);
    const version = await request(t.blog.opsApp).get('/version').expect(200);
    expect(version.body).toMatchObject({ name: 'kubeblog', version: '0.1.0' });
  });
});
