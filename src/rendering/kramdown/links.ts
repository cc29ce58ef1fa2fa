import type { MarkedExtension, Token, Tokens } from 'marked';
import { childLists } from './typography.js';

/**
 * The end of `[text]` opening `src` (the index of `]`), for link text without brackets inside it, which
 * is all this reads. Stopping at the next `[` keeps each character read by one call only.
 */
function linkTextEnd(src: string, open: number): number {
  for (let at = open; at < src.length; at++) {
    const char = src[at];
    if (char === ']') return at;
    if (char === '[' || char === '\n' && src[at + 1] === '\n') return -1;
    if (char === '\\') at++;
  }
  return -1;
}

/**
 * A destination with spaces and its optional title, read as kramdown's parse_link reads `(…)`: up to the
 * `)` that balances the `(`, or up to a space before a quote that starts the title. Returns undefined for
 * what marked reads the same way, and stops at brackets and line ends so each character is read once.
 */
function spacedDestination(src: string, open: number): { end: number; href: string; title?: string } | undefined {
  let depth = 1;
  for (let at = open + 1; at < src.length; at++) {
    const char = src[at] as string;
    if ('[]<\n'.includes(char)) return undefined;
    if (char === '(') depth++;
    else if (char === ')' && --depth === 0) {
      const href = src.slice(open + 1, at).trim();
      return /\s/.test(href) ? { end: at + 1, href } : undefined;
    } else if (/\s/.test(char) && (src[at + 1] === '"' || src[at + 1] === "'")) {
      const href = src.slice(open + 1, at).trim();
      const quote = src[at + 1] as string;
      const close = src.indexOf(quote, at + 2);
      const after = close < 0 ? undefined : /^\s*\)/.exec(src.slice(close + 1, close + 17));
      if (!after || src.slice(at + 2, close).includes('\n')) return undefined;
      return /\s/.test(href) ? { end: close + 1 + after[0].length, href, title: src.slice(at + 2, close) } : undefined;
    }
  }
  return undefined;
}

/** A bare address GitHub's flavour links (`https://…`, `www.…`, `a@b.c`): kramdown leaves it text. */
function isBareAddress(token: Token): boolean {
  return token.type === 'link' && !token.raw.startsWith('<') && !token.raw.startsWith('[');
}

function unlinkBareAddresses(tokens: Token[]): void {
  tokens.forEach((token, index) => {
    if (isBareAddress(token)) tokens[index] = { type: 'text', raw: token.raw, text: token.raw };
    else if (token.type === 'table') {
      const table = token as Tokens.Table;
      for (const cell of [...table.header, ...table.rows.flat()]) unlinkBareAddresses(cell.tokens);
    } else for (const children of childLists(token)) unlinkBareAddresses(children);
  });
}

/**
 * kramdown's links where marked's differ: a destination with spaces (`[a](my page.html)`) is a link, and
 * a bare address is text, as kramdown has no autolinks but `<…>`.
 */
export function kramdownLinks(): MarkedExtension {
  let mayHaveBareAddresses = true;
  return {
    extensions: [
      {
        name: 'kramdownSpacedLink',
        level: 'inline',
        tokenizer(src) {
          const image = src.startsWith('![');
          if (!image && !src.startsWith('[')) return undefined;
          const open = image ? 2 : 1;
          // `[^…]` is a footnote reference for kramdown.
          if (src[open] === '^') return undefined;
          const close = linkTextEnd(src, open);
          if (close < 0 || src[close + 1] !== '(') return undefined;
          const destination = spacedDestination(src, close + 1);
          if (!destination) return undefined;
          const text = src.slice(open, close);
          const raw = src.slice(0, destination.end);
          const title = destination.title ?? null;
          return image
            ? { type: 'image', raw, href: destination.href, title, text, tokens: this.lexer.inlineTokens(text) }
            : { type: 'link', raw, href: destination.href, title, text, tokens: this.lexer.inlineTokens(text) };
        },
      },
    ],
    hooks: {
      // Bare addresses need `www.`, `://` or `@`; without them the walk over every token is skipped.
      preprocess(markdown) {
        mayHaveBareAddresses = markdown.includes('www.') || markdown.includes('://') || markdown.includes('@');
        return markdown;
      },
      processAllTokens(tokens) {
        if (mayHaveBareAddresses) unlinkBareAddresses(tokens);
        return tokens;
      },
    },
  };
}
