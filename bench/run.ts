/**
 * `npm run bench`: kubeblog against nginx serving the same bytes, side by side in one run, then the cost
 * of observability, what kubeblog adds to plain Node, and the cost of large corpora. Every load is
 * bounded in time; servers listen on 127.0.0.1.
 *
 * Settings: BENCH_ROUNDS (alternating rounds, default 7), BENCH_ROUND_SECONDS (each load of a round,
 * default 2), BENCH_SECONDS (the paced latency run, default 5), BENCH_SCALES (corpus sizes, default
 * 1000,10000,100000), BENCH_ONLY (the parts to run,
 * comma-separated: `pages` for the page comparisons, request logs and plain Node, `static` for static
 * files, `scale` for the corpora, `site` for the Jekyll site, `search` for the search index; default all).
 *
 * The servers under test run on the Node that runs this file: `npm run bench` uses the container image's
 * (scripts/node.sh --image), whatever Node this machine has; KUBEBLOG_NODE=/path/to/node another one.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeCorpus } from './corpus.js';
import { type SiteShape, siteImage, writeSite } from './site.js';
import { searchSections } from './search.js';
import { load as parseYaml } from 'js-yaml';
import type { RecordedResponse, Recording } from './plain-node.js';
import { type CgroupPressure, ROOT, type Server, type WrkResult, median, memoryCgroup, rssMb, startKubeblog, startNginx, startPlainNode, startStaticServer, wrk, wrkAtRate } from './tools.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 2);
/** Idle time after a full pass before memory is read again: V8 shrinks its heap some 30 s after a load. */
const SETTLE_SECONDS = 60;
/** How many times a scale run starts kubeblog; the median time to ready is the figure. */
const STARTS = 3;
const SCALES = (process.env.BENCH_SCALES ?? '1000,10000,100000').split(',').filter((n) => n.trim() !== '').map(Number);
const WORK = path.join(ROOT, 'bench/results');
const PARTS = new Set((process.env.BENCH_ONLY ?? 'pages,static,scale,site,search').split(',').map((part) => part.trim()));
const SEED_POSTS = path.join(ROOT, 'posts');

const PAGES = [
  { name: 'post page', path: '/posts/kubecon-was-nice', file: 'posts/kubecon-was-nice' },
  { name: 'front page', path: '/', file: 'index.html' },
  { name: 'Atom feed', path: '/feed.xml', file: 'feed.xml' },
];
const ENCODINGS: Array<{ name: string; headers: Record<string, string> }> = [
  { name: 'identity', headers: {} },
  { name: 'gzip, br', headers: { 'Accept-Encoding': 'gzip, br' } },
];

const hundredths = (x: number) => Math.round(x * 100) / 100;

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function best(results: WrkResult[]): WrkResult {
  return {
    rps: Math.round(median(results.map((r) => r.rps))),
    p50ms: median(results.map((r) => r.p50ms)),
    p99ms: median(results.map((r) => r.p99ms)),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
  };
}

/** What one side-by-side run measured: kubeblog and nginx on the same page and encoding, alternating. */
interface Comparison {
  page: string;
  encoding: string;
  kubeblog: WrkResult;
  nginx: WrkResult;
  ratio: number;
  /** Each round's ratio, to show how much the machine drifted. */
  rounds: number[];
}

/**
 * kubeblog on the seed posts and nginx serving the very bytes kubeblog answers (and a `.gz` of each),
 * both logging each request or neither: kubeblog's request log at `info` (its default) against nginx's
 * access log in its default format, both written where kubeblog's stdout goes.
 */
async function withBoth<T>(requestLogs: boolean, use: (blog: Server, nginx: Server) => Promise<T>): Promise<T> {
  const blog = await startKubeblog({ POSTS_DIR: SEED_POSTS, REQUEST_LOG_LEVEL: requestLogs ? 'info' : 'silent' });
  try {
    const root = path.join(WORK, 'nginx-root');
    await rm(root, { recursive: true, force: true });
    await mkdir(path.join(root, 'posts'), { recursive: true });
    for (const page of PAGES) {
      const body = Buffer.from(await (await fetch(`${blog.url}${page.path}`, { headers: { 'Accept-Encoding': 'identity' } })).arrayBuffer());
      await writeFile(path.join(root, page.file), body);
      await writeFile(path.join(root, `${page.file}.gz`), gzipSync(body, { level: 9 }));
      // Let kubeblog make its compressed variants before it is measured, as a warm server has them.
      for (const e of ENCODINGS) for (let i = 0; i < 3; i++) await fetch(`${blog.url}${page.path}`, { headers: e.headers });
    }
    const nginx = await startNginx(root, path.join(WORK, 'nginx'), { accessLog: requestLogs });
    try {
      // A short load first, so the JIT has compiled the hot path before anything is measured.
      for (const page of PAGES) await wrk(`${blog.url}${page.path}`, { seconds: 2 });
      return await use(blog, nginx);
    } finally {
      await nginx.stop();
    }
  } finally {
    await blog.stop();
  }
}

