import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { Catalog } from '../../src/content/catalog.js';
import type { Post } from '../../src/content/post.js';
import { createLogger } from '../../src/ops/logger.js';
import { loadThemeAssets } from '../../src/rendering/assets.js';
import { Theme } from '../../src/rendering/pages.js';
import { createWebApp, securityHeaders } from '../../src/web/app.js';
import { LogCapture, startTestBlog, type TestBlog } from '../support/blog.js';
import { quickestCpuMs } from '../support/cpu-time.js';
import { PostsFolder, memoryPost, post } from '../support/posts.js';
import { within } from '../support/wait.js';
import { SearchIndex } from '../../src/search/search-index.js';
import { plainText, snippet } from '../../src/search/snippet.js';
import { tokenize } from '../../src/search/tokens.js';

const files: Record<string, string> = {
  '2024-01-10-scaling-prometheus.md': post(
    { title: 'Scaling Prometheus', tags: '[monitoring]' },
    'We scrape every exporter through a sidecar.\n\nThe **sidecar** keeps memory low.',
  ),
  '2024-01-05-dashboards.md': post({ title: 'Dashboards', tags: '[grafana]' }, 'Grafana reads from Prometheus and draws panels.'),
  '2024-02-01-brucke.md': post(
    { title: 'Größenänderung im Cluster', tags: '[Straßenbahn]' },
    'Die Äpfel werden über die Brücke gefahren, schließlich ist der Knoten voll.',
  ),
  '2024-03-01-kensaku.md': post({ title: '検索エンジンの仕組み', tags: '[日本語]' }, '全文検索はとても便利です。索引を作ります。'),
};

function fakePost(i: number): Post {
  return memoryPost({
    slug: `p${i}`,
    origin: `p${i}.md`,
    stem: `2020-01-01-p${i}`,
    title: `Post ${i}`,
    date: new Date(Date.UTC(2020, 0, 1) + i * 1000),
    body: () => 'A kettle whistles.',
    wordCount: () => 3,
  });
}

let folder: PostsFolder;
let t: TestBlog;

beforeAll(async () => {
  folder = await PostsFolder.create(files);
  t = await startTestBlog({ POSTS_DIR: folder.dir, SITE_TITLE: 'Test blog' });
  await within(5000, async () => t.blog.search.progress().ready);
});
afterAll(async () => {
  await t.stop();
  await folder.remove();
});

async function titlesFor(q: string): Promise<string[]> {
  const res = await request(t.url).get('/api/search').query({ q }).expect(200);
  return (res.body as { results: Array<{ title: string }> }).results.map((r) => r.title);
}

describe('finding posts', () => {
  it.each([
    ['a word of the body', 'sidecar', 'Scaling Prometheus'],
    ['a word of the title', 'scaling', 'Scaling Prometheus'],
    ['a tag', 'monitoring', 'Scaling Prometheus'],
    ['a prefix', 'sideca', 'Scaling Prometheus'],
    ['a misspelling', 'sidcar', 'Scaling Prometheus'],
    ['a German body word with an umlaut', 'Brücke', 'Größenänderung im Cluster'],
    ['a German word typed without its umlaut', 'brucke', 'Größenänderung im Cluster'],
    ['a German word with ß typed as ss', 'schliesslich', 'Größenänderung im Cluster'],
    ['a German title prefix', 'Größen', 'Größenänderung im Cluster'],
    ['a German tag', 'strassenbahn', 'Größenänderung im Cluster'],
    ['a misspelt German word', 'Straßenban', 'Größenänderung im Cluster'],
    ['a Japanese body word', '便利', '検索エンジンの仕組み'],
    ['a Japanese title word', 'エンジン', '検索エンジンの仕組み'],
    ['a Japanese tag', '日本語', '検索エンジンの仕組み'],
    ['a Japanese prefix (one character)', '索', '検索エンジンの仕組み'],
    ['a Japanese phrase with one wrong character', '全文険索', '検索エンジンの仕組み'],
  ])('finds a post by %s (%s)', async (_what, q, title) => {
    expect((await titlesFor(q))[0]).toBe(title);
  });

  it('ranks a post with the word in its title above one with it in the body', async () => {
    expect(await titlesFor('prometheus')).toEqual(['Scaling Prometheus', 'Dashboards']);
  });

  it('shows title, date, tags and a snippet with the matched words marked', async () => {
    const res = await request(t.url).get('/search?q=sidcar').expect(200).expect('Content-Type', /text\/html/);
    expect(res.text).toContain('<h1>Search results for “sidcar”</h1>');
    expect(res.text).toContain('<a href="/posts/scaling-prometheus">Scaling Prometheus</a>');
    expect(res.text).toContain('<time datetime="2024-01-10T00:00:00.000Z"');
    expect(res.text).toContain('#monitoring</a>');
    expect(res.text).toContain('<p class="snippet">We scrape every exporter through a <mark>sidecar</mark>. The <mark>sidecar</mark> keeps memory low.</p>');
    const german = await request(t.url).get('/search?q=brucke').expect(200);
    expect(german.text).toContain('über die <mark>Brücke</mark> gefahren');
    const japanese = await request(t.url).get('/api/search?q=便利').expect(200);
    expect((japanese.body as { results: Array<{ snippetHtml: string }> }).results[0]?.snippetHtml).toBe('全文検索はとても<mark>便利</mark>です。索引を作ります。');
  });

  it('answers JSON with the same results', async () => {
    const res = await request(t.url).get('/api/search?q=grafana').expect(200).expect('Content-Type', /application\/json/);
    expect(res.body).toEqual({
      state: 'results',
      query: 'grafana',
      total: 1,
      capped: false,
      page: 1,
      pages: 1,
      notice: null,
      results: [
        {
          title: 'Dashboards',
          url: '/posts/dashboards',
          date: '2024-01-05T00:00:00.000Z',
          tags: ['grafana'],
          snippet: 'Grafana reads from Prometheus and draws panels.',
          snippetHtml: '<mark>Grafana</mark> reads from Prometheus and draws panels.',
        },
      ],
    });
  });
});

