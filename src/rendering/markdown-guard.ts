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
  // Created on first use: most runs (the text of each emphasis, each table cell) need few of them.
  private emailDomains?: Map<number, boolean>;
  private masked?: string;
  private delimiters?: Map<string, DelimiterRuns | undefined>;
  private foundNeedles?: Map<string, { from: number; at: number }>;
  private foundPatterns?: Map<RegExp, { from: number; at: number }>;
  private parenLevels?: Int32Array;
  private lowerLevelAfter?: Int32Array;
  private linkEnds?: Map<number, boolean>;

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
    this.emailDomains ??= new Map();
    let valid = this.emailDomains.get(at);
    if (valid === undefined) {
      valid = urlRule.exec(this.src.slice(at - 1)) !== null;
      this.emailDomains.set(at, valid);
    }
    return valid;
  }

  /** The first index of `needle` at or after `from`, or -1; reading on from the last answer as `from` grows. */
  indexOf(needle: string, from: number): number {
    this.foundNeedles ??= new Map();
    const last = this.foundNeedles.get(needle);
    if (last && from >= last.from && (last.at === -1 || from <= last.at)) return last.at;
    const at = this.src.indexOf(needle, from);
    this.foundNeedles.set(needle, { from, at });
    return at;
  }

  /** The first match of `pattern` (global) at or after `from`, or -1; reading on as `from` grows. */
  search(pattern: RegExp, from: number): number {
    this.foundPatterns ??= new Map();
    const last = this.foundPatterns.get(pattern);
    if (last && from >= last.from && (last.at === -1 || from <= last.at)) return last.at;
    pattern.lastIndex = from;
    const at = pattern.exec(this.src)?.index ?? -1;
    this.foundPatterns.set(pattern, { from, at });
    return at;
  }

  /**
   * The first `)` after `from` that closes more parentheses than open after `from`, counted as marked's
   * findClosingBracket counts them (a backslash hides the next character), or NONE.
   */
  unbalancedParenAfter(from: number): number {
    return from < 0 ? NONE : (this.parens().lowerAfter[from] ?? NONE);
  }

  /** How many more `(` than `)` there are in [from, to). */
  parenLevel(from: number, to: number): number {
    const { levels } = this.parens();
    return (levels[to - 1] ?? 0) - (from > 0 ? (levels[from - 1] ?? 0) : 0);
  }

  /** The parenthesis level after each position, and for each the next position at a lower level. */
  private parens(): { levels: Int32Array; lowerAfter: Int32Array } {
    if (!this.parenLevels || !this.lowerLevelAfter) {
      const levels = new Int32Array(this.src.length);
      let level = 0;
      for (let index = 0; index < this.src.length; index++) {
        const char = this.src[index];
        if (char === '\\') {
          levels[index] = level;
          index++;
        } else if (char === '(') {
          level++;
        } else if (char === ')') {
          level--;
        }
        if (index < this.src.length) levels[index] = level;
      }
      // Positions at rising levels, nearest last: what is not lower than a position cannot be its answer.
      const lowerAfter = new Int32Array(this.src.length).fill(NONE);
      const stack: number[] = [];
      for (let index = this.src.length - 1; index >= 0; index--) {
        while (stack.length > 0 && (levels[stack.at(-1) ?? 0] ?? 0) >= (levels[index] ?? 0)) stack.pop();
        lowerAfter[index] = stack.at(-1) ?? NONE;
        stack.push(index);
      }
      this.parenLevels = levels;
      this.lowerLevelAfter = lowerAfter;
    }
    return { levels: this.parenLevels, lowerAfter: this.lowerLevelAfter };
  }

  /** Whether a link's optional title and closing `)` follow at `from` (memoized: many hrefs end there). */
  linkEndsAt(from: number, ending: RegExp): boolean {
    this.linkEnds ??= new Map();
    let ends = this.linkEnds.get(from);
    if (ends === undefined) {
      ending.lastIndex = from;
      ends = ending.test(this.src);
      this.linkEnds.set(from, ends);
    }
    return ends;
  }

  /** The runs of `char` in this text as emStrong and del see it (`masked`: links, code and HTML hidden). */
  delimiterRuns(masked: string, char: string, closers: RegExp): DelimiterRuns | undefined {
    if (masked !== this.masked || !this.delimiters) {
      this.masked = masked;
      this.delimiters = new Map();
    }
    if (!this.delimiters.has(char)) this.delimiters.set(char, DelimiterRuns.of(masked, char, closers));
    return this.delimiters.get(char);
  }
}

