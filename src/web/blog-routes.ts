import { type Request, type RequestHandler, Router } from 'express';
import type { Catalog } from '../content/catalog.js';
import type { ContentStore } from '../content/store.js';
import type { Config } from '../ops/config.js';
import type { Metrics } from '../ops/metrics.js';
import type { Asset } from '../rendering/assets.js';
import { type FeedEntry, type FeedScope, atomFeed, feedPosts, jsonFeed, robotsTxt, sitemap } from '../rendering/feeds.js';
import { type SiteContext, type Theme, readingMinutes } from '../rendering/pages.js';
import { href, paths } from '../rendering/urls.js';
import { type PageCache, RenderedPage } from './page-cache.js';
import { routeLabel, writePage } from './respond.js';

export interface BlogRouteDeps {
  config: Config;
  store: ContentStore;
  theme: Theme;
  cache: PageCache;
  metrics: Metrics;
  assets: { stylesheet: Asset; icon: Asset };
  siteFor(req: Request): SiteContext;
}

interface Rendered {
  body: string;
  contentType: string;
}

type Render = (req: Request, catalog: Catalog, site: SiteContext) => Rendered | undefined | Promise<Rendered | undefined>;

const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'string' && /^[1-9]\d{0,6}$/.test(value) ? Number(value) : undefined;
}

/** Cache key of a page: what it depends on besides the content version. */
export function pageKey(origin: string, path: string): string {
  return `${origin}${path}`;
}

/**
 * The reader-facing pages, feeds and JSON API. Each is rendered at most once per content version and
 * origin, then served from the page cache with its compressed variants.
 */
