import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { freePort } from '../../test/support/process.js';
import { attributeValues, hasClass, parseHtml, visibleText } from './html-text.js';
import { buildCopy, CONTENT_MARKER_ID, type JekyllBuild, type JekyllEntry, prepareCopy, requireJekyll } from './jekyll-build.js';

/** The kubeblog to compare: this build's, or another build's `dist/src/main.js` named by KUBEBLOG_MAIN. */
const MAIN = process.env.KUBEBLOG_MAIN ?? path.resolve(new URL('../../src/main.js', import.meta.url).pathname);

/** No request to kubeblog may hang the comparison: a minute covers a cold render of a long post on a busy machine. */
const REQUEST_TIMEOUT_MS = 60_000;

/** Text that is Jekyll syntax, never prose: in kubeblog's text and not in Jekyll's, it leaked through unrendered. */
export const LEAK_MARKERS = ['{%', '{{', '{::', '{:', '$$', '[^'] as const;

export interface StaticLink {
  url: string;
  status: number;
}

export interface DocumentResult {
  kind: JekyllEntry['kind'];
  source: string;
  jekyllUrl: string;
  /** The URL kubeblog answered 200 at, if any. */
  servedUrl: string | null;
  /** How that URL was found: Jekyll's URL itself, a redirect from it, or kubeblog's own URL for the file's slug. */
  found: 'same-url' | 'redirect' | 'slug' | 'none';
  status: number;
  textIdentical: boolean;
  /** Identical once curly quotes, dashes and ellipses are folded to ASCII on both sides. */
  textIdenticalButTypography: boolean;
  leaks: Partial<Record<(typeof LEAK_MARKERS)[number], number>>;
  staticLinks: { checked: number; failed: StaticLink[] };
  diff: { jekyll: string; kubeblog: string } | null;
  /** The first difference once typography is folded on both sides: the next cause after quotes and dashes. */
  foldedDiff: { jekyll: string; kubeblog: string } | null;
  /** Both visible texts in full, when asked for (CompareOptions.keepTexts). */
  texts?: { jekyll: string; kubeblog: string };
  jekyllChars: number;
  kubeblogChars: number;
}

export interface SiteResult {
  site: string;
  jekyll: { seconds: number; adjustments: string[] } | { error: string };
  /** How kubeblog was started, and why the modes tried before it failed. */
  kubeblog: { started: boolean; mode: StartMode | null; note: string | null };
  documents: DocumentResult[];
  summary: SiteSummary;
}

export interface SiteSummary {
  posts: number;
  pages: number;
  served: number;
  urlIdentical: number;
  textIdentical: number;
  textIdenticalButTypography: number;
  documentsWithLeaks: number;
  leaks: Partial<Record<(typeof LEAK_MARKERS)[number], number>>;
  staticLinksChecked: number;
  staticLinksOk: number;
}

export interface CompareOptions {
  jekyllTimeoutMs?: number;
  kubeblogStartTimeoutMs?: number;
  /** Parallel requests to kubeblog. */
  concurrency?: number;
  /** Keep both visible texts of every document in the result. */
  keepTexts?: boolean;
}

interface Kubeblog {
  origin: string;
  basePath: string;
  stop(): Promise<void>;
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`kubeblog exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })).status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`kubeblog was not ready within ${timeoutMs} ms`);
}

async function startKubeblog(env: Record<string, string>, basePath: string, cwd: string, timeoutMs: number): Promise<Kubeblog> {
  const port = await freePort();
  const metricsPort = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      WATCH_POLL_SECONDS: '0',
      LOG_LEVEL: 'warn',
      REQUEST_LOG_LEVEL: 'silent',
      // Fidelity, not speed, is measured: a cold render thread on a busy machine must not cut a post short.
      RENDER_TIMEOUT_MS: '60000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The last words only, for the message when it does not start.
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  try {
    await waitReady(`http://127.0.0.1:${metricsPort}/readyz`, child, timeoutMs);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}: ${output.slice(-1000)}`);
  }
  return { origin: `http://127.0.0.1:${port}`, basePath, stop };
}

