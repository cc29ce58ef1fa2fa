import { Lexer, type MarkedExtension, type MarkedOptions, type Token, type TokensList } from 'marked';

/** How deep the Markdown of one post may nest. */
export interface MarkdownLimits {
  /** Block quotes and lists, and separately emphasis, links and strikethrough, may nest this deep. */
  maxNesting: number;
}

/**
 * Why a post's Markdown cannot be rendered safely, or undefined when it can. marked lexes each level of a
 * block quote or list with a nested call over the rest of the text, so 3,000 `>` overflow the stack and
 * cost quadratic time before that. One pass over the lines, each line's work bounded by the limit.
 */
export function markdownProblem(text: string, limits: MarkdownLimits): string | undefined {
  const depth = containerDepth(text, limits.maxNesting);
  return depth > limits.maxNesting ? tooDeep('block quotes and lists', `${depth}`, limits) : undefined;
}

function tooDeep(what: string, depth: string, limits: MarkdownLimits): string {
  return `${what} nest ${depth} levels deep, over MARKDOWN_MAX_NESTING (${limits.maxNesting})`;
}

/** An open block quote, or a list item whose content starts `indent` columns into its line. */
interface Container {
  quote: boolean;
  indent: number;
}

/**
 * The deepest nesting of block quotes and list items on any line, found as CommonMark opens and continues
 * them; it returns at the first line deeper than `limit`, with that line's depth. Fenced and indented code
 * opens nothing, and a thematic break (`* * *`) is no list.
 */
function containerDepth(text: string, limit: number): number {
  const open: Container[] = [];
  let fence: { marker: string; length: number; depth: number } | undefined;
  let deepest = 0;
  for (const line of text.split('\n')) {
    let at = { index: 0, column: 0 };
    let matched = 0;
    const breaks = new ThematicBreaks(line);
    for (const container of open) {
      const next = continues(line, at, container);
      if (!next) break;
      at = next;
      matched++;
    }
    open.length = matched;
    if (fence) {
      if (matched >= fence.depth) {
        if (closesFence(line, at, fence)) fence = undefined;
        continue;
      }
      fence = undefined;
    }
    for (;;) {
      const start = skipSpaces(line, at);
      if (start.column - at.column > 3) break;
      const char = line[start.index];
      if (char === '>') {
        open.push({ quote: true, indent: 0 });
        at = afterOptionalSpace(line, { index: start.index + 1, column: start.column + 1 });
      } else {
        const item = listItemAt(line, start, breaks);
        if (!item) break;
        open.push({ quote: false, indent: item.column - at.column });
        at = item;
      }
    }
    // Past the limit the line read last is the one to name: each line before was within it.
    deepest = Math.max(deepest, open.length);
    if (deepest > limit) return deepest;
    const opened = opensFence(line, at);
    if (opened) fence = { ...opened, depth: open.length };
  }
  return deepest;
}

interface Position {
  index: number;
  column: number;
}

function skipSpaces(line: string, at: Position): Position {
  let { index, column } = at;
  for (;;) {
    if (line[index] === ' ') column++;
    else if (line[index] === '\t') column += 4 - (column % 4);
    else return { index, column };
    index++;
  }
}

function afterOptionalSpace(line: string, at: Position): Position {
  return line[at.index] === ' ' || line[at.index] === '\t' ? { index: at.index + 1, column: at.column + 1 } : at;
}

/** Where the line's content continues inside `container`, or undefined when the line leaves it. */
function continues(line: string, at: Position, container: Container): Position | undefined {
  const start = skipSpaces(line, at);
  if (container.quote) {
    return start.column - at.column <= 3 && line[start.index] === '>'
      ? afterOptionalSpace(line, { index: start.index + 1, column: start.column + 1 })
      : undefined;
  }
  if (start.index === line.length) return start;
  return start.column - at.column >= container.indent ? advanceColumns(line, at, container.indent) : undefined;
}

/** The position `columns` columns of spaces on; the rest of the indentation belongs to what follows. */
function advanceColumns(line: string, at: Position, columns: number): Position {
  let { index, column } = at;
  while (column < at.column + columns) {
    column = line[index] === '\t' ? column + 4 - (column % 4) : column + 1;
    index++;
  }
  return { index, column };
}

