import type { MarkedExtension, Token, Tokens } from 'marked';

/** kramdown's names for the typographic symbols, as `typographic_symbols` keys them. */
type SymbolName = 'mdash' | 'ndash' | 'hellip' | 'laquo_space' | 'raquo_space' | 'laquo' | 'raquo';

/** What replaces quotes and symbols: [‘, ’, “, ”] and each symbol's text. */
export interface Typography {
  quotes: [string, string, string, string];
  symbols: Record<SymbolName, string>;
}

const NBSP = '\u00a0';

const DEFAULT_SYMBOLS: Record<SymbolName, string> = {
  mdash: '—',
  ndash: '–',
  hellip: '…',
  laquo_space: `«${NBSP}`,
  raquo_space: `${NBSP}»`,
  laquo: '«',
  raquo: '»',
};

/** The entities smart_quotes is usually set to; Jekyll writes entities as characters. */
const QUOTE_ENTITIES: Record<string, string> = {
  lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', sbquo: '‚', bdquo: '„', laquo: '«', raquo: '»',
  lsaquo: '‹', rsaquo: '›', quot: '"', apos: "'", prime: '′', Prime: '″',
};

function entityText(name: string): string {
  const known = QUOTE_ENTITIES[name];
  if (known !== undefined) return known;
  // kramdown takes a code point in decimal for a name.
  if (/^\d{1,7}$/.test(name) && Number(name) > 0 && Number(name) <= 0x10ffff) return String.fromCodePoint(Number(name));
  // An entity we hold no table for still reads right in a browser.
  return `&${name};`;
}

/** The replacements for kramdown's `smart_quotes` entity names and `typographic_symbols` overrides. */
export function typography(smartQuotes: [string, string, string, string], symbols: Record<string, string>): Typography {
  const overrides = Object.fromEntries(Object.entries(symbols).filter(([name]) => name in DEFAULT_SYMBOLS));
  return {
    quotes: smartQuotes.map(entityText) as Typography['quotes'],
    symbols: { ...DEFAULT_SYMBOLS, ...overrides },
  };
}

const LSQUO = 0;
const RSQUO = 1;
const LDQUO = 2;
const RDQUO = 3;