/** The site's `_posts` folder with the most files: POSTS_DIR reads one folder, and the site may have several. */
async function largestPostsFolder(siteDir: string): Promise<string> {
  let best = { dir: path.join(siteDir, '_posts'), files: -1 };
  const visit = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === '_site' || entry.name === 'node_modules') continue;
      const full = path.join(dir, entry.name);
      if (entry.name === '_posts') {
        const files = (await readdir(full)).length;
        if (files > best.files) best = { dir: full, files };
      } else await visit(full);
    }
  };
  await visit(siteDir);
  return best.dir;
}

/** How kubeblog was pointed at the site: the whole site, or (before SITE_DIR) one posts folder and the config. */
export type StartMode = 'SITE_DIR' | 'POSTS_DIR+SITE_CONFIG' | 'POSTS_DIR';

/**
 * Starts kubeblog on the site with SITE_DIR alone, from an empty working folder: a kubeblog that ignores
 * SITE_DIR then finds no `posts` folder there and exits, and is started again as it served Jekyll sites
 * before, on the site's largest `_posts` folder and its `_config.yml`, and without the config if it refuses it.
 */
async function startOnSite(siteDir: string, basePath: string, emptyDir: string, timeoutMs: number): Promise<{ blog: Kubeblog; mode: StartMode; note: string | null }> {
  const postsDir = await largestPostsFolder(siteDir);
  const config = path.join(siteDir, '_config.yml');
  const attempts: Array<{ mode: StartMode; env: Record<string, string> }> = [
    { mode: 'SITE_DIR', env: { SITE_DIR: siteDir } },
    ...(existsSync(config) ? [{ mode: 'POSTS_DIR+SITE_CONFIG' as const, env: { POSTS_DIR: postsDir, SITE_CONFIG: config } }] : []),
    { mode: 'POSTS_DIR', env: { POSTS_DIR: postsDir } },
  ];
  const refusals: string[] = [];
  for (const { mode, env } of attempts) {
    try {
      const blog = await startKubeblog(env, mode === 'POSTS_DIR' ? '' : basePath, emptyDir, timeoutMs);
      return { blog, mode, note: refusals.length > 0 ? refusals.join(' / ') : null };
    } catch (error) {
      const message = (error as Error).message;
      // A kubeblog without SITE_DIR reads its default `posts` folder, which the empty working folder lacks.
      const unsupported = mode === 'SITE_DIR' && message.includes(path.join(emptyDir, 'posts'));
      refusals.push(unsupported ? 'SITE_DIR: not supported by this kubeblog' : `${mode}: ${message.slice(0, 300)}`);
    }
  }
  throw new Error(`kubeblog did not start on the site: ${refusals.join(' / ')}`);
}

interface Fetched {
  status: number;
  url: string;
  body: string;
  redirected: boolean;
}

async function get(origin: string, pathAndQuery: string): Promise<Fetched> {
  let url = new URL(pathAndQuery, origin).href;
  let redirected = false;
  for (let hop = 0; hop < 5; hop++) {
    const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.arrayBuffer();
      url = new URL(location, url).href;
      redirected = true;
      continue;
    }
    return { status: response.status, url: new URL(url).pathname, body: await response.text(), redirected };
  }
  // Still redirected after five hops: a loop, not an answer.
  return { status: 310, url, body: '', redirected };
}

/** Kramdown's typographic characters as the ASCII they are typed as, to tell typography from other differences. */
function foldTypography(text: string): string {
  return text
    .replace(/[“”„]/g, '"')
    .replace(/[‘’‚]/g, "'")
    .replace(/—/g, '---')
    .replace(/–/g, '--')
    .replace(/…/g, '...')
    .replace(/«/g, '<<')
    .replace(/»/g, '>>');
}

