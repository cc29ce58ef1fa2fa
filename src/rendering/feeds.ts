import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import XMLBuilder from 'fast-xml-builder';
import type sanitizeHtml from 'sanitize-html';
import type { Catalog } from '../content/catalog.js';
import type { Post } from '../content/post.js';
import type { SiteContext } from './pages.js';
import { absolute, paths } from './urls.js';

/** How many of the newest posts a feed carries. */
export const FEED_ITEMS = 20;

export interface FeedScope {
  title: string;
  /** Path of the feed itself (`/feed.xml`, `/tags/x/feed.xml`). */
  selfPath: string;
  /** Path of the HTML page the feed mirrors. */
  pagePath: string;
  posts: readonly Post[];
}

export interface FeedEntry {
  readonly post: Post;
  /** The post body as HTML. */
  readonly html: string;
  /** Plain-text summary. */
  readonly summary: string;
}

/** The posts a feed carries: the newest FEED_ITEMS of scope.posts. */
export function feedPosts(scope: FeedScope): readonly Post[] {
  return scope.posts.slice(0, FEED_ITEMS);
}

const ATOM_NS = 'http://www.w3.org/2005/Atom';
const JSON_FEED_VERSION = 'https://jsonfeed.org/version/1.1';

/** Everything XML 1.0's Char production leaves out: C0 controls but tab, LF and CR; lone surrogates; U+FFFE, U+FFFF. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function dropNonXmlChars(value: unknown): unknown {
  return typeof value === 'string' ? value.replace(NOT_XML_CHAR, '') : value;
}

// fast-xml-builder escapes all of & < > ' " in text and attributes (xmlbuilder2 leaves `&lt;` as it is, so
// escaped HTML such as a code sample showing <script> would reach readers as markup). Characters XML 1.0
// does not allow are dropped on the way in, so no post can make the document ill-formed.
const atomWriter = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  // A tag named "true" must stay term="true", not become a bare attribute name.
  suppressBooleanAttributes: false,
  suppressEmptyNode: true,
  format: true,
  tagValueProcessor: (_name, value) => dropNonXmlChars(value),
  attributeValueProcessor: (_name, value) => dropNonXmlChars(value),
});

/**
 * What of a post's HTML a feed reader gets. Readers show it in their own pages, without our CSP, so
 * anything that runs script or loads active content goes; what a blog post is made of stays.
 */
