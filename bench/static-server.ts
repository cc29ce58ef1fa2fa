/**
 * A site's static files served the way kubeblog's public app serves requests: request metrics, the
 * request logger (silent here, as nginx's access log is off in this comparison), the security headers,
 * then staticFiles with Jekyll's default entry filter. Until SITE_DIR is wired into kubeblog itself, this
 * is how the bench measures static files. Usage: node static-server.js <site folder> <port>
 */
import express from 'express';
import { entryFilterSettings, isStaticCandidate } from '../src/content/static-candidates.js';
import { createHttpLogger, createLogger } from '../src/ops/logger.js';
import { readBuildInfo } from '../src/ops/build-info.js';
import { Metrics } from '../src/ops/metrics.js';
import { requestMetrics, securityHeaders } from '../src/web/app.js';
import { staticFiles } from '../src/web/static-files.js';

const [root, port] = process.argv.slice(2);
if (!root || !port) throw new Error('usage: static-server.js <site folder> <port>');
const settings = entryFilterSettings({});
const headers = securityHeaders();
const app = express();
app.set('etag', false);
app.disable('x-powered-by');
app.use(requestMetrics(new Metrics(readBuildInfo())));
app.use(createHttpLogger(createLogger('silent'), 'silent'));
app.use((_req, res, next) => {
  for (const [name, value] of headers) res.setHeader(name, value);
  next();
});
app.use(staticFiles({ root, isStatic: (file) => isStaticCandidate(file, settings), maxAgeSeconds: 600 }));
app.listen(Number(port), '127.0.0.1');
