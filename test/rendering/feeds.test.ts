import { describe, expect, it } from '@jest/globals';
import { SaxesParser } from 'saxes';
import { Catalog } from '../../src/content/catalog.js';
import type { Page } from '../../src/content/page.js';
import type { Post } from '../../src/content/post.js';
import { FEED_ITEMS, type FeedEntry, type FeedScope, atomFeed, feedPosts, jsonFeed, sitemap } from '../../src/rendering/feeds.js';
import { createMarkdown } from '../../src/rendering/markdown.js';
import { GFM_SETTINGS } from '../../src/rendering/markdown-settings.js';
import type { SiteContext } from '../../src/rendering/pages.js';
import { memoryPost } from '../support/posts.js';

const site: SiteContext = {
  title: 'Test blog',
  description: 'Notes on Kubernetes',
  author: 'Ada',
  language: 'en',
  timezone: 'UTC',
  preview: false,
  basePath: '/blog',
  origin: 'https://blog.example.com',
};
const anonymousSite: SiteContext = { ...site, author: '' };

const atomScope = (posts: readonly Post[]): FeedScope => ({ title: site.title, selfPath: '/feed.xml', pagePath: '/', posts });
const jsonScope = (posts: readonly Post[]): FeedScope => ({ title: site.title, selfPath: '/feed.json', pagePath: '/', posts });


const markdown = createMarkdown(GFM_SETTINGS, { maxNesting: 32 });
const entry = (post: Post, body: string, summary = 'A summary.'): FeedEntry => ({ post, html: markdown.toHtml(body), summary });

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** Parses with saxes, which checks XML 1.0 well-formedness strictly (characters included) and throws otherwise. */
function parseXml(xml: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true });
  const open: XmlElement[] = [];
  let root: XmlElement | undefined;
  parser.on('opentag', (tag) => {
    const element: XmlElement = {
      name: tag.name,
      attributes: Object.fromEntries(Object.values(tag.attributes).map((a) => [a.name, a.value])),
      children: [],
      text: '',
    };
    open.at(-1)?.children.push(element);
    root ??= element;
    open.push(element);
  });
  parser.on('text', (text) => {
    const current = open.at(-1);
    if (current) current.text += text;
  });
  parser.on('closetag', () => {
    open.pop();
  });
  parser.write(xml).close();
  if (!root) throw new Error('no root element');
  return root;
}

const childrenNamed = (element: XmlElement, name: string): XmlElement[] => element.children.filter((c) => c.name === name);
function child(element: XmlElement, name: string): XmlElement {
  const found = childrenNamed(element, name)[0];
  if (!found) throw new Error(`no <${name}> in <${element.name}>`);
  return found;
}

interface JsonFeed {
  version: string;
  title: string;
  home_page_url: string;
  feed_url: string;
  description: string;
  language: string;
  authors?: Array<{ name: string }>;
  items: Array<{
    id: string;
    url: string;
    title: string;
    content_html: string;
    summary: string;
    date_published: string;
    date_modified: string;
    tags: string[];
    authors?: Array<{ name: string }>;
  }>;
}

