import { createRequire } from 'node:module';
import hljs from 'highlight.js/lib/common';
import { Marked, type Tokens } from 'marked';
import { gfmHeadingId } from 'marked-gfm-heading-id';
import { markedHighlight } from 'marked-highlight';
import { liquid } from './highlight/liquid.js';
import { kramdownExtensions } from './kramdown/index.js';
import { KRAMDOWN_TEXT_STOPS } from './kramdown/inline-extensions.js';
import { type MarkdownLimits, MarkdownNestingError, markdownGuard, markdownProblem } from './markdown-guard.js';
import type { MarkdownSettings } from './markdown-settings.js';

/** Absolute http(s) links leave the site; they get rel="noopener noreferrer". */
function isExternal(href: string): boolean {
  return /^(https?:)?\/\//i.test(href);
}

/**
 * Markdown to HTML in the site's dialect: GitHub's flavour (tables, task lists, heading ids), or kramdown
 * as Jekyll reads it, which is GitHub's flavour and kramdown's own syntax on top. Fenced code is
 * highlighted on the server. Raw HTML passes through (authors are trusted; the CSP stops scripts).
 * marked runs with guards that keep hostile text in linear time (markdown-guard.ts); Markdown nested
 * deeper than the limit is refused with an Error saying so, rather than rendered.
 */
export function createMarkdown(settings: MarkdownSettings, limits: MarkdownLimits): { toHtml(markdown: string): string; inlineToHtml(markdown: string): string } {
  // The ~40 common grammars load in a third of the time of all ~190, which start-up would pay for every
  // pod; the rest register into the same highlighter the first time a post names a language it lacks.
  // Jekyll posts show Liquid, which Rouge highlights and highlight.js has no grammar for.
  if (!hljs.getLanguage('liquid')) hljs.registerLanguage('liquid', liquid);
  let allLanguages = false;
  const knows = (language: string): boolean => {
    if (hljs.getLanguage(language)) return true;
    if (allLanguages) return false;
    createRequire(import.meta.url)('highlight.js');
    allLanguages = true;
    return hljs.getLanguage(language) !== undefined;
  };
  const marked = new Marked(
    { gfm: true },
    markedHighlight({
      langPrefix: 'hljs language-',
      emptyLangClass: 'hljs',
      highlight(code, lang) {
        const language = lang.split(/[\s{]/)[0] ?? '';
        if (language !== '' && knows(language)) {
          return hljs.highlight(code, { language, ignoreIllegals: true }).value;
        }
        return code;
      },
    }),
    // kramdown makes header ids its own way (kramdown/header-ids.ts).
    ...(settings.dialect === 'kramdown' ? kramdownExtensions(settings.kramdown) : [gfmHeadingId()]),
    {
      renderer: {
        link(this: { parser: { parseInline(tokens: Tokens.Generic[]): string } }, token: Tokens.Link): string | false {
          if (!isExternal(token.href)) return false;
          const text = this.parser.parseInline(token.tokens);
          const title = token.title ? ` title="${escapeAttribute(token.title)}"` : '';
          return `<a href="${escapeAttribute(token.href)}"${title} rel="noopener noreferrer">${text}</a>`;
        },
      },
    },
    markdownGuard(limits, settings.dialect === 'kramdown' ? KRAMDOWN_TEXT_STOPS : ''),
  );
  return {
    toHtml: (markdown) => {
      const problem = markdownProblem(markdown, limits);
      if (problem !== undefined) throw new Error(problem);
      return withNestingReason(() => marked.parse(markdown, { async: false }));
    },
    inlineToHtml: (markdown) => withNestingReason(() => marked.parseInline(markdown, { async: false })),
  };
}

/** marked appends a plea to report its errors as bugs; a post nested too deep is no bug of marked's. */
function withNestingReason(render: () => string): string {
  try {
    return render();
  } catch (error) {
    if (error instanceof MarkdownNestingError) throw new Error(error.reason);
    throw error;
  }
}

/** An `&` that starts a character reference is already escaped: `?a=1&amp;b=2` stays as written. */
function escapeAttribute(value: string): string {
  return value.replace(/&(?!#\d{1,7};|#x[0-9a-f]{1,6};|[a-z][a-z0-9]{1,31};)/gi, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
