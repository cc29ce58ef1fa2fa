import type { RequestListener } from 'node:http';
import path from 'node:path';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { DirectorySource, type SiteLayout } from './content/directory-source.js';
import { pageUrl, permalinkPostUrls, postUrl } from './content/permalink.js';
import type { SiteContent } from './content/site-content.js';
import type { Catalog } from './content/catalog.js';
import { ContentStore } from './content/store.js';
import { type BuildInfo, readBuildInfo } from './ops/build-info.js';
import type { Config } from './ops/config.js';
import { Health } from './ops/health.js';
import { Metrics } from './ops/metrics.js';
import { loadThemeAssets } from './rendering/assets.js';
import { type RenderSettings, createRenderEngines } from './rendering/engines.js';
import { type FragmentResult, NO_SHARED_SITE } from './rendering/fragment.js';
import { readRelativeIncludes } from './content/include-files.js';
import { Theme } from './rendering/pages.js';
import { PostRenderer } from './rendering/post-renderer.js';
import { RenderPool } from './rendering/render-pool.js';
import { renderWorkerScript } from './rendering/render-worker-script.js';
import { SearchIndex } from './search/search-index.js';
import { createOpsApp, createWebApp, securityHeaders } from './web/app.js';
import { withFastPath } from './web/fast-path.js';
import { PageCache } from './web/page-cache.js';

