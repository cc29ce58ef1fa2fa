import type { Token, TokenizerAndRendererExtension, Tokens } from 'marked';
import { type Attributes, attributesHtml, blockAttributes, escapeAttribute } from './attribute-lists.js';
import { replaceTokens } from './token-lists.js';

/**
 * kramdown's abbreviations: a block line `*[HTML]: Hyper Text Markup Language` defines one (a later
 * definition wins), and every occurrence of `HTML` in the document's text, between non-word characters,
 * becomes `<abbr title="Hyper Text Markup Language">HTML</abbr>`; code, HTML and link targets are left alone.
 */

export interface AbbreviationDefinitionToken {
  type: 'kramdownAbbreviationDefinition';
  raw: string;
  abbreviation: string;
  title: string;
}

interface Abbreviation {
  title: string;
  /** From an IAL right after the definition. */
  attributes: Attributes;
}

interface AbbreviationToken extends Abbreviation {
  type: 'kramdownAbbreviation';
  raw: string;
  text: string;
}

/** Abbreviations longer than this are not looked for: matching walks at most this far from each word start. */
const LONGEST_ABBREVIATION = 200;

export const abbreviationDefinitions: TokenizerAndRendererExtension = {
  name: 'kramdownAbbreviationDefinition',
  level: 'block',
  tokenizer(src: string): AbbreviationDefinitionToken | undefined {
    let at = 0;
    while (at < 3 && src[at] === ' ') at++;
    if (src[at] !== '*' || src[at + 1] !== '[') return undefined;
    const newline = src.indexOf('\n', at);
    const line = src.slice(at, newline === -1 ? src.length : newline);
    const close = line.indexOf(']:');
    if (close < 3) return undefined;
    return {
      type: 'kramdownAbbreviationDefinition',
      raw: src.slice(0, newline === -1 ? src.length : newline + 1),
      abbreviation: line.slice(2, close),
      title: line.slice(close + 2).trim(),
    };
  },
  renderer: () => '',
};

export const abbreviations: TokenizerAndRendererExtension = {
  name: 'kramdownAbbreviation',
  level: 'inline',
  renderer(token) {
    const { text, title, attributes } = token as unknown as AbbreviationToken;
    return `<abbr${attributesHtml(attributes)}${title ? ` title="${escapeAttribute(title)}"` : ''}>${escapeAttribute(text)}</abbr>`;
  },
};

interface Trie {
  next: Map<string, Trie>;
  /** Set where an abbreviation ends. */
  abbreviation?: Abbreviation;
}

const WORD = /[\p{L}\p{M}\p{N}\p{Pc}]/u;
const ASCII_WORD = Uint8Array.from({ length: 128 }, (_, code) => (WORD.test(String.fromCharCode(code)) ? 1 : 0));

function isWord(char: string | undefined): boolean {
  if (char === undefined) return false;
  const code = char.charCodeAt(0);
  return code < 128 ? ASCII_WORD[code] === 1 : WORD.test(char);
}

/** Marks every abbreviation in the document's text, given its definitions (found anywhere in it). */
export function markAbbreviations(tokens: Token[]): void {
  const definitions = new Map<string, Abbreviation>();
  collectDefinitions(tokens, definitions);
  if (definitions.size === 0) return;
  const trie: Trie = { next: new Map() };
  for (const [abbreviation, definition] of definitions) {
    if (abbreviation.length > LONGEST_ABBREVIATION) continue;
    let node = trie;
    for (const char of abbreviation) {
      let child = node.next.get(char);
      if (!child) {
        child = { next: new Map() };
        node.next.set(char, child);
      }
      node = child;
    }
    node.abbreviation = definition;
  }
  walkTokenLists(tokens, (list) => {
    replaceTokens(list, (token) => (token.type === 'text' && !('tokens' in token) ? splitText((token as Tokens.Text).text, trie) : undefined));
  });
}

/** `text` as text tokens and abbreviation tokens (undefined if it holds none): at each word start the longest abbreviation that ends before a non-word character. */
function splitText(text: string, trie: Trie): Token[] | undefined {
  const parts: Token[] = [];
  let plainFrom = 0;
  let at = 0;
  while (at < text.length) {
    if (!trie.next.has(text[at] ?? '') || (at > 0 && isWord(text[at - 1]))) {
      at++;
      continue;
    }
    let node: Trie | undefined = trie;
    let matchEnd = -1;
    let found: Abbreviation | undefined;
    for (let end = at; node && end < text.length && end - at < LONGEST_ABBREVIATION; end++) {
      node = node.next.get(text[end] ?? '');
      if (node?.abbreviation && !isWord(text[end + 1])) {
        matchEnd = end + 1;
        found = node.abbreviation;
      }
    }
    if (!found) {
      at++;
      continue;
    }
    if (at > plainFrom) parts.push(textToken(text.slice(plainFrom, at)));
    const abbreviation: AbbreviationToken = { type: 'kramdownAbbreviation', raw: text.slice(at, matchEnd), text: text.slice(at, matchEnd), ...found };
    parts.push(abbreviation as unknown as Token);
    plainFrom = at = matchEnd;
  }
  if (parts.length === 0) return undefined;
  if (plainFrom < text.length) parts.push(textToken(text.slice(plainFrom)));
  return parts;
}

function textToken(text: string): Token {
  return { type: 'text', raw: text, text, escaped: false } as Tokens.Text;
}

/** Definitions are blocks: only the blocks of the document and of its quotes, lists and other containers are read. */
function collectDefinitions(tokens: Token[], definitions: Map<string, Abbreviation>): void {
  for (const token of tokens) {
    if (token.type === 'kramdownAbbreviationDefinition') {
      const definition = token as unknown as AbbreviationDefinitionToken;
      definitions.set(definition.abbreviation, { title: definition.title, attributes: blockAttributes.get(token)?.attributes ?? new Map() });
    } else if (token.type === 'blockquote') {
      collectDefinitions((token as Tokens.Blockquote).tokens, definitions);
    } else if (token.type === 'list') {
      for (const item of (token as Tokens.List).items) collectDefinitions(item.tokens, definitions);
    } else {
      for (const blocks of (token as { blockChildren?: Token[][] }).blockChildren ?? []) collectDefinitions(blocks, definitions);
    }
  }
}

/** Every list of tokens in the tree, the document's first; link targets and code hold none. */
function walkTokenLists(tokens: Token[], visit: (list: Token[]) => void): void {
  visit(tokens);
  for (const token of tokens) {
    const record = token as unknown as Record<string, unknown>;
    if (token.type === 'code' || token.type === 'codespan' || token.type === 'html') continue;
    if (token.type === 'table') {
      const table = token as Tokens.Table;
      for (const cell of [...table.header, ...table.rows.flat()]) walkTokenLists(cell.tokens, visit);
      continue;
    }
    for (const key of ['tokens', 'items', 'children']) {
      const value = record[key];
      if (!Array.isArray(value)) continue;
      if (key === 'items' && token.type === 'list') for (const item of value as Tokens.ListItem[]) walkTokenLists(item.tokens, visit);
      else if (key === 'items') for (const item of value as { tokens?: Token[] }[]) walkTokenLists(item.tokens ?? [], visit);
      else walkTokenLists(value as Token[], visit);
    }
  }
}
