import escapeHtml from 'escape-html';

/** HTML that is already safe to emit as is. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function raw(value: string): SafeHtml {
  return new SafeHtml(value);
}

function emit(value: unknown): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(emit).join('');
  return escapeHtml(String(value));
}

/** Tagged template for HTML: interpolated values are escaped unless they are SafeHtml. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += emit(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** JSON inside a <script> data block: `<` is escaped so no text can close the element. */
export function jsonForScript(value: unknown): SafeHtml {
  return raw(JSON.stringify(value).replace(/</g, '\\u003c'));
}

// Elements that stand between words: their tags become a space. Any other tag (a link, emphasis, code)
// sits inside a sentence and goes without a trace, so `a <a href="/x">link</a>.` reads `a link.`.
const SEPARATING_ELEMENTS = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'caption', 'dd', 'details', 'div', 'dl', 'dt', 'figcaption', 'figure',
  'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section',
  'summary', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul',
]);

/** The element name of a tag's text (`/p`, `a href=…`, `br/`), lower case. */
function tagName(tag: string): string {
  let i = tag.startsWith('/') ? 1 : 0;
  const start = i;
  while (i < tag.length && /[A-Za-z0-9]/.test(tag[i]!)) i += 1;
  return tag.slice(start, i).toLowerCase();
}

/** Markup to plain text, for descriptions and excerpts in feeds and meta tags. One pass: linear in the markup. */
export function textOf(markup: string): string {
  let text = '';
  let from = 0;
  let close = -1;
  for (let open = markup.indexOf('<'); open >= 0; open = markup.indexOf('<', from)) {
    if (close < open) close = markup.indexOf('>', open);
    if (close < 0) break;
    text += markup.slice(from, open);
    if (SEPARATING_ELEMENTS.has(tagName(markup.slice(open + 1, close)))) text += ' ';
    from = close + 1;
  }
  text += markup.slice(from);
  return text
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}
