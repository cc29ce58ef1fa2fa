import { type Dirent, type FSWatcher, readdirSync, watch } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { type PostFileCopy, PostFileCopies } from './file-copies.js';
import { countWords, parsePost, postBody } from './parse.js';
import { type Post, PostError, isPostCandidate } from './post.js';
import { currentKey, locatePostFile, readPostFile } from './post-file.js';
import type { ContentStore } from './store.js';

export interface DirectorySourceOptions {
  dir: string;
  timezone: string;
  /** POST_MAX_BYTES: a bigger file is refused from its size alone, never read. */
  postMaxBytes: number;
  /** FRONT_MATTER_MAX_BYTES. */
  frontMatterMaxBytes: number;
  /** The site's `excerpt_separator`; Jekyll's default (a blank line) when unset. */
  excerptSeparator?: string;
  store: ContentStore;
  logger: Logger;
  /** Rescan this often as a safety net for file systems without change events; 0 turns it off. */
  pollSeconds: number;
  /** Coalesces bursts of events (an editor save, a ConfigMap swap) into one reload. */
  debounceMs?: number;
}

/** A post and the copy of the file version it was parsed from, which its body is read from. */
interface GoodVersion {
  post: Post;
  copy: PostFileCopy;
}

interface CachedParse {
  /** The identity of the file version parsed (or refused). */
  key: string;
  result: GoodVersion | PostError;
}

interface ParsedEntry {
  name: string;
  cached: CachedParse;
  /** Parsed by this load, not taken from an earlier one. */
  fresh: boolean;
}

export const DIRECTORY_SOURCE = 'directory';

/** The longest a burst of events puts a reload off: a file written without pause cannot hold up the rest. */
const DEBOUNCE_MAX_WAIT_MS = 1000;

/** How often a folder that cannot be read is looked at again. */
const UNREADABLE_RETRY_MS = 1000;

/** How many posts a load copies into memory as it parses them; the rest are copied after it. */
const COPIES_IN_A_LOAD = 64;

/**
 * Posts from a folder, reloaded when it changes. It follows the two ways Kubernetes swaps content:
 * a ConfigMap volume (files are symlinks through `..data`, which is replaced by a rename inside the
 * folder) and git-sync (a symlink somewhere on the folder's path is replaced). Unchanged files are not
 * parsed again.
 */
export class DirectorySource {
  readonly name = DIRECTORY_SOURCE;
  private readonly parsed = new Map<string, CachedParse>();
  /** The newest version of each file that was a post, served while a later version is broken. */
  private readonly lastGood = new Map<string, GoodVersion>();
  private readonly copies = new PostFileCopies();
  private parsedThisLoad = 0;
  /** By folder path: the watcher and the identity of the folder it watches. */
  private readonly watchers = new Map<string, { watcher: FSWatcher; folder: string }>();
  private pollTimer: NodeJS.Timeout | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  /** When the first event of the burst the debounce timer waits out came (performance.now()). */
  private firstEventAt: number | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
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
    clearTimeout(this.retryTimer);
    for (const { watcher } of this.watchers.values()) watcher.close();
    this.watchers.clear();
    await this.running;
    this.copies.stop();
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

  /** Reloads once events pause for `delay`, but no later than DEBOUNCE_MAX_WAIT_MS after the first. */
  private schedule(delay = this.options.debounceMs ?? 50): void {
    if (this.stopped) return;
    const now = performance.now();
    this.firstEventAt ??= now;
    clearTimeout(this.debounceTimer);
    const wait = Math.max(0, Math.min(delay, this.firstEventAt + DEBOUNCE_MAX_WAIT_MS - now));
    this.debounceTimer = setTimeout(() => {
      this.firstEventAt = undefined;
      void this.reload();
    }, wait);
  }

