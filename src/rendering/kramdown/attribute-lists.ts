import type { MarkedExtension, Token, TokenizerAndRendererExtension, Tokens } from 'marked';
import { replaceTokens } from './token-lists.js';

/**
 * kramdown's attribute lists: `{: .class #id key="value" ref}` after or before a block (a block inline
 * attribute list, IAL), right after a span element (`*x*{: .y}`), and `{:ref: …}` definitions (ALDs)
 * that IALs name. An IAL that applies to nothing is dropped, as kramdown drops it.
 */

/** What one attribute list says, in the order it says it. */
export interface AttributeList {
  /** `[name, value]` for `.class` (name `class`), `#id` (name `id`) and `key="value"`. */
  entries: [string, string][];
  /** Names of attribute definitions (and of `toc`) it refers to. */
  refs: string[];
}

/** The attributes of an element, in the order kramdown writes them; `class` holds space-separated names. */
export type Attributes = Map<string, string>;

/** An IAL or ALD line: `{:` not followed by `:` or `/`, up to its last `}`, then only spaces. */
export interface AttributeListToken {
  type: 'kramdownAttributeList';
  raw: string;
  list: AttributeList;
  /** Set for an ALD (`{:name: …}`): the name IALs refer to it by. */
  definitionName?: string;
}

/** A block or span element with attributes to add to its first tag. */
export interface AttributedToken {
  type: 'kramdownAttributed';
  raw: string;
  attributes: Attributes;
  inline: boolean;
  children: Token[];
}

const WORD = /[\p{L}\p{M}\p{N}\p{Pc}]/u;

function isWordChar(char: string | undefined): boolean {
  return char !== undefined && WORD.test(char);
}

function isSpace(char: string | undefined): boolean {
  return char === ' ' || char === '\t' || char === '\n';
}

/** Reads the inside of `{: … }` in one pass, as kramdown's attribute list rules read it. */
export function parseAttributeList(text: string): AttributeList {
  const list: AttributeList = { entries: [], refs: [] };
  let at = 0;
  while (at < text.length) {
    const char = text[at];
    if (isSpace(char)) {
      at++;
    } else if (char === '.') {
      let end = at + 1;
      while (end < text.length && !isSpace(text[end]) && text[end] !== '.' && text[end] !== '#') end++;
      if (end > at + 1) list.entries.push(['class', text.slice(at + 1, end)]);
      at = Math.max(end, at + 1);
    } else if (char === '#') {
      let end = at + 1;
      if (/[A-Za-z]/.test(text[end] ?? '')) {
        while (end < text.length && /[\w:-]/.test(text[end] ?? '')) end++;
        list.entries.push(['id', text.slice(at + 1, end)]);
      }
      at = Math.max(end, at + 1);
    } else if (isWordChar(char)) {
      let end = at + 1;
      while (end < text.length && (isWordChar(text[end]) || text[end] === '-')) end++;
      const name = text.slice(at, end);
      const quote = text[end] === '=' ? text[end + 1] : undefined;
      if (quote === '"' || quote === "'") {
        let close = end + 2;
        let value = '';
        while (close < text.length && text[close] !== quote) {
          if (text[close] === '\\' && close + 1 < text.length) close++;
          value += text[close];
          close++;
        }
        if (close < text.length) {
          list.entries.push([name, value]);
          at = close + 1;
          continue;
        }
      }
      list.refs.push(name);
      at = end;
    } else {
      at++;
    }
  }
  return list;
}

/** The attributes an attribute list gives, its references to definitions first, as kramdown merges them. */
export function resolveAttributes(list: AttributeList, definitions: Map<string, AttributeList>, into: Attributes = new Map(), seen = new Set<string>()): Attributes {
  for (const ref of list.refs) {
    const definition = definitions.get(ref);
    if (definition && !seen.has(ref)) {
      seen.add(ref);
      resolveAttributes(definition, definitions, into, seen);
    }
  }
  for (const [name, value] of list.entries) {
    const present = into.get(name);
    into.set(name, name === 'class' && present ? `${present} ${value}` : value);
  }
  return into;
}

/** Merges `extra` into `base`: classes add up, other attributes replace. */
export function mergeAttributes(base: Attributes, extra: Attributes): Attributes {
  const merged = new Map(base);
  for (const [name, value] of extra) {
    const present = merged.get(name);
    merged.set(name, name === 'class' && present ? `${present} ${value}` : value);
  }
  return merged;
}

export function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function attributesHtml(attributes: Attributes): string {
  let html = '';
  for (const [name, value] of attributes) html += ` ${name}="${escapeAttribute(value)}"`;
  return html;
}

