import type { IncludeFiles, LiquidProblem, LiquidRenderer, SiteVariables } from './liquid.js';

/**
 * What every post of a site shares: sent to each render thread once when it changes
 * (RenderPool.share), not with every job, as `site.data` and `_includes` can be large.
 */
export interface SharedSite {
  /** Every key of `_config.yml`, and `data` (`site.data`); see siteVariables for how they meet the job's. */
  site: Readonly<Record<string, unknown>>;
  /** The site's `_includes` (readIncludes). */
  includes: IncludeFiles;
}

/** A site without `_config.yml`, `_data` or `_includes`: posts from a folder or ConfigMaps. */
export const NO_SHARED_SITE: SharedSite = { site: {}, includes: {} };

/**
 * One piece of a post to turn into HTML: its body or its excerpt, with what its Liquid may refer to.
 * Plain data, so it can cross to a render thread.
 */
export interface FragmentJob {
  text: string;
  /** The text is HTML (a page written in HTML): Liquid runs, Markdown does not. */
  html?: true;
  /** Absent when the text holds no Liquid. */
  liquid?: {
    /** The site variables of this request (url, baseurl, title, description, author). */
    site: SiteVariables;
    page: Record<string, unknown>;
    /** URLs of the posts the text names by file stem (`{% post_url %}`, `{% link %}`); absent ones name no post. */
    postUrls: Record<string, string>;
    /** The files the text's `{% include_relative %}` tags name (readRelativeIncludes). */
    relativeFiles?: IncludeFiles;
    /** The line of the post's file on which the text starts, so problems name lines of the file. */
    firstLine?: number;
  };
}

export interface FragmentResult {
  html: string;
  /** Liquid tags that could not run and were left out, or why the text lost all its tags. */
  liquidProblems?: LiquidProblem[];
}

export interface RenderEngines {
  markdown: { toHtml(markdown: string): string };
  liquid: LiquidRenderer;
}

/** Whether the text holds Liquid tags or output at all. */
export function hasLiquid(text: string): boolean {
  return text.includes('{%') || text.includes('{{');
}

/**
 * The file stems a text may name through `{% post_url STEM %}` or `{% link _posts/STEM.md %}`, and the
 * paths of the pages and files it names through `{% link about.md %}`, found in
 * one pass without a regular expression (a text is hostile input).
 */
export function referencedStems(text: string): string[] {
  const stems = new Set<string>();
  let at = text.indexOf('{%');
  while (at !== -1) {
    const close = text.indexOf('%}', at + 2);
    if (close === -1) break;
    const words = text.slice(at + 2, close).replace(/^-/, '').replace(/-$/, '').trim().split(/\s+/);
    const target = words[1];
    if (words[0] === 'link' && target && !/(^|\/)_posts\//.test(target)) {
      // A page or a static file, named by its path in the site.
      stems.add(target.replace(/^\/+/, ''));
    } else if ((words[0] === 'post_url' || words[0] === 'link') && target) {
      const stem = target.replace(/\.(md|markdown)$/, '').split('/').pop();
      if (stem) stems.add(stem);
    }
    at = text.indexOf('{%', close + 2);
  }
  return [...stems];
}

/**
 * `site` for one render: the keys of `_config.yml` and `data`, with the job's `url` and `baseurl` (they
 * follow the request's host and base path), and the job's title, description and author where
 * `_config.yml` has none (its `author` may be a map, as Jekyll themes expect).
 */
export function siteVariables(shared: SharedSite, job: SiteVariables): SiteVariables {
  return { ...job, ...shared.site, url: job.url, baseurl: job.baseurl };
}

/**
 * Liquid first, then Markdown, as Jekyll does, with the site's shared part. Throws when the Markdown
 * cannot be rendered.
 */
export function renderFragment(job: FragmentJob, engines: RenderEngines, shared: SharedSite = NO_SHARED_SITE): FragmentResult {
  let text = job.text;
  let liquidProblems: LiquidProblem[] = [];
  if (job.liquid) {
    const { site, page, postUrls, relativeFiles, firstLine } = job.liquid;
    const result = engines.liquid.render(text, {
      site: siteVariables(shared, site),
      page,
      postUrl: (stem) => postUrls[stem],
      includes: shared.includes,
      ...(relativeFiles && { relativeFiles }),
      ...(firstLine !== undefined && { firstLine }),
    });
    text = result.text;
    liquidProblems = result.problems;
  }
  const html = job.html ? text : engines.markdown.toHtml(text);
  return liquidProblems.length === 0 ? { html } : { html, liquidProblems };
}