  private async load(): Promise<void> {
    const { dir, store, logger } = this.options;
    let real: string;
    let entries: Dirent[];
    try {
      real = await realpath(dir);
      await this.watch(real);
      entries = readdirSync(real, { withFileTypes: true });
    } catch (error) {
      this.reportUnreadable(error as NodeJS.ErrnoException);
      return;
    }
    clearTimeout(this.retryTimer);
    const wasUnreadable = !store.isReadable(this.name);
    try {
      // Synchronous reads on purpose: thousands of small files load several times faster than through
      // the promise API (no per-file promise and buffer churn), and only changed files are read at all.
      const candidates = entries
        .filter((entry) => isPostCandidate(entry.name))
        .sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
      this.parsedThisLoad = 0;
      const results = candidates.map((entry) => this.parseFile(real, entry));
      const posts: Post[] = [];
      const problems: PostError[] = [];
      const keys: string[] = [];
      const seen = new Set<string>();
      for (const entry of results) {
        if (!entry) continue;
        seen.add(entry.name);
        keys.push(`${entry.name}@${entry.cached.key}`);
        const { result } = entry.cached;
        if (result instanceof PostError) {
          problems.push(result);
          // Only a version whose copy is in memory: the file holds the broken one now.
          const lastGood = this.lastGood.get(entry.name);
          const served = lastGood?.copy.isKept === true;
          if (served) posts.push(lastGood.post);
          // Once per version of the file, not at every reload.
          if (entry.fresh) {
            const consequence = served ? 'post broken, serving its last good version' : 'post skipped';
            logger.warn({ file: result.origin, reason: result.reason, servingLastGood: served }, `${consequence}: ${result.message}`);
          }
        } else {
          posts.push(result.post);
          this.lastGood.set(entry.name, result);
        }
      }
      for (const name of this.parsed.keys()) if (!seen.has(name)) this.parsed.delete(name);
      for (const name of this.lastGood.keys()) if (!seen.has(name)) this.lastGood.delete(name);
      const fingerprint = keys.join('\n');
      const before = store.fingerprintOf(this.name);
      store.replace(this.name, posts, problems, fingerprint);
      if (before !== fingerprint) {
        logger.info({ source: this.name, dir, posts: posts.length, skipped: problems.length }, 'posts loaded');
      }
      if (wasUnreadable) logger.info({ source: this.name, dir }, `posts folder "${dir}" can be read again`);
    } catch (error) {
      logger.error({ err: error, dir }, `posts reload failed, keeping the last good set: ${(error as Error).message}`);
      store.reportFailure(this.name, error as Error);
    }
  }