/**
 * Two loads alternating in short rounds, so that this shared machine's drift (whole seconds at a
 * fraction of its speed) hits both alike: the medians of each and the median of the rounds' ratios a / b.
 */
async function alternate(a: () => Promise<WrkResult>, b: () => Promise<WrkResult>): Promise<{ a: WrkResult; b: WrkResult; ratio: number; rounds: number[] }> {
  const as: WrkResult[] = [];
  const bs: WrkResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    as.push(await a());
    bs.push(await b());
  }
  const ratios = as.map((r, i) => r.rps / (bs[i]?.rps ?? NaN));
  return { a: best(as), b: best(bs), ratio: hundredths(median(ratios)), rounds: ratios.map(hundredths) };
}

/** One load of a round: `pagePath` on `server` for ROUND_SECONDS. */
function roundLoad(server: Server, pagePath: string, headers: Record<string, string>): () => Promise<WrkResult> {
  return () => wrk(`${server.url}${pagePath}`, { seconds: ROUND_SECONDS, headers });
}

/** Each page in each encoding, kubeblog against nginx. */
async function compare(blog: Server, nginx: Server, pages: typeof PAGES, label: string): Promise<Comparison[]> {
  const comparisons: Comparison[] = [];
  for (const page of pages) {
    for (const encoding of ENCODINGS) {
      const turns = await alternate(roundLoad(blog, page.path, encoding.headers), roundLoad(nginx, page.path, encoding.headers));
      comparisons.push({ page: page.name, encoding: encoding.name, kubeblog: turns.a, nginx: turns.b, ratio: turns.ratio, rounds: turns.rounds });
      log(`${page.name} (${encoding.name}, ${label}): kubeblog ${turns.a.rps} req/s, nginx ${turns.b.rps} req/s, ratio ${turns.ratio} (rounds ${turns.rounds.join(' ')})`);
    }
  }
  return comparisons;
}

/** Headers that differ per request, or that Node writes itself. */
const PER_REQUEST_HEADERS = new Set(['date', 'connection', 'keep-alive', 'content-length', 'x-request-id']);

/** One of kubeblog's responses as it went over the wire (no decoding), for the plain-Node reference. */
function recordResponse(url: string, headers: Record<string, string>): Promise<RecordedResponse> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const kept: string[] = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
          const [name, value] = [res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string];
          if (!PER_REQUEST_HEADERS.has(name.toLowerCase())) kept.push(name, value);
        }
        resolve({ headers: kept, bodyBase64: Buffer.concat(chunks).toString('base64') });
      });
    }).on('error', reject);
  });
}

/** kubeblog against plain Node, and plain Node against nginx, on the post page, none logging. */
interface PlainNodeComparison {
  encoding: string;
  kubeblog: WrkResult;
  plainNode: WrkResult;
  ratio: number;
  rounds: number[];
  nginx: WrkResult;
  /** Plain Node / nginx: the ceiling kubeblog's ratio to nginx can reach with its headers. */
  plainToNginx: number;
}

/**
 * bench/plain-node.js answering with kubeblog's own post page (bytes and headers) against kubeblog and
 * against nginx: how much of the distance to nginx is Node's and how much is kubeblog's.
 */
