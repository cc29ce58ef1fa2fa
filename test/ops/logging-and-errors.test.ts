import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createBlog } from '../../src/blog.js';
import type { Catalog } from '../../src/content/catalog.js';
import type { Post } from '../../src/content/post.js';
import { loadConfig } from '../../src/ops/config.js';
import { createLogger } from '../../src/ops/logger.js';
import { loadThemeAssets } from '../../src/rendering/assets.js';
import { type SiteContext, Theme } from '../../src/rendering/pages.js';
import { createWebApp, securityHeaders } from '../../src/web/app.js';
import { LogCapture, startTestBlog, type TestBlog } from '../support/blog.js';
import { PostsFolder, post } from '../support/posts.js';

let folder: PostsFolder;
let t: TestBlog;

beforeAll(async () => {
  folder = await PostsFolder.create({ '2020-01-01-hello.md': post({ title: 'Hello' }, 'Hi.') });
  t = await startTestBlog({ POSTS_DIR: folder.dir });
});
afterAll(async () => {
  await t.stop();
  await folder.remove();
});

const requestLines = () => t.logs.lines.filter((l) => l.req !== undefined);

describe('request logs', () => {
  it('writes one JSON line a request with an ISO time, and echoes a generated request id', async () => {
    const res = await request(t.url).get('/posts/hello').expect(200);
    const id = res.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const line = requestLines().find((l) => (l.req as { id: string }).id === id);
    expect(line).toMatchObject({ level: 'info', msg: 'GET /posts/hello 200', res: { statusCode: 200 } });
    expect(String(line?.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(typeof line?.responseTime).toBe('number');
  });

  it('keeps a caller X-Request-Id, logs who asked, and never logs cookies or Authorization', async () => {
    for (const path of ['/', '/']) {
      const res = await request(t.url).get(path).set('X-Request-Id', 'trace-42').set('User-Agent', 'reader/1.0').set('Cookie', 'session=secret').set('Authorization', 'Bearer hunter2').expect(200);
      expect(res.headers['x-request-id']).toBe('trace-42');
    }
    const lines = requestLines().filter((l) => (l.req as { id: string }).id === 'trace-42');
    // The first answer is rendered by Express, the second comes from the page cache: both log alike.
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.req).toMatchObject({ method: 'GET', url: '/', userAgent: 'reader/1.0', remoteAddress: '127.0.0.1' });
    expect(JSON.stringify(t.logs.lines)).not.toContain('hunter2');
    expect(JSON.stringify(t.logs.lines)).not.toContain('session=secret');
  });

  it('logs probes at debug, not at info', async () => {
    await request(t.url).get('/readyz').set('X-Request-Id', 'probe-1').expect(200);
    const line = requestLines().find((l) => (l.req as { id: string }).id === 'probe-1');
    expect(line?.level).toBe('debug');
  });

  it('answers a malformed URL with a themed 400, not a server error', async () => {
    const res = await request(t.url).get('/posts/%E0%A4%A').expect(400);
    expect(res.text).toContain('Bad request');
  });
});

describe('an error inside a request', () => {
  it('gives the themed 500 page, is logged and is counted', async () => {
    const config = loadConfig({ POSTS_DIR: folder.dir, WATCH_POLL_SECONDS: '0' });
    const logs = new LogCapture();
    const logger = createLogger('info', logs);
    const blog = createBlog(config, { logger });
    await blog.start();
    class FailingTheme extends Theme {
      override postPage(_post: Post, _content: string, _excerpt: string, _catalog: Catalog, _site: SiteContext): string {
        throw new Error('template exploded');
      }
    }
    const theme = new FailingTheme({ assets: loadThemeAssets() });
    const app = createWebApp({
      config,
      store: blog.store,
      theme,
      renderer: blog.renderer,
      cache: blog.cache,
      metrics: blog.metrics,
      health: blog.health,
      logger,
      assets: loadThemeAssets(),
      search: blog.search,
      securityHeaders: securityHeaders(),
    });
    try {
      const res = await request(app).get('/posts/hello').expect(500).expect('Content-Type', /text\/html/);
      expect(res.text).toContain('Something went wrong');
      expect(res.text).toContain('<nav aria-label="Site">');
      expect(logs.lines.some((l) => l.level === 'error' && String(l.msg).includes('template exploded'))).toBe(true);
      const counted = (await blog.metrics.httpDuration.get()).values.find(
        (v) => v.metricName === 'http_request_duration_seconds_count' && v.labels.status_code === '500' && v.labels.route === '/posts/:slug',
      );
      expect(counted?.value).toBe(1);
    } finally {
      await blog.stop();
    }
  });
});
