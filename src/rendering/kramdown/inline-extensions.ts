import type { MarkedExtension } from 'marked';
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
  return [kramdownFootnotes(options.footnoteNr), kramdownMath(), kramdownTypography(typography(options.smartQuotes, options.typographicSymbols)), kramdownLinks()];
}

/** Characters at which marked's text must stop for these extensions' tokenizers to be tried. */
export { MATH_TEXT_STOPS as KRAMDOWN_TEXT_STOPS } from './math.js';
