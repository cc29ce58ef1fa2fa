import type { Token, TokenizerAndRendererExtension, Tokens } from 'marked';
import { type Attributes, attributesHtml, blockAttributes, escapeAttribute } from './attribute-lists.js';
import { headingAttributes } from './header-ids.js';

/**
 * kramdown's table of contents: a list with `{:toc}` becomes a list (of its own kind) of the document's
 * headers that have an id, whose level is in `toc_levels` and that lack the class `no_toc`; a deeper
 * header nests under the header before it. The list gets the id `markdown-toc` unless its IAL gives one;
 * each entry's link has the id `<list id>-<header id>`.
 */

interface TocEntry {
  level: number;
  id: string;
  tokens: Token[];
  children: TocEntry[];
}

export interface TocToken {
  type: 'kramdownToc';
  raw: string;
  ordered: boolean;
  attributes: Attributes;
  entries: TocEntry[];
}

/** Links in a TOC entry would nest inside its own link: their text stays, as kramdown unwraps them. */
function unwrapLinks(tokens: Token[]): Token[] {
  return tokens.flatMap((token) => {
    if (token.type === 'link') return unwrapLinks((token as Tokens.Link).tokens);
    if ('tokens' in token && Array.isArray(token.tokens)) return [{ ...token, tokens: unwrapLinks(token.tokens) } as Token];
    return [token];
  });
}

function tocTree(headings: Tokens.Heading[], levels: number[]): TocEntry[] {
  const roots: TocEntry[] = [];
  const open: TocEntry[] = [];
  for (const heading of headings) {
    const attributes = headingAttributes.get(heading);
    const id = attributes?.get('id');
    const classes = attributes?.get('class')?.split(' ') ?? [];
    if (id === undefined || !levels.includes(heading.depth) || classes.includes('no_toc')) continue;
    const entry: TocEntry = { level: heading.depth, id, tokens: unwrapLinks(heading.tokens), children: [] };
    while ((open.at(-1)?.level ?? 0) >= entry.level) open.pop();
    (open.at(-1)?.children ?? roots).push(entry);
    open.push(entry);
  }
  return roots;
}

/** Replaces every list marked `{:toc}` in `tokens` (at any depth of containers) with the TOC of `headings`. */
export function insertTocs(tokens: Token[], headings: Tokens.Heading[], levels: number[]): void {
  let entries: TocEntry[] | undefined;
  const visit = (blocks: Token[]): void => {
    for (let index = 0; index < blocks.length; index++) {
      const token = blocks[index];
      if (!token) continue;
      const attached = blockAttributes.get(token);
      if (token.type === 'list' && attached?.toc) {
        entries ??= tocTree(headings, levels);
        const attributes = new Map(attached.attributes);
        if (!attributes.has('id')) attributes.set('id', 'markdown-toc');
        const toc: TocToken = { type: 'kramdownToc', raw: token.raw, ordered: (token as Tokens.List).ordered, attributes, entries };
        blocks[index] = toc as unknown as Token;
      } else if (token.type === 'blockquote') {
        visit((token as Tokens.Blockquote).tokens);
      } else if (token.type === 'list') {
        for (const item of (token as Tokens.List).items) visit(item.tokens);
      } else if (token.type === 'kramdownAttributed') {
        visit((token as unknown as { children: Token[] }).children);
      } else {
        for (const blocks of (token as { blockChildren?: Token[][] }).blockChildren ?? []) visit(blocks);
      }
    }
  };
  visit(tokens);
}

export const tableOfContents: TokenizerAndRendererExtension = {
  name: 'kramdownToc',
  level: 'block',
  renderer(token) {
    const toc = token as unknown as TocToken;
    if (toc.entries.length === 0) return '';
    const tag = toc.ordered ? 'ol' : 'ul';
    const prefix = `${toc.attributes.get('id') ?? 'markdown-toc'}-`;
    const list = (entries: TocEntry[], attributes: string): string => {
      const items = entries.map((entry) => {
        const link = `<a href="#${escapeAttribute(entry.id)}" id="${escapeAttribute(prefix + entry.id)}">${this.parser.parseInline(entry.tokens)}</a>`;
        return `<li>${link}${entry.children.length > 0 ? list(entry.children, '') : ''}</li>\n`;
      });
      return `<${tag}${attributes}>\n${items.join('')}</${tag}>\n`;
    };
    return list(toc.entries, attributesHtml(toc.attributes));
  },
};
