import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { ContentStore } from '../content/store.js';
import type { BuildInfo } from '../ops/build-info.js';
import type { Config } from '../ops/config.js';
import { type Health, probeRouter } from '../ops/health.js';
import { createHttpLogger } from '../ops/logger.js';
import { type Metrics, UNMATCHED_ROUTE } from '../ops/metrics.js';
import type { Asset } from '../rendering/assets.js';
import type { Theme } from '../rendering/pages.js';
import type { PostRenderer } from '../rendering/post-renderer.js';
import type { SearchIndex } from '../search/search-index.js';
import { href, paths } from '../rendering/urls.js';
import { blogRouter, pageKey } from './blog-routes.js';
import { type PageCache, RenderedPage } from './page-cache.js';
import { routeLabel, writePage } from './respond.js';
import { siteContextFactory } from './site.js';
import { STATIC_ROUTE, siteStaticFiles } from './static-files.js';

export interface WebAppDeps {
  config: Config;
  store: ContentStore;
  theme: Theme;
  renderer: PostRenderer;
  cache: PageCache;
  metrics: Metrics;
  health: Health;
  logger: Logger;
  assets: { stylesheet: Asset; icon: Asset };
  search: SearchIndex;
  securityHeaders: HeaderList;
}

/** helmet's configuration: no script may run, not even one injected through a post's raw HTML. */
function helmetMiddleware(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'none'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        styleSrcAttr: ["'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'https:', 'http:'],
        mediaSrc: ["'self'", 'https:'],
        frameSrc: ['https:'],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'self'"],
      },
    },
    // TLS is the Ingress's business; HSTS from behind a plain-HTTP route would lock readers out.
    strictTransportSecurity: false,
  });
}

export type HeaderList = ReadonlyArray<readonly [string, string]>;

/**
 * The security headers helmet sets, worked out once: they depend on nothing in the request, and both the
 * Express app and the cached-page fast path apply the same list.
 */
export function securityHeaders(): HeaderList {
  const headers: Array<[string, string]> = [];
  const collector = {
    setHeader: (name: string, value: string | number | readonly string[]) => headers.push([name, String(value)]),
    removeHeader: () => undefined,
  };
  helmetMiddleware()(collector as never, collector as never, () => undefined);
  return headers;
}

/** Duration and in-flight metrics of every request on the public port. */
export function requestMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    metrics.inFlight.inc();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      metrics.inFlight.dec();
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      metrics.httpDuration.observe({ method: req.method, route: routeLabel(req), status_code: String(res.statusCode) }, seconds);
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  };
}

/** The public app: the blog under BASE_PATH, probes and /version at the root. */
export function createWebApp(deps: WebAppDeps): express.Express {
  const { config, store, theme, renderer, cache, metrics, health } = deps;
  const siteFor = siteContextFactory(config);
  const app = express();
  app.set('trust proxy', config.trustProxy);
  app.set('etag', false);
  app.disable('x-powered-by');

  app.use(requestMetrics(metrics));
  app.use(createHttpLogger(deps.logger, config.requestLogLevel));
  const headers = deps.securityHeaders;
  app.use((_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    // While draining, every answer closes its connection so keep-alive clients move to another replica.
    if (health.isDraining) res.setHeader('Connection', 'close');
    next();
  });

  app.use(probeRouter(health));
  // A site's own files come first, as the fast path serves them: its robots.txt over kubeblog's.
  if (config.siteDir !== undefined) {
    const files = siteStaticFiles(config.siteDir, config.cacheMaxAgeSeconds, () => store.catalog().site);
    app.use(config.basePath || '/', (req, res, next) => {
      res.locals.route = STATIC_ROUTE;
      files(req, res, () => {
        delete res.locals.route;
        next();
      });
    });
  }
  app.use(config.basePath || '/', blogRouter({ config, store, theme, renderer, cache, metrics, assets: deps.assets, search: deps.search, siteFor }));

  // Links from the Jekyll era (date URLs, `permalink`) move permanently to the post's address.
  app.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const inBase = config.basePath === '' || req.path === config.basePath || req.path.startsWith(`${config.basePath}/`);
    if (!inBase) return next();
    const post = store.catalog().legacyTarget(req.path.slice(config.basePath.length) || '/');
    if (!post) return next();
    res.redirect(301, href(siteFor(req), post.url));
  });

  app.use(async (req, res) => {
    const site = siteFor(req);
    const version = store.catalog().version;
    const key = pageKey(site.origin, ' 404');
    let page = cache.get(key, version);
    if (!page) {
      page = new RenderedPage(404, 'text/html; charset=utf-8', 'no-store', Buffer.from(theme.errorPage(404, site)), version, UNMATCHED_ROUTE, cache);
      cache.set(key, page);
    }
    await writePage(req, res, page);
  });

  const onError: ErrorRequestHandler = (error, req, res, _next) => {
    const given = (error as { status?: unknown }).status;
    // Client errors Express detects (a malformed URL escape, say) keep their status; the rest are ours.
    const status = typeof given === 'number' && given >= 400 && given < 500 ? 400 : 500;
    if (status === 500) req.log.error({ err: error }, `request failed: ${(error as Error).message}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    let body: string;
    try {
      body = theme.errorPage(status, siteFor(req));
    } catch {
      body = '<!doctype html><title>Server error</title><h1>Server error</h1>';
    }
    res.status(status).set('Cache-Control', 'no-store').type('html').send(body);
  };
  app.use(onError);
  return app;
}

/**
 * The operations app on METRICS_PORT: /metrics, the probes and /version, never exposed through an
 * Ingress. /version is here because the exact Node.js version and git revision help an attacker more
 * than a reader.
 */
export function createOpsApp(deps: { metrics: Metrics; health: Health; build: BuildInfo; onScrape?: () => void }): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(probeRouter(deps.health));
  app.get('/version', (_req, res) => {
    res.set('Cache-Control', 'no-store').json(deps.build);
  });
  app.get('/metrics', async (_req, res) => {
    deps.onScrape?.();
    res.set('Content-Type', deps.metrics.registry.contentType).set('Cache-Control', 'no-store');
    res.send(await deps.metrics.registry.metrics());
  });
  return app;
}
