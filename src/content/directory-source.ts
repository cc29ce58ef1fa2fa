import { type FSWatcher, readFileSync, readdirSync, statSync, watch } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { type PostFileCopy, PostFileCopies } from './file-copies.js';
import { countWords, parsePost, postBody } from './parse.js';
import { type Page, parsePage, startsWithFrontMatter } from './page.js';
import { type Post, PostError, type PostIdentity, isPostCandidate } from './post.js';
import { currentKey, locatePostFile, readPostFile } from './post-file.js';
import type { SiteContent } from './site-content.js';
import { type SiteRules, frontMatterDefaults, parseSiteConfig, siteRules } from './site-config.js';
import { loadSiteData } from './site-data.js';
import { isStaticCandidate } from './static-candidates.js';
import { readIncludes } from './include-files.js';
import { type SiteFile, type SitePostFile, foldersUnder, walkSite } from './site-tree.js';
import type { ContentStore } from './store.js';

/** How a Jekyll site (SITE_DIR) is read, beyond its posts. */
export interface SiteLayout {
  /** The site's `_config.yml` (SITE_CONFIG, else the one in the folder), read at every load. */
  configFile: string | undefined;
  /** Read `_drafts` too. */
  drafts: boolean;
  /** A site with more files than this is not loaded. */
  maxFiles: number;
  /** The URL Jekyll gives a post at `rel` (from the site root) under the site's rules. */
  postUrl(post: PostIdentity, rel: string, rules: SiteRules): string;
  /** Throws when the site's `permalink` cannot give URLs (a placeholder Jekyll does not know). */
  checkPermalink(permalink: string): void;
  /** The URL Jekyll gives a page at `rel` under the site's rules. */
  pageUrl(rel: string, frontMatter: Readonly<Record<string, unknown>>, rules: SiteRules): string;
}

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
  /** `dir` is the root of a Jekyll site: every `_posts` folder, pages and static files are read. */
  site?: SiteLayout;
  /** For a posts folder: the URL of a post (SITE_CONFIG's permalink), else `/posts/SLUG`. */
  postUrl?: (post: PostIdentity) => string;
}

/** A post file of this load: `key` is its path relative to the folder read. */
interface PostFileEntry {
  key: string;
  fileName: string;
  entry: { name: string; isFile(): boolean; isSymbolicLink(): boolean };
  folderCategories: readonly string[];
  draft: boolean;
}