/** The parts of the setext heading rule: a line ending the text before the underline, and the underline. */
interface SetextRules {
  ends: RegExp;
  underline: RegExp;
}

const SETEXT_UNDERLINE = String.raw`\n {0,3}(=+|-+)[ \t]*(?:\n+|$)`;
const SETEXT_LINES = String.raw`((?:.|\n(?!`;
const setextRulesCache = new WeakMap<RegExp, SetextRules | undefined>();

function setextRules(lheading: RegExp): SetextRules | undefined {
  if (!setextRulesCache.has(lheading)) {
    const source = lheading.source;
    const tail = `))+?)${SETEXT_UNDERLINE}`;
    const ends = source.slice(source.indexOf(SETEXT_LINES) + SETEXT_LINES.length, -tail.length);
    const found = occursOnce(source, SETEXT_LINES) && source.endsWith(tail);
    setextRulesCache.set(lheading, found ? { ends: new RegExp(ends, 'y'), underline: new RegExp(SETEXT_UNDERLINE.slice(2), 'y') } : undefined);
  }
  return setextRulesCache.get(lheading);
}

const UNDERLINE = 1;
const ENDS = 2;

/** One text that marked lexes into blocks (the document, a block quote's or a list item's content). */
class BlockRun {
  private lineStarts?: Int32Array;
  private nextSetextLine?: Int32Array;
  private setextKinds?: Uint8Array;

  constructor(readonly src: string) {}

  at(rest: string): number {
    return this.src.length - rest.length;
  }

  /**
   * Whether the setext heading rule can match at `from`: its text runs line by line to the first
   * underline (`===`, `---`) and gives up at a line that ends a paragraph, reading every line on the way
   * from each line it is tried at. Which comes first is worked out here once per text.
   */
  underlineFollows(from: number, rules: SetextRules): boolean {
    if (!this.lineStarts || !this.nextSetextLine || !this.setextKinds) {
      const starts = [0];
      for (let index = this.src.indexOf('\n'); index !== -1; index = this.src.indexOf('\n', index + 1)) starts.push(index + 1);
      const kinds = new Uint8Array(starts.length);
      const next = new Int32Array(starts.length + 1).fill(NONE);
      for (let line = starts.length - 1; line >= 0; line--) {
        const start = starts[line] ?? 0;
        const end = starts[line + 1] ?? this.src.length;
        rules.underline.lastIndex = start;
        rules.ends.lastIndex = start;
        // `.` matches no line or paragraph separator, so the text cannot run past one either.
        if (rules.underline.test(this.src)) kinds[line] = UNDERLINE;
        else if (rules.ends.test(this.src) || /[\u2028\u2029]/.test(this.src.slice(start, end))) kinds[line] = ENDS;
        next[line] = kinds[line] ? line : (next[line + 1] ?? NONE);
      }
      this.lineStarts = Int32Array.from(starts);
      this.nextSetextLine = next;
      this.setextKinds = kinds;
    }
    const line = lineOf(this.lineStarts, from);
    const end = this.lineStarts[line + 1] ?? this.src.length;
    if (/[\u2028\u2029]/.test(this.src.slice(from, end))) return false;
    const decisive = this.nextSetextLine[line + 1] ?? NONE;
    return decisive !== NONE && this.setextKinds[decisive] === UNDERLINE;
  }
}

/** The index of the line, by its start, that holds `position`. */
function lineOf(starts: Int32Array, position: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((starts[middle] ?? 0) <= position) low = middle;
    else high = middle - 1;
  }
  return low;
}

const LEFT = 1;
const RIGHT = 2;
const BOTH = 3;

