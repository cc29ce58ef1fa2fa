import { type Request, type Response, Router } from 'express';
import type { Metrics } from '../ops/metrics.js';
import { html } from '../rendering/html.js';
import { type SearchView, type SiteContext, type Theme, pageOf } from '../rendering/pages.js';
import { href } from '../rendering/urls.js';
import { MAX_QUERY_CHARS, MAX_QUERY_TERMS, type SearchIndex, searchableText } from '../search/search-index.js';
import { plainText, snippet } from '../search/snippet.js';

export interface SearchRouteDeps {
  search: SearchIndex;
  theme: Theme;
  metrics: Metrics;
  perPage: number;
  siteFor(req: Request): SiteContext;
}

/**
 * Results change with every query, so they never enter the page cache (any `q` would be a new entry):
 * each is computed from the index, which takes about a millisecond, and browsers and proxies may keep
 * it briefly.
 */
const RESULTS_CACHE_CONTROL = 'public, max-age=60';
/** Until the first index exists, the answer says so and asks to come back. */
const RETRY_AFTER_SECONDS = '2';

/** The query as one string: a repeated or bracketed `q` (`q=a&q=b`, `q[x]=`) counts as its first string. */
function queryOf(req: Request): string {
  const q = req.query.q;
  const first = Array.isArray(q) ? q.find((v) => typeof v === 'string') : q;
  return typeof first === 'string' ? first.trim() : '';
}

function pageNumber(req: Request): number {
  const n = req.query.page;
  return typeof n === 'string' && /^[1-9]\d{0,5}$/.test(n) ? Number(n) : 1;
}

/** `/search` (an HTML page) and `/api/search` (JSON): the same answer in two forms. */
export function searchRouter(deps: SearchRouteDeps): Router {
  const { search, theme, metrics, perPage } = deps;
  const router = Router();

  const answer = (req: Request): SearchView => {
    const query = queryOf(req);
    if (query === '') return { state: 'empty' };
    const progress = search.progress();
    const shown = query.slice(0, MAX_QUERY_CHARS);
    if (!progress.ready) return { state: 'building', query: shown, indexed: progress.indexed, total: progress.total };
    const stopTimer = metrics.searchDuration.startTimer();
    const found = search.search(query);
    const pages = Math.max(1, Math.ceil(found.posts.length / perPage));
    const page = Math.min(pageNumber(req), pages);
    const slice = pageOf(found.posts, page, perPage)?.items ?? [];
    const results = slice.map((post) => ({ post, snippet: snippet(plainText(searchableText(post)), found.matched) }));
    stopTimer();
    const notices: string[] = [];
    if (found.truncated) notices.push(`Only the first ${MAX_QUERY_CHARS} characters of the query were searched.`);
    if (found.ignoredTerms > 0) notices.push(`Only the first ${MAX_QUERY_TERMS} words were searched.`);
    return { state: 'results', query: shown, total: found.posts.length, capped: found.capped, page, pages, perPage, results, ...(notices.length > 0 ? { notice: notices.join(' ') } : {}) };
  };

  const headersFor = (res: Response, state: SearchView['state']) => {
    res.set('X-Robots-Tag', 'noindex');
    if (state === 'building') res.status(503).set('Retry-After', RETRY_AFTER_SECONDS).set('Cache-Control', 'no-store');
    else res.set('Cache-Control', RESULTS_CACHE_CONTROL);
  };

  router.get('/search', (req, res) => {
    const view = answer(req);
    headersFor(res, view.state);
    res.type('html').send(theme.searchPage(view, deps.siteFor(req)));
  });

  router.get('/api/search', (req, res) => {
    const view = answer(req);
    headersFor(res, view.state);
    const site = deps.siteFor(req);
    if (view.state === 'empty') {
      res.json({ state: 'results', query: '', total: 0, capped: false, page: 1, pages: 1, results: [] });
      return;
    }
    if (view.state === 'building') {
      res.json({ state: 'building', query: view.query, indexed: view.indexed, total: view.total });
      return;
    }
    res.json({
      state: 'results',
      query: view.query,
      total: view.total,
      capped: view.capped,
      page: view.page,
      pages: view.pages,
      notice: view.notice ?? null,
      results: view.results.map(({ post, snippet: parts }) => ({
        title: post.title,
        url: href(site, post.url),
        date: post.date.toISOString(),
        tags: post.tags,
        snippet: parts.map((part) => part.text).join(''),
        snippetHtml: parts.map((part) => (part.marked ? html`<mark>${part.text}</mark>` : html`${part.text}`).value).join(''),
      })),
    });
  });
  return router;
}
