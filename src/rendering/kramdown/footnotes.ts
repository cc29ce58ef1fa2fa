import type { MarkedExtension, Token, Tokens } from 'marked';
import { childLists } from './typography.js';

/** `[^label]: content`, its content lexed. */
interface FootnoteDefinition {
  type: 'kramdownFootnoteDefinition';
  raw: string;
  label: string;
  tokens: Token[];
}

/** `[^label]` where a definition exists: the note's number, and how many references came before it. */
interface FootnoteReference {
  type: 'kramdownFootnoteReference';
  raw: string;
  label: string;
  number: number;
  repeat: number;
}

/** One used note at the end of the post, with as many back links as it had references then. */
interface FootnoteItem {
  type: 'kramdownFootnote';
  raw: string;
  label: string;
  backlinks: number;
  tokens: Token[];
}

interface FootnoteList {
  type: 'kramdownFootnotes';
  raw: string;
  start: number;
  tokens: FootnoteItem[];
}

/** kramdown's ALD_ID_NAME: a word character, then word characters and hyphens. */
const DEFINITION_START = /^ {0,3}\[\^(\w[\w-]*)\]:/;
const REFERENCE = /^\[\^(\w[\w-]*)\]/;
/** One level of indentation, which kramdown strips from each line of a definition. */
const INDENT = /^(?:\t| {4})/;

const isBlank = (line: string): boolean => line.trim() === '';
/** Lines kramdown's CODEBLOCK_MATCH stops a lazy continuation at: attribute lists, end-of-block markers and HTML. */
const stopsLazyLine = (line: string): boolean => /^ {0,3}(?:\{:|\^\s*$|<\/?[A-Za-z])/.test(line);

/**
 * Where the definition that starts `src` ends, read as kramdown's FOOTNOTE_DEFINITION_START does: its
 * first line, then blocks of lines indented one level, each after optional blank lines and followed by
 * lazy lines, which are any non-blank lines.
 */
function definitionEnd(src: string): number {
  const lineEnd = (from: number): number => {
    const newline = src.indexOf('\n', from);
    return newline < 0 ? src.length : newline + 1;
  };
  let end = lineEnd(0);
  for (;;) {
    let at = end;
    while (at < src.length && isBlank(src.slice(at, lineEnd(at)))) at = lineEnd(at);
    const first = src.slice(at, lineEnd(at));
    if (at >= src.length || !INDENT.test(first) || isBlank(first)) return end;
    at = lineEnd(at);
    while (at < src.length) {
      const line = src.slice(at, lineEnd(at));
      if (isBlank(line) || (!INDENT.test(line) && stopsLazyLine(line))) break;
      at = lineEnd(at);
    }
    end = at;
  }
}

function backlinks(item: FootnoteItem, afterText: boolean): string {
  const link = (id: string, text: string): string => `<a href="#fnref:${id}" class="reversefootnote" role="doc-backlink">${text}</a>`;
  let out = `${afterText ? '\u00a0' : ''}${link(item.label, '&#8617;')}`;
  for (let index = 1; index <= item.backlinks; index++) out += `\u00a0${link(`${item.label}:${index}`, `&#8617;<sup>${index + 1}</sup>`)}`;
  return out;
}

/** Calls `visit` on each list of tokens, depth first in document order, with the token that holds it. */
function eachTokenList(tokens: Token[], visit: (tokens: Token[]) => void): void {
  visit(tokens);
  for (const token of tokens) {
    if (token.type === 'table') {
      const table = token as Tokens.Table;
      for (const cell of [...table.header, ...table.rows.flat()]) eachTokenList(cell.tokens, visit);
    } else for (const children of childLists(token)) eachTokenList(children, visit);
  }
}

/**
 * Takes the definitions out of the post, numbers the references as kramdown's converter does (in
 * document order, then inside the notes in the order they are listed), turns references to undefined
 * notes back into text, and lists the used notes at the end; unused definitions are dropped.
 */
function placeFootnotes<List extends Token[]>(tokens: List, footnoteNr: number): List {
  const definitions = new Map<string, FootnoteDefinition>();
  eachTokenList(tokens, (list) => {
    for (let i = list.length - 1; i >= 0; i--) {
      const token = list[i] as Token;
      if (token.type !== 'kramdownFootnoteDefinition') continue;
      // kramdown keeps the last of two definitions with one label.
      const definition = token as unknown as FootnoteDefinition;
      if (!definitions.has(definition.label)) definitions.set(definition.label, definition);
      list.splice(i, 1);
    }
  });
  const items: FootnoteItem[] = [];
  const byLabel = new Map<string, { item: FootnoteItem; number: number }>();
  const numberReferences = (within: Token[]): void =>
    eachTokenList(within, (list) => {
      list.forEach((token, index) => {
        if (token.type !== 'kramdownFootnoteReference') return;
        const reference = token as unknown as FootnoteReference;
        const definition = definitions.get(reference.label);
        if (definition === undefined) {
          list[index] = { type: 'text', raw: reference.raw, text: reference.raw };
          return;
        }
        const used = byLabel.get(reference.label);
        if (used === undefined) {
          const item: FootnoteItem = { type: 'kramdownFootnote', raw: '', label: reference.label, backlinks: 0, tokens: definition.tokens };
          byLabel.set(reference.label, { item, number: footnoteNr + items.length });
          items.push(item);
          reference.repeat = 0;
          reference.number = footnoteNr + items.length - 1;
        } else {
          reference.repeat = ++used.item.backlinks;
          reference.number = used.number;
        }
      });
    });
  numberReferences(tokens);
  // A note's back links are counted when kramdown reaches it: references in later notes add none.
  const backlinkCounts: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as FootnoteItem;
    backlinkCounts.push(item.backlinks);
    numberReferences(item.tokens);
  }
  items.forEach((item, i) => (item.backlinks = backlinkCounts[i] as number));
  if (items.length === 0) return tokens;
  const list: FootnoteList = { type: 'kramdownFootnotes', raw: '', start: footnoteNr, tokens: items };
  tokens.push(list as unknown as Token);
  return tokens;
}

