import type { Token, TokenizerAndRendererExtension, Tokens } from 'marked';

/**
 * kramdown's definition lists: each line of the paragraph before a line `: definition` is a term (`<dt>`),
 * each `: ` line starts a definition (`<dd>`) whose content continues on lines indented to its text, or
 * on lazy lines right after. A definition's first paragraph is bare text unless a blank line comes
 * before its `: `. Definitions and terms that follow (after blank lines) join the same list.
 */

export interface TermToken {
  type: 'kramdownTerm';
  raw: string;
  tokens: Token[];
}

export interface DefinitionToken {
  type: 'kramdownDefinition';
  raw: string;
  tokens: Token[];
  /** Its first paragraph is written without `<p>`. */
  bareFirst: boolean;
}

export interface DefinitionListToken {
  type: 'kramdownDefinitionList';
  raw: string;
  items: (TermToken | DefinitionToken)[];
  /** The definitions' blocks, for the passes that look into containers. */
  blockChildren: Token[][];
  /** Set on the terms and definitions that joined the list before: they are written with it. */
  joined?: DefinitionListToken;
}

/** A definition's first line: up to 3 spaces, `:`, a space or tab; the content's indent and text. */
function definitionStart(line: string): { indent: number; content: string } | undefined {
  let at = 0;
  while (at < 3 && line[at] === ' ') at++;
  if (line[at] !== ':' || (line[at + 1] !== ' ' && line[at + 1] !== '\t')) return undefined;
  let indent = at + 1;
  let content = at + 1;
  while (line[content] === ' ' || line[content] === '\t') {
    indent += line[content] === '\t' ? 4 - (indent % 4) : 1;
    content++;
  }
  return { indent, content: line.slice(content) };
}

function isBlank(line: string): boolean {
  return line.trim() === '';
}

function leadingSpaces(line: string): number {
  let count = 0;
  while (line[count] === ' ') count++;
  return count;
}

/** Lazy lines may not be an IAL or HTML (kramdown's lazy end), nor the end-of-block marker. */
function endsLazily(line: string): boolean {
  const trimmed = line.trimStart();
  return line.length - trimmed.length <= 3 && (trimmed.startsWith('{:') || trimmed.startsWith('<') || /^\^\s*$/.test(trimmed));
}

export const definitionLists: TokenizerAndRendererExtension = {
  name: 'kramdownDefinitionList',
  level: 'block',
  tokenizer(src: string, tokens: Token[]): DefinitionListToken | undefined {
    if (!definitionStart(src.slice(0, 5))) return undefined;
    // One blank line may stand between terms and definition: marked makes it a space token of two newlines.
    const gap = tokens.at(-1)?.type === 'space' ? tokens.at(-1) : undefined;
    if (gap && gap.raw.split('\n').length - 1 !== 2) return undefined;
    const terms = tokens.at(gap ? -2 : -1);
    if (terms?.type !== 'paragraph') return undefined;
    let asParagraph = gap !== undefined;
    tokens.splice(tokens.length - (gap ? 2 : 1));
    const items: (TermToken | DefinitionToken)[] = (terms as Tokens.Paragraph).text.split('\n').map((line) => ({
      type: 'kramdownTerm',
      raw: line,
      tokens: this.lexer.inline(line.trim()),
    }));
    const definitions: { lines: string[]; bareFirst: boolean }[] = [];
    let indent = 0;
    let lastBlank = false;
    let at = 0;
    let contentEnd = 0;
    while (at < src.length) {
      const newline = src.indexOf('\n', at);
      const next = newline === -1 ? src.length : newline + 1;
      const line = src.slice(at, newline === -1 ? src.length : newline);
      const start = definitionStart(line);
      const current = definitions.at(-1);
      if (start) {
        definitions.push({ lines: [start.content], bareFirst: !asParagraph });
        indent = start.indent;
        asParagraph = false;
      } else if (!current || /^\^\s*$/.test(line)) {
        break;
      } else if (isBlank(line)) {
        current.lines.push('');
        asParagraph = true;
      } else if (leadingSpaces(line) >= indent || (!lastBlank && !endsLazily(line))) {
        current.lines.push(leadingSpaces(line) >= indent ? line.slice(indent) : line);
        asParagraph = false;
      } else {
        break;
      }
      lastBlank = isBlank(line);
      at = next;
      if (!lastBlank) contentEnd = at;
    }
    // Blank lines after the last definition belong to what follows.
    const last = definitions.at(-1);
    while (last && last.lines.at(-1) === '') last.lines.pop();
    const raw = src.slice(0, contentEnd);
    for (const definition of definitions) {
      const blocks = this.lexer.blockTokens(definition.lines.join('\n'), []);
      items.push({ type: 'kramdownDefinition', raw: '', tokens: blocks, bareFirst: definition.bareFirst });
    }
    const blockChildren = items.filter((item) => item.type === 'kramdownDefinition').map((item) => item.tokens);
    // kramdown joins a list to the one before it, blank lines between or not.
    const before = tokens.findLast((token) => token.type !== 'space');
    if (before?.type === 'kramdownDefinitionList') {
      const list = (before as unknown as DefinitionListToken).joined ?? (before as unknown as DefinitionListToken);
      list.items.push(...items);
      list.blockChildren.push(...blockChildren);
      return { type: 'kramdownDefinitionList', raw, items: [], blockChildren: [], joined: list };
    }
    return { type: 'kramdownDefinitionList', raw, items, blockChildren };
  },
  childTokens: ['items'],
  renderer(token) {
    const list = token as unknown as DefinitionListToken;
    if (list.items.length === 0) return '';
    const items = list.items.map((item) => {
      if (item.type === 'kramdownTerm') return `<dt>${this.parser.parseInline(item.tokens)}</dt>\n`;
      const [first, ...rest] = item.tokens;
      if (item.bareFirst && first?.type === 'paragraph') {
        const text = this.parser.parseInline((first as Tokens.Paragraph).tokens);
        const more = rest.some((block) => block.type !== 'space');
        return `<dd>${text}${more ? `\n${this.parser.parse(rest)}` : ''}</dd>\n`;
      }
      return `<dd>${this.parser.parse(item.tokens)}</dd>\n`;
    });
    return `<dl>\n${items.join('')}</dl>\n`;
  },
};