export function blogRouter(deps: BlogRouteDeps): Router {
  const { config, store, theme, cache, metrics, siteFor } = deps;
  const cacheControl = `public, max-age=${config.cacheMaxAgeSeconds}`;
  const router = Router();

  const page =
    (kind: string, render: Render): RequestHandler =>
    async (req, res, next) => {
      const catalog = store.catalog();
      const site = siteFor(req);
      const key = pageKey(site.origin, req.originalUrl.split('?')[0] ?? '/');
      let rendered = cache.get(key, catalog.version);
      if (rendered) {
        metrics.cacheHits.inc();
      } else {
        metrics.cacheMisses.inc();
        const stopTimer = metrics.renderDuration.startTimer({ kind });
        const output = await render(req, catalog, site);
        if (!output) {
          next();
          return;
        }
        stopTimer();
        rendered = new RenderedPage(200, output.contentType, cacheControl, Buffer.from(output.body), catalog.version, routeLabel(req), cache);
        cache.set(key, rendered);
      }
      await writePage(req, res, rendered);
    };
  const html = (body: string | undefined): Rendered | undefined => (body === undefined ? undefined : { body, contentType: HTML });
  const feedEntries = (scope: FeedScope, catalog: Catalog, site: SiteContext): FeedEntry[] =>
    feedPosts(scope).map((post) => ({
      post,
      html: theme.postHtml(post, catalog, site),
      summary: post.description ?? theme.excerptText(post, catalog, site),
    }));

  router.get('/', page('index', (_req, catalog, site) => html(theme.indexPage(catalog, 1, config.postsPerPage, site))));
  router.get('/page/:n', (req, res, next) => {
    if (req.params.n === '1') res.redirect(301, href(siteFor(req), paths.home()));
    else next();
  });
  router.get(
    '/page/:n',
    page('index', (req, catalog, site) => {
      const n = positiveInt(req.params.n);
      return n === undefined ? undefined : html(theme.indexPage(catalog, n, config.postsPerPage, site));
    }),
  );
  router.get(
    '/posts/:slug',
    page('post', (req, catalog, site) => {
      const post = catalog.post(String(req.params.slug));
      return post ? html(theme.postPage(post, catalog, site)) : undefined;
    }),
  );
  router.get('/tags', page('tags', (_req, catalog, site) => html(theme.tagsPage(catalog, site))));
  const tagPage = page('tag', (req, catalog, site) => {
    const tag = catalog.tag(String(req.params.tag));
    const n = req.params.n === undefined ? 1 : positiveInt(req.params.n);
    return tag && n !== undefined ? html(theme.tagPage(tag, n, config.postsPerPage, catalog, site)) : undefined;
  });
  router.get('/tags/:tag', tagPage);
  router.get('/tags/:tag/page/:n', tagPage);
  router.get(
    '/tags/:tag/feed.xml',
    page('feed', (req, catalog, site) => {
      const tag = catalog.tag(String(req.params.tag));
      if (!tag) return undefined;
      const scope = { title: `${site.title}: ${tag.name}`, selfPath: paths.tagFeed(tag.slug), pagePath: paths.tag(tag.slug), posts: tag.posts };
      return { body: atomFeed(scope, feedEntries(scope, catalog, site), site), contentType: 'application/atom+xml; charset=utf-8' };
    }),
  );
  router.get('/archive', page('archive', (_req, catalog, site) => html(theme.archivePage(catalog, site))));
  router.get(
    '/feed.xml',
    page('feed', (_req, catalog, site) => {
      const scope = { title: site.title, selfPath: paths.atom(), pagePath: paths.home(), posts: catalog.posts };
      return { body: atomFeed(scope, feedEntries(scope, catalog, site), site), contentType: 'application/atom+xml; charset=utf-8' };
    }),
  );
  router.get(
    '/feed.json',
    page('feed', (_req, catalog, site) => {
      const scope = { title: site.title, selfPath: paths.jsonFeed(), pagePath: paths.home(), posts: catalog.posts };
      return { body: jsonFeed(scope, feedEntries(scope, catalog, site), site), contentType: 'application/feed+json; charset=utf-8' };
    }),
  );
  router.get(
    '/sitemap.xml',
    page('sitemap', async (_req, catalog, site) => ({ body: await sitemap(catalog, site), contentType: 'application/xml; charset=utf-8' })),
  );
  router.get('/robots.txt', page('robots', (_req, _catalog, site) => ({ body: robotsTxt(site), contentType: 'text/plain; charset=utf-8' })));

  const summary = (post: import('../content/post.js').Post, catalog: Catalog, site: SiteContext) => ({
    slug: post.slug,
    title: post.title,
    date: post.date.toISOString(),
    updated: post.updated?.toISOString() ?? null,
    tags: post.tags,
    excerpt: theme.excerptText(post, catalog, site),
    url: href(site, paths.post(post.slug)),
  });
  router.get(
    '/api/posts',
    page('api', (_req, catalog, site) => ({
      body: JSON.stringify({ posts: catalog.posts.map((p) => summary(p, catalog, site)) }),
      contentType: JSON_TYPE,
    })),
  );
  router.get(
    '/api/posts/:slug',
    page('api', (req, catalog, site) => {
      const post = catalog.post(String(req.params.slug));
      if (!post) return undefined;
      // The HTML first: reading the body counts its words too.
      const postHtml = theme.postHtml(post, catalog, site);
      const body = {
        ...summary(post, catalog, site),
        description: post.description ?? null,
        author: post.author ?? null,
        categories: post.categories,
        readingMinutes: readingMinutes(post),
        html: postHtml,
      };
      return { body: JSON.stringify(body), contentType: JSON_TYPE };
    }),
  );
  router.get('/api/posts/:slug', (req, res) => {
    res.status(404).json({ error: 'post not found', slug: req.params.slug });
  });

  for (const asset of [deps.assets.stylesheet, deps.assets.icon]) {
    const served = new RenderedPage(200, asset.contentType, 'public, max-age=31536000, immutable', asset.body, 0, asset.path);
    router.get(asset.path, (req, res) => writePage(req, res, served));
  }
  return router;
}