/** A page of the site, or the fact that the file is served as it is (it has no front matter). */
type PageResult = Page | 'static' | PostError;

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
  /** Page candidates of a site by relative path: the version read and what it was. */
  private readonly pages = new Map<string, { key: string; result: PageResult }>();
  /** The text of the site config the parsed files were read under. */
  private configText: string | undefined;
  /** Why the last load failed as a whole, for start-up to say. */
  private lastFailure: string | undefined;
  /** The newest version of each file that was a post, served while a later version is broken. */
  private readonly lastGood = new Map<string, GoodVersion>();
  private readonly copies = new PostFileCopies();
  private parsedThisLoad = 0;
  /** By folder path: the watcher and the identity of the folder it watches. */
  private readonly watchers = new Map<string, { watcher: FSWatcher; folder: string }>();
  /** A site's folders as the last listing found them (real paths): each is watched on its own. */
  private siteFolders: string[] = [];
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
      const setting = this.options.site ? 'SITE_DIR' : 'POSTS_DIR';
      throw new Error(`${setting}: "${dir}" could not be loaded${this.lastFailure ? `: ${this.lastFailure}` : ''}`);
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
    const { dir, store, logger, site } = this.options;
    let real: string;
    let listing: { posts: PostFileEntry[]; pageFiles: SiteFile[]; staticFiles: SiteFile[]; folders: string[] };
    let rules: SiteRules | undefined;
    let configText = '';
    try {
      real = await realpath(dir);
      await this.watch(real);
      if (site) {
        const configFile = site.configFile ?? path.join(real, '_config.yml');
        configText = readConfigText(configFile);
        try {
          rules = siteRules(parseSiteConfig(configText));
          site.checkPermalink(rules.postPermalink);
        } catch (error) {
          throw new SiteConfigError(`${configFile} ${(error as Error).message}`);
        }
        listing = listSite(real, rules, site);
        const known = this.siteFolders;
        this.siteFolders = listing.folders.map((rel) => (rel === '' ? real : path.join(real, rel)));
        const armed = await this.watch(real);
        // A folder made since the last load may have had files written into it before its watch was armed.
        if (armed > 0 && known.length > 0) this.schedule();
        if (configText !== this.configText) {
          // URLs, defaults and excerpts of every file follow the config: nothing parsed under the old one stands.
          this.parsed.clear();
          this.pages.clear();
          this.configText = configText;
        }
      } else {
        listing = { posts: listFolder(real), pageFiles: [], staticFiles: [], folders: [] };
      }
    } catch (error) {
      if (error instanceof SiteConfigError) {
        this.reportBrokenSite(error);
        return;
      }
      this.reportUnreadable(error as NodeJS.ErrnoException);
      return;
    }
    clearTimeout(this.retryTimer);
    const wasUnreadable = !store.isReadable(this.name);
    try {
      this.parsedThisLoad = 0;
      const results = listing.posts.map((file) => this.parseFile(real, file, rules));
      const posts: Post[] = [];
      const problems: PostError[] = [];
      const keys: string[] = [configText];
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
      let content: SiteContent | undefined;
      if (site && rules) {
        const pages: Page[] = [];
        const staticFiles = new Set(listing.staticFiles.map((file) => file.rel));
        for (const file of listing.pageFiles) {
          const page = this.parsePageFile(real, file, rules, site, keys);
          if (page === 'static') staticFiles.add(file.rel);
          else if (page instanceof PostError) problems.push(page);
          else if (page) pages.push(page);
        }
        for (const rel of staticFiles) keys.push(rel);
        const [data, includes] = await Promise.all([loadSiteData(path.join(real, '_data'), real), readIncludes(path.join(real, '_includes'))]);
        const leftOut = [...data.problems.map((p) => ({ ...p, file: `_data/${p.file}` })), ...includes.problems.map((p) => ({ ...p, file: `_includes/${p.file}` }))];
        for (const problem of leftOut) {
          const file = path.join(dir, problem.file);
          logger.warn({ file, reason: problem.reason }, `site file left out: ${file}: ${problem.reason}`);
        }
        // Data and includes change what posts render to: their texts join the fingerprint.
        keys.push(JSON.stringify(data.data), JSON.stringify(includes.files));
        content = { root: real, pages, staticFiles, config: rules.config, data: data.data, includes: includes.files };
      }
      for (const name of this.parsed.keys()) if (!seen.has(name)) this.parsed.delete(name);
      for (const name of this.lastGood.keys()) if (!seen.has(name)) this.lastGood.delete(name);
      for (const rel of this.pages.keys()) if (!listing.pageFiles.some((file) => file.rel === rel)) this.pages.delete(rel);
      const fingerprint = keys.join('\n');
      const before = store.fingerprintOf(this.name);
      store.replace(this.name, posts, problems, fingerprint, content);
      if (before !== fingerprint) {
        const counts = content ? { pages: content.pages.length, staticFiles: content.staticFiles.size } : {};
        logger.info({ source: this.name, dir, posts: posts.length, skipped: problems.length, ...counts }, content ? 'site loaded' : 'posts loaded');
      }
      if (wasUnreadable) logger.info({ source: this.name, dir }, `posts folder "${dir}" can be read again`);
    } catch (error) {
      logger.error({ err: error, dir }, `posts reload failed, keeping the last good set: ${(error as Error).message}`);
      store.reportFailure(this.name, error as Error);
    }
  }

  /** The site's config cannot be used: the last good site stays; start-up stops with the reason. */
  private reportBrokenSite(error: SiteConfigError): void {
    this.options.logger.error({ source: this.name, dir: this.options.dir, reason: error.message }, `site reload failed, keeping the last good site: ${error.message}`);
    this.lastFailure = error.message;
    this.options.store.reportFailure(this.name, error);
  }

  /**
   * A page candidate: a page when it starts with front matter, else a static file, as Jekyll decides.
   * Parsed again only when its file changed; its key joins the load's fingerprint.
   */
  private parsePageFile(realRoot: string, file: SiteFile, rules: SiteRules, site: SiteLayout, keys: string[]): PageResult | undefined {
    const origin = path.join(this.options.dir, file.rel);
    const located = locatePostFile(realRoot, { name: file.rel, isFile: () => file.entry.isFile(), isSymbolicLink: () => file.entry.isSymbolicLink() });
    if (!located) return undefined;
    if ('refusal' in located) return new PostError(origin, located.refusal);
    const previous = this.pages.get(file.rel);
    const key = currentKey(located.real);
    if (previous && previous.key === key) {
      keys.push(`${file.rel}@${key}`);
      return previous.result;
    }
    const read = readPostFile(located, this.options.postMaxBytes);
    if (!read) return undefined;
    keys.push(`${file.rel}@${read.key}`);
    let result: PageResult;
    if ('refusal' in read) {
      result = new PostError(origin, read.refusal);
    } else if (!startsWithFrontMatter(read.bytes)) {
      result = 'static';
    } else {
      try {
        const defaults = frontMatterDefaults(rules, file.rel, 'pages');
        result = parsePage(file.rel, origin, read.bytes, {
          urlOf: (rel, frontMatter) => site.pageUrl(rel, { ...defaults, ...frontMatter }, rules),
          headerPages: rules.headerPages,
          frontMatterMaxBytes: this.options.frontMatterMaxBytes,
        });
      } catch (error) {
        result = error instanceof PostError ? error : new PostError(origin, (error as Error).message);
      }
      if (result instanceof PostError) this.options.logger.warn({ file: origin, reason: result.reason }, `page skipped: ${result.message}`);
    }
    this.pages.set(file.rel, { key: read.key, result });
    return result;
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
  private parseFile(realDir: string, file: PostFileEntry, rules: SiteRules | undefined): ParsedEntry | undefined {
    const name = file.key;
    const maxBytes = this.options.postMaxBytes;
    const origin = path.join(this.options.dir, name);
    const located = locatePostFile(realDir, file.entry);
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
    const { timezone, postMaxBytes, frontMatterMaxBytes, excerptSeparator, site, postUrl: folderPostUrl } = this.options;
    let post: Post;
    try {
      const siteOptions =
        site && rules
          ? {
              folderCategories: file.folderCategories,
              excerptSeparator: rules.excerptSeparator,
              frontMatterDefaults: frontMatterDefaults(rules, file.key, file.draft ? 'drafts' : 'posts'),
              postUrl: (input: PostIdentity) => site.postUrl(input, file.key, rules),
              ...(file.draft ? { draftDate: new Date(currentMtime(located.real)) } : {}),
            }
          : folderPostUrl
            ? { postUrl: folderPostUrl }
            : {};
      post = parsePost(file.fileName, origin, read.bytes, { timezone, postMaxBytes, frontMatterMaxBytes, excerptSeparator, ...siteOptions });
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
   * swapping a symlink (git-sync) is noticed too, and each folder of a site. Re-arms itself when the real
   * location moves, or when a path now names another folder (deleted and made again, or swapped by a
   * rename): a watcher follows the folder it was made for, not its path. Resolves to how many watchers it
   * armed.
   *
   * A site's folders are watched one by one rather than with `recursive`: on Linux Node emulates a
   * recursive watch with an inotify watch and a kept `stat` for every file, which for a site of 15,000
   * files took ~0.8 s of start-up and tens of megabytes, and can exhaust the node's inotify watches.
   */
  private async watch(real: string): Promise<number> {
    if (this.stopped) return 0;
    const wanted = new Map<string, string>();
    for (const dir of new Set([real, ...this.siteFolders, ...(await symlinkParents(this.options.dir))])) {
      const folder = await folderIdentity(dir);
      // Gone since: the events of its going bring another reload.
      if (folder !== undefined) wanted.set(dir, folder);
    }
    for (const [dir, watched] of this.watchers) if (wanted.get(dir) !== watched.folder) this.unwatch(dir, watched.watcher);
    let armed = 0;
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
        armed += 1;
      } catch (error) {
        this.options.logger.warn({ err: error, dir }, 'cannot watch folder; relying on the periodic rescan');
      }
    }
    return armed;
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

/** The site's `_config.yml` is unusable: the whole load fails, and the last good site stays. */
class SiteConfigError extends Error {}

/** The text of the site's config; a site without one has Jekyll's defaults. */
function readConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return '';
    throw new SiteConfigError(`${file} cannot be read: ${code ?? (error as Error).message}`);
  }
}