function count(text: string, needle: string): number {
  let n = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) n++;
  return n;
}

/** Where the two texts first differ, with some context on each side, trimmed to the same start. */
export function diffExcerpt(jekyll: string, kubeblog: string, context = 60): { jekyll: string; kubeblog: string } {
  let start = 0;
  while (start < jekyll.length && start < kubeblog.length && jekyll[start] === kubeblog[start]) start++;
  const from = Math.max(0, start - context);
  const mark = (text: string) => `${from > 0 ? '…' : ''}${text.slice(from, start)}⟦${text.slice(start, start + 2 * context)}${start + 2 * context < text.length ? '…' : ''}`;
  return { jekyll: mark(jekyll), kubeblog: mark(kubeblog) };
}

/** The region of kubeblog's page that holds the post or page body. */
function kubeblogContent(html: string) {
  const doc = parseHtml(html);
  const region =
    doc.find((el) => hasClass(el, 'post-content')) ?? doc.find((el) => hasClass(el, 'page-content')) ?? doc.find((el) => el.name === 'main') ?? doc.find((el) => el.name === 'body');
  return region?.children ?? doc.root;
}

function jekyllContent(html: string) {
  const doc = parseHtml(html);
  return (doc.find((el) => el.attribs.id === CONTENT_MARKER_ID) ?? doc.find((el) => el.name === 'body'))?.children ?? doc.root;
}

/** Local links of the content to files Jekyll copied as they are (images, PDFs): not to pages. */
async function staticTargets(nodes: ReturnType<typeof jekyllContent>, pageUrl: string, build: JekyllBuild): Promise<string[]> {
  const links = [...attributeValues(nodes, 'img', 'src'), ...attributeValues(nodes, 'a', 'href')];
  const targets = new Set<string>();
  for (const link of links) {
    let resolved: URL;
    try {
      resolved = new URL(link, `http://site.invalid${build.baseurl}${pageUrl}`);
    } catch {
      continue;
    }
    if (resolved.host !== 'site.invalid' || resolved.pathname.endsWith('/')) continue;
    let within: string;
    try {
      within = decodeURIComponent(resolved.pathname);
    } catch {
      continue; // A malformed escape names no file.
    }
    if (build.baseurl !== '' && within.startsWith(`${build.baseurl}/`)) within = within.slice(build.baseurl.length);
    if (/\.html?$/.test(within)) continue;
    const file = path.join(build.destination, within);
    if (!file.startsWith(build.destination + path.sep)) continue;
    const info = await stat(file).catch(() => undefined);
    if (info?.isFile()) targets.add(resolved.pathname);
  }
  return [...targets];
}

interface ApiPost {
  slug: string;
  date: string;
  url: string;
}

/** kubeblog's URL for a post file, by the slug its name gives (kubeblog's URLs before it followed permalinks). */
function slugUrl(source: string, posts: ApiPost[]): string | undefined {
  const match = /(\d{4}-\d{2}-\d{2})-(.+)\.[^.]+$/.exec(path.basename(source));
  if (!match) return undefined;
  const [, day, slug] = match;
  const candidates = posts.filter((post) => post.slug === slug);
  return (candidates.find((post) => post.date.startsWith(day ?? '')) ?? candidates[0])?.url;
}