async function againstPlainNode(blog: Server, nginx: Server): Promise<PlainNodeComparison[]> {
  const pagePath = PAGES[0]?.path ?? '/';
  const recording: Recording = {
    identity: await recordResponse(`${blog.url}${pagePath}`, {}),
    gzip: await recordResponse(`${blog.url}${pagePath}`, { 'Accept-Encoding': 'gzip' }),
  };
  const file = path.join(WORK, 'plain-node-recording.json');
  await writeFile(file, JSON.stringify(recording));
  const plain = await startPlainNode(file);
  try {
    await wrk(`${plain.url}${pagePath}`, { seconds: 2 });
    const comparisons: PlainNodeComparison[] = [];
    for (const encoding of ENCODINGS) {
      const turns = await alternate(roundLoad(blog, pagePath, encoding.headers), roundLoad(plain, pagePath, encoding.headers));
      const ceiling = await alternate(roundLoad(plain, pagePath, encoding.headers), roundLoad(nginx, pagePath, encoding.headers));
      comparisons.push({ encoding: encoding.name, kubeblog: turns.a, plainNode: turns.b, ratio: turns.ratio, rounds: turns.rounds, nginx: ceiling.b, plainToNginx: ceiling.ratio });
      log(`post page (${encoding.name}, no request logs): kubeblog ${turns.a.rps} req/s, plain Node ${turns.b.rps} req/s, ratio ${turns.ratio} (rounds ${turns.rounds.join(' ')})`);
      log(`post page (${encoding.name}, no request logs): plain Node ${ceiling.a.rps} req/s, nginx ${ceiling.b.rps} req/s, ratio ${ceiling.ratio} (rounds ${ceiling.rounds.join(' ')})`);
    }
    return comparisons;
  } finally {
    await plain.stop();
  }
}

/** Latency of the post page at half of the peak rate kubeblog reached on it. */
async function atHalfPeak(blog: Server, peak: number): Promise<{ rate: number; achieved: number; p50ms: number; p99ms: number }> {
  const rate = Math.round(peak / 2);
  const paced = await wrkAtRate(`${blog.url}${PAGES[0]?.path}`, { rate, seconds: SECONDS, workDir: WORK });
  const halfRate = { rate, achieved: Math.round(paced.rps), p50ms: paced.p50ms, p99ms: paced.p99ms };
  log(`post page at ${rate} req/s target, ${halfRate.achieved} achieved (${paced.connections} paced connections): p50 ${halfRate.p50ms} ms, p99 ${halfRate.p99ms} ms`);
  return halfRate;
}

interface ScaleRow {
  posts: number;
  /** The container memory limit it ran under, or `none`. */
  memoryLimit: string;
  readyMs: number;
  rssAfterStartMb: number;
  fullPassSeconds: number;
  /** A second pass asking for `br` only: kubeblog makes every post's brotli (pages hold gzip). */
  brotliPassSeconds: number;
  rssAfterFullPassMb: number;
  /** A minute later, without requests: what the process keeps once V8's memory reducer has run. */
  rssSettledMb: number;
  /** By what clients accept: nothing, `gzip, br` (a browser), `br` only (kubeblog makes brotli on first request). */
  random: ByAcceptEncoding;
  single: ByAcceptEncoding;
  /** The median of the alternating rounds' ratios, random / one. */
  randomToOne: ByAcceptEncoding;
  /** After the brotli pass and every random run, with every kind of copy made. */
  rssAtEndMb: number;
  /** The memory cgroup's peak and how often it reached its limit (kernel reclaim, or an OOM kill at worst). */
  cgroup: CgroupPressure | undefined;
}

interface ByAcceptEncoding {
  identity: number;
  gzip: number;
  br: number;
}

/** `256Mi`, `1Gi` -> bytes. */
function quantityBytes(quantity: string): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!m) throw new Error(`cannot read the memory quantity ${quantity}`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 ** 3 : 1024 ** 2);
}

/** The memory limit the chart gives a pod by default: what most installs run under. */
async function chartMemoryLimit(): Promise<string> {
  const values = parseYaml(await readFile(path.join(ROOT, 'helm/kubeblog/values.yaml'), 'utf8')) as { resources?: { limits?: { memory?: string } } };
  const limit = values.resources?.limits?.memory;
  if (!limit) throw new Error('helm/kubeblog/values.yaml sets no resources.limits.memory');
  return limit;
}

/** The NODE_OPTIONS the image sets (its Dockerfile's ENV), with which a pod runs kubeblog. */
async function imageNodeOptions(): Promise<string> {
  const dockerfile = await readFile(path.join(ROOT, 'Dockerfile'), 'utf8');
  return /^\s*(?:ENV\s+)?NODE_OPTIONS=(\S+)/m.exec(dockerfile)?.[1] ?? '';
}

/**
 * Corpus sizes and the memory limit each runs under: the chart's default up to 10,000 posts (and once
 * with no limit, to show what Node does when it sizes its heap from the whole machine); 100,000 posts
 * need a raised limit, as the chart's README says.
 */