/**
 * The maximal runs of one delimiter character in a text, each classified once as marked's closing-
 * delimiter rule classifies it from any place before it: able only to open (LEFT), only to close
 * (RIGHT), either (BOTH), or neither. marked's emStrong and del scan these runs from every opener to
 * the end of the text, counting openers up and closers down until the count reaches zero, and give up
 * at the end: n openers without closers cost n² regex matches. Prefix sums of the same counts and their
 * minima from each run on say in constant time whether a scan can reach zero at all.
 */
class DelimiterRuns {
  private readonly minima = new Map<string, { sums: Int32Array; minima: Int32Array }>();

  private constructor(
    private readonly starts: Int32Array,
    private readonly lengths: Int32Array,
    private readonly kinds: Uint8Array,
  ) {}

  /** The runs of `char` in `masked`; undefined if marked's rule matches other than whole runs. */
  static of(masked: string, char: string, closers: RegExp): DelimiterRuns | undefined {
    const starts: number[] = [];
    const lengths: number[] = [];
    const code = char.charCodeAt(0);
    for (let index = masked.indexOf(char); index !== -1; index = masked.indexOf(char, index)) {
      const start = index;
      while (masked.charCodeAt(index) === code) index++;
      starts.push(start);
      lengths.push(index - start);
    }
    // The rule reads a run together with the character before it, wherever its scan started.
    const atRun = sticky(closers);
    const kinds = new Uint8Array(starts.length);
    for (let run = 0; run < starts.length; run++) {
      const start = starts[run] ?? 0;
      if (start === 0) continue;
      atRun.lastIndex = start - 1;
      const match = atRun.exec(masked);
      let group = 1;
      while (match && group < match.length && match[group] === undefined) group++;
      if (!match || group === match.length) continue;
      if (match.index + match[0].length !== start + (lengths[run] ?? 0)) return undefined;
      kinds[run] = group <= 2 ? RIGHT : group <= 4 ? LEFT : BOTH;
    }
    return new DelimiterRuns(Int32Array.from(starts), Int32Array.from(lengths), kinds);
  }

