import type { LiquidScope } from './liquid.js';

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
    site: LiquidScope['site'];
    page: Record<string, unknown>;
    /** URLs of the posts the text names by file stem (`{% post_url %}`, `{% link %}`); absent ones name no post. */
    postUrls: Record<string, string>;
  };
}

export interface FragmentResult {
  html: string;
  /** Liquid that could not run: the text was rendered without its tags. */
  liquidError?: string;
}

export interface RenderEngines {
  markdown: { toHtml(markdown: string): string };
  liquid: { render(text: string, scope: LiquidScope): { text: string; error?: Error } };
}

/** Whether the text holds Liquid tags or output at all. */
export function hasLiquid(text: string): boolean {
  return text.includes('{%') || text.includes('{{');
}

/**
 * The file stems a text may name through `{% post_url STEM %}` or `{% link _posts/STEM.md %}`, found in
 * one pass without a regular expression (a text is hostile input).
 */
export function referencedStems(text: string): string[] {
  const stems = new Set<string>();
  let at = text.indexOf('{%');
  while (at !== -1) {
    const close = text.indexOf('%}', at + 2);
    if (close === -1) break;
    const words = text.slice(at + 2, close).replace(/^-/, '').replace(/-$/, '').trim().split(/\s+/);
    if ((words[0] === 'post_url' || words[0] === 'link') && words[1]) {
      const stem = words[1].replace(/\.(md|markdown)$/, '').split('/').pop();
      if (stem) stems.add(stem);
    }
    at = text.indexOf('{%', close + 2);
  }
  return [...stems];
}

/** Liquid first, then Markdown, as Jekyll does. Throws when the Markdown cannot be rendered. */
export function renderFragment(job: FragmentJob, engines: RenderEngines): FragmentResult {
  let text = job.text;
  let liquidError: string | undefined;
  if (job.liquid) {
    const { site, page, postUrls } = job.liquid;
    const result = engines.liquid.render(text, { site, page, postUrl: (stem) => postUrls[stem] });
    text = result.text;
    liquidError = result.error?.message;
  }
  const html = job.html ? text : engines.markdown.toHtml(text);
  return liquidError === undefined ? { html } : { html, liquidError };
}
