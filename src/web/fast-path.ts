import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ContentStore } from '../content/store.js';
import type { Config } from '../ops/config.js';
import type { Health } from '../ops/health.js';
import { requestIdOf, requestLogFields, requestLogLevel } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { HeaderList } from './app.js';
import { pageKey } from './blog-routes.js';
import type { Encoding, PageCache, RenderedPage } from './page-cache.js';
import { rememberingEncodingChooser } from './respond.js';
import { originResolver } from './site.js';
import { STATIC_ROUTE, siteStaticFiles } from './static-files.js';

const ENCODINGS: readonly Encoding[] = ['identity', 'gzip', 'br'];

export interface FastPathDeps {
  config: Config;
  store: ContentStore;
  cache: PageCache;
  metrics: Metrics;
  health: Health;
  logger: Logger;
  securityHeaders: HeaderList;
}

/**
 * Answers requests for pages already rendered for the current content version straight from the page
 * cache, with the same headers, metrics and log line Express would produce; everything else (first
 * renders, compression not yet done, redirects, errors, probes) goes to Express, which owns routing.
 * Express alone reaches about a third of nginx's rate on a cached page; this path is what makes the
 * blog cheap to run.
 */
export function withFastPath(app: RequestListener, deps: FastPathDeps): RequestListener {
  const { config, store, cache, metrics, health, logger, securityHeaders } = deps;
  // The origin of the request decides absolute URLs; with a trusted proxy it comes from forwarded
  // headers, whose rules Express applies, so those requests take the Express path.
  const usable = config.siteUrl !== undefined || config.trustProxy === false;
  const originOf = originResolver(config);
  const logLevel = config.requestLogLevel;
  const chooseEncoding = rememberingEncodingChooser();
  // The headers pages of one kind share, as the flat list writeHead takes: validating and storing a dozen
  // headers one setHeader at a time was a tenth of the time of a request. Per page only the ETag and the
  // length differ, so thousands of cached pages do not each carry a copy. Keyed by strings the pages
  // hold, whose hashes V8 keeps, rather than by a key built per request.
  const shared = new Map<string, Map<string, (readonly string[])[]>>();
  const headersOf = (page: RenderedPage, encoding: Encoding, notModified: boolean): readonly string[] => {
    let byCacheControl = shared.get(page.contentType);
    if (!byCacheControl) shared.set(page.contentType, (byCacheControl = new Map()));
    let lists = byCacheControl.get(page.cacheControl);
    if (!lists) byCacheControl.set(page.cacheControl, (lists = []));
    const slot = (page.compressible ? 2 * ENCODINGS.length : 0) + ENCODINGS.indexOf(encoding) * 2 + (notModified ? 1 : 0);
    let list = lists[slot];
    if (!list) {
      const built = securityHeaders.flat();
      if (!notModified) built.push('Content-Type', page.contentType);
      built.push('Cache-Control', page.cacheControl);
      if (page.compressible) built.push('Vary', 'Accept-Encoding');
      if (encoding !== 'identity') built.push('Content-Encoding', encoding);
      list = lists[slot] = built;
    }
    return list;
  };

  // Histogram children by route, then by status, negative for HEAD (the only other method served here).
  const durations = new Map<string, Map<number, ReturnType<typeof metrics.httpDuration.labels>>>();
  const observe = (method: string, route: string, status: number, seconds: number) => {
    let byRoute = durations.get(route);
    if (!byRoute) durations.set(route, (byRoute = new Map()));
    const key = method === 'GET' ? status : -status;
    let child = byRoute.get(key);
    if (!child) {
      child = metrics.httpDuration.labels({ method, route, status_code: String(status) });
      byRoute.set(key, child);
    }
    child.observe(seconds);
  };

  const logRequest = (req: IncomingMessage, res: ServerResponse, url: string, id: string, seconds: number) => {
    const level = requestLogLevel(url, res.statusCode, logLevel);
    if (level !== 'silent' && logger.isLevelEnabled(level)) {
      logger[level](
        {
          req: requestLogFields({ id, method: req.method, url, headers: req.headers, remoteAddress: req.socket.remoteAddress }),
          res: { statusCode: res.statusCode },
          responseTime: Math.round(seconds * 1000),
        },
        `${req.method} ${url} ${res.statusCode}`,
      );
    }
  };

  // A Jekyll site's static files, ahead of Express: its middleware cost half of nginx's rate on images.
  const files = config.siteDir === undefined ? undefined : siteStaticFiles(config.siteDir, config.cacheMaxAgeSeconds, () => store.catalog().site);
  const serveStatic = (req: IncomingMessage, res: ServerResponse, url: string, path: string, start: bigint): boolean => {
    if (!files || store.catalog().site === undefined) return false;
    const base = config.basePath;
    if (base !== '' && !path.startsWith(`${base}/`)) return false;
    const id = requestIdOf(req);
    for (const [name, value] of securityHeaders) res.setHeader(name, value);
    res.setHeader('X-Request-Id', id);
    if (health.isDraining) res.setHeader('Connection', 'close');
    const finished = () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      observe(req.method ?? 'GET', STATIC_ROUTE, res.statusCode, seconds);
      logRequest(req, res, url, id, seconds);
    };
    res.once('finish', finished);
    req.url = url.slice(base.length);
    files(req, res, () => {
      // Not a file of the site: Express answers, and logs, as for any other path.
      res.off('finish', finished);
      req.url = url;
      app(req, res);
    });
    return true;
  };

  return (req: IncomingMessage, res: ServerResponse) => {
    if (!usable || (req.method !== 'GET' && req.method !== 'HEAD')) return app(req, res);
    const start = process.hrtime.bigint();
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const origin = originOf('http', req.headers.host);
    const page = cache.get(pageKey(origin, path), store.catalog().version);
    if (!page) {
      if (!serveStatic(req, res, url, path, start)) app(req, res);
      return;
    }
    const encoding = chooseEncoding(req, page);
    const body = page.encodedBody(encoding);
    if (!body) return app(req, res);

    const id = requestIdOf(req);
    const notModified = page.status === 200 && page.matches(req.headers['if-none-match']);
    const headers = [...headersOf(page, encoding, notModified), 'ETag', page.etagFor(encoding), 'X-Request-Id', id];
    if (!notModified) headers.push('Content-Length', String(body.length));
    if (health.isDraining) headers.push('Connection', 'close');
    metrics.cacheHits.inc();
    res.writeHead(notModified ? 304 : page.status, headers);
    res.end(notModified || req.method === 'HEAD' ? undefined : body);

    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    observe(req.method, page.route, res.statusCode, seconds);
    logRequest(req, res, url, id, seconds);
  };
}