const isQuote = (char: string | undefined): boolean => char === '"' || char === "'";
/** Ruby's `\s`, `\w` and `\d` are ASCII; its `\b` is not. */
const isSpace = (char: string | undefined): boolean => char !== undefined && /^[ \t\r\n\f\v]$/.test(char);
const isWord = (char: string | undefined): boolean => char !== undefined && /^\w$/.test(char);
const isDigit = (char: string | undefined): boolean => char !== undefined && char >= '0' && char <= '9';
const isBoundaryWord = (char: string | undefined): boolean => char !== undefined && /^[\p{L}\p{M}\p{Nd}\p{Pc}]$/u.test(char);
/** kramdown's SQ_PUNCT: ASCII punctuation, less `&`. */
const isPunct = (char: string | undefined): boolean => char !== undefined && char !== '&' && /^[!-/:-@[-`{-~]$/.test(char);
/** kramdown's SQ_CLOSE: what may stand before a closing quote. */
const canPrecedeClose = (char: string): boolean => !' \\\t\r\n[{(-'.includes(char);
/**
 * kramdown hands these to its emphasis, code span, link and escape parsers before its smart quote
 * parser, so a quote right after one of them never sees it as the character before.
 */
const claimedByOtherParsers = (char: string): boolean => '*_`[\\'.includes(char);

const ENTITY = /&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});/y;

/** The length of the typographic symbol at `at`, and its name, in kramdown's order of trying them. */
function symbolAt(text: string, at: number): [number, SymbolName] | undefined {
  const char = text[at];
  const next = text[at + 1];
  if (char === '-' && next === '-') return text[at + 2] === '-' ? [3, 'mdash'] : [2, 'ndash'];
  if (char === '.' && next === '.' && text[at + 2] === '.') return [3, 'hellip'];
  if (char === '<' && next === '<') return text[at + 2] === ' ' ? [3, 'laquo_space'] : [2, 'laquo'];
  if (char === ' ' && next === '>' && text[at + 2] === '>') return [3, 'raquo_space'];
  if (char === '>' && next === '>') return [2, 'raquo'];
  return undefined;
}

/**
 * Applies kramdown's smart quote rules (parser/kramdown/smart_quotes.rb) at `at`, where a quote is, or the
 * character before one. `text` is the run of plain text and what follows it in the source, so the rules
 * can look ahead past the run; returns what replaces `text[at, at + length)` and that length.
 */
function smartQuoteAt(text: string, at: number, quotes: Typography['quotes']): [string, number] {
  const c0 = text[at] as string;
  const c1 = text[at + 1];
  const c2 = text[at + 2];
  const c3 = text[at + 3];
  const pick = (quote: string, left: boolean): string => quotes[quote === '"' ? (left ? LDQUO : RDQUO) : left ? LSQUO : RSQUO];
  if (isQuote(c0)) {
    // ("|')(?=[_*]{1,2}\S)
    if ((c1 === '_' || c1 === '*') && c2 !== undefined && !isSpace(c2)) return [pick(c0, true), 1];
    // ("|')(?=PUNCT(?!\.\.)\B)
    if (isPunct(c1) && !(c2 === '.' && c3 === '.') && isBoundaryWord(c1) === isBoundaryWord(c2)) return [pick(c0, false), 1];
  }
  // (\s?)"'(?=\w), (\s?)'"(?=\w), (\s?)'(?=\d\ds)
  // A space before the quotes can only be the optional \s: the quote characters cannot match it.
  const space = isSpace(c0) ? 1 : 0;
  const lead = space ? c0 : '';
  const [a, b, c, d] = [text[at + space], text[at + space + 1], text[at + space + 2], text[at + space + 3]];
  if (a === '"' && b === "'" && isWord(c)) return [lead + quotes[LDQUO] + quotes[LSQUO], space + 2];
  if (a === "'" && b === '"' && isWord(c)) return [lead + quotes[LSQUO] + quotes[LDQUO], space + 2];
  if (a === "'" && isDigit(b) && isDigit(c) && d === 's') return [lead + quotes[RSQUO], space + 1];
  // (\s)('|")(?=\w)
  if (space && isQuote(c1) && isWord(c2)) return [c0 + pick(c1 as string, true), 2];
  // (SQ_CLOSE)('|")
  if (canPrecedeClose(c0) && isQuote(c1)) return [c0 + pick(c1 as string, false), 2];
  // ("|')(?=\s|s\b|$)
  if (isQuote(c0) && (c1 === undefined || isSpace(c1) || (c1 === 's' && !isBoundaryWord(c2)))) return [pick(c0, false), 1];
  // (.?)' then (.?)"
  for (const quote of ["'", '"']) {
    if (c1 === quote) return [c0 + pick(quote, true), 2];
    if (c0 === quote) return [pick(quote, true), 1];
  }
  return [c0, 1];
}

/** Where a quote, a symbol or an entity can start; plain text between them is copied as it is. */
const CANDIDATES = /["'&<>.-]/g;

/**
 * A run of plain text with kramdown's typographic symbols and smart quotes, scanning as kramdown's span
 * parser does: from each position it takes the earliest place a quote rule or a symbol can start, a quote
 * rule starting one character early to see what stands before the quote, unless that character was
 * consumed already or another parser claims it. `following` is the source after the run (only its first
 * few characters matter), for rules that look ahead.
 */
export function typeset(run: string, following: string, settings: Typography): string {
  const text = run + following.slice(0, 4);
  let out = '';
  // Everything before `consumed` has been read by a rule, a symbol or an entity.
  let consumed = 0;
  CANDIDATES.lastIndex = 0;
  for (let match = CANDIDATES.exec(run); match; match = CANDIDATES.exec(run)) {
    const at = match.index;
    if (at < consumed) continue;
    const char = run[at] as string;
    let start = at;
    let replacement: string | undefined;
    let length = 0;
    if (char === '&') {
      ENTITY.lastIndex = at;
      if (!ENTITY.test(run)) continue;
      out += run.slice(consumed, ENTITY.lastIndex);
      consumed = ENTITY.lastIndex;
      CANDIDATES.lastIndex = consumed;
      continue;
    }
    if (isQuote(char)) {
      const before = run[at - 1];
      if (at - 1 >= consumed && before !== undefined && !claimedByOtherParsers(before)) start = at - 1;
      [replacement, length] = smartQuoteAt(text, start, settings.quotes);
    } else {
      if (char === '>' && run[at - 1] === ' ' && at - 1 >= consumed && run[at + 1] === '>') start = at - 1;
      const symbol = symbolAt(text, start);
      if (symbol === undefined) continue;
      replacement = settings.symbols[symbol[1]];
      length = symbol[0];
    }
    out += run.slice(consumed, start) + replacement;
    consumed = start + length;
    CANDIDATES.lastIndex = consumed;
  }
  return out + run.slice(consumed);
}

/** Elements whose content kramdown keeps raw: no quotes or symbols are set inside them. */
const RAW_ELEMENTS = /^<(code|kbd|samp|var|script|style|math|textarea|pre|option)\b/i;

/** The source that closes a container token, after the source of its children. */
function closingSource(token: Token): string {
  const text = 'text' in token && typeof token.text === 'string' ? token.text : '';
  const start = token.raw.indexOf(text);
  return start < 0 ? '' : token.raw.slice(start + text.length);
}

/** The first few characters of the source after `tokens[index]`. */
function sourceAfter(tokens: Token[], index: number, following: string): string {
  let source = '';
  for (let i = index + 1; i < tokens.length && source.length < 4; i++) source += (tokens[i] as Token).raw;
  return source.length < 4 ? source + following : source;
}

const isPlainText = (token: Token): token is Tokens.Text => token.type === 'text' && !('tokens' in token && token.tokens) && !(token as Tokens.Text).escaped;

/**
 * Sets the quotes and symbols of a list of inline tokens, and of those inside them. Neighbouring text
 * tokens are one run, as kramdown sees them: the result goes into the first and the others are emptied.
 */
function typesetInline(tokens: Token[], following: string, settings: Typography): void {
  let rawElement: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.type === 'html') {
      const closing = rawElement !== undefined && new RegExp(`^</${rawElement}\\s*>`, 'i').test(token.raw);
      if (closing) rawElement = undefined;
      else rawElement ??= RAW_ELEMENTS.exec(token.raw)?.[1];
      continue;
    }
    if (rawElement !== undefined) continue;
    if (isPlainText(token)) {
      let last = i;
      let run = token.text;
      while (last + 1 < tokens.length && isPlainText(tokens[last + 1] as Token)) {
        last++;
        const next = tokens[last] as Tokens.Text;
        run += next.text;
        next.text = '';
      }
      token.text = typeset(run, sourceAfter(tokens, last, following), settings);
      i = last;
    } else if (['em', 'strong', 'del', 'link'].includes(token.type) && 'tokens' in token && token.tokens) {
      // An autolink's text is its address.
      if (token.type === 'link' && (token.raw.startsWith('<') || token.raw === (token as Tokens.Link).text)) continue;
      typesetInline(token.tokens, closingSource(token) + sourceAfter(tokens, i, following), settings);
    }
  }
}

