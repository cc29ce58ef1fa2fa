import { type FSWatcher, closeSync, fstatSync, openSync, readFileSync, readSync, readdirSync, statSync, watch } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { countWords, parsePost, postBody } from './parse.js';
import { type Post, PostError, isPostCandidate } from './post.js';
import type { ContentStore } from './store.js';

export interface DirectorySourceOptions {
  dir: string;
  timezone: string;
  store: ContentStore;
  logger: Logger;
  /** Rescan this often as a safety net for file systems without change events; 0 turns it off. */
  pollSeconds: number;
  /** Coalesces bursts of events (an editor save, a ConfigMap swap) into one reload. */
  debounceMs?: number;
}

interface CachedParse {
  key: string;
  result: Post | PostError;
}

export const DIRECTORY_SOURCE = 'directory';

/**
 * Posts from a folder, reloaded when it changes. It follows the two ways Kubernetes swaps content:
 * a ConfigMap volume (files are symlinks through `..data`, which is replaced by a rename inside the
 * folder) and git-sync (a symlink somewhere on the folder's path is replaced). Unchanged files are not
 * parsed again.
 */
export class DirectorySource {
  readonly name = DIRECTORY_SOURCE;
  private readonly parsed = new Map<string, CachedParse>();
  private readonly watchers = new Map<string, FSWatcher>();
  private pollTimer: NodeJS.Timeout | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private rerun = false;
  private stopped = false;

  constructor(private readonly options: DirectorySourceOptions) {}

