import type { Token } from 'marked';

/**
 * Replaces, in place, each token of `tokens` for which `replace` returns tokens by those tokens, in one
 * pass: splicing each in would move the rest of the list every time.
 */
export function replaceTokens(tokens: Token[], replace: (token: Token) => Token[] | undefined): void {
  let replaced: Token[] | undefined;
  for (const [index, token] of tokens.entries()) {
    const replacement = replace(token);
    if (replacement && !replaced) replaced = tokens.slice(0, index);
    if (replaced) for (const each of replacement ?? [token]) replaced.push(each);
  }
  if (!replaced) return;
  tokens.length = 0;
  for (const token of replaced) tokens.push(token);
}