async function scaleRuns(counts: number[]): Promise<Array<{ posts: number; limit: string | undefined }>> {
  const chartLimit = await chartMemoryLimit();
  const runs: Array<{ posts: number; limit: string | undefined }> = [];
  for (const posts of counts) {
    runs.push({ posts, limit: posts <= 10_000 ? chartLimit : '1Gi' });
    if (posts === 10_000) runs.push({ posts, limit: undefined });
  }
  return runs;
}

async function corpus(count: number): Promise<{ dir: string; slugs: string[] }> {
  const dir = path.join(ROOT, 'bench/corpus', String(count));
  if (existsSync(dir) && (await readdir(dir)).length === count) {
    const names = await readdir(dir);
    return { dir, slugs: names.map((n) => n.replace(/^\d{4}-\d{2}-\d{2}-/, '').replace(/\.md$/, '')) };
  }
  log(`writing a corpus of ${count} posts`);
  return { dir, slugs: await writeCorpus(dir, count) };
}

/** Requests every post once, `concurrency` at a time: the pass that fills caches and shows memory growth. */
async function fullPass(url: string, slugs: string[], acceptEncoding: string, concurrency = 8): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < slugs.length) {
      const slug = slugs[next++];
      const res = await fetch(`${url}/posts/${slug}`, { headers: { 'Accept-Encoding': acceptEncoding } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`/posts/${slug} answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (performance.now() - started) / 1000;
}

async function scale(count: number, limit: string | undefined): Promise<ScaleRow> {
  const { dir, slugs } = await corpus(count);
  // Start-up is measured with the files in the OS cache, as for a restarted pod; cold from this VM's disk
  // reading 10,000 files alone takes several seconds.
  for (const name of await readdir(dir)) await readFile(path.join(dir, name));
  const cgroup = limit === undefined ? undefined : await memoryCgroup(`kubeblog-bench-${process.pid}`, quantityBytes(limit));
  if (limit !== undefined && !cgroup) log(`no memory cgroup on this machine (needs root): ${count} posts run without the ${limit} limit`);
  // Under a limit kubeblog runs as in a pod, with the image's NODE_OPTIONS; without one as `npm start` runs it.
  const env = { POSTS_DIR: dir, REQUEST_LOG_LEVEL: 'silent', ...(cgroup && { NODE_OPTIONS: await imageNodeOptions() }) };
  // One start alone moved between 1.7 and 3.2 s for 10,000 posts in slow spells of this VM: the median
  // of three starts is the figure; the last one serves the rest of the run.
  const readyTimes: number[] = [];
  for (let start = 1; start < STARTS; start++) {
    const trial = await startKubeblog(env, cgroup);
    readyTimes.push(trial.readyMs);
    await trial.stop();
  }
  const blog = await startKubeblog(env, cgroup);
  readyTimes.push(blog.readyMs);
  try {
    const rssAfterStartMb = await rssMb(blog.pid);
    const fullPassSeconds = await fullPass(blog.url, slugs, 'gzip, br');
    const rssAfterFullPassMb = await rssMb(blog.pid);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_SECONDS * 1000));
    const rssSettledMb = await rssMb(blog.pid);
    const pathsFile = path.join(WORK, `paths-${count}.txt`);
    await writeFile(pathsFile, slugs.map((s) => `/posts/${s}`).join('\n') + '\n');
    const script = path.join(WORK, 'random.lua');
    await writeFile(
      script,
      `local paths = {}
for line in io.lines("${pathsFile}") do paths[#paths + 1] = line end
math.randomseed(42)
request = function() return wrk.format("GET", paths[math.random(#paths)]) end
`,
    );
    const randomAgainstOne = (headers: Record<string, string>) =>
      alternate(
        () => wrk(blog.url, { seconds: ROUND_SECONDS, script, headers }),
        roundLoad(blog, `/posts/${slugs[0]}`, headers),
      );
    const identity = await randomAgainstOne({});
    const gzip = await randomAgainstOne({ 'Accept-Encoding': 'gzip, br' });
    const brotliPassSeconds = await fullPass(blog.url, slugs, 'br');
    const br = await randomAgainstOne({ 'Accept-Encoding': 'br' });
    const random = { identity: identity.a.rps, gzip: gzip.a.rps, br: br.a.rps };
    const single = { identity: identity.b.rps, gzip: gzip.b.rps, br: br.b.rps };
    const randomToOne = { identity: identity.ratio, gzip: gzip.ratio, br: br.ratio };
    const row: ScaleRow = {
      posts: count,
      memoryLimit: cgroup ? (limit as string) : 'none',
      readyMs: Math.round(median(readyTimes)),
      rssAfterStartMb,
      fullPassSeconds: Math.round(fullPassSeconds * 10) / 10,
      brotliPassSeconds: Math.round(brotliPassSeconds * 10) / 10,
      rssAfterFullPassMb,
      rssSettledMb,
      random,
      single,
      randomToOne,
      rssAtEndMb: await rssMb(blog.pid),
      cgroup: await cgroup?.pressure(),
    };
    log(`${count} posts: ${JSON.stringify(row)}`);
    return row;
  } finally {
    await blog.stop();
    await cgroup?.remove();
  }
}

const STATIC_FILES = [
  { name: '30 KB image', path: '/assets/photo-30k.png', bytes: 30 * 1024 },
  { name: '2 MB image', path: '/assets/photo-2m.png', bytes: 2 * 1024 * 1024 },
];

interface StaticComparison {
  file: string;
  /** How kubeblog's handler was mounted (bench/static-server.ts). */
  mount: 'express' | 'direct';
  kubeblog: WrkResult;
  nginx: WrkResult;
  ratio: number;
  rounds: number[];
}

/**
 * The same image files in one folder, served by kubeblog's static file handler (bench/static-server.ts),
 * mounted in Express behind kubeblog's middleware and directly ahead of Express, and by nginx with
 * sendfile, none logging, in alternating rounds.
 */
async function staticFiles(): Promise<StaticComparison[]> {
  const root = path.join(WORK, 'static-root');
  await rm(root, { recursive: true, force: true });
  await mkdir(path.join(root, 'assets'), { recursive: true });
  for (const file of STATIC_FILES) await writeFile(path.join(root, file.path), randomBytes(file.bytes));
  const nginx = await startNginx(root, path.join(WORK, 'nginx-static'), { accessLog: false });
  try {
    const comparisons: StaticComparison[] = [];
    for (const mount of ['direct', 'express'] as const) {
      const blog = await startStaticServer(root, STATIC_FILES[0]?.path ?? '/', mount);
      try {
        for (const file of STATIC_FILES) await wrk(`${blog.url}${file.path}`, { seconds: 2 });
        for (const file of STATIC_FILES) {
          const turns = await alternate(roundLoad(blog, file.path, {}), roundLoad(nginx, file.path, {}));
          comparisons.push({ file: file.name, mount, kubeblog: turns.a, nginx: turns.b, ratio: turns.ratio, rounds: turns.rounds });
          log(`${file.name} (static file, ${mount}): kubeblog ${turns.a.rps} req/s, nginx ${turns.b.rps} req/s, ratio ${turns.ratio} (rounds ${turns.rounds.join(' ')})`);
        }
      } finally {
        await blog.stop();
      }
    }
    return comparisons;
  } finally {
    await nginx.stop();
  }
}

/** The Jekyll site of the targets: ready in under 2 s, under 200 MB RSS once every post and page is read. */
const SITE_SHAPE: SiteShape = { posts: 10_000, pages: 200, images: 4_995, largeImages: 5 };
const SITE_READY_TARGET_MS = 2000;
const SITE_RSS_TARGET_MB = 200;

interface SiteRow {
  posts: number;
  pages: number;
  staticFiles: number;
  memoryLimit: string;
  readyMs: number;
  /** Each start's time to ready, to show this VM's drift. */
  readyTimes: number[];
  rssAfterStartMb: number;
  passSeconds: number;
  /** Request to last byte, one request at a time, each URL once: the render and everything around it. */
  post: { p50ms: number; p99ms: number };
  page: { p50ms: number; p99ms: number };
  rssAfterPassMb: number;
  cgroup: CgroupPressure | undefined;
  image: { file: string; bytes: number; kubeblog: WrkResult; nginx: WrkResult; ratio: number; rounds: number[] };
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return hundredths(sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? NaN);
}

/**
 * The site's post and page URLs from its sitemap, which lists the home, archive and tag pages first, then
 * every post and page. Posts are told from pages by the date their permalink puts in the URL.
 */
async function siteUrls(url: string): Promise<{ posts: string[]; pages: string[] }> {
  const xml = await (await fetch(`${url}/sitemap.xml`)).text();
  const paths = [...xml.matchAll(/<loc>([^<]*)<\/loc>/g)].map((m) => new URL(m[1] ?? '').pathname);
  const content = paths.filter((p) => p !== '/' && p !== '/archive' && p !== '/tags' && !p.startsWith('/tags/'));
  const isPost = (p: string) => /^\/(?:[a-z-]+\/)*\d{4}\/\d{2}\//.test(p);
  return { posts: content.filter(isPost), pages: content.filter((p) => !isPost(p)) };
}

/** Requests each path once, one at a time, as a browser does (`gzip, br`): the time of each, in ms. */
async function timedPass(url: string, paths: string[]): Promise<number[]> {
  const times: number[] = [];
  for (const p of paths) {
    const started = performance.now();
    const res = await fetch(`${url}${p}`, { headers: { 'Accept-Encoding': 'gzip, br' } });
    await res.arrayBuffer();
    times.push(performance.now() - started);
    if (res.status !== 200) throw new Error(`${p} answered ${res.status}`);
  }
  return times;
}

/**
 * kubeblog on a generated Jekyll site (SITE_DIR) under the chart's memory limit, as a pod runs it: the
 * median time to ready of three starts, RSS after start and after every post and page is read once, and
 * one of the site's images served by that process against nginx (sendfile) from the same folder.
 */
async function jekyllSite(): Promise<SiteRow> {
  const root = await mkdtemp(path.join(tmpdir(), 'kubeblog-bench-site-'));
  const limit = await chartMemoryLimit();
  const cgroup = await memoryCgroup(`kubeblog-bench-site-${process.pid}`, quantityBytes(limit));
  if (!cgroup) log(`no memory cgroup on this machine (needs root): the site runs without the ${limit} limit`);
  try {
    log(`writing a Jekyll site of ${SITE_SHAPE.posts} posts, ${SITE_SHAPE.pages} pages and ${SITE_SHAPE.images + SITE_SHAPE.largeImages} images`);
    await writeSite(root, SITE_SHAPE);
    const env = { SITE_DIR: root, REQUEST_LOG_LEVEL: 'silent', ...(cgroup && { NODE_OPTIONS: await imageNodeOptions() }) };
    const readyTimes: number[] = [];
    for (let start = 1; start < STARTS; start++) {
      const trial = await startKubeblog(env, cgroup);
      readyTimes.push(Math.round(trial.readyMs));
      await trial.stop();
    }
    const blog = await startKubeblog(env, cgroup);
    readyTimes.push(Math.round(blog.readyMs));
    try {
      const rssAfterStartMb = await rssMb(blog.pid);
      log(`Jekyll site: ready in ${readyTimes.join(', ')} ms, RSS after start ${rssAfterStartMb} MB`);
      const urls = await siteUrls(blog.url);
      const started = performance.now();
      const postTimes = await timedPass(blog.url, urls.posts);
      const pageTimes = await timedPass(blog.url, urls.pages);
      const passSeconds = Math.round((performance.now() - started) / 100) / 10;
      const rssAfterPassMb = await rssMb(blog.pid);
      log(`Jekyll site: ${urls.posts.length} posts and ${urls.pages.length} pages read in ${passSeconds} s, RSS ${rssAfterPassMb} MB`);
      const image = siteImage(0);
      const bytes = (await readFile(path.join(root, image))).length;
      const nginx = await startNginx(root, path.join(WORK, 'nginx-site'), { accessLog: false });
      let turns;
      try {
        await wrk(`${blog.url}/${image}`, { seconds: 2 });
        turns = await alternate(roundLoad(blog, `/${image}`, {}), roundLoad(nginx, `/${image}`, {}));
      } finally {
        await nginx.stop();
      }
      const row: SiteRow = {
        posts: urls.posts.length,
        pages: urls.pages.length,
        staticFiles: SITE_SHAPE.images + SITE_SHAPE.largeImages,
        memoryLimit: cgroup ? limit : 'none',
        readyMs: median(readyTimes),
        readyTimes,
        rssAfterStartMb,
        passSeconds,
        post: { p50ms: percentile(postTimes, 0.5), p99ms: percentile(postTimes, 0.99) },
        page: { p50ms: percentile(pageTimes, 0.5), p99ms: percentile(pageTimes, 0.99) },
        rssAfterPassMb,
        cgroup: await cgroup?.pressure(),
        image: { file: image, bytes, kubeblog: turns.a, nginx: turns.b, ratio: turns.ratio, rounds: turns.rounds },
      };
      log(`Jekyll site: ${JSON.stringify(row)}`);
      return row;
    } finally {
      await blog.stop();
    }
  } finally {
    await cgroup?.remove();
    await rm(root, { recursive: true, force: true });
  }
}

function table(headers: string[], rows: Array<Array<string | number>>): string {
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The page comparisons: kubeblog against nginx with and without request logs, and against plain Node. */
async function pageSections(): Promise<{ sections: string[]; results: object }> {
  const { comparisons, halfRate } = await withBoth(true, async (blog, nginx) => {
    const measured = await compare(blog, nginx, PAGES, 'request logs on');
    return { comparisons: measured, halfRate: await atHalfPeak(blog, measured[0]?.kubeblog.rps ?? 0) };
  });
  const { unlogged, plainNode } = await withBoth(false, async (blog, nginx) => ({
    unlogged: await compare(blog, nginx, PAGES.slice(0, 1), 'request logs off'),
    plainNode: await againstPlainNode(blog, nginx),
  }));
  const logging = [
    ...comparisons.filter((c) => c.page === PAGES[0]?.name).map((c) => ({ requestLogs: 'on', ...c })),
    ...unlogged.map((c) => ({ requestLogs: 'off', ...c })),
  ];
  const sections = [
    'Both servers log each request, as each does by default (kubeblog at `info`, nginx its access log); kubeblog with metrics, ETags and security headers.',
    '',
    table(
      ['page', 'Accept-Encoding', 'kubeblog req/s', 'nginx req/s', 'kubeblog / nginx', 'kubeblog p50 / p99 ms', 'nginx p50 / p99 ms'],
      comparisons.map((c) => [c.page, c.encoding, c.kubeblog.rps, c.nginx.rps, c.ratio, `${c.kubeblog.p50ms} / ${c.kubeblog.p99ms}`, `${c.nginx.p50ms} / ${c.nginx.p99ms}`]),
    ),
    '',
    `Post page at half of kubeblog's peak (${halfRate.rate} req/s asked, ${halfRate.achieved} achieved by paced wrk connections): p50 ${halfRate.p50ms} ms, p99 ${halfRate.p99ms} ms.`,
    '',
    'The price of request logs, in both servers:',
    '',
    table(
      ['post page', 'Accept-Encoding', 'kubeblog req/s', 'nginx req/s', 'kubeblog / nginx'],
      logging.map((l) => [`request logs ${l.requestLogs}`, l.encoding, l.kubeblog.rps, l.nginx.rps, l.ratio]),
    ),
    '',
    "Plain Node `http` answering with kubeblog's own post page (bytes and headers), against kubeblog (what kubeblog adds to Node) and against nginx (the ceiling for Node with kubeblog's headers), none logging.",
    '',
    table(
      ['post page', 'Accept-Encoding', 'kubeblog req/s', 'plain Node req/s', 'nginx req/s', 'kubeblog / plain Node', 'plain Node / nginx'],
      plainNode.map((c) => ['no request logs', c.encoding, c.kubeblog.rps, c.plainNode.rps, c.nginx.rps, c.ratio, c.plainToNginx]),
    ),
    '',
  ];
  return { sections, results: { comparisons, halfRate, logging, plainNode } };
}

async function staticSections(): Promise<{ sections: string[]; results: object }> {
  const staticComparisons = await staticFiles();
  const sections = [
    "Static files of a site, the same file from the same folder: kubeblog's static file handler (send), directly ahead of Express as the fast path serves cached pages or mounted in Express behind kubeblog's middleware, against nginx with sendfile, none logging.",
    '',
    table(
      ['file', 'kubeblog handler', 'kubeblog req/s', 'nginx req/s', 'kubeblog / nginx', 'kubeblog p50 / p99 ms', 'nginx p50 / p99 ms'],
      staticComparisons.map((c) => [c.file, c.mount, c.kubeblog.rps, c.nginx.rps, c.ratio, `${c.kubeblog.p50ms} / ${c.kubeblog.p99ms}`, `${c.nginx.p50ms} / ${c.nginx.p99ms}`]),
    ),
    '',
  ];
  return { sections, results: { staticFiles: staticComparisons } };
}

async function scaleSections(): Promise<{ sections: string[]; results: object }> {
  const scales: ScaleRow[] = [];
  for (const run of await scaleRuns(SCALES)) scales.push(await scale(run.posts, run.limit));
  const sections = [
    table(
      ['posts', 'memory limit', 'ready ms', 'RSS after start MB', 'full pass s', 'RSS after full pass MB', `RSS ${SETTLE_SECONDS} s later MB`, 'brotli pass s', 'RSS at the end MB', 'cgroup peak MB, limit reached'],
      scales.map((s) => [
        s.posts,
        s.memoryLimit,
        s.readyMs,
        s.rssAfterStartMb,
        s.fullPassSeconds,
        s.rssAfterFullPassMb,
        s.rssSettledMb,
        s.brotliPassSeconds,
        s.rssAtEndMb,
        s.cgroup ? `${s.cgroup.peakMb ?? 'not recorded'}, ${s.cgroup.limitReached} times` : 'no cgroup',
      ]),
    ),
    '',
    'Random posts against one post of the same corpus, in turns (req/s: ratio), by what the client accepts; `br` only after the brotli pass.',
    '',
    table(
      ['posts', 'memory limit', 'no Accept-Encoding', '`gzip, br`', '`br` only'],
      scales.map((s) => [
        s.posts,
        s.memoryLimit,
        ...(['identity', 'gzip', 'br'] as const).map((e) => `${s.random[e]} / ${s.single[e]}: ${s.randomToOne[e]}`),
      ]),
    ),
    '',
  ];
  return { sections, results: { scales } };
}

async function siteSections(): Promise<{ sections: string[]; results: object }> {
  const site = await jekyllSite();
  const meets = (ok: boolean) => (ok ? 'met' : 'missed');
  const sections = [
    `A Jekyll site (SITE_DIR, generated by \`bench/site.ts\`): posts in nested \`_posts\` folders with a \`permalink\`, kramdown and Liquid, pages in folders, ${site.staticFiles} images (5–50 KB, ${SITE_SHAPE.largeImages} of 1–5 MB). Every post and page read once, one at a time, with \`gzip, br\`.`,
    '',
    table(
      ['posts', 'pages', 'memory limit', `ready ms (target < ${SITE_READY_TARGET_MS})`, 'RSS after start MB', 'pass s', 'post p50 / p99 ms', 'page p50 / p99 ms', `RSS after pass MB (target < ${SITE_RSS_TARGET_MB})`, 'cgroup peak MB, limit reached'],
      [
        [
          site.posts,
          site.pages,
          site.memoryLimit,
          `${site.readyMs} (${site.readyTimes.join(', ')}): ${meets(site.readyMs < SITE_READY_TARGET_MS)}`,
          site.rssAfterStartMb,
          site.passSeconds,
          `${site.post.p50ms} / ${site.post.p99ms}`,
          `${site.page.p50ms} / ${site.page.p99ms}`,
          `${site.rssAfterPassMb}: ${meets(site.rssAfterPassMb < SITE_RSS_TARGET_MB)}`,
          site.cgroup ? `${site.cgroup.peakMb ?? 'not recorded'}, ${site.cgroup.limitReached} times` : 'no cgroup',
        ],
      ],
    ),
    '',
    "One of the site's images served by that kubeblog process against nginx (sendfile) from the same folder, neither logging, in turns (target: at least 0.5 of nginx).",
    '',
    table(
      ['file', 'kubeblog req/s', 'nginx req/s', 'kubeblog / nginx', 'kubeblog p50 / p99 ms', 'nginx p50 / p99 ms'],
      [[`${site.image.file} (${Math.round(site.image.bytes / 1024)} KB)`, site.image.kubeblog.rps, site.image.nginx.rps, site.image.ratio, `${site.image.kubeblog.p50ms} / ${site.image.kubeblog.p99ms}`, `${site.image.nginx.p50ms} / ${site.image.nginx.p99ms}`]],
    ),
    '',
  ];
  return { sections, results: { site } };
}

async function main(): Promise<void> {
  await mkdir(WORK, { recursive: true });
  const startedAt = new Date().toISOString();
  const parts = [
    { name: 'pages', run: pageSections },
    { name: 'static', run: staticSections },
    { name: 'scale', run: scaleSections },
    { name: 'site', run: siteSections },
    { name: 'search', run: searchSections },
  ].filter((part) => PARTS.has(part.name));
  const sections: string[] = [];
  let results = {};
  for (const part of parts) {
    const measured = await part.run();
    sections.push(...measured.sections);
    results = { ...results, ...measured.results };
  }
  const report = [
    `kubeblog benchmark, ${startedAt}, Node ${process.version}, ${ROUNDS} alternating rounds of ${ROUND_SECONDS} s, server on core 0, wrk on core 1, parts: ${parts.map((p) => p.name).join(', ')}`,
    '',
    ...sections,
  ].join('\n');
  await writeFile(path.join(WORK, 'latest.json'), JSON.stringify({ startedAt, node: process.version, rounds: ROUNDS, roundSeconds: ROUND_SECONDS, pacedSeconds: SECONDS, ...results }, null, 2));
  await writeFile(path.join(WORK, 'latest.md'), report);
  process.stdout.write(report);
}

await main();