describe('pagination', () => {
  it('splits many results into pages linked to each other', async () => {
    const many = await PostsFolder.create(
      Object.fromEntries(Array.from({ length: 23 }, (_, i) => [`2020-01-${String(i + 1).padStart(2, '0')}-note-${i}.md`, post({ title: `Note ${i}` }, 'A kettle whistles.')])),
    );
    const blog = await startTestBlog({ POSTS_DIR: many.dir, POSTS_PER_PAGE: '10' });
    try {
      await within(5000, async () => blog.blog.search.progress().ready);
      const first = await request(blog.url).get('/search?q=kettle').expect(200);
      expect(first.text).toContain('23 posts found · page 1 of 3');
      expect(first.text).toContain('<a rel="next" href="/search?q=kettle&amp;page=2">More results →</a>');
      const last = await request(blog.url).get('/api/search?q=kettle&page=3').expect(200);
      expect((last.body as { results: unknown[] }).results).toHaveLength(3);
    } finally {
      await blog.stop();
      await many.remove();
    }
  });
});

describe('following the posts', () => {
  it('shows an edit, then a removal, in results within a second', async () => {
    await folder.write('2024-01-05-dashboards.md', post({ title: 'Dashboards', tags: '[grafana]' }, 'Panels now come from a zeppelin.'));
    await within(1000, async () => (await titlesFor('zeppelin'))[0] === 'Dashboards');
    expect(await titlesFor('grafana')).toEqual(['Dashboards']);
    expect(await titlesFor('draws')).toEqual([]);
    await rm(path.join(folder.dir, '2024-01-05-dashboards.md'));
    await within(1000, async () => (await titlesFor('zeppelin')).length === 0);
  });
});

describe('odd queries', () => {
  it('answers an empty query with the search form and a hint', async () => {
    for (const url of ['/search', '/search?q=', '/search?q=%20%20']) {
      const res = await request(t.url).get(url).expect(200);
      expect(res.text).toContain('Type one or more words');
    }
  });

  it('answers a huge query with a note that it was shortened', async () => {
    const res = await request(t.url).get('/search').query({ q: `sidecar ${'x'.repeat(10_000)}` }).expect(200);
    expect(res.text).toContain('Only the first 200 characters of the query were searched.');
    expect(res.text).toContain('Scaling Prometheus');
    const words = await request(t.url).get('/search').query({ q: 'a b c d e f g h i j k l sidecar' }).expect(200);
    expect(words.text).toContain('Only the first 10 words were searched.');
  });

  it('shows hostile queries as text, not markup, and never fails', async () => {
    const res = await request(t.url).get('/search').query({ q: '"><script>alert(1)</script>' }).expect(200);
    expect(res.text).not.toContain('<script>alert');
    expect(res.text).toContain('Search results for “&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;”');
    expect(res.text).toContain('No posts match.');
    for (const url of ['/search?q[a]=1', '/search?q=a&q=b', '/search?q=%E0%A4%A', '/search?q=sidecar&page=abc', '/search?q=sidecar&page=999999', '/api/search?q[x][y]=1']) {
      await request(t.url).get(url).expect(200);
    }
  });

  it('is kept out of search engines and out of the page cache, and may be cached briefly', async () => {
    const before = t.blog.cache.size;
    for (let i = 0; i < 50; i++) await request(t.url).get(`/search?q=word${i}`).expect(200);
    expect(t.blog.cache.size).toBe(before);
    const res = await request(t.url).get('/search?q=sidecar').expect(200);
    expect(res.headers['x-robots-tag']).toBe('noindex');
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    expect(res.text).toContain('<meta name="robots" content="noindex">');
  });
});

