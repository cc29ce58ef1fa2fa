/**
 * A site's static files served by kubeblog's static file handler (src/web/static-files.ts), until
 * SITE_DIR is wired into kubeblog itself, in one of two ways. Usage:
 *   node static-server.js <site folder> <port> express|direct
 * `express`: behind the middleware of kubeblog's public app (request metrics, the request logger, here
 * silent as nginx's access log is off in this comparison, the security headers), as `app.use` would
 * mount it. `direct`: ahead of Express, as kubeblog's fast path serves cached pages: the security
 * headers, an X-Request-Id and the duration histogram, then the handler; anything else goes to Express.
 */
import { createServer } from 'node:http';
import express from 'express';
import { entryFilterSettings, isStaticCandidate } from '../src/content/static-candidates.js';
import { readBuildInfo } from '../src/ops/build-info.js';
import { createHttpLogger, createLogger, requestIdOf } from '../src/ops/logger.js';
import { Metrics } from '../src/ops/metrics.js';
import { requestMetrics, securityHeaders } from '../src/web/app.js';
import { staticFiles } from '../src/web/static-files.js';

const [root, port, mode] = process.argv.slice(2);
if (!root || !port || (mode !== 'express' && mode !== 'direct')) throw new Error('usage: static-server.js <site folder> <port> express|direct');
const settings = entryFilterSettings({});
const headers = securityHeaders();
const metrics = new Metrics(readBuildInfo());
const serveStatic = staticFiles({ root, isStatic: (file) => isStaticCandidate(file, settings), maxAgeSeconds: 600 });

const app = express();
app.set('etag', false);
app.disable('x-powered-by');
app.use(requestMetrics(metrics));
app.use(createHttpLogger(createLogger('silent'), 'silent'));
app.use((_req, res, next) => {
  for (const [name, value] of headers) res.setHeader(name, value);
  next();
});
if (mode === 'express') app.use(serveStatic);
app.use((_req, res) => {
  res.sendStatus(404);
});

const duration = metrics.httpDuration.labels({ method: 'GET', route: 'static', status_code: '200' });
createServer((req, res) => {
  if (mode === 'express') return app(req, res);
  const start = process.hrtime.bigint();
  for (const [name, value] of headers) res.setHeader(name, value);
  res.setHeader('X-Request-Id', requestIdOf(req));
  res.once('finish', () => duration.observe(Number(process.hrtime.bigint() - start) / 1e9));
  serveStatic(req, res, () => app(req, res));
}).listen(Number(port), '127.0.0.1');