/**
 * `html` with `attributes` added to its first tag: a class joins the classes the tag has, any other
 * attribute replaces the tag's own or is appended, as kramdown's converter writes them.
 */
export function withAttributes(html: string, attributes: Attributes): string {
  const open = html.indexOf('<');
  if (open === -1 || attributes.size === 0) return html;
  let at = open + 1;
  while (at < html.length && /[A-Za-z0-9-]/.test(html[at] ?? '')) at++;
  const nameEnd = at;
  const own: Attributes = new Map();
  for (;;) {
    while (html[at] === ' ' || html[at] === '\n') at++;
    if (at >= html.length || html[at] === '>' || html[at] === '/') break;
    let end = at;
    while (end < html.length && !/[\s=>/]/.test(html[end] ?? '')) end++;
    if (end === at) {
      at++;
      continue;
    }
    const name = html.slice(at, end);
    if (html[end] === '=' && html[end + 1] === '"') {
      const close = html.indexOf('"', end + 2);
      if (close === -1) return html;
      own.set(name, decodeAttribute(html.slice(end + 2, close)));
      at = close + 1;
    } else {
      own.set(name, '');
      at = end;
    }
  }
  const tagEnd = html.indexOf('>', at);
  if (tagEnd === -1) return html;
  const selfClosing = html[at] === '/' ? ' /' : '';
  return `${html.slice(0, nameEnd)}${attributesHtml(mergeAttributes(own, attributes))}${selfClosing}${html.slice(tagEnd)}`;
}