/** The content position of a list item starting at `start`, unless the line is a thematic break there. */
function listItemAt(line: string, start: Position, breaks: ThematicBreaks): Position | undefined {
  const marker = /^(?:[*+-]|\d{1,9}[.)])(?=[ \t]|$)/.exec(line.slice(start.index, start.index + 11));
  if (!marker || breaks.startsAt(start.index)) return undefined;
  const afterMarker = { index: start.index + marker[0].length, column: start.column + marker[0].length };
  const content = skipSpaces(line, afterMarker);
  const gap = content.column - afterMarker.column;
  // Five or more spaces after the marker start indented code inside the item, which starts after one.
  return content.index === line.length || gap > 4 ? { index: afterMarker.index + 1, column: afterMarker.column + 1 } : content;
}

/** Where a line's rest is a thematic break (`* * *`, `---`), found in one pass from its end when first asked. */
class ThematicBreaks {
  private starts: Uint8Array | undefined;

  constructor(private readonly line: string) {}

  startsAt(index: number): boolean {
    this.starts ??= ThematicBreaks.find(this.line);
    return this.starts[index] === 1;
  }

  private static find(line: string): Uint8Array {
    const starts = new Uint8Array(line.length);
    let only: string | undefined;
    let count = 0;
    for (let index = line.length - 1; index >= 0; index--) {
      const char = line[index];
      if (char === ' ' || char === '\t') continue;
      if (only === undefined || char === only) {
        only = char;
        count++;
      } else {
        only = '';
      }
      if (char === only && count >= 3 && (char === '-' || char === '*' || char === '_')) starts[index] = 1;
    }
    return starts;
  }
}

function opensFence(line: string, at: Position): { marker: string; length: number } | undefined {
  const start = skipSpaces(line, at);
  const fence = start.column - at.column <= 3 ? /^(`{3,}|~{3,})/.exec(line.slice(start.index)) : null;
  return fence?.[1] ? { marker: fence[1][0] ?? '`', length: fence[1].length } : undefined;
}

function closesFence(line: string, at: Position, fence: { marker: string; length: number }): boolean {
  const start = skipSpaces(line, at);
  if (start.column - at.column > 3) return false;
  let end = start.index;
  while (line[end] === fence.marker) end++;
  return end - start.index >= fence.length && line.slice(end).trim() === '';
}

/** Thrown inside marked when the Markdown nests deeper than the limit; carries the reason for the reader. */
export class MarkdownNestingError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * marked's lexer, refusing to recurse deeper than the limit: each nested block quote or list item lexes
 * its content with another `blockTokens` call, each emphasis, link or strikethrough with another
 * `inlineTokens` call, and both the stack and the time (every level re-reads the rest) grow with the depth.
 */
class GuardedLexer<ParserOutput, RendererOutput> extends Lexer<ParserOutput, RendererOutput> {
  private blockDepth = 0;
  private inlineDepth = 0;

  constructor(
    options: MarkedOptions<ParserOutput, RendererOutput> | undefined,
    private readonly limits: MarkdownLimits,
  ) {
    super(options);
  }

  override blockTokens(src: string, tokens?: Token[], lastParagraphClipped?: boolean): Token[];
  override blockTokens(src: string, tokens?: TokensList, lastParagraphClipped?: boolean): TokensList;
  override blockTokens(src: string, tokens?: Token[] | TokensList, lastParagraphClipped?: boolean): Token[] | TokensList {
    // The outermost call is the document itself, not a level of nesting.
    if (this.blockDepth > this.limits.maxNesting) {
      throw new MarkdownNestingError(tooDeep('block quotes and lists', `more than ${this.limits.maxNesting}`, this.limits));
    }
    this.blockDepth++;
    try {
      return super.blockTokens(src, tokens as Token[] | undefined, lastParagraphClipped);
    } finally {
      this.blockDepth--;
    }
  }

  override inlineTokens(src: string, tokens?: Token[]): Token[] {
    if (this.inlineDepth > this.limits.maxNesting) {
      throw new MarkdownNestingError(tooDeep('emphasis, links and strikethrough', `more than ${this.limits.maxNesting}`, this.limits));
    }
    this.inlineDepth++;
    try {
      return super.inlineTokens(src, tokens);
    } finally {
      this.inlineDepth--;
    }
  }
}

/** A marked extension that lexes with the guards above. */
export function markdownGuard(limits: MarkdownLimits): MarkedExtension {
  return {
    hooks: {
      provideLexer(block = true) {
        return <ParserOutput, RendererOutput>(src: string, options?: MarkedOptions<ParserOutput, RendererOutput>) => {
          const lexer = new GuardedLexer(options, limits);
          return block ? lexer.lex(src) : lexer.inlineTokens(src);
        };
      },
    },
  };
}