/** A source of posts that hands complete sets to the store. */
export interface ContentSource {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface Blog {
  /** The public port's request handler: cached pages first, then Express. */
  readonly webHandler: RequestListener;
  readonly webApp: Express;
  readonly opsApp: Express;
  readonly store: ContentStore;
  readonly health: Health;
  readonly metrics: Metrics;
  readonly cache: PageCache;
  readonly renderer: PostRenderer;
  readonly search: SearchIndex;
  readonly sources: readonly ContentSource[];
  /** Loads every content source and starts the render threads; rejects (with the reason) when one cannot start. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface BlogOptions {
  logger: Logger;
  build?: BuildInfo;
  /** Extra sources (the Kubernetes one); the directory source is made here when configured. */
  extraSources?: (store: ContentStore, metrics: Metrics) => ContentSource[];
}

/**
 * `site.posts` as a Jekyll site's pages loop over it (newest first): what listings use of each post.
 * Bodies stay out: 10,000 of them would be sent to every render thread.
 */
function liquidPosts(posts: Catalog['posts']): Array<Record<string, unknown>> {
  return posts.map((post) => ({
    title: post.title,
    url: post.url,
    date: post.date,
    slug: post.slug,
    categories: post.categories,
    tags: post.tags,
    description: post.description,
    author: post.author,
  }));
}

/** A Jekyll site with more files than this is refused: SITE_DIR pointed at a whole disk would fill memory. */
const SITE_MAX_FILES = 200_000;

/** A render thread's heap: a post needs a few megabytes; one that wants more is stopped alone. */
const RENDER_THREAD_HEAP_MB = 64;

/** The composition root: wires content, rendering, web and ops together for one blog instance. */
export function createBlog(config: Config, options: BlogOptions): Blog {
  const { logger } = options;
  const build = options.build ?? readBuildInfo();
  const metrics = new Metrics(build);
  const store = new ContentStore(config.contentSources, {
    showDrafts: config.showDrafts,
    showFuture: config.showFuture,
    timezone: config.timezone,
  });
  const cache = new PageCache(config.pageCacheEntries, config.pageCacheMb * 1024 * 1024);
  const health = new Health(store);
  const assets = loadThemeAssets();
  const theme = new Theme({ assets });
  const limits: RenderSettings = {
    markdown: config.markdown,
    markdownMaxNesting: config.markdownMaxNesting,
    liquidRenderLimitMs: config.liquidRenderLimitMs,
    liquidMemoryLimit: config.liquidMemoryLimit,
    liquidParseLimit: config.postMaxBytes,
  };
  const pool = new RenderPool({
    script: renderWorkerScript,
    workerData: limits,
    threads: config.renderThreads,
    timeoutMs: config.renderTimeoutMs,
    maxHeapMb: RENDER_THREAD_HEAP_MB,
  });
  const renderer = new PostRenderer({
    runOnThread: (job) => pool.run<FragmentResult>(job),
    inline: createRenderEngines(limits),
    onLiquidProblems: (post, problems) => {
      for (const problem of problems) {
        const where = `${problem.file ?? post.origin}${problem.line === undefined ? '' : `:${problem.line}`}`;
        logger.warn({ file: post.origin, include: problem.file, line: problem.line, reason: problem.message }, `Liquid in ${where}: ${problem.message}`);
      }
    },
    relativeFiles: async (item, names) => {
      const siteDir = config.siteDir;
      // Only a file of the site has neighbours: a post from a ConfigMap has none.
      if (siteDir === undefined || !item.origin.startsWith(`${siteDir}${path.sep}`)) return {};
      return readRelativeIncludes(siteDir, path.dirname(item.origin), names);
    },
    onFailure: (post, part, reason, timedOut) => {
      metrics.renderFailures.inc({ part, reason: timedOut ? 'timeout' : 'error' });
      logger.error({ file: post.origin, part, reason }, `the ${part} of ${post.origin} could not be rendered and is left out until the post changes: ${reason}`);
    },
  });

  store.on('reload', (event) => {
    metrics.reloads.inc({ source: event.source, result: event.result });
    metrics.sourceUp.set({ source: event.source }, store.isReadable(event.source) ? 1 : 0);
    if (event.result === 'success') metrics.lastReloadSuccess.set({ source: event.source }, Date.now() / 1000);
  });
  store.on('conflict', (event) => {
    metrics.conflicts.inc();
    logger.warn(event, `two files claim the URL "${event.url}": serving ${event.winner}, dropping ${event.loser}`);
  });
  // Readiness does not wait for the search index: pages matter more than search, and at 10,000 posts the
  // index takes longer than the ready target. Until the first index exists, search answers "being built".
  const search = new SearchIndex(({ seconds, first, reindexed, posts, terms }) => {
    metrics.searchIndexSync.observe(seconds);
    metrics.searchIndexPosts.set(posts);
    metrics.searchIndexTerms.set(terms);
    if (first) logger.info({ seconds, posts, terms }, `search index built: ${posts} posts in ${seconds.toFixed(2)} s`);
    else logger.debug({ seconds, reindexed, posts }, `search index updated: ${reindexed} posts indexed again in ${seconds.toFixed(3)} s`);
  });
  store.on('change', (catalog) => {
    search.sync(catalog).catch((error: unknown) => logger.error({ err: error }, `search index update failed: ${(error as Error).message}`));
  });
  // The site's config, data and includes reach each render thread once per change, not with every job.
  let shared: { site: SiteContent | undefined; posts: Catalog['posts'] } | undefined;
  store.on('change', (catalog) => {
    cache.clear();
    const site = catalog.site;
    if (shared && site?.config === shared.site?.config && site?.data === shared.site?.data && site?.includes === shared.site?.includes && catalog.posts === shared.posts) return;
    shared = { site, posts: catalog.posts };
    pool.share(site ? { site: { ...site.config, data: site.data, posts: liquidPosts(catalog.posts) }, includes: site.includes } : NO_SHARED_SITE);
  });

  const sources: ContentSource[] = [];
  if (config.contentSources.includes('directory')) {
    const site: SiteLayout | undefined = config.siteDir
      ? {
          configFile: config.siteConfigFile,
          drafts: config.showDrafts,
          maxFiles: SITE_MAX_FILES,
          checkPermalink: (permalink) => {
            postUrl({ permalink, relativePath: '_posts/2000-01-01-sample.md', date: new Date(0), timezone: 'UTC' });
          },
          postUrl: (post, rel, rules) => postUrl({ permalink: rules.postPermalink, relativePath: rel, date: post.date, timezone: config.timezone, frontMatter: post.frontMatter }),
          pageUrl: (rel, frontMatter, rules) => pageUrl({ permalink: rules.permalink, relativePath: rel, frontMatter }),
        }
      : undefined;
    sources.push(
      new DirectorySource({
        dir: config.siteDir ?? config.postsDir,
        site,
        ...(config.permalink === undefined ? {} : { postUrl: permalinkPostUrls(config.permalink, config.timezone) }),
        timezone: config.timezone,
        postMaxBytes: config.postMaxBytes,
        frontMatterMaxBytes: config.frontMatterMaxBytes,
        excerptSeparator: config.excerptSeparator,
        store,
        logger,
        pollSeconds: config.watchPollSeconds,
      }),
    );
  }
  sources.push(...(options.extraSources?.(store, metrics) ?? []));

  const headers = securityHeaders();
  const webApp = createWebApp({ config, store, theme, renderer, cache, metrics, health, logger, assets, search, securityHeaders: headers });
  const webHandler = withFastPath(webApp, { config, store, cache, metrics, health, logger, securityHeaders: headers });
  const opsApp = createOpsApp({
    metrics,
    health,
    build,
    onScrape: () => {
      const counts = store.counts();
      metrics.posts.set({ state: 'published' }, counts.published);
      metrics.posts.set({ state: 'hidden' }, counts.hidden);
      metrics.posts.set({ state: 'invalid' }, counts.invalid);
      metrics.cacheEntries.set(cache.size);
      metrics.cacheBytes.set(cache.bytes);
    },
  });

  return {
    webHandler,
    webApp,
    opsApp,
    store,
    health,
    metrics,
    cache,
    renderer,
    search,
    sources,
    start: async () => {
      await Promise.all([...sources.map((s) => s.start()), pool.ready()]);
    },
    stop: async () => {
      await Promise.all([...sources.map((s) => s.stop()), pool.close()]);
    },
  };
}
