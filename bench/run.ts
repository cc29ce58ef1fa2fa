/**
 * `npm run bench`: kubeblog against nginx serving the same bytes, side by side in one run, then the cost
 * of observability and of large corpora. Every load is bounded in time; servers listen on 127.0.0.1.
 *
 * Settings: BENCH_SECONDS (per load run, default 5), BENCH_ROUNDS (alternating rounds, default 3),
 * BENCH_SCALES (corpus sizes, default 1000,10000,100000).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeCorpus } from './corpus.js';
import { load as parseYaml } from 'js-yaml';
import { ROOT, type WrkResult, median, memoryCgroup, rssMb, startKubeblog, startNginx, wrk, wrkAtRate } from './tools.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SCALES = (process.env.BENCH_SCALES ?? '1000,10000,100000').split(',').filter((n) => n.trim() !== '').map(Number);
const WORK = path.join(ROOT, 'bench/results');
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

interface Comparison {
  page: string;
  encoding: string;
  kubeblog: WrkResult;
  nginx: WrkResult;
  ratio: number;
}

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

async function compareWithNginx(): Promise<{ comparisons: Comparison[]; halfRate: { rate: number; achieved: number; p50ms: number; p99ms: number } }> {
  const blog = await startKubeblog({ POSTS_DIR: SEED_POSTS });
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
  const nginx = await startNginx(root, path.join(WORK, 'nginx'));
  const comparisons: Comparison[] = [];
  try {
    // A short load first, so the JIT has compiled the hot path before anything is measured.
    for (const page of PAGES) await wrk(`${blog.url}${page.path}`, { seconds: 2 });
    for (const page of PAGES) {
      for (const encoding of ENCODINGS) {
        const ours: WrkResult[] = [];
        const theirs: WrkResult[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          ours.push(await wrk(`${blog.url}${page.path}`, { seconds: SECONDS, headers: encoding.headers }));
          theirs.push(await wrk(`${nginx.url}${page.path}`, { seconds: SECONDS, headers: encoding.headers }));
        }
        const kubeblog = best(ours);
        const reference = best(theirs);
        const ratio = Math.round((median(ours.map((r, i) => r.rps / (theirs[i]?.rps ?? NaN))) + Number.EPSILON) * 100) / 100;
        comparisons.push({ page: page.name, encoding: encoding.name, kubeblog, nginx: reference, ratio });
        log(`${page.name} (${encoding.name}): kubeblog ${kubeblog.rps} req/s, nginx ${reference.rps} req/s, ratio ${ratio}`);
      }
    }
    const peak = comparisons[0]?.kubeblog.rps ?? 0;
    const rate = Math.round(peak / 2);
    const paced = await wrkAtRate(`${blog.url}${PAGES[0]?.path}`, { rate, seconds: SECONDS, workDir: WORK });
    const halfRate = { rate, achieved: Math.round(paced.rps), p50ms: paced.p50ms, p99ms: paced.p99ms };
    log(`post page at ${rate} req/s target, ${halfRate.achieved} achieved (${paced.connections} paced connections): p50 ${halfRate.p50ms} ms, p99 ${halfRate.p99ms} ms`);
    return { comparisons, halfRate };
  } finally {
    await nginx.stop();
    await blog.stop();
  }
}

async function priceOfLogging(): Promise<Array<{ requestLog: string; rps: number }>> {
  const rows: Array<{ requestLog: string; rps: number }> = [];
  for (const level of ['info', 'silent']) {
    const blog = await startKubeblog({ POSTS_DIR: SEED_POSTS, REQUEST_LOG_LEVEL: level });
    try {
      await wrk(`${blog.url}${PAGES[0]?.path}`, { seconds: 2 });
      const results: WrkResult[] = [];
      for (let round = 0; round < ROUNDS; round++) results.push(await wrk(`${blog.url}${PAGES[0]?.path}`, { seconds: SECONDS }));
      rows.push({ requestLog: level === 'info' ? 'on (info)' : 'off (silent)', rps: best(results).rps });
      log(`request logging ${level}: ${best(results).rps} req/s`);
    } finally {
      await blog.stop();
    }
  }
  return rows;
}

interface ScaleRow {
  posts: number;
  /** The container memory limit it ran under, or `none`. */
  memoryLimit: string;
  readyMs: number;
  rssAfterStartMb: number;
  fullPassSeconds: number;
  rssAfterFullPassMb: number;
  random: { identity: number; gzip: number };
  single: { identity: number; gzip: number };
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
async function fullPass(url: string, slugs: string[], concurrency = 8): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < slugs.length) {
      const slug = slugs[next++];
      const res = await fetch(`${url}/posts/${slug}`, { headers: { 'Accept-Encoding': 'gzip, br' } });
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
  const blog = await startKubeblog({ POSTS_DIR: dir, REQUEST_LOG_LEVEL: 'silent' }, cgroup);
  try {
    const rssAfterStartMb = await rssMb(blog.pid);
    const fullPassSeconds = await fullPass(blog.url, slugs);
    const rssAfterFullPassMb = await rssMb(blog.pid);
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
    const gzip = { 'Accept-Encoding': 'gzip, br' };
    const random = {
      identity: Math.round((await wrk(blog.url, { seconds: SECONDS, script })).rps),
      gzip: Math.round((await wrk(blog.url, { seconds: SECONDS, script, headers: gzip })).rps),
    };
    const single = {
      identity: Math.round((await wrk(`${blog.url}/posts/${slugs[0]}`, { seconds: SECONDS })).rps),
      gzip: Math.round((await wrk(`${blog.url}/posts/${slugs[0]}`, { seconds: SECONDS, headers: gzip })).rps),
    };
    const row: ScaleRow = {
      posts: count,
      memoryLimit: cgroup ? (limit as string) : 'none',
      readyMs: Math.round(blog.readyMs),
      rssAfterStartMb,
      fullPassSeconds: Math.round(fullPassSeconds * 10) / 10,
      rssAfterFullPassMb,
      random,
      single,
    };
    log(`${count} posts: ${JSON.stringify(row)}`);
    return row;
  } finally {
    await blog.stop();
    await cgroup?.remove();
  }
}

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