describe('Atom feed', () => {
  it('stays well-formed with XML-special and disallowed characters in titles and tags, and reads back exactly', () => {
    const post = memoryPost({ slug: 'fish', title: 'Fish & <Chips> "]]>"\u0001\uD800\uFFFE', tags: ['Vec<T>', 'R&D', 'true'] });
    const xml = atomFeed(atomScope([post]), [entry(post, 'Body')], site);

    const feed = parseXml(xml);
    const item = child(feed, 'entry');
    expect(child(item, 'title').text).toBe('Fish & <Chips> "]]>"');
    expect(childrenNamed(item, 'category').map((c) => c.attributes)).toEqual([
      { term: 'Vec<T>', label: 'Vec<T>' },
      { term: 'R&D', label: 'R&D' },
      { term: 'true', label: 'true' },
    ]);
    // A lone surrogate would be sent as U+FFFD at best; it is dropped instead.
    expect(xml).not.toMatch(/\p{Cs}/u);
  });

  it('says what RFC 4287 requires of the feed and of each entry', () => {
    const post = memoryPost({ slug: 'helm', title: 'Helm charts', date: new Date('2024-03-01T08:00:00Z'), updated: new Date('2024-04-02T09:30:00Z') });
    const older = memoryPost({ slug: 'older', date: new Date('2024-01-01T00:00:00Z') });
    const feed = parseXml(atomFeed(atomScope([post, older]), [entry(post, 'Charts.', 'Charts are packages.'), entry(older, 'Old.')], site));

    expect(feed.name).toBe('feed');
    expect(feed.attributes.xmlns).toBe('http://www.w3.org/2005/Atom');
    expect(child(feed, 'id').text).toBe('https://blog.example.com/blog/');
    expect(child(feed, 'title').text).toBe('Test blog');
    expect(child(feed, 'updated').text).toBe('2024-04-02T09:30:00.000Z');
    expect(childrenNamed(feed, 'link').map((l) => l.attributes)).toEqual([
      { rel: 'self', href: 'https://blog.example.com/blog/feed.xml', type: 'application/atom+xml' },
      { rel: 'alternate', href: 'https://blog.example.com/blog/', type: 'text/html' },
    ]);
    expect(child(child(feed, 'author'), 'name').text).toBe('Ada');

    const item = child(feed, 'entry');
    expect(child(item, 'id').text).toBe('https://blog.example.com/blog/posts/helm');
    expect(child(item, 'title').text).toBe('Helm charts');
    expect(child(item, 'published').text).toBe('2024-03-01T08:00:00.000Z');
    expect(child(item, 'updated').text).toBe('2024-04-02T09:30:00.000Z');
    expect(child(item, 'link').attributes.href).toBe('https://blog.example.com/blog/posts/helm');
    expect(child(item, 'summary').attributes.type).toBe('text');
    expect(child(item, 'summary').text).toBe('Charts are packages.');
    expect(child(item, 'content').attributes.type).toBe('html');
    expect(child(item, 'content').text).toContain('<p>Charts.</p>');
  });

  it('keeps escaped HTML in the content as text: a code sample showing <script> reaches readers as code', () => {
    const post = memoryPost({ slug: 'xss-sample' });
    const content = child(child(parseXml(atomFeed(atomScope([post]), [entry(post, '```html\n<script>alert(1)</script>\n```\n')], site)), 'entry'), 'content').text;
    expect(content).toContain('<code class="hljs language-html"><span class="hljs-tag">&lt;<span class="hljs-name">script</span>&gt;</span>');
    expect(content).not.toContain('<script');
  });
});

