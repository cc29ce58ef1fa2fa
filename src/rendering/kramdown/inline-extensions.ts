import type { MarkedExtension } from 'marked';
import { kramdownFootnotes } from './footnotes.js';
import type { KramdownOptions } from './index.js';
import { kramdownTypography, typography } from './typography.js';

/** kramdown's span-level syntax and typography, as marked extensions. */
export function kramdownInlineExtensions(options: KramdownOptions): MarkedExtension[] {
  return [kramdownFootnotes(options.footnoteNr), kramdownTypography(typography(options.smartQuotes, options.typographicSymbols))];
}