/** The post files of a posts folder, newest name first: the first of two posts with one URL wins. */
function listFolder(realDir: string): PostFileEntry[] {
  return readdirSync(realDir, { withFileTypes: true })
    .filter((entry) => isPostCandidate(entry.name))
    .sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0))
    .map((entry) => ({ key: entry.name, fileName: entry.name, entry, folderCategories: [], draft: false }));
}

/**
 * The files of a Jekyll site: posts from every `_posts` folder, page candidates and static files, and the
 * folders they and the site's data and includes are in.
 */
function listSite(realRoot: string, rules: SiteRules, site: SiteLayout): { posts: PostFileEntry[]; pageFiles: SiteFile[]; staticFiles: SiteFile[]; folders: string[] } {
  const tree = walkSite(realRoot, { isExcluded: (rel) => !isStaticCandidate(rel, rules.entryFilter), drafts: site.drafts, maxFiles: site.maxFiles });
  const posts = tree.posts
    .map((file: SitePostFile) => ({
      key: file.rel,
      fileName: file.entry.name,
      entry: { name: file.rel, isFile: () => file.entry.isFile(), isSymbolicLink: () => file.entry.isSymbolicLink() },
      folderCategories: file.folderCategories,
      draft: file.draft,
    }))
    .sort((a, b) => (a.fileName < b.fileName ? 1 : a.fileName > b.fileName ? -1 : a.key < b.key ? -1 : 1));
  const folders = [...tree.folders, ...foldersUnder(realRoot, '_data'), ...foldersUnder(realRoot, '_includes')];
  return { posts, pageFiles: tree.pageCandidates, staticFiles: tree.statics, folders };
}

function currentMtime(real: string): number {
  try {
    return statSync(real).mtimeMs;
  } catch {
    return Date.now();
  }
}
