import type { Catalog } from '../content/catalog.js';
import type { Post } from '../content/post.js';
import { type FragmentJob, type FragmentResult, type RenderEngines, hasLiquid, referencedStems, renderFragment } from './fragment.js';
import { relativeIncludeNames } from './liquid-files.js';
import type { IncludeFiles, LiquidProblem } from './liquid.js';
import type { SiteContext } from './pages.js';
import { RenderTimeoutError } from './render-pool.js';
import { href, paths } from './urls.js';

/**
 * Fragments without Liquid up to this size are rendered on the event loop: the thread hop costs more
 * than they take, and even a Markdown construct that is quadratic stays within a few milliseconds here.
 */
const INLINE_MAX_CHARS = 2048;

/** About a few milliseconds of excerpts: what a list renders between two turns of the event loop. */
const EXCERPTS_PER_TURN = 50;

/** What a post shows in place of a body that could not be rendered. */
export const BODY_LEFT_OUT = '<p class="render-failed"><em>This post could not be shown in full. Its author has been told.</em></p>';

export type PostPart = 'body' | 'excerpt';

export interface PostRendererDeps {
  /** Runs a fragment on a render thread (RenderPool.run). */
  runOnThread(job: FragmentJob): Promise<FragmentResult>;
  /** The engines for small plain fragments, on the event loop. */
  inline: RenderEngines;
  /** Liquid tags in a post could not run; the post is shown without them. */
  onLiquidProblems(post: Post, problems: readonly LiquidProblem[]): void;
  /**
   * The files a post's `{% include_relative %}` tags name, read from its folder (readRelativeIncludes).
   * Without it, such includes are missing.
   */
  relativeFiles?(post: Post, names: readonly string[]): Promise<IncludeFiles>;
  /** A part of a post could not be rendered at all; it is left out until the post changes. */
  onFailure(post: Post, part: PostPart, reason: string, timedOut: boolean): void;
}

/**
 * Turns posts' bodies and excerpts into HTML off the event loop, so no post can stall the requests of
 * others: Liquid first, then Markdown, each under its limits. A part that fails is remembered per post
 * object (a post that changes is a new object), so a hostile post costs its time once, not per request.
 */
export class PostRenderer {
  private readonly failed = { body: new WeakSet<Post>(), excerpt: new WeakSet<Post>() };

  constructor(private readonly deps: PostRendererDeps) {}

  async bodyHtml(post: Post, catalog: Catalog, site: SiteContext): Promise<string> {
    return (await this.render(post, 'body', post.body(), catalog, site)) ?? BODY_LEFT_OUT;
  }

  async excerptHtml(post: Post, catalog: Catalog, site: SiteContext): Promise<string> {
    return (await this.render(post, 'excerpt', post.excerptMarkdown, catalog, site)) ?? '';
  }

  /**
   * Excerpts of several posts. Those rendered on the event loop are taken a batch at a time, with a turn
   * of the loop between batches, so a list of thousands of posts does not hold other requests up.
   */
  async excerptsHtml(posts: readonly Post[], catalog: Catalog, site: SiteContext): Promise<Map<Post, string>> {
    const excerpts = new Map<Post, string>();
    for (let start = 0; start < posts.length; start += EXCERPTS_PER_TURN) {
      if (start > 0) await new Promise((resolve) => setImmediate(resolve));
      const batch = posts.slice(start, start + EXCERPTS_PER_TURN);
      const html = await Promise.all(batch.map((post) => this.excerptHtml(post, catalog, site)));
      batch.forEach((post, i) => excerpts.set(post, html[i] ?? ''));
    }
    return excerpts;
  }

  private async render(post: Post, part: PostPart, text: string, catalog: Catalog, site: SiteContext): Promise<string | undefined> {
    if (this.failed[part].has(post)) return undefined;
    const job = jobFor(post, text, catalog, site);
    let result: FragmentResult;
    try {
      const names = job.liquid && this.deps.relativeFiles ? relativeIncludeNames(text) : [];
      if (job.liquid && this.deps.relativeFiles && names.length > 0) job.liquid.relativeFiles = await this.deps.relativeFiles(post, names);
      result = job.liquid === undefined && text.length <= INLINE_MAX_CHARS ? renderFragment(job, this.deps.inline) : await this.deps.runOnThread(job);
    } catch (error) {
      this.failed[part].add(post);
      this.deps.onFailure(post, part, (error as Error).message, error instanceof RenderTimeoutError);
      return undefined;
    }
    if (result.liquidProblems !== undefined) this.deps.onLiquidProblems(post, result.liquidProblems);
    return result.html;
  }
}

/** The job for one part of a post: its Liquid gets the site, the page and the posts it names. */
export function jobFor(post: Post, text: string, catalog: Catalog, site: SiteContext): FragmentJob {
  if (!hasLiquid(text)) return { text };
  const postUrls: Record<string, string> = {};
  for (const stem of referencedStems(text)) {
    const target = catalog.postByStem(stem);
    if (target) postUrls[stem] = href(site, paths.post(target.slug));
  }
  return {
    text,
    liquid: {
      site: { url: site.origin, baseurl: site.basePath, title: site.title, description: site.description, author: site.author },
      page: {
        ...post.frontMatter,
        title: post.title,
        date: post.date,
        tags: post.tags,
        categories: post.categories,
        url: href(site, paths.post(post.slug)),
        slug: post.slug,
      },
      postUrls,
    },
  };
}
