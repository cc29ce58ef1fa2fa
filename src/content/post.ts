/** A post as parsed from one Markdown file with Jekyll-style front matter. Immutable once built. */
export interface Post {
  /** URL segment, from the file name after the date. */
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
  /** Markdown of the teaser: front matter excerpt, else text before `<!--more-->`, else the first paragraph. */
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
export type PostUrlInput = Pick<Post, 'slug' | 'stem' | 'date' | 'categories' | 'frontMatter' | 'title'>;

/** A file that does not count as a post at all (wrong extension, dotfile): ignored silently. */
export function isPostCandidate(fileName: string): boolean {
  return !fileName.startsWith('.') && /\.(md|markdown)$/i.test(fileName);
}

/** `2017-12-15-kubecon-was-nice.md` -> date parts and slug, or undefined for other names. */
export function parsePostFileName(fileName: string): { year: number; month: number; day: number; slug: string; stem: string } | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})-(.+)\.(md|markdown)$/i.exec(fileName);
  if (!match) return undefined;
  const [, y, m, d, slug] = match as unknown as [string, string, string, string, string];
  return { year: Number(y), month: Number(m), day: Number(d), slug, stem: fileName.replace(/\.(md|markdown)$/i, '') };
}

/** `count`, called at most once: the first answer is kept. */
export function countedOnce(count: () => number): () => number {
  let counted: number | undefined;
  return () => (counted ??= count());
}
