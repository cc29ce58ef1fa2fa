import { calendarParts } from './dates.js';
import type { Page } from './page.js';
import type { Post } from './post.js';
import type { SiteContent } from './site-content.js';

export interface VisibilityOptions {
  showDrafts: boolean;
  showFuture: boolean;
  timezone: string;
}

export interface TagGroup {
  readonly slug: string;
  readonly name: string;
  /** Newest first. */
  readonly posts: readonly Post[];
}

export interface YearGroup {
  readonly year: string;
  readonly posts: readonly Post[];
}

/** `Kubernetes`, `service mesh` -> `kubernetes`, `service-mesh`; letters of every script are kept. */
export function tagSlug(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * An immutable, indexed view of the posts a reader may see at one moment. Everything a request needs
 * is a map lookup or a slice: nothing on the request path walks all posts.
 */
export class Catalog {
  /** Visible posts, newest first. */
  readonly posts: readonly Post[];
  /** Posts that exist but are hidden (drafts, future). */
  readonly hiddenCount: number;
  /** When a hidden future post becomes visible (ms since epoch), or Infinity. */
  readonly nextChangeAt: number;
  readonly tags: readonly TagGroup[];
  readonly years: readonly YearGroup[];
  readonly lastModified: Date | undefined;
  private readonly indexByUrl: ReadonlyMap<string, number>;
  /** The newest post of each slug: what `/posts/SLUG` names. */
  private readonly bySlug: ReadonlyMap<string, Post>;
  private readonly byStem: ReadonlyMap<string, Post>;
  private readonly tagsBySlug: ReadonlyMap<string, TagGroup>;
  private readonly legacyUrls: ReadonlyMap<string, Post | Page>;
  private readonly pagesByUrl: ReadonlyMap<string, Page>;
  private readonly pagesByPath: ReadonlyMap<string, Page>;
  /** Pages in the site's navigation, in order. */
  readonly navigation: readonly Page[];

  constructor(
    all: readonly Post[],
    options: VisibilityOptions,
    now: number,
    readonly version: number,
    /** Pages, static files, config and data of a Jekyll site (SITE_DIR). */
    readonly site?: SiteContent,
  ) {
    let nextChangeAt = Infinity;
    const visible: Post[] = [];
    for (const post of all) {
      if (!post.published && !options.showDrafts) continue;
      const at = post.date.getTime();
      if (at > now && !options.showFuture) {
        if (post.published || options.showDrafts) nextChangeAt = Math.min(nextChangeAt, at);
        continue;
      }
      visible.push(post);
    }
    visible.sort((a, b) => b.date.getTime() - a.date.getTime() || a.slug.localeCompare(b.slug) || a.url.localeCompare(b.url));
    this.posts = visible;
    this.hiddenCount = all.length - visible.length;
    this.nextChangeAt = nextChangeAt;
    this.indexByUrl = new Map(visible.map((p, i) => [normalizeLegacyPath(p.url), i]));
    const bySlug = new Map<string, Post>();
    for (const post of visible) if (!bySlug.has(post.slug)) bySlug.set(post.slug, post);
    this.bySlug = bySlug;
    this.byStem = new Map(visible.map((p) => [p.stem, p]));

    const tags = new Map<string, { name: string; posts: Post[] }>();
    const years = new Map<string, Post[]>();
    const legacy = new Map<string, Post | Page>();
    let lastModified: number | undefined;
    for (const post of visible) {
      for (const name of post.tags) {
        const slug = tagSlug(name);
        if (slug === '') continue;
        const group = tags.get(slug) ?? { name, posts: [] };
        group.posts.push(post);
        tags.set(slug, group);
      }
      const { year, month, day } = calendarParts(post.date, options.timezone);
      const yearPosts = years.get(year);
      if (yearPosts) yearPosts.push(post);
      else years.set(year, [post]);
        for (const url of legacyUrlsOf(post, year, month, day)) if (!legacy.has(url) && !this.indexByUrl.has(url)) legacy.set(url, post);
      const modified = (post.updated ?? post.date).getTime();
      lastModified = lastModified === undefined ? modified : Math.max(lastModified, modified);
    }
    this.tags = [...tags.entries()]
      .map(([slug, g]) => ({ slug, name: g.name, posts: g.posts }))
      .sort((a, b) => b.posts.length - a.posts.length || a.slug.localeCompare(b.slug));
    this.tagsBySlug = new Map(this.tags.map((t) => [t.slug, t]));
    this.years = [...years.entries()].map(([year, posts]) => ({ year, posts })).sort((a, b) => b.year.localeCompare(a.year));
    const pages = site?.pages ?? [];
    this.pagesByUrl = new Map(pages.map((page) => [normalizeLegacyPath(page.url), page]));
    this.pagesByPath = new Map(pages.map((page) => [page.path, page]));
    for (const page of pages) {
      for (const from of page.redirectFrom) {
        const url = normalizeLegacyPath(from);
        if (!legacy.has(url) && !this.indexByUrl.has(url) && !this.pagesByUrl.has(url)) legacy.set(url, page);
      }
    }
    this.navigation = pages
      .filter((page) => page.navOrder !== undefined)
      .sort((a, b) => (a.navOrder ?? 0) - (b.navOrder ?? 0) || (a.title ?? a.url).localeCompare(b.title ?? b.url));
    this.legacyUrls = legacy;
    this.lastModified = lastModified === undefined ? undefined : new Date(lastModified);
  }

  /** The newest post with this slug. */
  post(slug: string): Post | undefined {
    return this.bySlug.get(slug);
  }

  /** The post served at `path` (under the base path), in any spelling of it; see normalizeLegacyPath. */
  postAt(path: string): Post | undefined {
    const index = this.indexByUrl.get(normalizeLegacyPath(path));
    return index === undefined ? undefined : this.posts[index];
  }

  /** The newer and older neighbours of a post in date order. */
  neighbours(post: Post): { newer: Post | undefined; older: Post | undefined } {
    const index = this.indexByUrl.get(normalizeLegacyPath(post.url));
    if (index === undefined) return { newer: undefined, older: undefined };
    return { newer: this.posts[index - 1], older: this.posts[index + 1] };
  }

  /** Looks a post up by its file name without extension, as `{% post_url %}` names it. */
  postByStem(stem: string): Post | undefined {
    return this.byStem.get(stem);
  }

  tag(slug: string): TagGroup | undefined {
    return this.tagsBySlug.get(slug);
  }

  /** The page made from the file at `rel` (relative to the site root), as `{% link %}` names it. */
  pageByPath(rel: string): Page | undefined {
    return this.pagesByPath.get(rel);
  }

  /** The page served at `path` (under the base path), in any spelling of it. */
  pageAt(path: string): Page | undefined {
    return this.pagesByUrl.get(normalizeLegacyPath(path));
  }

  /**
   * The static file a request path names (under the base path): its path relative to the site root, or
   * undefined when the site has no such file. Only files the site lists are served.
   */
  staticFile(path: string): string | undefined {
    if (!this.site) return undefined;
    let rel: string;
    try {
      rel = decodeURIComponent(path).replace(/^\/+/, '');
    } catch {
      return undefined;
    }
    return this.site.staticFiles.has(rel) ? rel : undefined;
  }

  /** What a Jekyll-era URL (date URL, `permalink`, `redirect_from`) pointed at; path without base path. */
  legacyTarget(path: string): Post | Page | undefined {
    return this.legacyUrls.get(normalizeLegacyPath(path));
  }
}

/** Jekyll URLs differ in trailing slash, `.html` and case of percent-escapes; compare them in one form. */
export function normalizeLegacyPath(path: string): string {
  let decoded = path;
  try {
    decoded = decodeURI(path);
  } catch {
    // An undecodable path is compared as it came.
  }
  return decoded.replace(/\/index\.html$/, '/').replace(/\.html$/, '').replace(/\/+$/, '') || '/';
}

/** jekyll-redirect-from's `redirect_from`: one path or a list of them. */
export function redirectsFrom(frontMatter: Readonly<Record<string, unknown>>): string[] {
  const from = frontMatter.redirect_from;
  const list = Array.isArray(from) ? from : [from];
  return list.filter((url): url is string => typeof url === 'string' && url.startsWith('/'));
}

function legacyUrlsOf(post: Post, year: string, month: string, day: string): string[] {
  const datePath = `/${year}/${month}/${day}/${post.slug}`;
  const urls = [datePath, `/posts/${encodeURIComponent(post.slug)}`, ...redirectsFrom(post.frontMatter)];
  if (post.categories.length > 0) {
    // Jekyll's default `date` permalink style puts the categories in front of the date.
    urls.push(`/${post.categories.map((c) => c.toLowerCase().replace(/\s+/g, '-')).join('/')}${datePath}`);
  }
  if (post.permalink) {
    const expanded = post.permalink
      .replace(/:year/g, year)
      .replace(/:month|:i_month/g, month)
      .replace(/:day|:i_day/g, day)
      .replace(/:title|:slug/g, post.slug)
      .replace(/:categories/g, post.categories.join('/'));
    urls.push(expanded.startsWith('/') ? expanded : `/${expanded}`);
  }
  return urls.map(normalizeLegacyPath);
}