  /** The index of the run holding `position`, or -1. */
  runAt(position: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const start = this.starts[middle] ?? 0;
      if (position < start) high = middle - 1;
      else if (position >= start + (this.lengths[middle] ?? 0)) low = middle + 1;
      else return middle;
    }
    return -1;
  }

  start(run: number): number {
    return this.starts[run] ?? 0;
  }

  end(run: number): number {
    return this.start(run) + (this.lengths[run] ?? 0);
  }

  /**
   * Whether a scan from run `first` on, starting at `need`, brings the count to zero or below on a
   * closing run: the lowest prefix sum from `first` on (until a run that `ends` the scan) against the sum
   * before `first`. `count` gives each run's step; `key` names the pair of functions for the cache.
   */
  reachesZero(first: number, need: number, key: string, count: (kind: number, length: number) => number, ends: (kind: number, length: number) => boolean): boolean {
    let cached = this.minima.get(key);
    if (!cached) {
      const total = this.starts.length;
      const sums = new Int32Array(total);
      const minima = new Int32Array(total + 1).fill(NONE);
      let sum = 0;
      for (let run = 0; run < total; run++) {
        sum += count(this.kinds[run] ?? 0, this.lengths[run] ?? 0);
        sums[run] = sum;
      }
      for (let run = total - 1; run >= 0; run--) {
        minima[run] = ends(this.kinds[run] ?? 0, this.lengths[run] ?? 0) ? NONE : Math.min(sums[run] ?? 0, minima[run + 1] ?? NONE);
      }
      cached = { sums, minima };
      this.minima.set(key, cached);
    }
    const before = first > 0 ? (cached.sums[first - 1] ?? 0) : 0;
    return (cached.minima[first] ?? NONE) <= before - need;
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
function guarded(tokenizer: Tokenizer, shortest = 0): { run: InlineRun; rules: GuardRules } | undefined {
  const lexer: unknown = tokenizer.lexer;
  if (!(lexer instanceof GuardedLexer) || !lexer.guardRules) return undefined;
  const run = lexer.runs.at(-1);
  return run && run.src.length >= shortest ? { run, rules: lexer.guardRules } : undefined;
}

/**
 * In a text this short marked's own rules cost little however they are used (the square of its length
 * times the cost of a character for the email lookaheads, of a delimiter run for emphasis), and most
 * texts are: the text of an emphasis, a table cell, a short paragraph. They are left to marked.
 */
const SHORT_FOR_EMAIL = 256;
const SHORT_FOR_EMPHASIS = 64;

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
    const context = guarded(this, SHORT_FOR_EMAIL);
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
    if (!context) return false;
    // Every form starts with a local-part character: an address, mailto:, xmpp:, http, ftp or www.
    if (!isMember(URL_EMAIL, src.charCodeAt(0))) return undefined;
    if (/^(?:mailto|xmpp):/.test(src)) return false;
    const { run } = context;
    const prefix = /^(?:www\.|[hH][tT][tT][pP][sS]?:\/\/|[fF][tT][pP]:\/\/)(?=[a-zA-Z0-9-])/.exec(src);
    if (prefix) {
      if (this.rules.inline._backpedal.source !== BACKPEDAL) return false;
      const candidateEnd = run.search(AUTOLINK_END, run.at(src));
      const start = run.at(src);
      const candidate = candidateEnd === -1 ? src : src.slice(0, candidateEnd - start);
      const closingParen = (from: number) => {
        const at = run.indexOf(')', start + from);
        return at === -1 ? -1 : at - start;
      };
      const text = candidate.slice(0, autolinkLength(candidate, closingParen));
      const href = prefix[0] === 'www.' ? `http://${text}` : text;
      return { type: 'link', raw: text, text, href, autolink: true, tokens: [{ type: 'text', raw: text, text }] };
    }
    if (run.src.length < SHORT_FOR_EMAIL) return false;
    return run.emailAt(run.at(src), this.rules.inline.url) ? false : undefined;
  },

  /**
   * emStrong scans from an opener to the end of the text for its closer: `*a_` repeated, or `(*a`, made
   * 20 KB take 10 s. What its scan counts is known per run (DelimiterRuns); only an opener whose scan can
   * succeed is left to marked. Its parameters are worked out as emStrong works them out.
   */
  emStrong(this: Tokenizer, src: string, maskedSrc: string, prevChar = ''): Tokens.Em | Tokens.Strong | undefined | false {
    const char = src[0];
    const context = guarded(this, SHORT_FOR_EMPHASIS);
    if (!context || (char !== '*' && char !== '_') || this.options.pedantic) return false;
    const position = maskedSrc.length - src.length;
    const closers = char === '*' ? this.rules.inline.emStrongRDelimAst : this.rules.inline.emStrongRDelimUnd;
    const runs = maskedSrc[position] === char ? context.run.delimiterRuns(maskedSrc, char, closers) : undefined;
    const run = runs?.runAt(position) ?? -1;
    if (!runs || run === -1) return false;
    const runStart = runs.start(run);
    const runEnd = runs.end(run);
    const opener = this.rules.inline.emStrongLDelim.exec(char + src.slice(runEnd - position, runEnd - position + 2));
    if (!opener || !(opener[1] || opener[2] || opener[3] || opener[4])) return undefined;
    const nextChar = opener[1] || opener[3] || '';
    const runPrevChar = [...maskedSrc.slice(Math.max(0, runStart - 2), runStart)].at(-1) ?? '';
    const runPrevPunct = runPrevChar === '*' || runPrevChar === '_' || !!this.rules.inline.punctuation.exec(runPrevChar);
    const openerCanClose = !!runPrevChar.trim() && (!!nextChar || (char === '*' && !runPrevPunct));
    const remainder = (runEnd - runStart) % 3;
    const midRun = prevChar === char;
    const key = `${remainder} ${openerCanClose} ${midRun}`;
    const reaches = (first: number) =>
      runs.reachesZero(first, runEnd - position, key, emphasisSteps(remainder, openerCanClose), emphasisEnds(remainder, midRun));
    const reachesFromNext = reaches(run + 1);
    // The rule skips one run first when the text after the opener starts with a lone delimiter
    // between two runs of the other character (`*a __b *c__`); only then is the rule run here.
    if (reachesFromNext === reaches(run + 2)) return reachesFromNext ? false : undefined;
    closers.lastIndex = 0;
    const firstMatch = closers.exec(maskedSrc.slice(runEnd));
    const skipsOne = firstMatch?.index === 0 && firstMatch.length > 0 && firstMatch.slice(1).every((part) => part === undefined) && firstMatch[0].includes(char);
    return (skipsOne ? reaches(run + 2) : reachesFromNext) ? false : undefined;
  },

  /**
   * The tag rule's comments, processing instructions, declarations and CDATA sections read lazily up to
   * their end marker, to the end of the text when there is none: 100 KB of `<?` took 4.4 s. Without the
   * marker after src's start none of them can match, and nothing else in the rule starts like them.
   */
  tag(this: Tokenizer, src: string): Tokens.Tag | undefined | false {
    const context = guarded(this);
    const form = context && src[0] === '<' ? UNTIL_MARKER.find(({ start }) => start.test(src)) : undefined;
    if (!context || !form) return false;
    return context.run.indexOf(form.marker, context.run.at(src) + form.after) === -1 ? undefined : false;
  },

  /**
   * GFM's table rule reads rows to the end of the block before the tokenizer can reject the header and
   * delimiter rows (no `|` or `:`, or other numbers of cells), and then the next line starts it again.
   * Whether it rejects them depends on those two rows only, so it first sees only them.
   */
  table(this: Tokenizer, src: string): Tokens.Table | undefined | false {
    const secondLine = src.indexOf('\n', src.indexOf('\n') + 1);
    if (src.indexOf('\n') === -1 || secondLine === -1) return false;
    const queued = this.lexer.inlineQueue.length;
    const headerAndDelimiter = Tokenizer.prototype.table.call(this, src.slice(0, secondLine + 1));
    // Its header cells were queued for inline lexing; marked's own call queues them again.
    this.lexer.inlineQueue.length = queued;
    return headerAndDelimiter ? false : undefined;
  },

  /**
   * The link rule's href (`[^ \t\n\x00-\x1f]+`) runs to the next space and back to the last `)` from
   * every `[`, and marked then cuts it at the first `)` that closes more than it opened: `[]()`
   * repeated without spaces, or `[a](` with a title far after, read to the end from every link. The
   * label comes from the rule's own label part; the rest from the inline text (where the href ends,
   * which `)` cuts it, whether a title and `)` follow). A link is left to marked on src cut after its
   * `)`; what marked would reject is rejected here.
   */
  link(this: Tokenizer, src: string): Tokens.Link | Tokens.Image | undefined | false {
    const context = guarded(this);
    const rules = linkRules(this.rules.inline.link);
    if (!context || !rules || this.lexer.state.linkParenPossible === false || (src[0] !== '[' && src[0] !== '!')) return false;
    const head = rules.label.exec(src);
    if (!head) return undefined;
    const label = head[1] ?? '';
    // With a code span in the label the rule may find a longer one when this one fails.
    if (label.includes('`')) return false;
    const { run } = context;
    const start = run.at(src);
    let href = start + head[0].length;
    while (/[ \t\n]/.test(run.src[href] ?? '')) href++;
    if (run.src[href] === '<') return false;
    const hrefEnd = run.search(HREF_END, href);
    const end = hrefEnd === -1 ? run.src.length : hrefEnd;
    const closer = run.unbalancedParenAfter(href - 1);
    if (closer < end) {
      // marked cuts such a link short by the spaces before its href, and rejects it when a `<` in the
      // label opens a tag running past it. Both are left to marked (whose href then ends at a space).
      const spaced = href > start + head[0].length;
      return spaced || label.includes('<') ? false : Tokenizer.prototype.link.call(this, src.slice(0, closer + 1 - start));
    }
    if (href < end && run.linkEndsAt(end, rules.ending)) {
      return run.parenLevel(href, end) > 0 ? undefined : false;
    }
    // Cut back to its last `)` the href keeps a `(` open, and without one no href matches.
    return undefined;
  },

  /** The setext heading rule's text stops only at an underline or a line that ends a paragraph. */
  lheading(this: Tokenizer, src: string): Tokens.Heading | undefined | false {
    const lexer: unknown = this.lexer;
    const run = lexer instanceof GuardedLexer ? lexer.blocks.at(-1) : undefined;
    const rules = setextRules(this.rules.block.lheading);
    if (!run || !rules) return false;
    return run.underlineFollows(run.at(src), rules) ? false : undefined;
  },

  /** del scans like emStrong, counting only runs as long as its opener (one or two `~`). */
  del(this: Tokenizer, src: string, maskedSrc: string): Tokens.Del | undefined | false {
    const context = guarded(this, SHORT_FOR_EMPHASIS);
    if (!context || src[0] !== '~') return false;
    const position = maskedSrc.length - src.length;
    const runs = maskedSrc[position] === '~' ? context.run.delimiterRuns(maskedSrc, '~', this.rules.inline.delRDelim) : undefined;
    const run = runs?.runAt(position) ?? -1;
    if (!runs || run === -1) return false;
    const opener = runs.end(run) - position;
    // Three or more `~` open nothing.
    if (opener > 2 || !this.rules.inline.delLDelim.exec(src.slice(0, opener + 2))) return undefined;
    const steps = (kind: number, length: number) => (length !== opener ? 0 : kind === LEFT ? length : kind ? -length : 0);
    return runs.reachesZero(run + 1, opener, `${opener}`, steps, () => false) ? false : undefined;
  },
};

