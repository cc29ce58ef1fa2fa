import type { Catalog } from '../content/catalog.js';
import type { Page } from '../content/page.js';
import type { Post } from '../content/post.js';
import { type FragmentJob, type FragmentResult, type RenderEngines, hasLiquid, referencedStems, renderFragment } from './fragment.js';
import { relativeIncludeNames } from './liquid-files.js';
import type { IncludeFiles, LiquidProblem, SiteVariables } from './liquid.js';
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

/** What a message about a post or page that failed names. */
export interface RenderedItem {
  readonly origin: string;
}

export interface PostRendererDeps {
  /** Runs a fragment on a render thread (RenderPool.run). */
  runOnThread(job: FragmentJob): Promise<FragmentResult>;
  /** The engines for small plain fragments, on the event loop. */
  inline: RenderEngines;
  /** Liquid tags in a post or page could not run; it is shown without them. */
  onLiquidProblems(item: RenderedItem, problems: readonly LiquidProblem[]): void;
  /**
   * The files the `{% include_relative %}` tags of a post or page name, read from its folder
   * (readRelativeIncludes). Without it, such includes are missing.
   */
  relativeFiles?(item: RenderedItem, names: readonly string[]): Promise<IncludeFiles>;
  /** A part of a post or page could not be rendered at all; it is left out until it changes. */
  onFailure(item: RenderedItem, part: PostPart, reason: string, timedOut: boolean): void;
}

/**
 * Turns posts' bodies and excerpts into HTML off the event loop, so no post can stall the requests of
 * others: Liquid first, then Markdown, each under its limits. A part that fails is remembered per post
 * object (a post that changes is a new object), so a hostile post costs its time once, not per request.
 */
export class PostRenderer {
  private readonly failed = { body: new WeakSet<RenderedItem>(), excerpt: new WeakSet<RenderedItem>() };

  constructor(private readonly deps: PostRendererDeps) {}

  async bodyHtml(post: Post, catalog: Catalog, site: SiteContext): Promise<string> {
    return (await this.render(post, 'body', jobFor(post, post.body(), catalog, site))) ?? BODY_LEFT_OUT;
  }

  /** A page of a Jekyll site: its Liquid, then its Markdown unless it is written in HTML. */
  async pageHtml(page: Page, catalog: Catalog, site: SiteContext): Promise<string> {
    return (await this.render(page, 'body', pageJob(page, catalog, site))) ?? BODY_LEFT_OUT;
  }

  async excerptHtml(post: Post, catalog: Catalog, site: SiteContext): Promise<string> {
    return (await this.render(post, 'excerpt', jobFor(post, post.excerptMarkdown, catalog, site))) ?? '';
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

  private async render(item: RenderedItem, part: PostPart, job: FragmentJob): Promise<string | undefined> {
    if (this.failed[part].has(item)) return undefined;
    let result: FragmentResult;
    try {
      const names = job.liquid && this.deps.relativeFiles ? relativeIncludeNames(job.text) : [];
      if (job.liquid && this.deps.relativeFiles && names.length > 0) job.liquid.relativeFiles = await this.deps.relativeFiles(item, names);
      result = job.liquid === undefined && job.text.length <= INLINE_MAX_CHARS ? renderFragment(job, this.deps.inline) : await this.deps.runOnThread(job);
    } catch (error) {
      this.failed[part].add(item);
      this.deps.onFailure(item, part, (error as Error).message, error instanceof RenderTimeoutError);
      return undefined;
    }
    if (result.liquidProblems !== undefined) this.deps.onLiquidProblems(item, result.liquidProblems);
    return result.html;
  }
}

/** The site variables of one request; the keys of `_config.yml` and `site.data` reach the threads once (SharedSite). */
function liquidSite(site: SiteContext): SiteVariables {
  return { url: site.origin, baseurl: site.basePath, title: site.title, description: site.description, author: site.author };
}

/** The URLs of the posts a text names by file stem. */
function postUrlsIn(text: string, catalog: Catalog, site: SiteContext): Record<string, string> {
  const postUrls: Record<string, string> = {};
  for (const stem of referencedStems(text)) {
    const target = catalog.postByStem(stem) ?? catalog.pageByPath(stem);
    if (target) postUrls[stem] = href(site, target.url);
    else if (catalog.site?.staticFiles.has(stem)) postUrls[stem] = href(site, `/${stem}`);
  }
  return postUrls;
}

/** The job for a page: its Liquid gets the site, the page and the posts it names. */
export function pageJob(page: Page, catalog: Catalog, site: SiteContext): FragmentJob {
  const job: FragmentJob = page.markdown ? { text: page.body } : { text: page.body, html: true };
  if (!hasLiquid(page.body)) return job;
  return {
    ...job,
    liquid: {
      site: liquidSite(site),
      page: { ...page.frontMatter, title: page.title, url: href(site, page.url), path: page.path },
      postUrls: postUrlsIn(page.body, catalog, site),
    },
  };
}

/** The job for one part of a post: its Liquid gets the site, the page and the posts it names. */
export function jobFor(post: Post, text: string, catalog: Catalog, site: SiteContext): FragmentJob {
  if (!hasLiquid(text)) return { text };
  return {
    text,
    liquid: {
      site: liquidSite(site),
      page: {
        ...post.frontMatter,
        title: post.title,
        date: post.date,
        tags: post.tags,
        categories: post.categories,
        url: href(site, post.url),
        slug: post.slug,
      },
      postUrls: postUrlsIn(text, catalog, site),
    },
  };
}
