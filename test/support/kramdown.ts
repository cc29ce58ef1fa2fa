import { createMarkdown } from '../../src/rendering/markdown.js';
import { markdownSettings } from '../../src/rendering/markdown-settings.js';

/** A post's Markdown as the kramdown dialect renders it, with a Jekyll `kramdown:` config. */
export function kramdownHtml(markdown: string, config: Record<string, unknown> = {}): string {
  return createMarkdown(markdownSettings('kramdown', config), { maxNesting: 32 }).toHtml(markdown);
}

/**
 * HTML with the differences that do not show in a browser taken out, so that marked's output can be
 * compared with kramdown's: kramdown indents nested blocks and closes void tags with ` />`; whitespace
 * between tags, and line breaks with indentation next to a tag, are dropped on both sides.
 */
export function normalized(html: string): string {
  return html
    .replace(/\s*\/>/g, '>')
    .replace(/>\s+</g, '><')
    .replace(/\s*\n\s*</g, '<')
    .replace(/>\s*\n\s*/g, '>')
    .trim();
}

/**
 * HTML as a reader sees it, to compare kubeblog's with kramdown's: kramdown indents nested elements,
 * closes empty elements with ` />` and leaves `"` and `'` unescaped in text, which marked writes `&quot;` and `&#39;`.
 */
export function asReadersSee(html: string): string {
  return html
    .replace(/>\s+</g, '><')
    .replace(/<br \/>\n?/g, '<br>')
    .replace(/ \/>/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .trim();
}