describe('feed content', () => {
  const hostile = [
    '[click me](javascript:alert(1)) and [Istio](https://istio.io/) and [mail](mailto:ada@example.com)',
    '',
    '<a href="vbscript:msgbox(1)">vb</a> <a href="JaVaScRiPt:alert(2)">mixed case</a> <a href="java&#x09;script:alert(3)">tab</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==">data link</a> <a href="https://ok.example/" onclick="steal()">ok</a>',
    '',
    '![pixel](data:image/png;base64,iVBORw0KGgo=) <img src="javascript:alert(5)" alt="js image"> <img src="https://img.example/a.png" alt="a" onerror="alert(6)">',
    '',
    '<script>alert(7)</script><style>body{display:none}</style><iframe src="https://evil.example/"></iframe>',
    '<form action="https://evil.example/"><input type="password" name="p"></form><object data="https://evil.example/x.swf"></object><embed src="https://evil.example/y.swf">',
    '',
    '```go\nfunc main() {}\n```',
    '',
    // What sanitize-html releases after the pinned one fixed: none of these elements is allowed here.
    '<svg><a><animate attributeName="href" values="#x;javascript:alert(8)"/><text>svg</text></a></svg>',
    '<svg><textarea><img src=x onerror=alert(9)></textarea></svg><textarea></textarea/><img src=x onerror=alert(10)><xmp><img src=x onerror=alert(11)></xmp>',
  ].join('\n');
  const post = memoryPost({ slug: 'hostile', title: 'Hostile' });
  const contentIn: Record<string, (body: string) => string> = {
    Atom: (body) => child(child(parseXml(atomFeed(atomScope([post]), [entry(post, body)], site)), 'entry'), 'content').text,
    'JSON Feed': (body) => (JSON.parse(jsonFeed(jsonScope([post]), [entry(post, body)], site)) as JsonFeed).items[0]?.content_html ?? '',
  };

  it.each(Object.keys(contentIn))('drops script-bearing links, images and elements from the %s content, keeping http(s) and mailto links and highlighted code', (kind) => {
    const html = contentIn[kind]!(hostile);
    expect(html).not.toMatch(/javascript|vbscript|data:|alert|steal|\son\w+=|<script|<style|<iframe|<form|<input|<object|<embed|<svg|<animate|<textarea|<xmp|evil\.example/i);
    expect(html).toContain('<a>click me</a> and <a href="https://istio.io/">Istio</a> and <a href="mailto:ada@example.com">mail</a>');
    expect(html).toContain('<a>vb</a> <a>mixed case</a> <a>tab</a>');
    expect(html).toContain('<a href="https://ok.example/">ok</a>');
    expect(html).toContain('<img src="https://img.example/a.png" alt="a" />');
    expect(html).not.toContain('pixel');
    expect(html).toContain('<code class="hljs language-go"><span class="hljs-function"><span class="hljs-keyword">func</span>');
  });

  it('makes relative links and images absolute against the post, as readers resolve them against the feed or not at all', () => {
    const local = memoryPost({ slug: 'local' });
    const html = (JSON.parse(jsonFeed(jsonScope([local]), [entry(local, '[next](/blog/posts/next) [top](#intro) ![diagram](diagram.png)')], site)) as JsonFeed).items[0]
      ?.content_html;
    expect(html).toContain('<a href="https://blog.example.com/blog/posts/next">next</a>');
    expect(html).toContain('<a href="https://blog.example.com/blog/posts/local#intro">top</a>');
    expect(html).toContain('<img src="https://blog.example.com/blog/posts/diagram.png" alt="diagram" />');
  });

  it('keeps the formatting a post is made of: headings, tables with alignment, task lists, details, figures', () => {
    const rich = memoryPost({ slug: 'rich' });
    const body = [
      '## Setup',
      '',
      '| key | value |',
      '|:----|------:|',
      '| a   | 1     |',
      '',
      '- [x] done',
      '- [ ] todo',
      '',
      '> quoted <sup>1</sup> <del>old</del> <mark>new</mark> <abbr title="Kubernetes">k8s</abbr>',
      '',
      '<details><summary>More</summary><p>Hidden</p></details>',
      '<figure><img src="https://img.example/b.png" alt="b" width="640" height="480"><figcaption>A figure</figcaption></figure>',
    ].join('\n');
    const html = child(child(parseXml(atomFeed(atomScope([rich]), [entry(rich, body)], site)), 'entry'), 'content').text;
    expect(html).toContain('<h2>Setup</h2>');
    expect(html).toContain('<th align="left">key</th>');
    expect(html).toContain('<td align="right">1</td>');
    expect(html).toContain('<li><input checked disabled type="checkbox" /> done</li>');
    expect(html).toContain('<li><input disabled type="checkbox" /> todo</li>');
    expect(html).toContain('<blockquote>');
    expect(html).toContain('<sup>1</sup> <del>old</del> <mark>new</mark> <abbr title="Kubernetes">k8s</abbr>');
    expect(html).toContain('<details><summary>More</summary><p>Hidden</p></details>');
    expect(html).toContain('<figure><img src="https://img.example/b.png" alt="b" width="640" height="480" /><figcaption>A figure</figcaption></figure>');
  });
});

