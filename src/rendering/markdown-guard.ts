import { Lexer, type MarkedExtension, type MarkedOptions, type Token, Tokenizer, type Tokens, type TokensList } from 'marked';

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

/**
 * Characters of an email address's local part as GFM's text rule looks ahead for it, and as its url
 * rule reads it; marked's own rules, checked below, give the same classes.
 */
const TEXT_EMAIL = asciiClass(/[a-zA-Z0-9.!#$%&'*+\/=?_`{\|}~-]/);
const URL_EMAIL = asciiClass(/[A-Za-z0-9._+-]/);
const NONE = 0x7fffffff;

function asciiClass(pattern: RegExp): Uint8Array {
  const members = new Uint8Array(128);
  for (let code = 0; code < 128; code++) members[code] = pattern.test(String.fromCharCode(code)) ? 1 : 0;
  return members;
}

function isMember(members: Uint8Array, code: number): boolean {
  return code < 128 && members[code] === 1;
}

/** For each position, where the run of `members` starting there ends (the position itself if none starts). */
function runEnds(text: string, members: Uint8Array): Int32Array {
  const ends = new Int32Array(text.length + 1);
  ends[text.length] = text.length;
  for (let index = text.length - 1; index >= 0; index--) {
    ends[index] = isMember(members, text.charCodeAt(index)) ? (ends[index + 1] ?? index) : index;
  }
  return ends;
}

/**
 * One text that marked lexes inline (a paragraph, a heading, the text of an emphasis). marked's
 * tokenizers are handed what is left of it, and several of their regexes look ahead to the end of a run
 * of characters from every place they start; across the places that costs quadratic time. What they look
 * for is worked out here once per text, on first use, so each tokenizer call reads it in constant time.
 */
class InlineRun {
  private textEmailEnds?: Int32Array;
  private textEmailStarts?: Int32Array;
  private urlEmailEnds?: Int32Array;
  private readonly emailDomains = new Map<number, boolean>();

  constructor(readonly src: string) {}

  /** The position in this text of a `rest` the lexer has left of it. */
  at(rest: string): number {
    return this.src.length - rest.length;
  }

  /**
   * The first place at or after `from` where GFM's text rule stops for an email address: `from` itself
   * when the run of local-part characters there ends at an `@` (its `(?=[…]+@)`), or one past a
   * character outside the run before such a run (its `[^…](?=[…]+@)`). NONE if there is none.
   */
  textEmailStop(from: number): number {
    this.textEmailEnds ??= runEnds(this.src, TEXT_EMAIL);
    const ends = this.textEmailEnds;
    const endsAtAt = (start: number) => (ends[start] ?? start) > start && this.src.charCodeAt(ends[start] ?? start) === 64;
    if (endsAtAt(from)) return from;
    if (!this.textEmailStarts) {
      const starts = new Int32Array(this.src.length + 1).fill(NONE);
      for (let index = this.src.length - 1; index >= 0; index--) {
        const stop = !isMember(TEXT_EMAIL, this.src.charCodeAt(index)) && endsAtAt(index + 1);
        starts[index] = stop ? index + 1 : (starts[index + 1] ?? NONE);
      }
      this.textEmailStarts = starts;
    }
    return this.textEmailStarts[from] ?? NONE;
  }

  /** Whether GFM's url rule finds an email address at `from`: a local part, an `@` and a valid domain. */
  emailAt(from: number, urlRule: RegExp): boolean {
    this.urlEmailEnds ??= runEnds(this.src, URL_EMAIL);
    const at = this.urlEmailEnds[from] ?? from;
    if (at === from || this.src.charCodeAt(at) !== 64) return false;
    // Whether the domain after this `@` is valid does not depend on where the local part starts.
    let valid = this.emailDomains.get(at);
    if (valid === undefined) {
      valid = urlRule.exec(this.src.slice(at - 1)) !== null;
      this.emailDomains.set(at, valid);
    }
    return valid;
  }
}

/** The parts of marked's GFM inline rules the guards rely on, or undefined if marked's rules differ. */
interface GuardRules {
  /** GFM's text rule without its two email lookaheads, which `InlineRun.textEmailStop` answers. */
  textWithoutEmail: RegExp;
}

const TEXT_EMAIL_LOOKAHEAD = "|(?=[a-zA-Z0-9.!#$%&'*+\\/=?_`{\\|}~-]+@)";
const TEXT_EMAIL_AFTER_OTHER = "|[^a-zA-Z0-9.!#$%&'*+\\/=?_`{\\|}~-](?=[a-zA-Z0-9.!#$%&'*+\\/=?_`{\\|}~-]+@)";
const URL_RULE = String.raw`^(?:mailto:[A-Za-z0-9._+-]+@[a-zA-Z0-9-_]+(?:\.[a-zA-Z0-9-_]*[a-zA-Z0-9])+(?![\w-])|xmpp:[A-Za-z0-9._+-]+@[a-zA-Z0-9-_]+(?:\.[a-zA-Z0-9-_]*[a-zA-Z0-9])+(?![\w-])(?:\/[A-Za-z0-9@.]+)?)|^((?:[hH][tT][tT][pP][sS]?|[fF][tT][pP]):\/\/|www\.)(?:[a-zA-Z0-9\-]+\.?)+[^\s<]*|^[A-Za-z0-9._+-]+(@)[a-zA-Z0-9-_]+(?:\.[a-zA-Z0-9-_]*[a-zA-Z0-9])+(?![\w-])`;

const guardRulesCache = new WeakMap<object, GuardRules | undefined>();

function guardRules(inline: Tokenizer['rules']['inline']): GuardRules | undefined {
  if (guardRulesCache.has(inline)) return guardRulesCache.get(inline);
  const text = inline.text.source;
  const found = occursOnce(text, TEXT_EMAIL_LOOKAHEAD) && occursOnce(text, TEXT_EMAIL_AFTER_OTHER) && inline.url.source === URL_RULE;
  const rules = found
    ? { textWithoutEmail: new RegExp(text.replace(TEXT_EMAIL_LOOKAHEAD, '').replace(TEXT_EMAIL_AFTER_OTHER, ''), inline.text.flags) }
    : undefined;
  guardRulesCache.set(inline, rules);
  return rules;
}

function occursOnce(text: string, part: string): boolean {
  const first = text.indexOf(part);
  return first !== -1 && text.indexOf(part, first + 1) === -1;
}

/** The inline run a tokenizer is reading and its guard rules, when marked is lexing with the guards. */
function guarded(tokenizer: Tokenizer): { run: InlineRun; rules: GuardRules } | undefined {
  const lexer: unknown = tokenizer.lexer;
  const run = lexer instanceof GuardedLexer ? lexer.runs.at(-1) : undefined;
  const rules = guardRules(tokenizer.rules.inline);
  return run && rules ? { run, rules } : undefined;
}

/**
 * marked's tokenizers with the quadratic parts answered from the inline run. Each returns what marked's
 * own would for the same input, or false to let marked's own run where that costs nothing extra.
 */
const guardedTokenizers = {
  /**
   * GFM's text rule looks ahead from each place a text token starts for a run of local-part characters
   * ending at `@`: 80 KB of `_a` took 12-20 s. The run's stop for an email comes from the inline run,
   * the rest of the rule runs without the lookaheads, and the nearer stop wins, as in the rule itself.
   */
  inlineText(this: Tokenizer, src: string): Tokens.Text | undefined | false {
    const context = guarded(this);
    // An inline extension with a start function clips src, which then is no suffix of the run.
    if (!context || this.lexer.options.extensions?.startInline) return false;
    const { run, rules } = context;
    const first = src[0] === '`' || src[0] === '~' ? repeated(src, src[0]) : 1;
    const emailStop = Math.min(run.textEmailStop(run.at(src) + first) - run.at(src), src.length);
    // The rule's other lookaheads read at most 8 characters past the place they are tried.
    const rest = rules.textWithoutEmail.exec(src.slice(0, emailStop + 16));
    const end = Math.min(emailStop, rest?.[0].length ?? src.length);
    return Tokenizer.prototype.inlineText.call(this, src.slice(0, end));
  },

  /**
   * GFM's url rule reads the run of local-part characters from each place it is tried, for an email
   * address. Unless src starts like one of its other forms, the inline run answers whether it finds one.
   */
  url(this: Tokenizer, src: string): Tokens.Link | undefined | false {
    const context = guarded(this);
    if (!context || /^(?:mailto:|xmpp:|www\.|[hH][tT][tT][pP][sS]?:\/\/|[fF][tT][pP]:\/\/)/.test(src)) return false;
    return context.run.emailAt(context.run.at(src), this.rules.inline.url) ? false : undefined;
  },
};

function repeated(text: string, char: string): number {
  let count = 0;
  while (text[count] === char) count++;
  return count;
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
  /** The inline runs being lexed, innermost last; the tokenizers see suffixes of the innermost one. */
  readonly runs: InlineRun[] = [];

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
    if (this.runs.length > this.limits.maxNesting) {
      throw new MarkdownNestingError(tooDeep('emphasis, links and strikethrough', `more than ${this.limits.maxNesting}`, this.limits));
    }
    this.runs.push(new InlineRun(src));
    try {
      return super.inlineTokens(src, tokens);
    } finally {
      this.runs.pop();
    }
  }
}

/** A marked extension that lexes with the guards above. */
export function markdownGuard(limits: MarkdownLimits): MarkedExtension {
  return {
    tokenizer: guardedTokenizers,
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
