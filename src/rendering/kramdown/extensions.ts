import type { Token, TokenizerAndRendererExtension } from 'marked';
import { parseAttributeList } from './attribute-lists.js';
import { suffixSearch } from './suffix-search.js';

/**
 * kramdown's extensions: `{::comment}…{:/comment}` becomes an HTML comment, `{::nomarkdown}…{:/}` passes
 * through as it is, `{::options key="value" /}` sets options for the rest of the document and shows
 * nothing. On lines of their own they are blocks (the body's lines up to a line `{:/name}` or `{:/}`),
 * elsewhere spans (up to the first `{:/name}` or `{:/}`). One without its stop tag stays text.
 */

const NAMES = new Set(['comment', 'nomarkdown', 'options']);

export interface ExtensionToken {
  type: 'kramdownExtension';
  raw: string;
  name: string;
  block: boolean;
  options: Record<string, string>;
  body: string | undefined;
}

/** The start tag at `at` in `src`: `{::name attributes}` or `{::name attributes /}`. */
function startTag(src: string, at: number): { name: string; attributes: string; closed: boolean; end: number } | undefined {
  if (!src.startsWith('{::', at)) return undefined;
  let nameEnd = at + 3;
  while (nameEnd < src.length && /\w/.test(src[nameEnd] ?? '')) nameEnd++;
  const name = src.slice(at + 3, nameEnd);
  if (!NAMES.has(name) || (src[nameEnd] !== '}' && src[nameEnd] !== '/' && !/\s/.test(src[nameEnd] ?? ''))) return undefined;
  // Attributes run to the first `}` no backslash escapes: a short stretch, read once per tag.
  let close = nameEnd;
  while (close < src.length && src[close] !== '}' && src[close] !== '\n') close += src[close] === '\\' ? 2 : 1;
  if (src[close] !== '}') return undefined;
  const closed = src[close - 1] === '/';
  return { name, attributes: src.slice(nameEnd, closed ? close - 1 : close), closed, end: close + 1 };
}

function optionsOf(attributes: string): Record<string, string> {
  return Object.fromEntries(parseAttributeList(attributes).entries);
}

/** The end of a line of only spaces from `at`, past its newline, or -1 if the line holds more. */
function restOfLineBlank(src: string, at: number): number {
  let end = at;
  while (src[end] === ' ' || src[end] === '\t' || src[end] === '\r') end++;
  if (end === src.length) return end;
  return src[end] === '\n' ? end + 1 : -1;
}

/** Where the stop tag `{:/name}` or `{:/}` at `at` ends, or -1. */
function stopTagEnd(src: string, at: number, name: string): number {
  if (!src.startsWith('{:/', at)) return -1;
  if (src[at + 3] === '}') return at + 4;
  return src.startsWith(`${name}}`, at + 3) ? at + 4 + name.length : -1;
}

/** Where the line at `lineStart` ends if it is only a stop tag for `name` (at most 3 spaces in), or -1. */
function stopLineEnd(src: string, lineStart: number, name: string): number {
  let at = lineStart;
  while (at - lineStart < 3 && src[at] === ' ') at++;
  const end = stopTagEnd(src, at, name);
  return end === -1 ? -1 : restOfLineBlank(src, end);
}

/** The start of the first line (after the first) that is only a stop tag for `name`, or -1. */
function findStopLine(src: string, name: string): number {
  for (let newline = src.indexOf('\n'); newline !== -1; newline = src.indexOf('\n', newline + 1)) {
    if (stopLineEnd(src, newline + 1, name) !== -1) return newline + 1;
  }
  return -1;
}

function findStopTag(src: string, name: string): number {
  for (let at = src.indexOf('{:/'); at !== -1; at = src.indexOf('{:/', at + 1)) {
    if (stopTagEnd(src, at, name) !== -1) return at;
  }
  return -1;
}

export const blockExtensions: TokenizerAndRendererExtension = {
  name: 'kramdownExtension',
  level: 'block',
  tokenizer(src: string): ExtensionToken | undefined {
    let at = 0;
    while (at < 3 && src[at] === ' ') at++;
    const tag = startTag(src, at);
    const afterTag = tag ? restOfLineBlank(src, tag.end) : -1;
    if (!tag || afterTag === -1) return undefined;
    const options = optionsOf(tag.attributes);
    if (tag.closed) return { type: 'kramdownExtension', raw: src.slice(0, afterTag), name: tag.name, block: true, options, body: undefined };
    const rest = src.slice(afterTag - 1);
    const find = (text: string) => findStopLine(text, tag.name);
    let stopLine = suffixSearch(this.lexer).next(`block ${tag.name}`, rest, find);
    if (stopLine !== -1 && stopLineEnd(rest, stopLine, tag.name) === -1) stopLine = find(rest);
    if (stopLine === -1) return undefined;
    const stop = afterTag - 1 + stopLine;
    const end = afterTag - 1 + stopLineEnd(rest, stopLine, tag.name);
    const body = src.slice(afterTag, stop).replace(/\n$/, '');
    return { type: 'kramdownExtension', raw: src.slice(0, end), name: tag.name, block: true, options, body };
  },
  renderer: (token) => renderExtension(token as unknown as ExtensionToken),
};

export const spanExtensions: TokenizerAndRendererExtension = {
  name: 'kramdownSpanExtension',
  level: 'inline',
  start(src: string): number | undefined {
    const at = suffixSearch(this.lexer).next('span start', src, (text) => text.indexOf('{::'));
    return at === -1 ? undefined : at;
  },
  tokenizer(src: string): ExtensionToken | undefined {
    const tag = startTag(src, 0);
    if (!tag) return undefined;
    const options = optionsOf(tag.attributes);
    if (tag.closed) return { type: 'kramdownExtension', raw: src.slice(0, tag.end), name: tag.name, block: false, options, body: undefined };
    const rest = src.slice(tag.end);
    const find = (text: string) => findStopTag(text, tag.name);
    let stop = suffixSearch(this.lexer).next(`span ${tag.name}`, rest, find);
    if (stop !== -1 && stopTagEnd(rest, stop, tag.name) === -1) stop = find(rest);
    if (stop === -1) return undefined;
    const end = stopTagEnd(rest, stop, tag.name);
    return { type: 'kramdownExtension', raw: src.slice(0, tag.end + end), name: tag.name, block: false, options, body: rest.slice(0, stop) };
  },
  renderer: (token) => renderExtension(token as unknown as ExtensionToken),
};

function renderExtension(token: ExtensionToken): string {
  if (token.body === undefined) return '';
  if (token.name === 'comment') return token.block ? `<!-- ${token.body} -->\n` : `<!-- ${token.body} -->`;
  if (token.name === 'nomarkdown') {
    const types = token.options.type?.split(/\s+/);
    if (types && !types.includes('html')) return '';
    return token.block ? `${token.body}\n` : token.body;
  }
  return '';
}

/** The option values `{::options}` set in the document, the last setting of each winning. */
export function inlineOptions(tokens: Token[]): Record<string, string> {
  const options: Record<string, string> = {};
  for (const token of tokens) {
    if (token.type === 'kramdownExtension' && (token as unknown as ExtensionToken).name === 'options') {
      Object.assign(options, (token as unknown as ExtensionToken).options);
    }
  }
  return options;
}