/**
 * kramdown's footnotes: `[^label]` references numbered from `footnoteNr`, and the notes listed at the
 * end of the post with kramdown's markup (ids `fnref:label` and `fn:label`, back links ↩).
 */
export function kramdownFootnotes(footnoteNr: number): MarkedExtension {
  let mayHaveNotes = true;
  return {
    extensions: [
      {
        name: 'kramdownFootnoteDefinition',
        level: 'block',
        tokenizer(src) {
          const start = DEFINITION_START.exec(src);
          if (!start) return undefined;
          const end = definitionEnd(src);
          // The first line's leading blanks only separate it from the label.
          const content = src
            .slice(start[0].length, end)
            .split('\n')
            .map((line, index) => (index === 0 ? line.trimStart() : line.replace(INDENT, '')))
            .join('\n');
          const definition: FootnoteDefinition = { type: 'kramdownFootnoteDefinition', raw: src.slice(0, end), label: start[1] as string, tokens: this.lexer.blockTokens(content, []) };
          return definition;
        },
        renderer: () => '',
      },
      {
        name: 'kramdownFootnoteReference',
        level: 'inline',
        tokenizer(src) {
          const reference = REFERENCE.exec(src);
          if (!reference) return undefined;
          const token: FootnoteReference = { type: 'kramdownFootnoteReference', raw: reference[0], label: reference[1] as string, number: 0, repeat: 0 };
          return token;
        },
        renderer(token) {
          const { label, number, repeat } = token as unknown as FootnoteReference;
          const id = repeat > 0 ? `${label}:${repeat}` : label;
          return `<sup id="fnref:${id}" role="doc-noteref"><a href="#fn:${label}" class="footnote" rel="footnote">${number}</a></sup>`;
        },
      },
      {
        name: 'kramdownFootnotes',
        level: 'block',
        renderer(token) {
          const list = token as unknown as FootnoteList;
          const start = list.start === 1 ? '' : ` start="${list.start}"`;
          const items = list.tokens.map((item) => {
            const last = item.tokens.at(-1);
            const body =
              last?.type === 'paragraph'
                ? `${this.parser.parse(item.tokens.slice(0, -1))}<p>${this.parser.parseInline((last as Tokens.Paragraph).tokens)}${backlinks(item, true)}</p>\n`
                : `${this.parser.parse(item.tokens)}<p>${backlinks(item, false)}</p>\n`;
            return `    <li id="fn:${item.label}" role="doc-endnote">\n${body}    </li>\n`;
          });
          return `<div class="footnotes" role="doc-endnotes">\n  <ol${start}>\n${items.join('')}  </ol>\n</div>\n`;
        },
      },
    ],
    hooks: {
      // A walk of every token costs a tenth of a long post's render: skipped when no note can be there.
      preprocess: (markdown) => {
        mayHaveNotes = markdown.includes('[^');
        return markdown;
      },
      processAllTokens: (tokens) => (mayHaveNotes ? placeFootnotes(tokens, footnoteNr) : tokens),
    },
  };
}