const guardedBlocks = new WeakMap<object, Tokenizer['rules']['block']>();

/**
 * GFM's paragraph rule stops before a line that starts a table, and looks for one with the whole table
 * rule, whose rows run to the end of the block: from every line of a paragraph followed by a line like
 * `:-`, to the end. Whether the rule matches does not depend on the rows (there may be none), so the
 * paragraph rule here looks only for the header and delimiter rows. marked's own rules if they differ.
 */
const stoppingRules = new WeakMap<object, Map<string, Tokenizer['rules']['inline']>>();
/** Where marked's text rule stops for the tokenizers of emphasis, code, links and tags. */
const TEXT_STOP_CLASS = '(?=[\\\\<!\\[`*';

/**
 * The inline rules with the text rule also stopping before each of `stops`, so an inline extension that
 * starts at one of them is tried there. A start function would do the same, but marked then clips the
 * text the guarded text tokenizer reads, which must be the rest of its inline run.
 */
function inlineRulesStoppingAt(inline: Tokenizer['rules']['inline'], stops: string): Tokenizer['rules']['inline'] {
  const text = inline.text.source;
  if (stops === '' || !occursOnce(text, TEXT_STOP_CLASS)) return inline;
  let byStops = stoppingRules.get(inline);
  if (!byStops) stoppingRules.set(inline, (byStops = new Map()));
  let stopping = byStops.get(stops);
  if (!stopping) {
    const escaped = stops.replace(/[\\\]^-]/g, '\\$&');
    stopping = { ...inline, text: new RegExp(text.replace(TEXT_STOP_CLASS, TEXT_STOP_CLASS + escaped), inline.text.flags) };
    byStops.set(stops, stopping);
  }
  return stopping;
}

