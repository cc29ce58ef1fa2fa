import { EventEmitter } from 'node:events';
import { Catalog, type VisibilityOptions, normalizeLegacyPath } from './catalog.js';
import type { Post, PostError } from './post.js';
import type { SiteContent } from './site-content.js';

export interface ReloadEvent {
  source: string;
  result: 'success' | 'failure';
  /** Whether the set of posts changed (a success that changed nothing does not re-render anything). */
  changed: boolean;
  error?: Error;
}

export interface ConflictEvent {
  url: string;
  winner: string;
  loser: string;
}

export interface PostCounts {
  published: number;
  hidden: number;
  invalid: number;
}

interface SourceState {
  posts: readonly Post[];
  problems: readonly PostError[];
  fingerprint: string;
  site: SiteContent | undefined;
}

export interface ContentStoreEvents {
  reload: [ReloadEvent];
  change: [Catalog];
  conflict: [ConflictEvent];
}

/**
 * Holds the last good set of posts of each content source and the catalog readers see. A source hands
 * over complete sets; the catalog is swapped in one assignment, so a reader never sees half a reload.
 * When the same URL comes twice, the first wins: the source listed first in `sourceOrder`, and within a
 * source the post the source lists first.
 */
export class ContentStore extends EventEmitter<ContentStoreEvents> {
  private readonly sources = new Map<string, SourceState>();
  /** Why each source that cannot be read now cannot; cleared by its next complete set. */
  private readonly unreadable = new Map<string, string>();
  private current: Catalog;
  private version = 0;

  constructor(
    private readonly sourceOrder: readonly string[],
    private readonly visibility: VisibilityOptions,
    private readonly clock: () => number = Date.now,
  ) {
    super();
    this.current = new Catalog([], visibility, clock(), 0);
  }

  /** The catalog for this moment; a future post whose time has come makes a new one, without a reload. */
  catalog(): Catalog {
    if (this.clock() >= this.current.nextChangeAt) this.rebuild(false);
    return this.current;
  }

  /** True once every source has delivered its first complete set. */
  isReady(): boolean {
    return this.sourceOrder.every((name) => this.sources.has(name));
  }

  isReadyFor(source: string): boolean {
    return this.sources.has(source);
  }

  fingerprintOf(source: string): string | undefined {
    return this.sources.get(source)?.fingerprint;
  }

  pendingSources(): string[] {
    return this.sourceOrder.filter((name) => !this.sources.has(name));
  }

  /** Sources whose content cannot be read now, and why. */
  unreadableSources(): Array<{ source: string; reason: string }> {
    return [...this.unreadable].map(([source, reason]) => ({ source, reason }));
  }

  isReadable(source: string): boolean {
    return !this.unreadable.has(source);
  }

  /**
   * Replaces everything `source` contributes: posts, and for a Jekyll site its pages, static files and
   * data. `fingerprint` identifies the set; an equal one changes nothing.
   */
  replace(source: string, posts: readonly Post[], problems: readonly PostError[], fingerprint: string, site?: SiteContent): void {
    this.unreadable.delete(source);
    const previous = this.sources.get(source);
    const changed = previous?.fingerprint !== fingerprint;
    this.sources.set(source, { posts, problems, fingerprint, site });
    if (changed) this.rebuild();
    this.emit('reload', { source, result: 'success', changed });
  }

  /** A reload that failed as a whole: the last good set stays. */
  reportFailure(source: string, error: Error): void {
    this.emit('reload', { source, result: 'failure', changed: false, error });
  }

  /**
   * A reload that failed because the source's content cannot be read at all (its folder is gone): the
   * last good set stays, but readiness fails with `error`'s message until the source delivers again, as
   * what readers see can no longer follow the content.
   */
  reportUnreadable(source: string, error: Error): void {
    this.unreadable.set(source, error.message);
    this.reportFailure(source, error);
  }

  counts(): PostCounts {
    const catalog = this.catalog();
    let invalid = 0;
    for (const state of this.sources.values()) invalid += state.problems.length;
    return { published: catalog.posts.length, hidden: catalog.hiddenCount, invalid };
  }

  private rebuild(reportConflicts = true): void {
    const byUrl = new Map<string, { post: Post; source: string }>();
    for (const source of this.sourceOrder) {
      const state = this.sources.get(source);
      if (!state) continue;
      for (const post of state.posts) {
        const url = normalizeLegacyPath(post.url);
        const existing = byUrl.get(url);
        if (existing) {
          if (reportConflicts) this.emit('conflict', { url: post.url, winner: existing.post.origin, loser: post.origin });
          continue;
        }
        byUrl.set(url, { post, source });
      }
    }
    let site: SiteContent | undefined;
    for (const source of this.sourceOrder) site ??= this.sources.get(source)?.site;
    if (site) {
      // A post and a page at one URL: the post is served, as a post that claims a URL twice is.
      const pages = site.pages.filter((page) => {
        const post = byUrl.get(normalizeLegacyPath(page.url))?.post;
        if (post && reportConflicts) this.emit('conflict', { url: page.url, winner: post.origin, loser: page.origin });
        return post === undefined;
      });
      if (pages.length !== site.pages.length) site = { ...site, pages };
    }
    this.version += 1;
    this.current = new Catalog(
      [...byUrl.values()].map((e) => e.post),
      this.visibility,
      this.clock(),
      this.version,
      site,
    );
    this.emit('change', this.current);
  }
}