/** Walks the block tokens down to each list of inline tokens. */
function typesetBlocks(tokens: Token[], settings: Typography): void {
  for (const token of tokens) {
    switch (token.type) {
      case 'paragraph':
      case 'heading':
        typesetInline((token as Tokens.Paragraph).tokens, '', settings);
        break;
      case 'text':
        if ('tokens' in token && token.tokens) typesetInline(token.tokens, '', settings);
        break;
      case 'blockquote':
        typesetBlocks((token as Tokens.Blockquote).tokens, settings);
        break;
      case 'list':
        for (const item of (token as Tokens.List).items) typesetBlocks(item.tokens, settings);
        break;
      case 'table': {
        const table = token as Tokens.Table;
        for (const cell of [...table.header, ...table.rows.flat()]) typesetInline(cell.tokens, '', settings);
        break;
      }
      default:
        // Other extensions' tokens (definition lists, HTML blocks with Markdown, notes) hold theirs here.
        if (token.type === 'code' || token.type === 'html') break;
        for (const children of childLists(token)) {
          if (children.some(isInlineToken)) typesetInline(children, '', settings);
          else typesetBlocks(children, settings);
        }
    }
  }
}

const INLINE_TYPES = new Set(['em', 'strong', 'link', 'image', 'codespan', 'del', 'br', 'escape']);
/** Block-level text (a tight list item's) holds inline tokens; inline text holds none. */
const isInlineToken = (token: Token): boolean => (token.type === 'text' ? !('tokens' in token && token.tokens) : INLINE_TYPES.has(token.type));

/** The lists of tokens a token holds, as marked's walkTokens finds them. */
export function childLists(token: Token): Token[][] {
  const lists: Token[][] = [];
  for (const key of ['tokens', 'items']) {
    const children = (token as unknown as Record<string, unknown>)[key];
    if (Array.isArray(children)) lists.push(children as Token[]);
  }
  return lists;
}

/**
 * kramdown's smart quotes and typographic symbols, which Jekyll leaves on: `"a" -- b...` becomes
 * `“a” – b…`. Set on the lexed tokens, so code, raw HTML, link addresses and autolinks keep theirs.
 */
export function kramdownTypography(settings: Typography): MarkedExtension {
  return {
    extensions: [
      {
        // `<<` is a guillemet before it can open an HTML tag, as kramdown reads `<<b>>`.
        name: 'kramdownGuillemet',
        level: 'inline',
        tokenizer: (src) => (src.startsWith('<<') ? { type: 'text', raw: '<<', text: '<<' } : undefined),
      },
    ],
    hooks: {
      processAllTokens(tokens) {
        // parseInline hands over inline tokens, parse block tokens.
        if (tokens.some(isInlineToken)) typesetInline(tokens, '', settings);
        else typesetBlocks(tokens, settings);
        return tokens;
      },
    },
  };
}
