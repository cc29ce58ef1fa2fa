import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BuildInfo } from './build-info.js';

/** Buckets for a server that answers most requests from memory in well under a millisecond. */
export const HTTP_BUCKETS = [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The route label of requests no route matched: one value, so scanners cannot create series. */
export const UNMATCHED_ROUTE = '<unmatched>';

const GAUGES_NAMED_AS_COUNTERS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * Every metric kubeblog exports, in a registry of its own: each app instance (tests make many) has its
 * own set, so nothing is registered twice.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer HTTP requests on the public port, by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });

  readonly inFlight = new Gauge({
    name: 'http_requests_in_flight',
    help: 'HTTP requests on the public port being answered now.',
    registers: [this.registry],
  });

  readonly posts = new Gauge({
    name: 'kubeblog_content_posts',
    help: 'Posts by state: published (readers see them), hidden (drafts, future), invalid (skipped).',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly reloads = new Counter({
    name: 'kubeblog_content_reloads_total',
    help: 'Content reloads by source and result (success, failure).',
    labelNames: ['source', 'result'] as const,
    registers: [this.registry],
  });

  readonly lastReloadSuccess = new Gauge({
    name: 'kubeblog_content_last_reload_success_timestamp_seconds',
    help: 'Unix time of the last successful content reload, by source.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly sourceUp = new Gauge({
    name: 'kubeblog_content_source_up',
    help: 'Whether a content source can be read (1) or not (0: its posts folder is gone or not a folder; readiness fails, the last good posts are served).',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly conflicts = new Counter({
    name: 'kubeblog_content_conflicts_total',
    help: 'Posts dropped because another post already had their slug.',
    registers: [this.registry],
  });

  readonly renderDuration = new Histogram({
    name: 'kubeblog_render_duration_seconds',
    help: 'Time to render a page or feed that was not in the page cache, by kind.',
    labelNames: ['kind'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });

  readonly renderFailures = new Counter({
    name: 'kubeblog_render_failures_total',
    help: 'Parts of posts (body, excerpt) left out because they could not be rendered: a time-out (RENDER_TIMEOUT_MS) or an error.',
    labelNames: ['part', 'reason'] as const,
    registers: [this.registry],
  });

  readonly cacheHits = new Counter({
    name: 'kubeblog_page_cache_hits_total',
    help: 'Requests answered from the rendered-page cache.',
    registers: [this.registry],
  });

  readonly cacheMisses = new Counter({
    name: 'kubeblog_page_cache_misses_total',
    help: 'Requests whose page had to be rendered.',
    registers: [this.registry],
  });

  readonly cacheEntries = new Gauge({
    name: 'kubeblog_page_cache_entries',
    help: 'Rendered pages held in the page cache.',
    registers: [this.registry],
  });

  readonly cacheBytes = new Gauge({
    name: 'kubeblog_page_cache_bytes',
    help: 'Approximate bytes held by the page cache.',
    registers: [this.registry],
  });

  readonly searchDuration = new Histogram({
    name: 'kubeblog_search_duration_seconds',
    help: 'Time to answer a search query from the index (/search and /api/search), snippets included.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  readonly searchIndexPosts = new Gauge({
    name: 'kubeblog_search_index_posts',
    help: 'Posts in the search index.',
    registers: [this.registry],
  });

  readonly searchIndexTerms = new Gauge({
    name: 'kubeblog_search_index_terms',
    help: 'Distinct words in the search index.',
    registers: [this.registry],
  });

  readonly searchIndexSync = new Histogram({
    name: 'kubeblog_search_index_sync_seconds',
    help: 'Time to bring the search index up to a new set of posts (the first build included).',
    buckets: [0.001, 0.01, 0.1, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly buildInfo = new Gauge({
    name: 'kubeblog_build_info',
    help: 'Always 1; the labels say which build is running.',
    labelNames: ['version', 'revision', 'nodejs'] as const,
    registers: [this.registry],
  });

  constructor(build: BuildInfo) {
    this.buildInfo.set({ version: build.version, revision: build.revision, nodejs: build.nodejs }, 1);
    collectDefaultMetrics({ register: this.registry });
    // prom-client also exports these totals as gauges named `_total`, which promtool rightly flags; the
    // per-type gauges without the suffix stay.
    for (const name of GAUGES_NAMED_AS_COUNTERS) this.registry.removeSingleMetric(name);
  }
}