describe('the search box and OpenSearch', () => {
  it('puts a labelled GET form in every page and links the OpenSearch description', async () => {
    const res = await request(t.url).get('/').expect(200);
    expect(res.text).toContain('<form class="search-form" role="search" method="get" action="/search">');
    expect(res.text).toContain('<label for="site-search">Search posts</label>');
    expect(res.text).toContain('<link rel="search" type="application/opensearchdescription+xml" title="Test blog" href="/opensearch.xml">');
  });

  it('describes the search for browsers', async () => {
    const res = await request(t.url).get('/opensearch.xml').expect(200).expect('Content-Type', /application\/opensearchdescription\+xml/);
    expect(res.text).toContain('<ShortName>Test blog</ShortName>');
    expect(res.text).toContain(`<Url type="text/html" method="get" template="${t.url}/search?q={searchTerms}"/>`);
  });

  it('counts query time and index size in the metrics', async () => {
    await request(t.url).get('/search?q=sidecar').expect(200);
    const text = await t.blog.metrics.registry.metrics();
    expect(text).toMatch(/kubeblog_search_duration_seconds_count [1-9]/);
    expect(text).toMatch(/kubeblog_search_index_posts [1-9]/);
  });
});

describe('while the first index is built', () => {
  const catalogOf = (count: number) =>
    new Catalog(
      Array.from({ length: count }, (_, i) => fakePost(i)),
      { showDrafts: false, showFuture: false, timezone: 'UTC' },
      Date.now(),
      1,
    );

  it('indexes in batches between turns of the event loop and says how far it got', async () => {
    const index = new SearchIndex();
    expect(index.progress()).toEqual({ ready: false, indexed: 0, total: 0 });
    const synced = index.sync(catalogOf(400));
    expect(index.progress()).toEqual({ ready: false, indexed: 100, total: 400 });
    await synced;
    expect(index.progress()).toEqual({ ready: true, indexed: 400, total: 400 });
    expect(index.search('post 399').posts[0]?.title).toBe('Post 399');
    // Every post has the word: the best 200 are listed, and the answer says there are more.
    const common = index.search('kettle');
    expect(common.posts).toHaveLength(200);
    expect(common.capped).toBe(true);
  });

  it('indexes again only the posts whose text changed when a source hands over new objects (a git-sync swap)', async () => {
    const reindexed: number[] = [];
    const index = new SearchIndex((details) => reindexed.push(details.reindexed));
    await index.sync(catalogOf(300));
    const swapped = Array.from({ length: 300 }, (_, i) => fakePost(i));
    swapped[7] = { ...fakePost(7), body: () => 'A zeppelin hums.' };
    await index.sync(new Catalog(swapped, { showDrafts: false, showFuture: false, timezone: 'UTC' }, Date.now(), 2));
    expect(reindexed).toEqual([300, 1]);
    expect(index.search('zeppelin').posts.map((p) => p.title)).toEqual(['Post 7']);
    expect(index.search('post 42').posts[0]).toBe(swapped[42]);
  });

  it('answers "being built" with 503 and Retry-After until then', async () => {
    const app = createWebApp({
      config: t.config,
      store: t.blog.store,
      theme: new Theme({ assets: loadThemeAssets() }),
      renderer: t.blog.renderer,
      cache: t.blog.cache,
      metrics: t.blog.metrics,
      health: t.blog.health,
      logger: createLogger('info', new LogCapture()),
      assets: loadThemeAssets(),
      search: new SearchIndex(),
      securityHeaders: securityHeaders(),
    });
    const res = await request(app).get('/search?q=sidecar').expect(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.text).toContain('The search index is being built (0 of 0 posts). Please try again in a moment.');
    const json = await request(app).get('/api/search?q=sidecar').expect(503);
    expect(json.body).toEqual({ state: 'building', query: 'sidecar', indexed: 0, total: 0 });
  });
});

describe('hostile text stays linear', () => {
  const kb100 = (unit: string) => unit.repeat(Math.ceil(100_000 / unit.length));
  it.each([['accented words', 'Größe '], ['CJK', '検索エンジン'], ['markup openers', '<{%{{<'], ['one long word', 'a'], ['mixed scripts', 'aé検b']])('tokenizes and snippets 100 KB of %s in under a second', (_what, unit) => {
    const text = kb100(unit);
    expect(quickestCpuMs(() => tokenize(text), 1000)).toBeLessThan(1000);
    expect(quickestCpuMs(() => snippet(plainText(text), new Set(['grosse', '検索'])), 1000)).toBeLessThan(1000);
  });
});
