import { type Request, type RequestHandler, Router } from 'express';
import type { Catalog } from '../content/catalog.js';
import { tagSlug } from '../content/catalog.js';
import type { Page } from '../content/page.js';
import type { Post } from '../content/post.js';
import type { ContentStore } from '../content/store.js';
import type { Config } from '../ops/config.js';
import type { Metrics } from '../ops/metrics.js';
import type { Asset } from '../rendering/assets.js';
import { type FeedScope, atomFeed, feedPosts, jsonFeed, robotsTxt, sitemap } from '../rendering/feeds.js';
import { textOf } from '../rendering/html.js';
import { type SiteContext, type Theme, pageOf, readingMinutes } from '../rendering/pages.js';
import type { PostRenderer } from '../rendering/post-renderer.js';
import { href, paths } from '../rendering/urls.js';
import type { SearchIndex } from '../search/search-index.js';
import { searchRouter } from './search-routes.js';
import { type PageCache, RenderedPage } from './page-cache.js';
import { routeLabel, writePage } from './respond.js';

export interface BlogRouteDeps {
  config: Config;
  store: ContentStore;
  theme: Theme;
  renderer: PostRenderer;
  cache: PageCache;
  metrics: Metrics;
  assets: { stylesheet: Asset; icon: Asset };
  search: SearchIndex;
  siteFor(req: Request): SiteContext;
}

interface Rendered {
  body: string;
  contentType: string;
}

/**
 * What a request names, found with map lookups alone: the canonical path of the page (under the base
 * path) and how to render it. Nothing is rendered for a request that names nothing or spells its page
 * another way.
 */
interface Target {
  path: string;
  render(site: SiteContext): Rendered | undefined | Promise<Rendered | undefined>;
}

type Resolve = (req: Request, catalog: Catalog) => Target | undefined;

const HTML = 'text/html; charset=utf-8';

/** The route label of posts and pages served at their permalinks. */
const PERMALINK_ROUTE = '/:permalink';
const JSON_TYPE = 'application/json; charset=utf-8';
const ATOM = 'application/atom+xml; charset=utf-8';

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'string' && /^[1-9]\d{0,6}$/.test(value) ? Number(value) : undefined;
}

/** Cache key of a page: what it depends on besides the content version. */
export function pageKey(origin: string, path: string): string {
  return `${origin}${path}`;
}

