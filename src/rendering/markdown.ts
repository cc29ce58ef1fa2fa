import hljs from 'highlight.js';
import { Marked, type Tokens } from 'marked';
import { gfmHeadingId } from 'marked-gfm-heading-id';
import { markedHighlight } from 'marked-highlight';

/** Absolute http(s) links leave the site; they get rel="noopener noreferrer". */
function isExternal(href: string): boolean {
  return /^(https?:)?\/\//i.test(href);
}

/**
 * GitHub-flavoured Markdown to HTML: tables, task lists, fenced code highlighted on the server,
 * heading ids for anchors. Raw HTML passes through (authors are trusted; the CSP stops scripts).
 */
export function createMarkdown(): { toHtml(markdown: string): string; inlineToHtml(markdown: string): string } {
  const marked = new Marked(
    { gfm: true },
    markedHighlight({
      langPrefix: 'hljs language-',
      emptyLangClass: 'hljs',
      highlight(code, lang) {
        const language = lang.split(/[\s{]/)[0] ?? '';
        if (language !== '' && hljs.getLanguage(language)) {
          return hljs.highlight(code, { language, ignoreIllegals: true }).value;
        }
        return code;
      },
    }),
    gfmHeadingId(),
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
  );
  return {
    toHtml: (markdown) => marked.parse(markdown, { async: false }),
    inlineToHtml: (markdown) => marked.parseInline(markdown, { async: false }),
  };
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
