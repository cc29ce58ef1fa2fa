import { DEFAULT_KRAMDOWN_OPTIONS, type KramdownOptions } from './kramdown/index.js';

export type MarkdownDialect = 'kramdown' | 'gfm';

/** Which Markdown posts are written in: kramdown as Jekyll reads it, or GitHub's flavour. Plain data. */
export interface MarkdownSettings {
  dialect: MarkdownDialect;
  /** Used when the dialect is kramdown. */
  kramdown: KramdownOptions;
}

export const GFM_SETTINGS: MarkdownSettings = { dialect: 'gfm', kramdown: DEFAULT_KRAMDOWN_OPTIONS };

/**
 * The settings for a dialect, given the `kramdown:` mapping of a Jekyll `_config.yml`. Options kubeblog
 * does not need are ignored; an option it uses with a value of the wrong kind throws, naming it.
 */
export function markdownSettings(dialect: MarkdownDialect, kramdown: Record<string, unknown>): MarkdownSettings {
  const options: KramdownOptions = { ...DEFAULT_KRAMDOWN_OPTIONS };
  const flag = (key: string): boolean | undefined => {
    const value = kramdown[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw new Error(`${key} must be true or false, not ${JSON.stringify(value)}`);
    return value;
  };
  const input = kramdown.input;
  if (input !== undefined && input !== null) {
    if (typeof input !== 'string') throw new Error(`input must be a parser name such as GFM or kramdown, not ${JSON.stringify(input)}`);
    options.input = /^kramdown$/i.test(input) ? 'kramdown' : 'GFM';
  }
  options.autoIds = flag('auto_ids') ?? options.autoIds;
  options.hardWrap = flag('hard_wrap') ?? options.hardWrap;
  if (typeof kramdown.auto_id_prefix === 'string') options.autoIdPrefix = kramdown.auto_id_prefix;
  if (typeof kramdown.footnote_nr === 'number') options.footnoteNr = kramdown.footnote_nr;
  if (typeof kramdown.smart_quotes === 'string') {
    const entities = kramdown.smart_quotes.split(',').map((entity) => entity.trim());
    if (entities.length !== 4) throw new Error(`smart_quotes must name four entities (lsquo,rsquo,ldquo,rdquo), not "${kramdown.smart_quotes}"`);
    options.smartQuotes = entities as [string, string, string, string];
  }
  const levels = kramdown.toc_levels;
  if (typeof levels === 'string' && /^[1-6]\.\.[1-6]$/.test(levels)) {
    const [from, to] = levels.split('..').map(Number) as [number, number];
    options.tocLevels = Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
  } else if (Array.isArray(levels)) {
    options.tocLevels = levels.map(Number).filter((level) => Number.isInteger(level) && level >= 1 && level <= 6);
  }
  if (typeof kramdown.typographic_symbols === 'object' && kramdown.typographic_symbols !== null) {
    options.typographicSymbols = Object.fromEntries(
      Object.entries(kramdown.typographic_symbols as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
  }
  return { dialect, kramdown: options };
}
