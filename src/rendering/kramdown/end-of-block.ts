import type { Token, TokenizerAndRendererExtension, Tokens } from 'marked';
import { replaceTokens } from './token-lists.js';

/**
 * kramdown's end-of-block marker: a line of only `^` ends the block before it, so `* a\n^\n* b` is two
 * lists and `> a\n^\n> b` two quotes. marked reads such a line as part of the list item or quote it
 * follows; the list or quote is split there once the document is read.
 */

export interface EndOfBlockToken {
  type: 'kramdownEndOfBlock';
  raw: string;
}

/** Where a line of only `^` (and spaces) at the start of `src` ends, or -1. */
function markerLineEnd(src: string): number {
  if (src[0] !== '^') return -1;
  let at = 1;
  while (src[at] === ' ' || src[at] === '\t') at++;
  if (at === src.length) return at;
  return src[at] === '\n' ? at + 1 : -1;
}

export const endOfBlockMarkers: TokenizerAndRendererExtension = {
  name: 'kramdownEndOfBlock',
  level: 'block',
  tokenizer(src: string): EndOfBlockToken | undefined {
    const end = markerLineEnd(src);
    return end === -1 ? undefined : { type: 'kramdownEndOfBlock', raw: src.slice(0, end) };
  },
  renderer: () => '',
};

/** Splits, at every depth, each list or quote that holds an unindented `^` line, after the block it ends. */
export function splitAtEndOfBlockMarkers(tokens: Token[]): void {
  replaceTokens(tokens, (token) => {
    if (token.type === 'list') {
      const list = token as Tokens.List;
      for (const item of list.items) splitAtEndOfBlockMarkers(item.tokens);
      const parts = splitList(list);
      return parts.length > 1 ? parts : undefined;
    }
    if (token.type === 'blockquote') {
      const quote = token as Tokens.Blockquote;
      splitAtEndOfBlockMarkers(quote.tokens);
      const parts = splitQuote(quote);
      return parts.length !== 1 || parts[0] !== quote ? parts : undefined;
    }
    return undefined;
  });
}

function endsWithMarker(tokens: Token[]): boolean {
  return tokens.at(-1)?.type === 'kramdownEndOfBlock';
}

/** A list whose item (not the last) ends in a marker on an unindented line becomes a list per run of items. */
function splitList(list: Tokens.List): Token[] {
  if (!list.items.some((item) => endsWithMarker(item.tokens))) return [list];
  const parts: Tokens.List[] = [];
  let items: Tokens.ListItem[] = [];
  for (const [index, item] of list.items.entries()) {
    items.push(item);
    const unindented = /\n\^$/.test(item.raw.slice(-40).trimEnd());
    if (index < list.items.length - 1 && endsWithMarker(item.tokens) && unindented) {
      parts.push({ ...list, items });
      items = [];
    }
  }
  if (parts.length === 0) return [list];
  parts.push({ ...list, items });
  return parts;
}

/** A quote whose paragraphs a `^` line without `>` separates becomes a quote per part. */
function splitQuote(quote: Tokens.Blockquote): Token[] {
  if (!quote.tokens.some((block) => block.type === 'kramdownEndOfBlock') || !/\n\^[ \t]*\n/.test(quote.raw)) return [quote];
  const parts: Tokens.Blockquote[] = [];
  let blocks: Token[] = [];
  for (const block of quote.tokens) {
    if (block.type === 'kramdownEndOfBlock' && blocks.length > 0) {
      parts.push({ ...quote, tokens: blocks });
      blocks = [];
    } else {
      blocks.push(block);
    }
  }
  parts.push({ ...quote, tokens: blocks });
  return parts.filter((part) => part.tokens.length > 0);
}