function decodeAttribute(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** Where an attribute list line at the start of `src` ends (after its newline), or -1: up to 3 spaces, `{:`, `}` last. */
export function attributeLineEnd(src: string): number {
  let at = 0;
  while (at < 3 && src[at] === ' ') at++;
  if (src[at] !== '{' || src[at + 1] !== ':' || src[at + 2] === ':' || src[at + 2] === '/') return -1;
  const newline = src.indexOf('\n', at);
  const lineEnd = newline === -1 ? src.length : newline;
  let last = lineEnd - 1;
  while (last > at && (src[last] === ' ' || src[last] === '\t' || src[last] === '\r')) last--;
  if (src[last] !== '}' || last <= at + 2) return -1;
  // The list ends at its first `}` that no backslash escapes: kramdown's line holds nothing after it.
  for (let index = at + 2; index < last; index++) {
    if (src[index] === '\\') index++;
    else if (src[index] === '}') return -1;
  }
  return newline === -1 ? src.length : newline + 1;
}

const ALD_NAME = /^(\w[\w-]*):/;

/** The attribute definitions of the document each lexer reads, found as its blocks are read: span IALs, read later, use them. */
const definitionsByLexer = new WeakMap<object, Map<string, AttributeList>>();

function definitionsOf(lexer: object): Map<string, AttributeList> {
  let definitions = definitionsByLexer.get(lexer);
  if (!definitions) {
    definitions = new Map();
    definitionsByLexer.set(lexer, definitions);
  }
  return definitions;
}

/** The IAL or ALD line at the start of `src`, or undefined. */
function attributeListAt(src: string): AttributeListToken | undefined {
  const end = attributeLineEnd(src);
  if (end === -1) return undefined;
  const raw = src.slice(0, end);
  const inside = raw.slice(raw.indexOf('{:') + 2, raw.lastIndexOf('}'));
  const definition = ALD_NAME.exec(inside);
  if (definition?.[1]) {
    return { type: 'kramdownAttributeList', raw, list: parseAttributeList(inside.slice(definition[0].length)), definitionName: definition[1] };
  }
  return { type: 'kramdownAttributeList', raw, list: parseAttributeList(inside) };
}

export const blockAttributeLists: TokenizerAndRendererExtension = {
  name: 'kramdownAttributeList',
  level: 'block',
  tokenizer(src: string): AttributeListToken | undefined {
    const token = attributeListAt(src);
    if (token?.definitionName) definitionsOf(this.lexer).set(token.definitionName, token.list);
    return token;
  },
  renderer: () => '',
};

/** The longest span IAL read: kramdown's have no limit, but real ones are short and this keeps `{:{:{:…` linear. */
const SPAN_LIST_LIMIT = 1000;

/** Span element tokens a span IAL right after them applies to. */
const SPAN_ELEMENTS = new Set(['em', 'strong', 'codespan', 'link', 'image', 'del', 'kramdownAttributed']);

export const spanAttributeLists: TokenizerAndRendererExtension = {
  name: 'kramdownSpanAttributes',
  level: 'inline',
  tokenizer(src: string, tokens: Token[]): Tokens.Generic | undefined {
    if (src[0] !== '{' || src[1] !== ':' || src[2] === ':' || src[2] === '/') return undefined;
    const previous = tokens.at(-1);
    if (!previous || !SPAN_ELEMENTS.has(previous.type)) return undefined;
    let close = 2;
    const limit = Math.min(src.length, SPAN_LIST_LIMIT);
    while (close < limit && src[close] !== '}') close += src[close] === '\\' ? 2 : 1;
    if (close >= limit || close === 2) return undefined;
    const attributes = resolveAttributes(parseAttributeList(src.slice(2, close)), definitionsOf(this.lexer));
    tokens[tokens.length - 1] = attributed(previous, attributes, true);
    return { type: 'kramdownSpanAttributes', raw: src.slice(0, close + 1) };
  },
  renderer: () => '',
};

export function attributed(token: Token, attributes: Attributes, inline: boolean): AttributedToken {
  if (token.type === 'kramdownAttributed') {
    const wrapper = token as unknown as AttributedToken;
    return { ...wrapper, attributes: mergeAttributes(wrapper.attributes, attributes) };
  }
  return { type: 'kramdownAttributed', raw: token.raw, attributes, inline, children: [token] };
}

export const attributedElements: TokenizerAndRendererExtension = {
  name: 'kramdownAttributed',
  level: 'block',
  childTokens: ['children'],
  renderer(token) {
    const { children, attributes, inline } = token as unknown as AttributedToken;
    const html = inline ? this.parser.parseInline(children) : this.parser.parse(children);
    return withAttributes(html, attributes);
  },
};

/** What a block IAL is attached to: its token, with the attributes kept for the renderers to write. */
export interface BlockAttributes {
  attributes: Attributes;
  /** Whether the list named `toc`: it becomes the table of contents. */
  toc: boolean;
}

/** Attributes attached to block tokens by applyBlockAttributeLists, read by the heading and TOC passes. */
export const blockAttributes = new WeakMap<Token, BlockAttributes>();

/** Token kinds whose own tokens are blocks where IALs can stand. */
function childBlocks(token: Token): Token[][] {
  if (token.type === 'blockquote') return [(token as Tokens.Blockquote).tokens];
  if (token.type === 'list') return (token as Tokens.List).items.map((item) => item.tokens);
  const blocks = (token as { blockChildren?: Token[][] }).blockChildren;
  return blocks ?? [];
}

/**
 * Attaches each block IAL of the document to the block it follows directly, or else to the next block,
 * as kramdown does; one not next to any block is dropped. An IAL on the line after a list or block quote,
 * which marked reads as the end of its last item or quote, belongs to the list or quote itself.
 */
export function applyBlockAttributeLists(tokens: Token[]): void {
  const definitions = new Map<string, AttributeList>();
  collectDefinitions(tokens, definitions);
  attach(tokens, definitions);
}

function collectDefinitions(tokens: Token[], definitions: Map<string, AttributeList>): void {
  for (const token of tokens) {
    const list = token as unknown as AttributeListToken;
    if (token.type === 'kramdownAttributeList' && list.definitionName) definitions.set(list.definitionName, list.list);
    for (const blocks of childBlocks(token)) collectDefinitions(blocks, definitions);
  }
}

/**
 * Whether a blank line follows the token: marked makes blank lines a `space` token, or adds a single one
 * to the raw text of a token that ends with its newline (ours do; its paragraphs do not).
 */
function endsWithBlankLine(token: Token | undefined): boolean {
  return token?.type === 'space' || (token?.raw.endsWith('\n\n') ?? false);
}

/** Blocks that write no element of their own for an IAL to go to: it goes to the next block instead. */
const NO_ELEMENT = new Set(['space', 'def', 'kramdownExtension', 'kramdownAbbreviationDefinition', 'kramdownEndOfBlock']);

function isAttributeList(token: Token | undefined): boolean {
  return token?.type === 'kramdownAttributeList';
}

function attach(tokens: Token[], definitions: Map<string, AttributeList>): void {
  replaceTokens(tokens, (token) => {
    const trailing = trailingContainerList(token);
    if (token.type === 'list') for (const item of (token as Tokens.List).items) takeListItemList(item, definitions);
    for (const blocks of childBlocks(token)) attach(blocks, definitions);
    return trailing ? [token, trailing] : undefined;
  });
  // The block each IAL follows with no blank line between (-1: none), IALs in a row sharing it, and
  // the block after each IAL: found in one pass each way, not by a search from every IAL.
  const before = new Int32Array(tokens.length).fill(-1);
  for (let index = 1; index < tokens.length; index++) {
    const previous = tokens[index - 1];
    // An IAL right after an abbreviation's definition is for its <abbr> elements.
    if (endsWithBlankLine(previous) || (NO_ELEMENT.has(previous?.type ?? '') && previous?.type !== 'kramdownAbbreviationDefinition')) continue;
    before[index] = isAttributeList(previous) ? (before[index - 1] ?? -1) : index - 1;
  }
  const after = new Int32Array(tokens.length + 1).fill(-1);
  for (let index = tokens.length - 1; index >= 0; index--) {
    const next = tokens[index + 1];
    after[index] = next && !isAttributeList(next) && !NO_ELEMENT.has(next.type) ? index + 1 : (after[index + 1] ?? -1);
  }
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as unknown as AttributeListToken;
    if (token.type !== 'kramdownAttributeList' || token.definitionName) continue;
    const target = before[index] !== -1 ? before[index] : after[index];
    const block = tokens[target ?? -1];
    if (!block || block.type === 'text') continue;
    const present = blockAttributes.get(block);
    const attributes = resolveAttributes(token.list, definitions, present?.attributes ?? new Map());
    blockAttributes.set(block, { attributes, toc: (present?.toc ?? false) || token.list.refs.includes('toc') });
  }
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    const attached = token && blockAttributes.get(token);
    // Headings, tables of contents and abbreviations write their attributes themselves.
    if (token && attached && token.type !== 'heading' && token.type !== 'kramdownAbbreviationDefinition' && !(attached.toc && token.type === 'list')) {
      tokens[index] = attributed(token, attached.attributes, false) as unknown as Token;
    }
  }
}

