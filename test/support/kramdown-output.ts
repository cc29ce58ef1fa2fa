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
