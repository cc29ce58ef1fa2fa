import type { Token, TokenizerAndRendererExtension } from 'marked';
import { suffixSearch } from './suffix-search.js';

/**
 * kramdown's HTML blocks: an element of a block-level tag at the start of a line runs to its matching
 * end tag, blank lines and all, and stays HTML (marked would end it at the first blank line and read the
 * rest as Markdown, indented lines as code). With `markdown="1"` (or `block`) its content is read as
 * Markdown blocks, with `markdown="span"` as a line of text; the attribute itself is dropped.
 */

const BLOCK_TAGS = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'button', 'center', 'colgroup', 'dd', 'details', 'dialog', 'div', 'dl', 'dt',
  'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hgroup', 'iframe', 'li',
  'main', 'map', 'nav', 'noscript', 'object', 'ol', 'p', 'section', 'summary', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul', 'video',
]);

/** Start tags longer than this are left to marked: reading one is bounded, so `<div<div<div…` stays linear. */
const LONGEST_START_TAG = 2000;

export interface HtmlBlockToken {
  type: 'kramdownHtmlBlock';
  raw: string;
  /** The start tag without its `markdown` attribute, and the end tag. */
  open: string;
  close: string;
  /** `raw`: the element as written; `block` and `span`: its content read as Markdown. */
  content: 'raw' | 'block' | 'span';
  tokens: Token[];
  blockChildren: Token[][];
}

/**
 * For each start tag of one name in a text, where its matching end tag ends, both as distances from the
 * text's end: found for a whole text in one pass with a stack, kept per lexer, name and text, and used
 * for the later suffixes of the same text (known by its last characters, as in suffix-search.ts).
 */
class ElementEnds {
  private readonly known = new Map<string, { length: number; ends: Map<number, number> }>();

  /** The index just past the end tag matching the start tag that opens `src`, or -1. */
  endOf(name: string, src: string): number {
    const tail = src.slice(-48);
    const key = `${name}\u0000${tail}`;
    let known = tail.length < 48 ? undefined : this.known.get(key);
    if (!known || src.length > known.length) {
      known = { length: src.length, ends: matchingEnds(name, src) };
      if (tail.length === 48) this.known.set(key, known);
    }
    const fromEnd = known.ends.get(src.length);
    const end = fromEnd === undefined ? -1 : src.length - fromEnd;
    // A text ending like another one read before gives its answers; a wrong one is read again.
    if (end === -1 || src[end - 1] === '>') return end;
    const again = matchingEnds(name, src).get(src.length);
    return again === undefined ? -1 : src.length - again;
  }
}

function matchingEnds(name: string, src: string): Map<number, number> {
  const ends = new Map<number, number>();
  const open: number[] = [];
  const tags = new RegExp(`<(/?)${name}(?=[\\s>/])`, 'gi');
  for (let match = tags.exec(src); match; match = tags.exec(src)) {
    if (!match[1]) {
      open.push(match.index);
      continue;
    }
    let end = match.index + match[0].length;
    while (src[end] === ' ' || src[end] === '\t' || src[end] === '\n') end++;
    if (src[end] !== '>') continue;
    const start = open.pop();
    if (start !== undefined) ends.set(src.length - start, src.length - end - 1);
  }
  return ends;
}

const elementEnds = new WeakMap<object, ElementEnds>();

function endsFor(lexer: object): ElementEnds {
  let ends = elementEnds.get(lexer);
  if (!ends) {
    ends = new ElementEnds();
    elementEnds.set(lexer, ends);
  }
  return ends;
}

const BLANK_LINE_AT = /\n[ \t]*\n/y;

const MARKDOWN_ATTRIBUTE = /\smarkdown=(?:"([^"]*)"|'([^']*)'|([^\s>]*))/i;

export const htmlBlocks: TokenizerAndRendererExtension = {
  name: 'kramdownHtmlBlock',
  level: 'block',
  tokenizer(src: string): HtmlBlockToken | undefined {
    let at = 0;
    while (at < 3 && src[at] === ' ') at++;
    if (src[at] !== '<') return undefined;
    let nameEnd = at + 1;
    while (nameEnd < src.length && /[A-Za-z0-9]/.test(src[nameEnd] ?? '')) nameEnd++;
    const name = src.slice(at + 1, nameEnd).toLowerCase();
    if (!BLOCK_TAGS.has(name)) return undefined;
    const tagEnd = src.slice(0, LONGEST_START_TAG).indexOf('>', nameEnd);
    if (tagEnd === -1) return undefined;
    const startTag = src.slice(at, tagEnd + 1);
    const markdown = MARKDOWN_ATTRIBUTE.exec(startTag);
    const mode = markdown ? (markdown[1] ?? markdown[2] ?? markdown[3] ?? '') : undefined;
    const closeEnd = endsFor(this.lexer).endOf(name, src.slice(at));
    if (closeEnd === -1) return undefined;
    const elementEnd = at + closeEnd;
    const inside = src.slice(tagEnd + 1, src.lastIndexOf('<', elementEnd - 1));
    // Without the attribute only an element with a blank line inside needs reading here: marked reads the others alike.
    const findBlank = (text: string) => text.search(/\n[ \t]*\n/);
    let blankLine = suffixSearch(this.lexer).next('blank line', src, findBlank);
    BLANK_LINE_AT.lastIndex = blankLine;
    if (blankLine !== -1 && !BLANK_LINE_AT.test(src)) blankLine = findBlank(src);
    if (mode === undefined && (blankLine === -1 || blankLine > tagEnd + inside.length)) return undefined;
    const newline = src.indexOf('\n', elementEnd);
    const raw = src.slice(0, newline === -1 ? src.length : newline + 1);
    const open = markdown ? startTag.replace(markdown[0], '') : startTag;
    const close = src.slice(at + inside.length + startTag.length, elementEnd);
    const base = { type: 'kramdownHtmlBlock' as const, raw, open: src.slice(0, at) + open, close };
    if (mode === '1' || mode === 'block') {
      const tokens = this.lexer.blockTokens(inside.replace(/^[ \t]*\n/, ''), []);
      return { ...base, content: 'block', tokens, blockChildren: [tokens] };
    }
    if (mode === 'span') return { ...base, content: 'span', tokens: this.lexer.inline(inside.trim()), blockChildren: [] };
    return { ...base, content: 'raw', tokens: [], blockChildren: [] };
  },
  renderer(token) {
    const element = token as unknown as HtmlBlockToken;
    if (element.content === 'block') return `${element.open}\n${this.parser.parse(element.tokens)}${element.close}\n`;
    if (element.content === 'span') return `${element.open}${this.parser.parseInline(element.tokens)}${element.close}\n`;
    const rest = element.raw.slice(element.raw.indexOf('>') + 1);
    return `${element.open}${rest.endsWith('\n') ? rest : `${rest}\n`}`;
  },
};
