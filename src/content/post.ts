import { slugify } from './permalink.js';

/** A post as parsed from one Markdown file with Jekyll-style front matter. Immutable once built. */
export interface Post {
  /**
   * URL segment: the file name after the date, as Jekyll's `:title` makes it (runs of spaces and other
   * characters a URL path does not keep become one hyphen: `my post.md` -> `my-post`).
   */
  readonly slug: string;
  /**
   * The post's own path under the base path, percent-encoded: where it is served and linked, and what
   * tells two posts apart. `/posts/SLUG`, or the URL Jekyll gives it on a Jekyll site.
   */
  readonly url: string;
  /** Where it came from, for messages: a file path or `configmap/ns/name#key`. */
  readonly origin: string;
  /** The file name without extension (`2017-12-15-kubecon-was-nice`), what `{% post_url %}` names. */
  readonly stem: string;
  readonly title: string;
  readonly date: Date;
  readonly updated: Date | undefined;
  readonly tags: readonly string[];
  readonly categories: readonly string[];
  readonly description: string | undefined;
  /**
   * Markdown of the teaser, as Jekyll makes `page.excerpt`: the front matter `excerpt`, else the body up
   * to the excerpt separator (the first blank line unless the site or post sets `excerpt_separator`),
   * with the reference-link definitions it uses. Empty when the separator is set empty.
   */
  readonly excerptMarkdown: string;
  readonly author: string | undefined;
  readonly published: boolean;
  readonly permalink: string | undefined;
  readonly image: string | undefined;
  /**
   * The Markdown body (may contain Liquid tags). A function, so a source can keep bodies out of memory
   * and read them when a page is rendered: with thousands of posts they are most of the memory.
   */
  readonly body: () => string;
  /**
   * Words in the body, counted the first time they are asked for: counting needs the whole body, and
   * only rendered pages show it, so start-up with thousands of posts does not pay for it.
   */
  readonly wordCount: () => number;
  /** Every front matter key, including the ones kubeblog does not interpret. */
  readonly frontMatter: Readonly<Record<string, unknown>>;
}

/** Why a post could not be used; `origin` names the file. */
export class PostError extends Error {
  constructor(
    readonly origin: string,
    readonly reason: string,
  ) {
    super(`${origin}: ${reason}`);
    this.name = 'PostError';
  }
}

/** Where a post is served when no Jekyll permalink applies. */
export function defaultPostUrl(slug: string): string {
  return `/posts/${encodeURIComponent(slug)}`;
}

/** What decides a post's URL, known once its file is parsed. */
export type PostIdentity = Pick<Post, 'slug' | 'stem' | 'date' | 'categories' | 'frontMatter' | 'title'>;

/** A file that does not count as a post at all (wrong extension, dotfile): ignored silently. */
export function isPostCandidate(fileName: string): boolean {
  return !fileName.startsWith('.') && /\.(md|markdown)$/i.test(fileName);
}

/** What a post's file name says. */
export interface PostFileName {
  year: number;
  month: number;
  day: number;
  /** The URL segment: `fileSlug` as Jekyll's `:title` makes it (`my post` -> `my-post`). */
  slug: string;
  /** The name after the date, as written (Jekyll's `page.slug`): `my post`. */
  fileSlug: string;
  /** The file name without extension. */
  stem: string;
}

/**
 * `2017-12-15-kubecon-was-nice.md` -> date parts and slugs, or undefined for other names. Month and day
 * may have one digit (`2019-12-3-teams.md`), as Jekyll's DATE_FILENAME_MATCHER allows.
 */
export function parsePostFileName(fileName: string): PostFileName | undefined {
  const match = /^(\d{4})-(\d{1,2})-(\d{1,2})-(.+)\.(md|markdown)$/i.exec(fileName);
  if (!match) return undefined;
  const [, y, m, d, rest] = match as unknown as [string, string, string, string, string];
  // Jekyll drops dots at the end of the slug (`a..md`).
  const fileSlug = rest.replace(/\.+$/, '');
  const slug = slugify(fileSlug, 'pretty', true);
  if (slug === '') return undefined;
  return { year: Number(y), month: Number(m), day: Number(d), slug, fileSlug, stem: fileName.replace(/\.(md|markdown)$/i, '') };
}

/** `count`, called at most once: the first answer is kept. */
export function countedOnce(count: () => number): () => number {
  let counted: number | undefined;
  return () => (counted ??= count());
}