  /**
   * The folder cannot be read (deleted, not a folder): its last good posts stay served but readiness
   * fails, and it is looked at again every second, as no watcher may see it come back (a watcher on a
   * deleted folder hears nothing more, and nothing watches a folder that does not exist).
   */
  private reportUnreadable(error: NodeJS.ErrnoException): void {
    const { dir, store, logger } = this.options;
    const reason = `posts folder "${dir}" cannot be read: ${error.code ?? error.message}`;
    if (store.isReadable(this.name)) {
      logger.error({ source: this.name, dir, reason }, `${reason}; serving its last ${this.lastGood.size} good posts, not ready until it can be read again`);
    } else {
      logger.debug({ source: this.name, dir, reason }, `${reason}; trying again`);
    }
    store.reportUnreadable(this.name, new Error(reason));
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.schedule(0), UNREADABLE_RETRY_MS);
    this.retryTimer.unref();
  }

  /**
   * Parses a folder entry unless its version is the one parsed last time. Only regular files inside the
   * folder are read, and only up to POST_MAX_BYTES: the folder's writers may link to files elsewhere,
   * make FIFOs or drop huge files, and none of that may be served, stall a reload or fill memory.
   */
  private parseFile(realDir: string, entry: Dirent): ParsedEntry | undefined {
    const { name } = entry;
    const maxBytes = this.options.postMaxBytes;
    const origin = path.join(this.options.dir, name);
    const located = locatePostFile(realDir, entry);
    if (!located) return undefined; // Removed since readdir, or a symlink to nothing: not a post.
    const previous = this.parsed.get(name);
    if ('refusal' in located) {
      return previous?.key === located.key ? { name, cached: previous, fresh: false } : this.remember(name, located.key, new PostError(origin, located.refusal));
    }
    // Only a file parsed before needs a look before the read: is it still that version?
    if (previous && previous.key === currentKey(located.real)) return { name, cached: previous, fresh: false };
    const read = readPostFile(located, maxBytes);
    if (!read) return undefined;
    if ('refusal' in read) return this.remember(name, read.key, new PostError(origin, read.refusal));
    const { timezone, postMaxBytes, frontMatterMaxBytes, excerptSeparator } = this.options;
    let post: Post;
    try {
      post = parsePost(name, origin, read.bytes, { timezone, postMaxBytes, frontMatterMaxBytes, excerptSeparator });
    } catch (error) {
      return this.remember(name, read.key, error instanceof PostError ? error : new PostError(origin, (error as Error).message));
    }
    // An edit or two is copied at once: the file cannot change before its copy is taken.
    this.parsedThisLoad += 1;
    const bytesInHand = this.parsedThisLoad <= COPIES_IN_A_LOAD ? read.bytes : undefined;
    const copy = this.copies.add({ ...located, key: read.key, maxBytes }, bytesInHand);
    return this.remember(name, read.key, { post: withBodyFrom(post, copy), copy });
  }

  private remember(name: string, key: string, result: GoodVersion | PostError): ParsedEntry {
    const cached = { key, result };
    this.parsed.set(name, cached);
    return { name, cached, fresh: true };
  }

  /**
   * Watches the folder's real location, and the parent of every symlink on its configured path, so that
   * swapping a symlink (git-sync) is noticed too. Re-arms itself when the real location moves, or when a
   * path now names another folder (deleted and made again, or swapped by a rename): a watcher follows the
   * folder it was made for, not its path.
   */
  private async watch(real: string): Promise<void> {
    if (this.stopped) return;
    const wanted = new Map<string, string>();
    for (const dir of [real, ...(await symlinkParents(this.options.dir))]) {
      const folder = await folderIdentity(dir);
      // Gone since: the events of its going bring another reload.
      if (folder !== undefined) wanted.set(dir, folder);
    }
    for (const [dir, watched] of this.watchers) if (wanted.get(dir) !== watched.folder) this.unwatch(dir, watched.watcher);
    for (const [dir, folder] of wanted) {
      if (this.watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, { persistent: false }, (_event, name) => {
          // The folder itself was deleted or moved away: its watcher hears nothing more. (Its inode can
          // come back at once with a new folder, so the identity check alone would not notice.)
          if (name === path.basename(dir)) this.unwatch(dir, watcher);
          this.schedule();
        });
        watcher.on('error', () => {
          this.unwatch(dir, watcher);
          this.schedule();
        });
        this.watchers.set(dir, { watcher, folder });
      } catch (error) {
        this.options.logger.warn({ err: error, dir }, 'cannot watch folder; relying on the periodic rescan');
      }
    }
  }

  private unwatch(dir: string, watcher: FSWatcher): void {
    watcher.close();
    if (this.watchers.get(dir)?.watcher === watcher) this.watchers.delete(dir);
  }
}

async function folderIdentity(dir: string): Promise<string | undefined> {
  try {
    const info = await stat(dir);
    return `${info.dev}:${info.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * The post with its body taken from `copy` when a page is rendered (once per content version, as pages
 * are cached): the version the metadata came from, whatever the file holds by then. structuredClone
 * copies the strings, which would otherwise be slices that keep the whole file text alive.
 */
function withBodyFrom(post: Post, copy: PostFileCopy): Post {
  const { body: _parsed, wordCount: _ofParsed, ...rest } = post;
  const compact = structuredClone(rest);
  // The closures keep the origin alone: capturing `compact` would keep a second copy of every post.
  const { origin } = compact;
  // The first read of the body also counts its words, so a page that shows both reads it once.
  let words: number | undefined;
  const read = () => {
    const bytes = copy.bytes();
    // Changed before its copy was taken (just after a load): a reload is on its way.
    if (!bytes) throw new Error(`${origin} changed since it was loaded`);
    const text = postBody(origin, bytes);
    words ??= countWords(text);
    return { text, words };
  };
  return { ...compact, body: () => read().text, wordCount: () => words ?? read().words };
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
