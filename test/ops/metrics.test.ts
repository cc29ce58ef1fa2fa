import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { type BlogProcess, startBlogProcess } from '../support/process.js';
import { type PrometheusServer, promtoolCheckMetrics, startPrometheus } from '../support/prometheus.js';

const POSTS = fileURLToPath(new URL('../../../posts', import.meta.url));

let proc: BlogProcess;
let exposition: string;

beforeAll(async () => {
  proc = await startBlogProcess({ POSTS_DIR: POSTS, SHUTDOWN_DELAY_SECONDS: '0' });
  for (let i = 0; i < 3; i++) {
    await fetch(`${proc.url}/posts/kubecon-was-nice`);
    await fetch(`${proc.url}/`);
    await fetch(`${proc.url}/wp-admin/${i}.php`);
    await fetch(`${proc.url}/posts/missing-${i}`);
  }
  exposition = await (await fetch(`http://127.0.0.1:${proc.metricsPort}/metrics`)).text();
});
afterAll(async () => {
  proc.child.kill('SIGTERM');
  await proc.exited;
});

function sample(name: string, labels: Record<string, string>): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('the /metrics exposition', () => {
  it('passes promtool check metrics without a warning', async () => {
    expect(await promtoolCheckMetrics(exposition)).toBe('');
  });

  it('labels request durations by route template, never by raw path', () => {
    expect(sample('http_request_duration_seconds_count', { route: '/posts/:slug', status_code: '200', method: 'GET' })).toBe(3);
    expect(sample('http_request_duration_seconds_count', { route: '/posts/:slug', status_code: '404' })).toBe(3);
    expect(sample('http_request_duration_seconds_count', { route: '<unmatched>', status_code: '404' })).toBe(3);
    expect(exposition).not.toContain('wp-admin');
    expect(exposition).not.toContain('missing-0');
    expect(exposition).toContain('http_request_duration_seconds_bucket{le="0.0005"');
    expect(exposition).toMatch(/^# TYPE http_requests_in_flight gauge$/m);
  });

  it('reports content, cache, build and Node.js metrics', () => {
    expect(sample('kubeblog_content_posts', { state: 'published' })).toBe(1);
    expect(sample('kubeblog_content_posts', { state: 'invalid' })).toBe(0);
    expect(sample('kubeblog_content_reloads_total', { source: 'directory', result: 'success' })).toBeGreaterThanOrEqual(1);
    expect(sample('kubeblog_content_last_reload_success_timestamp_seconds', { source: 'directory' })).toBeGreaterThan(Date.now() / 1000 - 120);
    expect(exposition).toMatch(/^kubeblog_page_cache_hits_total [1-9]/m);
    expect(exposition).toMatch(/^kubeblog_page_cache_misses_total [1-9]/m);
    expect(exposition).toMatch(/^kubeblog_page_cache_entries [1-9]/m);
    expect(exposition).toMatch(/^kubeblog_render_duration_seconds_count\{kind="post"\} 1$/m);
    expect(exposition).toMatch(/^kubeblog_build_info\{version="0\.1\.0",revision="[^"]+",nodejs="v\d+/m);
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes', '# TYPE nodejs_gc_duration_seconds histogram']) {
      expect(exposition).toContain(name);
    }
  });

  it('is not served on the public port', async () => {
    expect((await fetch(`${proc.url}/metrics`)).status).toBe(404);
  });
});

describe('a real Prometheus scraping kubeblog', () => {
  let prometheus: PrometheusServer;
  beforeAll(async () => {
    prometheus = await startPrometheus([`127.0.0.1:${proc.metricsPort}`]);
  });
  afterAll(async () => {
    await prometheus.stop();
  });

  it('sees the target up and the request series with route labels', async () => {
    const deadline = Date.now() + 20_000;
    let up: Awaited<ReturnType<PrometheusServer['query']>> = [];
    let posts: typeof up = [];
    while (Date.now() < deadline) {
      up = await prometheus.query('up{job="kubeblog"}');
      posts = await prometheus.query('http_request_duration_seconds_count{route="/posts/:slug",status_code="200"}');
      if (up[0]?.value[1] === '1' && posts.length > 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(up[0]?.value[1]).toBe('1');
    expect(posts[0]?.metric).toMatchObject({ job: 'kubeblog', method: 'GET', route: '/posts/:slug' });
    expect(Number(posts[0]?.value[1])).toBe(3);
  });
});