  /** Loads the folder once; a missing or unreadable folder rejects, so start-up can stop with the reason. */
  async start(): Promise<void> {
    const dir = this.options.dir;
    let info;
    try {
      info = await stat(dir);
    } catch (error) {
      throw new Error(`POSTS_DIR: posts folder "${dir}" cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (!info.isDirectory()) throw new Error(`POSTS_DIR: "${dir}" is not a folder`);
    await this.load();
    if (!this.options.store.isReadyFor(this.name)) {
      throw new Error(`POSTS_DIR: posts folder "${dir}" could not be loaded`);
    }
    if (this.options.pollSeconds > 0) {
      this.pollTimer = setInterval(() => this.schedule(0), this.options.pollSeconds * 1000);
      this.pollTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.debounceTimer);
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
    await this.running;
  }

  /** Reloads now (or right after the reload under way) and resolves when that reload has finished. */
  reload(): Promise<void> {
    if (this.running) {
      this.rerun = true;
      return this.running;
    }
    this.running = this.load().finally(() => {
      this.running = undefined;
      if (this.rerun && !this.stopped) {
        this.rerun = false;
        void this.reload();
      }
    });
    return this.running;
  }

  private schedule(delay = this.options.debounceMs ?? 50): void {
    if (this.stopped) return;
    clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => void this.reload(), delay);
  }

  private async load(): Promise<void> {
    const { dir, store, logger } = this.options;
    try {
      const real = await realpath(dir);
      await this.watch(real);
      // Synchronous reads on purpose: thousands of small files load several times faster than through
      // the promise API (no per-file promise and buffer churn), and only changed files are read at all.
      const names = readdirSync(real).filter(isPostCandidate).sort().reverse();
      const results = names.map((name) => this.parseFile(real, name));
      const posts: Post[] = [];
      const problems: PostError[] = [];
      const keys: string[] = [];
      const seen = new Set<string>();
      for (const entry of results) {
        if (!entry) continue;
        seen.add(entry.name);
        keys.push(`${entry.name}@${entry.cached.key}`);
        if (entry.cached.result instanceof PostError) problems.push(entry.cached.result);
        else posts.push(entry.cached.result);
      }
      for (const name of this.parsed.keys()) if (!seen.has(name)) this.parsed.delete(name);
      const fingerprint = keys.join('\n');
      const before = store.fingerprintOf(this.name);
      store.replace(this.name, posts, problems, fingerprint);
      if (before !== fingerprint) {
        for (const problem of problems) logger.warn({ file: problem.origin, reason: problem.reason }, `post skipped: ${problem.message}`);
        logger.info({ source: this.name, dir, posts: posts.length, skipped: problems.length }, 'posts loaded');
      }
    } catch (error) {
      logger.error({ err: error, dir }, `posts reload failed, keeping the last good set: ${(error as Error).message}`);
      store.reportFailure(this.name, error as Error);
    }
  }

  /** Reads and parses one file unless its identity (inode, size, mtime) is unchanged since the last load. */
  private parseFile(dir: string, name: string): { name: string; cached: CachedParse } | undefined {
    const file = path.join(dir, name);
    const origin = path.join(this.options.dir, name);
    const previous = this.parsed.get(name);
    if (previous) {
      try {
        if (previous.key === identity(statSync(file))) return { name, cached: previous };
      } catch {
        return undefined; // Removed since readdir, or a dangling symlink: not a post.
      }
    }
    let read;
    try {
      read = readIdentified(file);
    } catch {
      return undefined;
    }
    if (!read) return undefined;
    let result: Post | PostError;
    try {
      result = withBodyFromDisk(parsePost(name, origin, read.bytes, { timezone: this.options.timezone }), file);
    } catch (error) {
      result = error instanceof PostError ? error : new PostError(origin, (error as Error).message);
    }
    const cached = { key: read.key, result };
    this.parsed.set(name, cached);
    return { name, cached };
  }

  /**
   * Watches the folder's real location, and the parent of every symlink on its configured path, so that
   * swapping a symlink (git-sync) is noticed too. Re-arms itself when the real location moves.
   */
  private async watch(real: string): Promise<void> {
    if (this.stopped) return;
    const wanted = new Set<string>([real, ...(await symlinkParents(this.options.dir))]);
    for (const [dir, watcher] of this.watchers) {
      if (!wanted.has(dir)) {
        watcher.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of wanted) {
      if (this.watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, { persistent: false }, () => this.schedule());
        watcher.on('error', () => {
          watcher.close();
          this.watchers.delete(dir);
          this.schedule();
        });
        this.watchers.set(dir, watcher);
      } catch (error) {
        this.options.logger.warn({ err: error, dir }, 'cannot watch folder; relying on the periodic rescan');
      }
    }
  }
}

/**
 * The post without its body in memory: the body is read again when a page is rendered (once per content
 * version, as pages are cached). structuredClone copies the strings, which would otherwise be slices
 * that keep the whole file text alive.
 */
function withBodyFromDisk(post: Post, file: string): Post {
  const { body: _inMemory, wordCount: _fromMemory, ...rest } = post;
  const compact = structuredClone(rest);
  // The closures keep the origin alone: capturing `compact` would keep a second copy of every post.
  const { origin } = compact;
  // The first read of the body also counts its words, so a page that shows both reads the file once.
  let words: number | undefined;
  const read = () => {
    const text = postBody(origin, readFileSync(file));
    words ??= countWords(text);
    return { text, words };
  };
  return { ...compact, body: () => read().text, wordCount: () => words ?? read().words };
}

function identity(info: { dev: number; ino: number; size: number; mtimeMs: number }): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}`;
}

/** The bytes of a regular file and their identity from the same open file, so the two cannot disagree. */
function readIdentified(file: string): { key: string; bytes: Buffer } | undefined {
  const fd = openSync(file, 'r');
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return undefined;
    const bytes = Buffer.allocUnsafe(info.size);
    let offset = 0;
    while (offset < info.size) {
      const n = readSync(fd, bytes, offset, info.size - offset, null);
      if (n === 0) break;
      offset += n;
    }
    return { key: identity(info), bytes: offset === info.size ? bytes : bytes.subarray(0, offset) };
  } finally {
    closeSync(fd);
  }
}

/** The folders holding a symlink that lies on `target`'s path: where a git-sync style swap happens. */
async function symlinkParents(target: string): Promise<string[]> {
  const parents: string[] = [];
  const parts = path.resolve(target).split(path.sep).filter((p) => p !== '');
  let current: string = path.sep;
  for (const part of parts) {
    const next = path.join(current, part);
    try {
      if ((await lstat(next)).isSymbolicLink()) parents.push(await realpath(current));
    } catch {
      break;
    }
    current = next;
  }
  return parents;
}