/**
 * The IAL that ends a list's last item or a quote's last paragraph on an unindented line of its own, or
 * that marked read as a table's last row or as the last line of an HTML block, taken out.
 */
function trailingContainerList(token: Token): Token | undefined {
  if (token.type !== 'list' && token.type !== 'blockquote' && token.type !== 'table' && token.type !== 'html') return undefined;
  const raw = token.raw.trimEnd();
  const lastLine = raw.slice(raw.lastIndexOf('\n') + 1);
  if (!lastLine.startsWith('{:')) return undefined;
  if (token.type === 'html') {
    const html = token as Tokens.HTML;
    const list = attributeListAt(lastLine);
    if (!list || !html.block) return undefined;
    html.text = html.text.slice(0, html.text.lastIndexOf(lastLine));
    return list as unknown as Token;
  }
  if (token.type === 'table') {
    const table = token as Tokens.Table;
    if (table.rows.length === 0 || attributeLineEnd(lastLine) === -1) return undefined;
    table.rows.pop();
    return attributeListAt(lastLine) as unknown as Token | undefined;
  }
  const blocks = token.type === 'list' ? (token as Tokens.List).items.at(-1)?.tokens : (token as Tokens.Blockquote).tokens;
  return blocks && isAttributeList(blocks.at(-1)) ? blocks.pop() : undefined;
}

/** Attributes of list items, from an IAL that starts the item: `* {:.a} text`. */
export const listItemAttributes = new WeakMap<Tokens.ListItem, Attributes>();

/** Takes the IAL that starts a list item's text, on its first line or as a line of its own, for the item. */
function takeListItemList(item: Tokens.ListItem, definitions: Map<string, AttributeList>): void {
  const first = item.tokens[0];
  if (first?.type === 'kramdownAttributeList') {
    const list = first as unknown as AttributeListToken;
    if (list.definitionName) return;
    item.tokens.shift();
    listItemAttributes.set(item, resolveAttributes(list.list, definitions));
    return;
  }
  if (first?.type !== 'text' && first?.type !== 'paragraph') return;
  const text = (first as Tokens.Text).tokens?.[0];
  if (text?.type !== 'text' || !text.text.startsWith('{:') || text.text[2] === ':' || text.text[2] === '/') return;
  const close = text.text.indexOf('}', 2);
  if (close === -1) return;
  listItemAttributes.set(item, resolveAttributes(parseAttributeList(text.text.slice(2, close)), definitions));
  const rest = text.text.slice(close + 1).trimStart();
  text.text = rest;
  text.raw = rest;
}

/** List items with attributes from an IAL are written with them. */
export const attributedListItems: MarkedExtension = {
  renderer: {
    listitem(item) {
      const attributes = listItemAttributes.get(item);
      return attributes ? `<li${attributesHtml(attributes)}>${this.parser.parse(item.tokens)}</li>\n` : false;
    },
  },
};