describe('JSON Feed', () => {
  it('is JSON Feed 1.1 with the feed and item fields readers use', () => {
    const post = memoryPost({
      slug: 'helm',
      title: 'Helm charts',
      date: new Date('2024-03-01T08:00:00Z'),
      updated: new Date('2024-04-02T09:30:00Z'),
      tags: ['kubernetes', 'Vec<T>'],
      author: 'Grace',
    });
    const feed = JSON.parse(jsonFeed(jsonScope([post]), [entry(post, 'Charts.', 'Charts are packages.')], site)) as JsonFeed;
    expect(feed).toMatchObject({
      version: 'https://jsonfeed.org/version/1.1',
      title: 'Test blog',
      home_page_url: 'https://blog.example.com/blog/',
      feed_url: 'https://blog.example.com/blog/feed.json',
      description: 'Notes on Kubernetes',
      language: 'en',
      authors: [{ name: 'Ada' }],
    });
    expect(feed.items).toEqual([
      {
        id: 'https://blog.example.com/blog/posts/helm',
        url: 'https://blog.example.com/blog/posts/helm',
        title: 'Helm charts',
        content_html: '<p>Charts.</p>\n',
        summary: 'Charts are packages.',
        date_published: '2024-03-01T08:00:00.000Z',
        date_modified: '2024-04-02T09:30:00.000Z',
        tags: ['kubernetes', 'Vec<T>'],
        authors: [{ name: 'Grace' }],
      },
    ]);
  });
});

describe('authors', () => {
  const post = memoryPost({ slug: 'nameless' });

  it('gives both feeds a feed-level author, the site title, when neither the site nor the post names one', () => {
    const atom = parseXml(atomFeed(atomScope([post]), [entry(post, 'Body')], anonymousSite));
    expect(child(child(atom, 'author'), 'name').text).toBe('Test blog');
    expect(childrenNamed(child(atom, 'entry'), 'author')).toEqual([]);

    const json = JSON.parse(jsonFeed(jsonScope([post]), [entry(post, 'Body')], anonymousSite)) as JsonFeed;
    expect(json.authors).toEqual([{ name: 'Test blog' }]);
    expect(json.items[0]?.authors).toBeUndefined();
  });

  it("names the post's author on its entry, else the site's", () => {
    const signed = memoryPost({ slug: 'signed', author: 'Grace' });
    const atom = parseXml(atomFeed(atomScope([signed, post]), [entry(signed, 'Body'), entry(post, 'Body')], site));
    expect(childrenNamed(atom, 'entry').map((e) => child(child(e, 'author'), 'name').text)).toEqual(['Grace', 'Ada']);
  });
});

describe('feedPosts', () => {
  it(`carries the newest ${FEED_ITEMS} posts`, () => {
    const posts = Array.from({ length: FEED_ITEMS + 5 }, (_, i) => memoryPost({ slug: `post-${i}` }));
    expect(feedPosts(atomScope(posts))).toEqual(posts.slice(0, FEED_ITEMS));
  });
});

describe('sitemap', () => {
  const page = (url: string, frontMatter: Record<string, unknown> = {}): Page => ({
    url,
    origin: `${url}.md`,
    path: url.slice(1),
    title: undefined,
    description: undefined,
    markdown: true,
    navOrder: undefined,
    body: '',
    frontMatter,
    redirectFrom: [],
  });

  it("lists a site's pages after its posts, as jekyll-sitemap does, except 404.html and pages marked sitemap: false", async () => {
    const pages = [page('/about/'), page('/'), page('/404.html'), page('/drafts-of-talks/', { sitemap: false }), page('/docs/guide.html')];
    const site = { root: '/site', pages, staticFiles: new Set<string>(), config: {}, data: {}, includes: {} };
    const catalog = new Catalog([memoryPost({ slug: 'hello', url: '/2024/hello/', tags: [] })], { showDrafts: false, showFuture: false, timezone: 'UTC' }, Date.parse('2025-01-01'), 1, site);
    const xml = await sitemap(catalog, { ...anonymousSite, basePath: '' });
    expect([...xml.matchAll(/<loc>([^<]*)<\/loc>/g)].map((m) => m[1])).toEqual([
      'https://blog.example.com/',
      'https://blog.example.com/archive',
      'https://blog.example.com/tags',
      'https://blog.example.com/2024/hello/',
      'https://blog.example.com/about/',
      'https://blog.example.com/docs/guide.html',
    ]);
  });
});