function table(headers: string[], rows: Array<Array<string | number>>): string {
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

async function main(): Promise<void> {
  await mkdir(WORK, { recursive: true });
  const startedAt = new Date().toISOString();
  const { comparisons, halfRate } = await compareWithNginx();
  const logging = await priceOfLogging();
  const scales: ScaleRow[] = [];
  for (const run of await scaleRuns(SCALES)) scales.push(await scale(run.posts, run.limit));

  const report = [
    `kubeblog benchmark, ${startedAt}, ${SECONDS} s a run, ${ROUNDS} alternating rounds, server on core 0, wrk on core 1`,
    '',
    table(
      ['page', 'Accept-Encoding', 'kubeblog req/s', 'nginx req/s', 'kubeblog / nginx', 'kubeblog p50 / p99 ms', 'nginx p50 / p99 ms'],
      comparisons.map((c) => [c.page, c.encoding, c.kubeblog.rps, c.nginx.rps, c.ratio, `${c.kubeblog.p50ms} / ${c.kubeblog.p99ms}`, `${c.nginx.p50ms} / ${c.nginx.p99ms}`]),
    ),
    '',
    `Post page at half of kubeblog's peak (${halfRate.rate} req/s asked, ${halfRate.achieved} achieved by paced wrk connections): p50 ${halfRate.p50ms} ms, p99 ${halfRate.p99ms} ms.`,
    '',
    table(['request logging', 'post page req/s'], logging.map((l) => [l.requestLog, l.rps])),
    '',
    table(
      ['posts', 'memory limit', 'ready ms', 'RSS after start MB', 'full pass s', 'RSS after full pass MB', 'random / one post req/s (identity)', 'random / one post req/s (gzip, br)'],
      scales.map((s) => [
        s.posts,
        s.memoryLimit,
        s.readyMs,
        s.rssAfterStartMb,
        s.fullPassSeconds,
        s.rssAfterFullPassMb,
        `${s.random.identity} / ${s.single.identity} = ${ratio(s.random.identity, s.single.identity)}`,
        `${s.random.gzip} / ${s.single.gzip} = ${ratio(s.random.gzip, s.single.gzip)}`,
      ]),
    ),
  ].join('\n');
  await writeFile(path.join(WORK, 'latest.json'), JSON.stringify({ startedAt, seconds: SECONDS, rounds: ROUNDS, comparisons, halfRate, logging, scales }, null, 2));
  await writeFile(path.join(WORK, 'latest.md'), report + '\n');
  process.stdout.write(report + '\n');
}

await main();