function guardedBlockRules(block: Tokenizer['rules']['block']): Tokenizer['rules']['block'] {
  let guardedBlock = guardedBlocks.get(block);
  if (!guardedBlock) {
    const table = block.table.source;
    const rows = table.slice(table.indexOf('(?:\\n((?:(?! *\\n|'));
    const paragraph = block.paragraph.source;
    guardedBlock = rows !== table && occursOnce(paragraph, rows)
      ? { ...block, paragraph: new RegExp(paragraph.replace(rows, '(?:\\n|$)'), block.paragraph.flags) }
      : block;
    guardedBlocks.set(block, guardedBlock);
  }
  return guardedBlock;
}

/** The tag rule's forms that read up to an end marker, and where after their start it may begin. */
const UNTIL_MARKER = [
  // `<!-->` and `<!--->` are comments that end at once.
  { start: /^<!--(?!-?>)/, marker: '-->', after: 4 },
  { start: /^<\?/, marker: '?>', after: 2 },
  { start: /^<!\[CDATA\[/, marker: ']]>', after: 9 },
  { start: /^<![a-zA-Z]/, marker: '>', after: 3 },
];

const stickyCopies = new WeakMap<RegExp, RegExp>();

function sticky(rule: RegExp): RegExp {
  let copy = stickyCopies.get(rule);
  if (!copy) {
    copy = new RegExp(rule.source, `${rule.flags.replace('g', '')}y`);
    stickyCopies.set(rule, copy);
  }
  return copy;
}

/** emStrong's count steps for an opener whose run is `runLength % 3` long and which can also close. */
function emphasisSteps(remainder: number, openerCanClose: boolean): (kind: number, length: number) => number {
  // CommonMark's rule of 3: a run that can both open and close pairs with no run making the sum a multiple of 3.
  const skips = (length: number) => remainder !== 0 && (remainder + length) % 3 === 0;
  return (kind, length) => {
    if (kind === LEFT) return length;
    if (kind === BOTH) return skips(length) ? 0 : -length;
    if (kind === RIGHT) return openerCanClose && skips(length) ? 0 : -length;
    return 0;
  };
}

/** Runs that end emStrong's scan for an opener inside its run (`**a*b*c` is `**a<em>b</em>c`). */
function emphasisEnds(remainder: number, midRun: boolean): (kind: number, length: number) => boolean {
  return (kind, length) => midRun && kind === BOTH && remainder !== 0 && (remainder + length) % 3 === 0;
}

/** marked's link rule, in the parts the link guard reads: its label, and what follows an href. */
interface LinkRules {
  label: RegExp;
  ending: RegExp;
}

const LINK_HEAD_END = String.raw`\]\([ \t\n]*(`;
const LINK_HREF = String.raw`(<(?:\\.|[^\n<>\\])*>|(?!<)[^ \t\n\x00-\x1f]+|(?=\)))`;
const linkRulesCache = new WeakMap<RegExp, LinkRules | undefined>();

function linkRules(link: RegExp): LinkRules | undefined {
  if (!linkRulesCache.has(link)) {
    const source = link.source;
    const head = source.indexOf(LINK_HEAD_END);
    const found = occursOnce(source, LINK_HEAD_END) && source.startsWith(LINK_HREF, head + LINK_HEAD_END.length - 1);
    const ending = source.slice(head + LINK_HEAD_END.length - 1 + LINK_HREF.length);
    linkRulesCache.set(link, found ? { label: new RegExp(source.slice(0, head + 4)), ending: new RegExp(ending, 'y') } : undefined);
  }
  return linkRulesCache.get(link);
}

/** What ends a link's unbracketed href. */
const HREF_END = /[ \t\n\x00-\x1f]/g;

/** What ends GFM's url rule's candidate: its `[^\s<]*`. */
const AUTOLINK_END = /[\s<]/g;

/** GFM's rule for where an extended autolink ends: marked applies it until the link stops changing. */
const BACKPEDAL = String.raw`(?:[^?!.,:;*_'"~()&]+|\([^)]*\)|&(?![a-zA-Z0-9]+;$)|[?!.,:;*_'"~)]+(?!$))+`;
const TRAILING = new Set(`?!.,:;*_'"~)`);

/**
 * How much of an autolink candidate marked keeps: it matches BACKPEDAL against the candidate, cut to
 * the match, again and again until nothing changes, one character of trailing punctuation a round
 * (100 KB of `)` after `www.a.b/` took 9 s). Here the rule's steps are found once (plain text, a
 * `(…)` group, an `&`, a punctuation run that does not end the text); each round only the steps at the
 * end can change, and a run of punctuation loses its characters all at once.
 * `closingParen(from)` is the index of the first `)` at or after `from` in the candidate, or -1.
 */
function autolinkLength(candidate: string, closingParen: (from: number) => number): number {
  const steps: { trailing: boolean; start: number; end: number }[] = [];
  for (let at = 0; at < candidate.length; ) {
    const char = candidate[at] ?? '';
    let end = at + 1;
    if (char === '(') {
      const close = closingParen(at + 1);
      if (close === -1 || close >= candidate.length) break;
      end = close + 1;
    } else if (char === '&') {
      if (entityAt(candidate, at, candidate.length)) break;
    } else if (TRAILING.has(char)) {
      while (end < candidate.length && TRAILING.has(candidate[end] ?? '')) end++;
      // Punctuation must not end the text.
      if (end === candidate.length) end--;
      if (end === at) break;
    } else {
      while (end < candidate.length && !TRAILING.has(candidate[end] ?? '') && candidate[end] !== '(' && candidate[end] !== '&') end++;
    }
    steps.push({ trailing: TRAILING.has(char), start: at, end });
    at = end;
  }
  let length = candidate.length;
  let kept = steps.at(-1)?.end ?? 0;
  while (kept < length) {
    length = kept;
    const last = steps.at(-1);
    const entity = entityEndingAt(candidate, length);
    if (entity !== -1) {
      // `&name;` that now ends the text stops the rule at its `&`.
      while ((steps.at(-1)?.start ?? -1) >= entity) steps.pop();
      kept = entity;
    } else if (last?.trailing && last.end - last.start >= 2) {
      // The run keeps all but its last character a round, down to one, which it then loses too.
      last.end = last.start + 1;
      kept = last.end;
    } else if (last?.trailing) {
      steps.pop();
      kept = last.start;
    } else {
      kept = length;
    }
  }
  return length;
}

/** Whether `&` at `at` starts an entity-like `&name;` that ends `text` at `length`. */
function entityAt(text: string, at: number, length: number): boolean {
  let end = at + 1;
  while (end < length && /[a-zA-Z0-9]/.test(text[end] ?? '')) end++;
  return end > at + 1 && end === length - 1 && text[end] === ';';
}

/** The `&` of an `&name;` that ends `text` at `length`, or -1. */
function entityEndingAt(text: string, length: number): number {
  if (text[length - 1] !== ';') return -1;
  let start = length - 2;
  while (start >= 0 && /[a-zA-Z0-9]/.test(text[start] ?? '')) start--;
  return start >= 0 && start < length - 2 && text[start] === '&' ? start : -1;
}

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
  /** The block texts being lexed, innermost last; the block tokenizers see suffixes of the innermost one. */
  readonly blocks: BlockRun[] = [];
  /** The inline runs being lexed, innermost last; the tokenizers see suffixes of the innermost one. */
  readonly runs: InlineRun[] = [];
  readonly guardRules: GuardRules | undefined;

  constructor(
    options: MarkedOptions<ParserOutput, RendererOutput> | undefined,
    private readonly limits: MarkdownLimits,
    textStops: string,
  ) {
    super(options);
    const tokenizer = this.options.tokenizer;
    if (tokenizer) {
      tokenizer.rules = { ...tokenizer.rules, block: guardedBlockRules(tokenizer.rules.block), inline: inlineRulesStoppingAt(tokenizer.rules.inline, textStops) };
    }
    this.guardRules = tokenizer ? guardRules(tokenizer.rules.inline) : undefined;
  }

  override blockTokens(src: string, tokens?: Token[], lastParagraphClipped?: boolean): Token[];
  override blockTokens(src: string, tokens?: TokensList, lastParagraphClipped?: boolean): TokensList;
  override blockTokens(src: string, tokens?: Token[] | TokensList, lastParagraphClipped?: boolean): Token[] | TokensList {
    // The outermost call is the document itself, not a level of nesting.
    if (this.blocks.length > this.limits.maxNesting) {
      throw new MarkdownNestingError(tooDeep('block quotes and lists', `more than ${this.limits.maxNesting}`, this.limits));
    }
    this.blocks.push(new BlockRun(src));
    try {
      return super.blockTokens(src, tokens as Token[] | undefined, lastParagraphClipped);
    } finally {
      this.blocks.pop();
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
export function markdownGuard(limits: MarkdownLimits, textStops = ''): MarkedExtension {
  return {
    tokenizer: guardedTokenizers,
    hooks: {
      provideLexer(block = true) {
        return <ParserOutput, RendererOutput>(src: string, options?: MarkedOptions<ParserOutput, RendererOutput>) => {
          const lexer = new GuardedLexer(options, limits, textStops);
          return block ? lexer.lex(src) : lexer.inlineTokens(src);
        };
      },
    },
  };
}