const FEED_HTML: sanitizeHtml.IOptions = {
  allowedTags: [
    'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'div', 'span', 'a', 'img', 'br', 'hr',
    'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'blockquote', 'q', 'cite', 'pre', 'code', 'kbd', 'samp', 'var',
    'table', 'caption', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'figure', 'figcaption',
    'em', 'strong', 'b', 'i', 'u', 's', 'del', 'ins', 'mark', 'small', 'sup', 'sub', 'abbr', 'time',
    'details', 'summary', 'input',
  ],
  allowedAttributes: {
    a: ['href', 'title'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    // highlight.js marks tokens with classes; readers that style `hljs-*` show the colours.
    pre: ['class'],
    code: ['class'],
    span: ['class'],
    th: ['align', 'colspan', 'rowspan', 'scope'],
    td: ['align', 'colspan', 'rowspan'],
    ol: ['start', 'reversed'],
    blockquote: ['cite'],
    q: ['cite'],
    del: ['cite', 'datetime'],
    ins: ['cite', 'datetime'],
    abbr: ['title'],
    time: ['datetime'],
    details: ['open'],
    // Task lists: a disabled checkbox, ticked or not.
    input: ['type', 'checked', 'disabled'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: {},
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
  // An image whose source was dropped would show as a broken one.
  exclusiveFilter: (frame) => (frame.tag === 'input' && frame.attribs.type !== 'checkbox') || (frame.tag === 'img' && !frame.attribs.src),
};

let sanitizer: typeof sanitizeHtml | undefined;

/**
 * sanitize-html, loaded the first time a feed is rendered: bundled into main.js it and its CSS parser
 * add ~50 ms to every pod's start-up, for a page only feed readers ask for.
 */
function loadSanitizer(): typeof sanitizeHtml {
  return (sanitizer ??= createRequire(import.meta.url)('sanitize-html') as typeof sanitizeHtml);
}

/** `value` resolved against `base`; left as it is when it is no URL, for the sanitizer to judge. */
function resolved(value: string, base: string): string {
  try {
    return new URL(value, base).href;
  } catch {
    return value;
  }
}

/**
 * A post's HTML as feeds carry it: sanitized, with relative links and images made absolute against the
 * post's URL, since readers resolve them against the feed's address or not at all.
 */
function feedHtml(html: string, postUrl: string): string {
  const absoluteAttribute =
    (attribute: string): sanitizeHtml.Transformer =>
    (tagName, attribs) => {
      const value = attribs[attribute];
      return { tagName, attribs: value === undefined ? attribs : { ...attribs, [attribute]: resolved(value, postUrl) } };
    };
  const cite = absoluteAttribute('cite');
  return loadSanitizer()(html, {
    ...FEED_HTML,
    transformTags: { a: absoluteAttribute('href'), img: absoluteAttribute('src'), blockquote: cite, q: cite, del: cite, ins: cite },
  });
}

/** What both kinds of feed say, worked out once. */
function feedFacts(scope: FeedScope, entries: readonly FeedEntry[], site: SiteContext) {
  const updated = entries.reduce<Date>((latest, { post }) => {
    const at = post.updated ?? post.date;
    return at > latest ? at : latest;
  }, new Date(0));
  return {
    pageUrl: absolute(site, scope.pagePath),
    selfUrl: absolute(site, scope.selfPath),
    updated: updated.toISOString(),
    // RFC 4287 wants an author for every entry; one on the feed covers entries whose post names none.
    author: site.author || site.title,
    items: entries.map(({ post, html, summary }) => {
      const url = absolute(site, post.url);
      return {
        post,
        url,
        html: feedHtml(html, url),
        summary,
        author: post.author ?? (site.author || undefined),
        published: post.date.toISOString(),
        updated: (post.updated ?? post.date).toISOString(),
      };
    }),
  };
}

export function atomFeed(scope: FeedScope, entries: readonly FeedEntry[], site: SiteContext): string {
  const facts = feedFacts(scope, entries, site);
  const document = {
    feed: {
      '@xmlns': ATOM_NS,
      '@xml:lang': site.language || undefined,
      id: facts.pageUrl,
      title: scope.title,
      subtitle: site.description || undefined,
      updated: facts.updated,
      link: [
        { '@rel': 'self', '@href': facts.selfUrl, '@type': 'application/atom+xml' },
        { '@rel': 'alternate', '@href': facts.pageUrl, '@type': 'text/html' },
      ],
      author: { name: facts.author },
      generator: 'kubeblog',
      entry: facts.items.map((item) => ({
        id: item.url,
        title: item.post.title,
        updated: item.updated,
        published: item.published,
        link: { '@href': item.url },
        author: item.author ? { name: item.author } : undefined,
        category: item.post.tags.map((tag) => ({ '@term': tag, '@label': tag })),
        summary: item.summary ? { '@type': 'text', '#text': item.summary } : undefined,
        content: { '@type': 'html', '#text': item.html },
      })),
    },
  };
  return `<?xml version="1.0" encoding="utf-8"?>\n${atomWriter.build(document)}`;
}

export function jsonFeed(scope: FeedScope, entries: readonly FeedEntry[], site: SiteContext): string {
  const facts = feedFacts(scope, entries, site);
  const feed = {
    version: JSON_FEED_VERSION,
    title: scope.title,
    home_page_url: facts.pageUrl,
    feed_url: facts.selfUrl,
    description: site.description || undefined,
    language: site.language || undefined,
    authors: [{ name: facts.author }],
    items: facts.items.map((item) => ({
      id: item.url,
      url: item.url,
      title: item.post.title,
      content_html: item.html,
      summary: item.summary || undefined,
      date_published: item.published,
      date_modified: item.updated,
      tags: item.post.tags,
      authors: item.author ? [{ name: item.author }] : undefined,
    })),
  };
  // The same text as the Atom feed: control characters and lone surrogates are no text a reader can show.
  return JSON.stringify(feed, (_key, value: unknown) => dropNonXmlChars(value), 2);
}

/** Every page a search engine should know: posts with their last change, tags, archive, front page. */
export async function sitemap(catalog: Catalog, site: SiteContext): Promise<string> {
  const lastmod = catalog.lastModified?.toISOString();
  const links = [
    { url: absolute(site, paths.home()), changefreq: 'daily' as const, lastmod },
    { url: absolute(site, paths.archive()), lastmod },
    { url: absolute(site, paths.tags()), lastmod },
    ...catalog.tags.map((t) => ({ url: absolute(site, paths.tag(t.slug)), lastmod: (t.posts[0]?.updated ?? t.posts[0]?.date)?.toISOString() })),
    ...catalog.posts.map((p) => ({ url: absolute(site, p.url), lastmod: (p.updated ?? p.date).toISOString() })),
  ];
  // A site's pages, as jekyll-sitemap lists them: not those marked `sitemap: false`, nor the 404 page; a
  // page at a URL listed above (a root index.html at the home page's URL) is listed once.
  const listed = new Set(links.map((link) => link.url));
  for (const page of catalog.site?.pages ?? []) {
    const url = absolute(site, page.url);
    if (page.frontMatter.sitemap === false || page.url === '/404.html' || listed.has(url)) continue;
    listed.add(url);
    links.push({ url, lastmod: undefined });
  }
  // Loaded on first use: start-up does not pay for a module only the sitemap needs.
  const { SitemapStream, streamToPromise } = await import('sitemap');
  const stream = new SitemapStream({ xmlns: { news: false, xhtml: false, image: false, video: false } });
  const xml = await streamToPromise(Readable.from(links).pipe(stream));
  return xml.toString('utf8');
}

/** Crawlers may index everything, except a preview deployment that shows drafts or future posts. */
export function robotsTxt(site: SiteContext): string {
  if (site.preview) return 'User-agent: *\nDisallow: /\n';
  return `User-agent: *\nAllow: /\n\nSitemap: ${absolute(site, paths.sitemap())}\n`;
}