/** The path part of a request's URL exactly as sent: what a canonical spelling is compared with. */
function requestedPath(req: Request): string {
  const url = req.originalUrl;
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * The reader-facing pages, feeds and JSON API. Each page has one URL: the cache is keyed by it, and any
 * other spelling that names the same page (case, percent-escapes, a trailing slash, `/page/1`) answers
 * 301 to it without rendering. Each page is rendered at most once per content version and origin,
 * then served from the page cache with its compressed variants.
 */
export function blogRouter(deps: BlogRouteDeps): Router {
  const { config, store, theme, renderer, cache, metrics, siteFor } = deps;
  const cacheControl = `public, max-age=${config.cacheMaxAgeSeconds}`;
  const router = Router();

  const page =
    (kind: string, resolve: Resolve): RequestHandler =>
    async (req, res, next) => {
      const catalog = store.catalog();
      const target = resolve(req, catalog);
      if (!target) {
        next();
        return;
      }
      const site = { ...siteFor(req), navigation: catalog.navigation };
      const canonical = href(site, target.path);
      if (requestedPath(req) !== canonical) {
        const query = req.originalUrl.indexOf('?');
        res.redirect(301, query === -1 ? canonical : canonical + req.originalUrl.slice(query));
        return;
      }
      const key = pageKey(site.origin, canonical);
      let rendered = cache.get(key, catalog.version);
      if (rendered) {
        metrics.cacheHits.inc();
      } else {
        // Requests for a page that is being rendered wait for that render instead of starting their own.
        const renderKey = `${catalog.version} ${key}`;
        let pending = rendering.get(renderKey);
        if (pending) {
          metrics.cacheHits.inc();
        } else {
          metrics.cacheMisses.inc();
          pending = renderPage(kind, target, site, catalog.version, routeLabel(req), key).finally(() => rendering.delete(renderKey));
          rendering.set(renderKey, pending);
        }
        rendered = await pending;
      }
      if (!rendered) {
        next();
        return;
      }
      await writePage(req, res, rendered);
    };
  const rendering = new Map<string, Promise<RenderedPage | undefined>>();
  const renderPage = async (kind: string, target: Target, site: SiteContext, version: number, route: string, key: string) => {
    const stopTimer = metrics.renderDuration.startTimer({ kind });
    const output = await target.render(site);
    if (!output) return undefined;
    stopTimer();
    const page = new RenderedPage(200, output.contentType, cacheControl, Buffer.from(output.body), version, route, cache);
    cache.set(key, page);
    return page;
  };
  const html = (body: string | undefined): Rendered | undefined => (body === undefined ? undefined : { body, contentType: HTML });

  const indexPage = (n: number | undefined, catalog: Catalog): Target | undefined => {
    const slice = n === undefined ? undefined : pageOf(catalog.posts, n, config.postsPerPage);
    if (n === undefined || !slice) return undefined;
    return {
      path: paths.page(n),
      render: async (site) => html(theme.indexPage(catalog, n, config.postsPerPage, site, await renderer.excerptsHtml(slice.items, catalog, site))),
    };
  };
  router.get('/', page('index', (_req, catalog) => indexPage(1, catalog)));
  router.get('/page/:n', page('index', (req, catalog) => indexPage(positiveInt(req.params.n), catalog)));

  const postTarget = (slug: unknown, catalog: Catalog, path: (post: Post) => string, render: (post: Post, site: SiteContext) => Promise<Rendered>): Target | undefined => {
    const post = catalog.post(String(slug));
    return post && { path: path(post), render: (site) => render(post, site) };
  };
  const postPage = (post: Post | undefined, catalog: Catalog): Target | undefined =>
    post && {
      path: post.url,
      render: async (site) => {
        // The body first: a source that reads it from disk counts its words on that read.
        const body = await renderer.bodyHtml(post, catalog, site);
        const excerpt = post.description === undefined ? await renderer.excerptHtml(post, catalog, site) : '';
        return { body: theme.postPage(post, body, excerpt, catalog, site), contentType: HTML };
      },
    };
  // `/posts/SLUG` names the newest post of that slug; on a Jekyll site it answers 301 to the post's own URL.
  router.get('/posts/:slug', page('post', (req, catalog) => postPage(catalog.post(String(req.params.slug)), catalog)));

  router.get('/tags', page('tags', (_req, catalog) => ({ path: paths.tags(), render: (site) => html(theme.tagsPage(catalog, site)) })));
  const tagTarget = (req: Request, catalog: Catalog): Target | undefined => {
    // Tags are found whatever their case or spelling; the canonical URL carries the tag's slug.
    const tag = catalog.tag(tagSlug(String(req.params.tag)));
    const n = req.params.n === undefined ? 1 : positiveInt(req.params.n);
    const slice = tag && n !== undefined ? pageOf(tag.posts, n, config.postsPerPage) : undefined;
    if (!tag || n === undefined || !slice) return undefined;
    return {
      path: paths.tag(tag.slug, n),
      render: async (site) => html(theme.tagPage(tag, n, config.postsPerPage, site, await renderer.excerptsHtml(slice.items, catalog, site))),
    };
  };
  router.get('/tags/:tag', page('tag', tagTarget));
  router.get('/tags/:tag/page/:n', page('tag', tagTarget));

  const feedEntries = async (scope: FeedScope, catalog: Catalog, site: SiteContext) =>
    Promise.all(
      feedPosts(scope).map(async (post) => {
        const body = await renderer.bodyHtml(post, catalog, site);
        const summary = post.description ?? textOf(await renderer.excerptHtml(post, catalog, site));
        return { post, html: body, summary };
      }),
    );
  const feedTarget = (path: string, scopeOf: (site: SiteContext) => FeedScope, catalog: Catalog, format: 'atom' | 'json'): Target => ({
    path,
    render: async (site) => {
      const scope = scopeOf(site);
      const entries = await feedEntries(scope, catalog, site);
      return format === 'atom'
        ? { body: atomFeed(scope, entries, site), contentType: ATOM }
        : { body: jsonFeed(scope, entries, site), contentType: 'application/feed+json; charset=utf-8' };
    },
  });
  router.get(
    '/tags/:tag/feed.xml',
    page('feed', (req, catalog) => {
      const tag = catalog.tag(tagSlug(String(req.params.tag)));
      if (!tag) return undefined;
      const scope = (site: SiteContext) => ({ title: `${site.title}: ${tag.name}`, selfPath: paths.tagFeed(tag.slug), pagePath: paths.tag(tag.slug), posts: tag.posts });
      return feedTarget(paths.tagFeed(tag.slug), scope, catalog, 'atom');
    }),
  );
  router.get('/archive', page('archive', (_req, catalog) => ({ path: paths.archive(), render: (site) => html(theme.archivePage(catalog, site)) })));
  const homeScope = (selfPath: string, catalog: Catalog) => (site: SiteContext) => ({ title: site.title, selfPath, pagePath: paths.home(), posts: catalog.posts });
  router.get('/feed.xml', page('feed', (_req, catalog) => feedTarget(paths.atom(), homeScope(paths.atom(), catalog), catalog, 'atom')));
  router.get('/feed.json', page('feed', (_req, catalog) => feedTarget(paths.jsonFeed(), homeScope(paths.jsonFeed(), catalog), catalog, 'json')));
  router.get(
    '/sitemap.xml',
    page('sitemap', (_req, catalog) => ({
      path: paths.sitemap(),
      render: async (site) => ({ body: await sitemap(catalog, site), contentType: 'application/xml; charset=utf-8' }),
    })),
  );
  router.get(
    '/robots.txt',
    page('robots', () => ({ path: paths.robots(), render: (site) => ({ body: robotsTxt(site), contentType: 'text/plain; charset=utf-8' }) })),
  );

  const summary = (post: Post, excerptHtml: string, site: SiteContext) => ({
    slug: post.slug,
    title: post.title,
    date: post.date.toISOString(),
    updated: post.updated?.toISOString() ?? null,
    tags: post.tags,
    excerpt: textOf(excerptHtml),
    url: href(site, post.url),
  });
  router.get(
    '/api/posts',
    page('api', (_req, catalog) => ({
      path: paths.apiPosts(),
      render: async (site) => {
        const excerpts = await renderer.excerptsHtml(catalog.posts, catalog, site);
        return { body: JSON.stringify({ posts: catalog.posts.map((p) => summary(p, excerpts.get(p) ?? '', site)) }), contentType: JSON_TYPE };
      },
    })),
  );
  router.get(
    '/api/posts/:slug',
    page('api', (req, catalog) =>
      postTarget(req.params.slug, catalog, (post) => paths.apiPost(post.slug), async (post, site) => {
        // The HTML first: reading the body counts its words too.
        const postHtml = await renderer.bodyHtml(post, catalog, site);
        const body = {
          ...summary(post, await renderer.excerptHtml(post, catalog, site), site),
          description: post.description ?? null,
          author: post.author ?? null,
          categories: post.categories,
          readingMinutes: readingMinutes(post),
          html: postHtml,
        };
        return { body: JSON.stringify(body), contentType: JSON_TYPE };
      }),
    ),
  );
  router.get('/api/posts/:slug', (req, res) => {
    res.status(404).json({ error: 'post not found', slug: req.params.slug });
  });

  router.get(
    '/opensearch.xml',
    page('opensearch', () => ({
      path: paths.openSearch(),
      render: (site) => ({ body: theme.openSearchDescription(site), contentType: 'application/opensearchdescription+xml; charset=utf-8' }),
    })),
  );
  router.use(searchRouter({ search: deps.search, theme, metrics, perPage: config.postsPerPage, siteFor: (req) => ({ ...siteFor(req), navigation: store.catalog().navigation }) }));

  for (const asset of [deps.assets.stylesheet, deps.assets.icon]) {
    const served = new RenderedPage(200, asset.contentType, 'public, max-age=31536000, immutable', asset.body, 0, asset.path);
    router.get(asset.path, (req, res) => writePage(req, res, served));
  }
  // Posts and pages at the URLs Jekyll gives them; other spellings answer 301.
  const sitePage = (sitePageOf: Page | undefined, catalog: Catalog): Target | undefined =>
    sitePageOf && {
      path: sitePageOf.url,
      render: async (site) => html(theme.sitePage(sitePageOf, await renderer.pageHtml(sitePageOf, catalog, site), site)),
    };
  const permalinked = page('post', (req, catalog) => postPage(catalog.postAt(req.path), catalog) ?? sitePage(catalog.pageAt(req.path), catalog));
  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    // One label for every permalink in the metrics, and none for a path that names nothing.
    res.locals.route = PERMALINK_ROUTE;
    return permalinked(req, res, () => {
      delete res.locals.route;
      next();
    });
  });
  return router;
}
