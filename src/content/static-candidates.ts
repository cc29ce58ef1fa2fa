/**
 * Which files of a Jekyll site are copied to `_site` as they are, by Jekyll 4.3's rules
 * (lib/jekyll/entry_filter.rb, reader.rb, configuration.rb). Pure: it looks at paths only. The caller
 * still leaves out files with front matter (pages) and files of collections, which Jekyll renders.
 */

/** Jekyll adds these to every site's `exclude`. */
export const DEFAULT_EXCLUDES: readonly string[] = [
  '.sass-cache',
  '.jekyll-cache',
  'gemfiles',
  'Gemfile',
  'Gemfile.lock',
  'node_modules',
  'vendor/bundle/',
  'vendor/cache/',
  'vendor/gems/',
  'vendor/ruby/',
];

/** Jekyll's `include` when `_config.yml` sets none. */
export const DEFAULT_INCLUDES: readonly string[] = ['.htaccess'];

export interface EntryFilterSettings {
  /** `exclude` of `_config.yml` with DEFAULT_EXCLUDES added (see entryFilterSettings). */
  exclude: readonly string[];
  /** `include` of `_config.yml`, or DEFAULT_INCLUDES. */
  include: readonly string[];
}

/** The settings from `_config.yml`'s `exclude` and `include`, as Jekyll completes them. */
export function entryFilterSettings(config: { exclude?: unknown; include?: unknown }): EntryFilterSettings {
  const strings = (value: unknown) => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined);
  return {
    exclude: [...new Set([...(strings(config.exclude) ?? []), ...DEFAULT_EXCLUDES])],
    include: strings(config.include) ?? DEFAULT_INCLUDES,
  };
}

/**
 * Whether Jekyll copies the file at `relativePath` (`/`-separated, relative to the site folder) to
 * `_site`, given its front matter does not make it a page. Jekyll reads the site a folder at a time and
 * drops an entry, with all under it, when:
 * - its name ends with `.`;
 * - it matches `exclude` (a `File.fnmatch` glob whose `*` also matches `/`, or any prefix of the path:
 *   `exclude: [a]` drops `about.md` too) and not `include`;
 * - it is not matched by `include` and its name starts with `.`, `_`, `#` or `~`, or ends with `~`.
 * A name in `include` that is the file's whole path is copied whatever its folders are called, as
 * Jekyll's Reader#read_included_excludes does.
 */
export function isStaticCandidate(relativePath: string, settings: EntryFilterSettings): boolean {
  const names = relativePath.split('/').filter((name) => name !== '');
  if (names.length === 0) return false;
  const whole = names.join('/');
  if (settings.include.some((entry) => entry.replace(/^\/+/, '') === whole)) return true;
  const excludeOnly = settings.exclude.filter((pattern) => !settings.include.includes(pattern));
  for (let depth = 0; depth < names.length; depth++) {
    const name = names[depth] as string;
    const isFolder = depth < names.length - 1;
    if (name.endsWith('.')) return false;
    const included = matchesAny(settings.include, name, isFolder);
    if (!included && matchesAny(excludeOnly, names.slice(0, depth + 1).join('/'), isFolder)) return false;
    if (!included && (isSpecial(name) || name.endsWith('~'))) return false;
  }
  return true;
}

function isSpecial(name: string): boolean {
  const first = name[0];
  return first === '.' || first === '_' || first === '#' || first === '~';
}

/** EntryFilter#glob_include?: both sides are joined to the site folder, here to `/`. */
function matchesAny(patterns: readonly string[], entry: string, isFolder: boolean): boolean {
  const path = `/${entry}`;
  return patterns.some((pattern) => {
    const full = `/${pattern.replace(/^\/+/, '')}`;
    return fnmatch(full, path) || path.startsWith(full) || (isFolder && full === `${path}/`);
  });
}

/**
 * Ruby's `File.fnmatch(pattern, path)` without flags: `*` matches any run of characters, `/` included,
 * `?` any one character, `[...]` a set (`[!...]` or `[^...]` its complement, `a-z` ranges), and `\`
 * escapes. Matched with one backtracking point, the last `*`, so the time is at most the product of the
 * two lengths, never exponential.
 */
export function fnmatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const step = p < pattern.length ? matchOne(pattern, p, text[t] as string) : undefined;
    if (pattern[p] === '*') {
      starP = p++;
      starT = t;
    } else if (step !== undefined && step.matched) {
      p = step.next;
      t++;
    } else if (starP !== -1) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Whether the pattern element at `p` (not a `*`) matches `char`, and where the next element starts. */
function matchOne(pattern: string, p: number, char: string): { matched: boolean; next: number } {
  const element = pattern[p];
  if (element === '?') return { matched: true, next: p + 1 };
  if (element === '\\' && p + 1 < pattern.length) return { matched: pattern[p + 1] === char, next: p + 2 };
  if (element === '[') {
    const set = matchSet(pattern, p + 1, char);
    if (set) return set;
  }
  return { matched: element === char, next: p + 1 };
}

/** A `[...]` set starting after its `[`; undefined when it is never closed (the `[` is then literal). */
function matchSet(pattern: string, start: number, char: string): { matched: boolean; next: number } | undefined {
  let i = start;
  const negated = pattern[i] === '!' || pattern[i] === '^';
  if (negated) i++;
  let found = false;
  let first = true;
  while (i < pattern.length && (first || pattern[i] !== ']')) {
    first = false;
    let low = pattern[i] as string;
    if (low === '\\' && i + 1 < pattern.length) low = pattern[++i] as string;
    i++;
    let high = low;
    if (pattern[i] === '-' && i + 1 < pattern.length && pattern[i + 1] !== ']') {
      high = pattern[i + 1] as string;
      if (high === '\\' && i + 2 < pattern.length) high = pattern[++i + 1] as string;
      i += 2;
    }
    if (low <= char && char <= high) found = true;
  }
  if (i >= pattern.length) return undefined;
  return { matched: found !== negated, next: i + 1 };
}
