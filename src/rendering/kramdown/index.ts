import type { MarkedExtension } from 'marked';
import { kramdownInlineExtensions } from './inline-extensions.js';
import { kramdownBlockExtensions } from './block-extensions.js';

/**
 * The `kramdown:` options of a Jekyll `_config.yml` that change what a post looks like, with Jekyll's
 * defaults filled in. Plain data: it crosses to the render threads.
 */
export interface KramdownOptions {
  /** `input`: `GFM` (Jekyll's default: kramdown with GitHub's fences, tables and header ids) or `kramdown`. */
  input: 'GFM' | 'kramdown';
  /** `auto_ids`: headers get ids derived from their text. */
  autoIds: boolean;
  /** `auto_id_prefix`: put before every generated header id. */
  autoIdPrefix: string;
  /** `toc_levels`: header levels a `{:toc}` lists. */
  tocLevels: number[];
  /** `smart_quotes`: the four entities for ‘ ’ “ ” (kramdown's `lsquo,rsquo,ldquo,rdquo`). */
  smartQuotes: [string, string, string, string];
  /** `typographic_symbols`: replacements for `---`, `--`, `...`, `<<`, `>>` and friends. */
  typographicSymbols: Record<string, string>;
  /** `footnote_nr`: the number of the first footnote. */
  footnoteNr: number;
  /** `hard_wrap`: a line break in a paragraph is a `<br>` (GFM input's option; Jekyll sets it false). */
  hardWrap: boolean;
}

export const DEFAULT_KRAMDOWN_OPTIONS: KramdownOptions = {
  input: 'GFM',
  autoIds: true,
  autoIdPrefix: '',
  tocLevels: [1, 2, 3, 4, 5, 6],
  smartQuotes: ['lsquo', 'rsquo', 'ldquo', 'rdquo'],
  typographicSymbols: {},
  footnoteNr: 1,
  hardWrap: false,
};

/** The marked extensions that make marked read kramdown as Jekyll configures it. */
export function kramdownExtensions(options: KramdownOptions): MarkedExtension[] {
  return [...kramdownInlineExtensions(options), ...kramdownBlockExtensions(options)];
}