async function compareDocument(entry: JekyllEntry, build: JekyllBuild, blog: Kubeblog, apiPosts: ApiPost[], keepTexts: boolean): Promise<DocumentResult> {
  const jekyllHtml = await readFile(path.join(build.destination, entry.output), 'utf8');
  const jekyllNodes = jekyllContent(jekyllHtml);
  const jekyllText = visibleText(jekyllNodes);

  let response = await get(blog.origin, `${blog.basePath}${entry.url}`);
  let found: DocumentResult['found'] = response.status === 200 ? (response.redirected ? 'redirect' : 'same-url') : 'none';
  if (response.status !== 200 && entry.kind === 'post') {
    const url = slugUrl(entry.source, apiPosts);
    if (url !== undefined) {
      response = await get(blog.origin, url);
      if (response.status === 200) found = 'slug';
    }
  }
  const served = found !== 'none';
  const kubeblogText = served ? visibleText(kubeblogContent(response.body)) : '';
  const leaks: DocumentResult['leaks'] = {};
  if (served) {
    for (const marker of LEAK_MARKERS) {
      // `{:` is also counted inside every `{::`; only the extra ones are `{:` leaks.
      const extra = (text: string) => count(text, marker) - (marker === '{:' ? count(text, '{::') : 0);
      const leaked = extra(kubeblogText) - extra(jekyllText);
      if (leaked > 0) leaks[marker] = leaked;
    }
  }
  const failed: StaticLink[] = [];
  const targets = served ? await staticTargets(jekyllNodes, entry.url, build) : [];
  for (const target of targets) {
    const answer = await fetch(new URL(target, blog.origin), { redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    await answer.arrayBuffer();
    if (answer.status !== 200) failed.push({ url: target, status: answer.status });
  }
  const textIdentical = served && jekyllText === kubeblogText;
  const folded = { jekyll: foldTypography(jekyllText), kubeblog: foldTypography(kubeblogText) };
  const foldedIdentical = served && folded.jekyll === folded.kubeblog;
  return {
    kind: entry.kind,
    source: entry.source,
    jekyllUrl: entry.url,
    servedUrl: served ? response.url : null,
    found,
    status: response.status,
    textIdentical,
    textIdenticalButTypography: foldedIdentical,
    leaks,
    staticLinks: { checked: targets.length, failed },
    diff: served && !textIdentical ? diffExcerpt(jekyllText, kubeblogText) : null,
    foldedDiff: served && !foldedIdentical ? diffExcerpt(folded.jekyll, folded.kubeblog) : null,
    ...(keepTexts && { texts: { jekyll: jekyllText, kubeblog: kubeblogText } }),
    jekyllChars: jekyllText.length,
    kubeblogChars: kubeblogText.length,
  };
}

function unserved(entry: JekyllEntry): DocumentResult {
  return {
    kind: entry.kind,
    source: entry.source,
    jekyllUrl: entry.url,
    servedUrl: null,
    found: 'none',
    status: 0,
    textIdentical: false,
    textIdenticalButTypography: false,
    leaks: {},
    staticLinks: { checked: 0, failed: [] },
    diff: null,
    foldedDiff: null,
    jekyllChars: 0,
    kubeblogChars: 0,
  };
}

export function summarize(documents: DocumentResult[]): SiteSummary {
  const leaks: SiteSummary['leaks'] = {};
  for (const doc of documents) for (const [marker, n] of Object.entries(doc.leaks)) leaks[marker as keyof typeof leaks] = (leaks[marker as keyof typeof leaks] ?? 0) + n;
  const checked = documents.reduce((sum, doc) => sum + doc.staticLinks.checked, 0);
  return {
    posts: documents.filter((doc) => doc.kind === 'post').length,
    pages: documents.filter((doc) => doc.kind === 'page').length,
    served: documents.filter((doc) => doc.found !== 'none').length,
    urlIdentical: documents.filter((doc) => doc.found === 'same-url').length,
    textIdentical: documents.filter((doc) => doc.textIdentical).length,
    textIdenticalButTypography: documents.filter((doc) => doc.textIdenticalButTypography).length,
    documentsWithLeaks: documents.filter((doc) => Object.keys(doc.leaks).length > 0).length,
    leaks,
    staticLinksChecked: checked,
    staticLinksOk: checked - documents.reduce((sum, doc) => sum + doc.staticLinks.failed.length, 0),
  };
}

/**
 * Builds the Jekyll site folder with Jekyll and serves it with kubeblog (`dist/`, built beforehand), and
 * compares every post and page Jekyll wrote with what kubeblog answers for it.
 */
export async function compareSite(siteDir: string, options: CompareOptions = {}): Promise<SiteResult> {
  await requireJekyll();
  const site = path.resolve(siteDir);
  const work = await mkdtemp(path.join(os.tmpdir(), 'kubeblog-jekyll-compare-'));
  try {
    const copy = path.join(work, 'site');
    const { baseurl, adjustments } = await prepareCopy(site, copy);
    let build: JekyllBuild;
    try {
      build = await buildCopy(copy, path.join(work, '_site'), options.jekyllTimeoutMs ?? 180_000, adjustments, baseurl);
    } catch (error) {
      const documents: DocumentResult[] = [];
      return { site, jekyll: { error: (error as Error).message }, kubeblog: { started: false, mode: null, note: null }, documents, summary: summarize(documents) };
    }
    let started: Awaited<ReturnType<typeof startOnSite>>;
    try {
      const emptyDir = path.join(work, 'kubeblog-cwd');
      await mkdir(emptyDir);
      started = await startOnSite(site, baseurl, emptyDir, options.kubeblogStartTimeoutMs ?? 60_000);
    } catch (error) {
      const jekyll = { seconds: Math.round(build.seconds * 10) / 10, adjustments: build.adjustments };
      const documents = build.entries.map((entry) => unserved(entry));
      return { site, jekyll, kubeblog: { started: false, mode: null, note: (error as Error).message.slice(0, 1000) }, documents, summary: summarize(documents) };
    }
    const { blog, mode, note } = started;
    try {
      const api = await get(blog.origin, `${blog.basePath}/api/posts`);
      const apiPosts = api.status === 200 ? (JSON.parse(api.body) as { posts: ApiPost[] }).posts : [];
      const limit = pLimit(options.concurrency ?? 4);
      const documents = await Promise.all(build.entries.map((entry) => limit(() => compareDocument(entry, build, blog, apiPosts, options.keepTexts ?? false))));
      documents.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
      return {
        site,
        jekyll: { seconds: Math.round(build.seconds * 10) / 10, adjustments: build.adjustments },
        kubeblog: { started: true, mode, note },
        documents,
        summary: summarize(documents),
      };
    } finally {
      await blog.stop();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`;
}

/** Posts and pages in two Markdown tables: one row per site and a total row each. */
export function formatTable(results: SiteResult[]): string {
  const table = (kind: DocumentResult['kind']) => {
    const header = `| site | ${kind}s | served | URL identical | text identical | identical but typography | with leaked syntax | static files 200 |`;
    const rule = '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';
    const row = (name: string, documents: DocumentResult[]) => {
      const s = summarize(documents);
      const n = documents.length;
      const leakDetail = Object.entries(s.leaks).map(([marker, count]) => `${marker}×${count}`).join(' ');
      return `| ${name} | ${n} | ${percent(s.served, n)} | ${percent(s.urlIdentical, n)} | ${percent(s.textIdentical, n)} | ${percent(s.textIdenticalButTypography, n)} | ${s.documentsWithLeaks}${leakDetail ? ` (${leakDetail})` : ''} | ${s.staticLinksOk}/${s.staticLinksChecked} |`;
    };
    const ofKind = (result: SiteResult) => result.documents.filter((doc) => doc.kind === kind);
    const rows = results.map((result) =>
      'error' in result.jekyll
        ? `| ${path.basename(result.site)} | jekyll failed: ${result.jekyll.error.slice(0, 120).replace(/\|/g, '/')} |`
        : row(`${path.basename(result.site)} (${result.kubeblog.mode ?? 'kubeblog did not start'})`, ofKind(result)),
    );
    return [header, rule, ...rows, row('**total**', results.flatMap(ofKind))].join('\n');
  };
  return `${table('post')}\n\n${table('page')}`;
}
