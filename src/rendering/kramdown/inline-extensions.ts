import type { MarkedExtension, RendererExtension, TokenizerAndRendererExtension, TokenizerExtension, TokenizerExtensionFunction } from 'marked';
import { kramdownFootnotes } from './footnotes.js';
import type { KramdownOptions } from './index.js';
import { kramdownLinks } from './links.js';
import { kramdownMath } from './math.js';
import { kramdownTypography, typography } from './typography.js';

/**
 * kramdown's span-level syntax and typography, as marked extensions. marked runs the token hooks of the
 * last first: bare addresses become text before typography sets it.
 */
export function kramdownInlineExtensions(options: KramdownOptions): MarkedExtension[] {
  return oneTokenizerPerLevel([
    kramdownFootnotes(options.footnoteNr),
    kramdownMath(),
    kramdownTypography(typography(options.smartQuotes, options.typographicSymbols)),
    kramdownLinks(),
  ]);
}

/** Characters at which marked's text must stop for these extensions' tokenizers to be tried. */
export { MATH_TEXT_STOPS as KRAMDOWN_TEXT_STOPS } from './math.js';

/**
 * The extensions with their tokenizers of each level tried in turn by one: marked calls every inline
 * tokenizer at every place in a paragraph, making an object for each call, which cost more than the
 * tokenizers themselves.
 */
function oneTokenizerPerLevel(extensions: MarkedExtension[]): MarkedExtension[] {
  const tokenizers = { block: [] as TokenizerExtensionFunction[], inline: [] as TokenizerExtensionFunction[] };
  const rendering = extensions.map((extension) => ({
    ...extension,
    extensions: extension.extensions?.flatMap((entry) => {
      const { tokenizer, renderer, name, level } = entry as Partial<TokenizerExtension & RendererExtension> & { name: string };
      if (tokenizer && level) tokenizers[level].push(tokenizer);
      return renderer ? [{ name, renderer }] : [];
    }),
  }));
  const tryInTurn = (level: 'block' | 'inline'): TokenizerAndRendererExtension => ({
    name: `kramdown-${level}`,
    level,
    tokenizer(src, tokens) {
      for (const tokenizer of tokenizers[level]) {
        const token = tokenizer.call(this, src, tokens);
        if (token) return token;
      }
      return undefined;
    },
  });
  return [...rendering, { extensions: [tryInTurn('block'), tryInTurn('inline')] }];
}
