/**
 * The search index at 10,000 posts, measured in this process: the time to index every post after the
 * content is loaded, the RSS the index adds, query latency and throughput on one core (the bench runs
 * pinned), and how long one edited post takes to show in results.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createBlog } from '../src/blog.js';
import { loadConfig } from '../src/ops/config.js';
import { createLogger } from '../src/ops/logger.js';
import { searchableText } from '../src/search/search-index.js';
import { plainText, snippet } from '../src/search/snippet.js';
import { writeCorpus } from './corpus.js';
import { ROOT } from './tools.js';

const POSTS = 10_000;
const QUERY_SECONDS = 5;
/** Words every post of the corpus has (the worst case: each matches all posts), prefixes, misspellings, titles. */
const QUERIES = ['kubernetes', 'prometheus scrape', 'readiness probe liveness', 'kube', 'prom', 'promethues', 'kubernets', 'gatway', 'post 4242', 'informer controller reconcile'];

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function log(message: string): void {
  process.stderr.write(`bench: search: ${message}\n`);
}

/** RSS and the V8 heap in use, after garbage collection. */
function memoryMb(): { rss: number; heap: number } {
  gc();
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss: Math.round(rss / 1024 / 1024), heap: Math.round(heapUsed / 1024 / 1024) };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;
const hundredths = (x: number) => Math.round(x * 100) / 100;

export interface SearchBench {
  posts: number;
  /** Content loaded: what readiness waits for. */
  readySeconds: number;
  indexSeconds: number;
  /** RSS added while indexing: the index, and what reading every body once leaves behind (zlib, heap pages). */
  indexRssMb: number;
  /** V8 heap in use added by the index: its own size. */
  indexHeapMb: number;
  queries: number;
  p50ms: number;
  p95ms: number;
  queriesPerSecond: number;
  editVisibleMs: number;
  terms: number;
}

export async function searchBench(): Promise<SearchBench> {
  const dir = path.join(ROOT, 'bench/corpus', String(POSTS));
  if (!existsSync(dir) || (await readdir(dir)).length !== POSTS) await writeCorpus(dir, POSTS);
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  const blog = createBlog(loadConfig({ POSTS_DIR: dir, WATCH_POLL_SECONDS: '0', RENDER_THREADS: '1' }), { logger: createLogger('warn', discard) });
  const started = performance.now();
  await blog.start();
  const loaded = performance.now();
  log(`content of ${POSTS} posts loaded in ${Math.round(loaded - started)} ms; indexing`);
  const loadedMemory = memoryMb();
  while (!blog.search.progress().ready) await new Promise((resolve) => setTimeout(resolve, 5));
  const indexedAt = performance.now();
  const indexedMemory = memoryMb();
  const indexRssMb = indexedMemory.rss - loadedMemory.rss;
  const indexHeapMb = indexedMemory.heap - loadedMemory.heap;
  log(`indexed in ${Math.round(indexedAt - loaded)} ms; querying for ${QUERY_SECONDS} s`);
  try {
    // As /search answers: the index query, then a snippet for each post of the first page.
    const answer = (q: string) => {
      const found = blog.search.search(q);
      for (const post of found.posts.slice(0, 10)) snippet(plainText(searchableText(post)), found.matched);
    };
    const times: number[] = [];
    const until = performance.now() + QUERY_SECONDS * 1000;
    let busy = 0;
    while (performance.now() < until) {
      for (const q of QUERIES) {
        const t0 = performance.now();
        answer(q);
        const took = performance.now() - t0;
        busy += took;
        times.push(took);
      }
    }
    times.sort((a, b) => a - b);

    log('editing one post');
    const file = (await readdir(dir)).sort()[POSTS / 2]!;
    const original = await readFile(path.join(dir, file), 'utf8');
    const editedAt = performance.now();
    await writeFile(path.join(dir, file), original.replace('## Details', '## Details\n\nA zeppelinfahrt.'));
    while (blog.search.search('zeppelinfahrt').posts.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    const editVisibleMs = performance.now() - editedAt;
    await writeFile(path.join(dir, file), original);
    return {
      posts: blog.search.size().posts,
      terms: blog.search.size().terms,
      readySeconds: hundredths((loaded - started) / 1000),
      indexSeconds: hundredths((indexedAt - loaded) / 1000),
      indexRssMb,
      indexHeapMb,
      queries: times.length,
      p50ms: hundredths(quantile(times, 0.5)),
      p95ms: hundredths(quantile(times, 0.95)),
      queriesPerSecond: Math.round((times.length / busy) * 1000),
      editVisibleMs: Math.round(editVisibleMs),
    };
  } finally {
    await blog.stop();
  }
}

export async function searchSections(): Promise<{ sections: string[]; results: object }> {
  const s = await searchBench();
  const sections = [
    `Search at ${s.posts} posts (${s.terms} distinct words), in the bench process on one core: the index is built in the background after the content is loaded (readiness does not wait for it); queries as /search answers them, snippets of the first page included, over ${QUERIES.length} queries (words every post has, prefixes, misspellings, a title) for ${QUERY_SECONDS} s.`,
    '',
    table(
      ['posts', 'content loaded s', 'index built s (background)', 'RSS added MB', 'index heap MB', 'query p50 / p95 ms', 'queries/s', 'one edit in results ms'],
      [[s.posts, s.readySeconds, s.indexSeconds, s.indexRssMb, s.indexHeapMb, `${s.p50ms} / ${s.p95ms}`, s.queriesPerSecond, s.editVisibleMs]],
    ),
    '',
  ];
  return { sections, results: { search: s } };
}

function table(headers: string[], rows: Array<Array<string | number>>): string {
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
