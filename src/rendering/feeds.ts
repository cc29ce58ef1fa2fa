import { Readable } from 'node:stream';
import { Feed } from 'feed';
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

/** The posts a feed carries: the newest FEED_ITEMS of the scope. */
export function feedPosts(scope: FeedScope): readonly Post[] {
  return scope.posts.slice(0, FEED_ITEMS);
}

function buildFeed(scope: FeedScope, entries: readonly FeedEntry[], site: SiteContext): Feed {
  const posts = entries.map((e) => e.post);
  const updated = posts.reduce<Date | undefined>((latest, p) => {
    const at = p.updated ?? p.date;
    return !latest || at > latest ? at : latest;
  }, undefined);
  const feed = new Feed({
    id: absolute(site, scope.pagePath),
    title: scope.title,
    description: site.description,
    link: absolute(site, scope.pagePath),
    language: site.language,
    updated: updated ?? new Date(0),
    generator: 'kubeblog',
    feedLinks: { atom: absolute(site, paths.atom()), json: absolute(site, paths.jsonFeed()) },
    feed: absolute(site, scope.selfPath),
    author: site.author ? { name: site.author } : undefined,
    copyright: `© ${site.author || site.title}`,
    favicon: undefined,
  });
  for (const { post, html, summary } of entries) {
    const url = absolute(site, paths.post(post.slug));
    feed.addItem({
      id: url,
      title: post.title,
      link: url,
      date: post.updated ?? post.date,
      published: post.date,
      description: post.description ?? summary,
      content: html,
      category: post.tags.map((name) => ({ name, term: name })),
      author: post.author ? [{ name: post.author }] : site.author ? [{ name: site.author }] : undefined,
    });
  }
  return feed;
}

export function atomFeed(scope: FeedScope, entries: readonly FeedEntry[], site: SiteContext): string {
  return buildFeed(scope, entries, site).atom1();
}

export function jsonFeed(scope: FeedScope, entries: readonly FeedEntry[], site: SiteContext): string {
  const feed = buildFeed(scope, entries, site);
  // The feed's own address is the JSON one here, not the Atom one.
  feed.options.feedLinks = { json: absolute(site, scope.selfPath) };
  return feed.json1();
}

/** Every page a search engine should know: posts with their last change, tags, archive, front page. */
export async function sitemap(catalog: Catalog, site: SiteContext): Promise<string> {
  const lastmod = catalog.lastModified?.toISOString();
  const links = [
    { url: absolute(site, paths.home()), changefreq: 'daily' as const, lastmod },
    { url: absolute(site, paths.archive()), lastmod },
    { url: absolute(site, paths.tags()), lastmod },
    ...catalog.tags.map((t) => ({ url: absolute(site, paths.tag(t.slug)), lastmod: (t.posts[0]?.updated ?? t.posts[0]?.date)?.toISOString() })),
    ...catalog.posts.map((p) => ({ url: absolute(site, paths.post(p.slug)), lastmod: (p.updated ?? p.date).toISOString() })),
  ];
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
