import type { Token, TokenizerAndRendererExtension, Tokens } from 'marked';
import { type Attributes, attributesHtml, blockAttributes, mergeAttributes } from './attribute-lists.js';

/**
 * Header ids as kramdown's GFM parser makes them (`input: kramdown` below): the header's text (entities as
 * characters, no markup, no image text), lower-cased, stripped of all but word characters, `-`, spaces and tabs, which become
 * `-`; the n-th repeat of an id gets `-n`; `auto_id_prefix` goes in front. `{#id}` at the end of a header
 * and `#id` in its IAL set the id instead, and a header with `.no_toc` stays out of the TOC.
 */

/** Characters kramdown's GFM ids drop: all but Ruby's `\p{Word}`, `-`, space and tab. */
const NON_WORD = /[^\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}\- \t]/gu;

/** `{#id}` ending a header's text, as kramdown's header rule reads it. */
const HEADER_ID = /[\t ]\{#([A-Za-z_:][\w:.-]*)\}$/;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});/g, (entity, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? entity;
  });
}

/** The text kramdown makes a header's id from: `--` and `---` are dashes there, which ids drop. */
export function plainText(tokens: Token[]): string {
  let text = '';
  for (const token of tokens) {
    if (token.type === 'text' || token.type === 'escape') text += decodeEntities((token as Tokens.Text).text).replace(/-{2,3}/g, '');
    else if (token.type === 'codespan' || token.type === 'kramdownAbbreviation') text += (token as Tokens.Codespan).text;
    else if (token.type === 'image' || token.type === 'html' || token.type === 'br') continue;
    else if ('tokens' in token && Array.isArray(token.tokens)) text += plainText(token.tokens);
    else if (token.type === 'kramdownAttributed') text += plainText((token as unknown as { children: Token[] }).children);
  }
  return text;
}

/**
 * Makes the ids of one document's headers, in document order, from the header's text, as kramdown's
 * GFM parser does (Jekyll's default input).
 */
export function headerIdMaker(prefix: string): (text: string) => string {
  const seen = new Map<string, number>();
  return (text) => {
    let id = text.toLowerCase().replace(NON_WORD, '').replace(/[ \t]/g, '-');
    const count = (seen.get(id) ?? -1) + 1;
    seen.set(id, count);
    if (count > 0) id += `-${count}`;
    return prefix + id;
  };
}

/**
 * Makes ids as kramdown's own parser (`input: kramdown`) does, from the header's source: ASCII letters,
 * digits, spaces (as `-`) and `-` from its first letter on; `section` if nothing is left.
 */
export function kramdownIdMaker(prefix: string): (source: string) => string {
  const used = new Map<string, number>();
  return (source) => {
    let id = source.replace(/^[^a-zA-Z]+/, '').replace(/[^a-zA-Z0-9 -]/g, '').replace(/ /g, '-').toLowerCase();
    if (id === '') id = 'section';
    const count = used.get(id);
    used.set(id, count === undefined ? 0 : count + 1);
    return prefix + (count === undefined ? id : `${id}-${count + 1}`);
  };
}

/** The attributes each heading is written with, set by assignHeaderIds. */
export const headingAttributes = new WeakMap<Token, Attributes>();

export interface HeaderIdOptions {
  input: 'GFM' | 'kramdown';
  autoIds: boolean;
  autoIdPrefix: string;
}

/** Every heading of the document, in document order, with the containers it stands in walked through. */
export function headingsOf(tokens: Token[], found: Tokens.Heading[] = []): Tokens.Heading[] {
  for (const token of tokens) {
    if (token.type === 'heading') found.push(token as Tokens.Heading);
    else if (token.type === 'blockquote') headingsOf((token as Tokens.Blockquote).tokens, found);
    else if (token.type === 'list') for (const item of (token as Tokens.List).items) headingsOf(item.tokens, found);
    else if (token.type === 'kramdownAttributed') headingsOf((token as unknown as { children: Token[] }).children, found);
    else {
      const blocks = (token as { blockChildren?: Token[][] }).blockChildren;
      if (blocks) for (const block of blocks) headingsOf(block, found);
    }
  }
  return found;
}

/** Gives each heading its attributes: its IAL's, then its `{#id}` or its generated id. */
export function assignHeaderIds(tokens: Token[], options: HeaderIdOptions): Tokens.Heading[] {
  const makeId = options.input === 'kramdown' ? kramdownIdMaker(options.autoIdPrefix) : headerIdMaker(options.autoIdPrefix);
  const headings = headingsOf(tokens);
  for (const heading of headings) {
    const last = heading.tokens.at(-1);
    const own = last?.type === 'text' ? HEADER_ID.exec((last as Tokens.Text).text) : null;
    let attributes: Attributes = new Map();
    if (last && own?.[1]) {
      const text = (last as Tokens.Text).text.slice(0, own.index).trimEnd();
      (last as Tokens.Text).text = text;
      (last as Tokens.Text).raw = text;
      attributes.set('id', own[1]);
    }
    // kramdown writes a header's own `{#id}` first, then what its IAL adds; a generated id comes last.
    attributes = mergeAttributes(attributes, blockAttributes.get(heading)?.attributes ?? new Map());
    if (!attributes.has('id') && options.autoIds) {
      const source = own ? heading.text.slice(0, heading.text.lastIndexOf('{#')).trimEnd() : heading.text;
      attributes.set('id', makeId(options.input === 'kramdown' ? source : plainText(heading.tokens)));
    }
    headingAttributes.set(heading, attributes);
  }
  return headings;
}

export const kramdownHeadings: TokenizerAndRendererExtension = {
  name: 'heading',
  level: 'block',
  renderer(token) {
    const heading = token as Tokens.Heading;
    const attributes = headingAttributes.get(heading) ?? new Map<string, string>();
    return `<h${heading.depth}${attributesHtml(attributes)}>${this.parser.parseInline(heading.tokens)}</h${heading.depth}>\n`;
  },
};
