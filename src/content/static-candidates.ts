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

/** Linux's PATH_MAX: no file has a longer path, so a longer request path names none. */
const PATH_MAX = 4096;

/**
 * Whether Jekyll copies the file at `relativePath` (`/`-separated, relative to the site folder) to
 * `_site`, given its front matter does not make it a page. Jekyll reads the site a folder at a time and
 * drops an entry, with all under it, when:
 * - its name ends with `.`;
 * - it matches `exclude` (a `File.fnmatch` glob whose `*` also matches `/`, or any prefix of the path:
 *   `exclude: [a]` drops `about.md` too) and not `include`;
 * - it is not matched by `include` and its name starts with `.`, `_`, `#` or `~`, or ends with `~`.
 * A name in `include` that is the file's whole path is copied whatever its folders are called, as
 * Jekyll's Reader#read_included_excludes does. Paths longer than PATH_MAX are never files: the check
 * costs the path's depth times its length, and a request path is for anyone to choose.
 */
export function isStaticCandidate(relativePath: string, settings: EntryFilterSettings): boolean {
  if (relativePath.length > PATH_MAX) return false;
  const names = relativePath.split('/').filter((name) => name !== '');
  if (names.length === 0) return false;
  const whole = names.join('/');
  if (settings.include.some((entry) => entry.replace(/^\/+/, '') === whole)) return true;
  const { include, excludeOnly } = compiled(settings);
  let prefix = '';
  for (let depth = 0; depth < names.length; depth++) {
    const name = names[depth] as string;
    prefix += `/${name}`;
    const isFolder = depth < names.length - 1;
    if (name.endsWith('.')) return false;
    const included = matchesAny(include, `/${name}`, isFolder);
    if (!included && matchesAny(excludeOnly, prefix, isFolder)) return false;
    if (!included && (isSpecial(name) || name.endsWith('~'))) return false;
  }
  return true;
}

function isSpecial(name: string): boolean {
  const first = name[0];
  return first === '.' || first === '_' || first === '#' || first === '~';
}

/** A pattern of `include` or `exclude`, joined to `/` as Jekyll joins it to the site folder. */
interface CompiledPattern {
  full: string;
  glob: GlobToken[];
}

const compiledSettings = new WeakMap<EntryFilterSettings, { include: CompiledPattern[]; excludeOnly: CompiledPattern[] }>();

/** The settings' patterns, compiled once per settings object. */
function compiled(settings: EntryFilterSettings): { include: CompiledPattern[]; excludeOnly: CompiledPattern[] } {
  let patterns = compiledSettings.get(settings);
  if (!patterns) {
    const compile = (pattern: string): CompiledPattern => {
      const full = `/${pattern.replace(/^\/+/, '')}`;
      return { full, glob: compileGlob(full) };
    };
    patterns = {
      include: settings.include.map(compile),
      // EntryFilter#excluded? matches `exclude - include`.
      excludeOnly: settings.exclude.filter((pattern) => !settings.include.includes(pattern)).map(compile),
    };
    compiledSettings.set(settings, patterns);
  }
  return patterns;
}

/** EntryFilter#glob_include? on `path`, the entry joined to `/`. */
function matchesAny(patterns: readonly CompiledPattern[], path: string, isFolder: boolean): boolean {
  return patterns.some(({ full, glob }) => path.startsWith(full) || (isFolder && full === `${path}/`) || matchGlob(glob, path));
}

/** One element of a glob: `*`, or a test of one character. */
type GlobToken = { star: true } | { star: false; test(char: string): boolean };

/**
 * Ruby's `File.fnmatch(pattern, path)` without flags: `*` matches any run of characters, `/` included,
 * `?` any one character, `[...]` a set (`[!...]` or `[^...]` its complement, `a-z` ranges), and `\`
 * escapes; an unclosed `[` is itself.
 */
export function fnmatch(pattern: string, text: string): boolean {
  return matchGlob(compileGlob(pattern), text);
}

function compileGlob(pattern: string): GlobToken[] {
  const tokens: GlobToken[] = [];
  for (let p = 0; p < pattern.length; ) {
    const element = pattern[p] as string;
    if (element === '*') {
      tokens.push({ star: true });
      p++;
    } else if (element === '?') {
      tokens.push({ star: false, test: () => true });
      p++;
    } else if (element === '\\' && p + 1 < pattern.length) {
      const literal = pattern[p + 1];
      tokens.push({ star: false, test: (char) => char === literal });
      p += 2;
    } else {
      const set = element === '[' ? compileSet(pattern, p + 1) : undefined;
      if (set) {
        tokens.push({ star: false, test: set.test });
        p = set.next;
      } else {
        tokens.push({ star: false, test: (char) => char === element });
        p++;
      }
    }
  }
  return tokens;
}

/**
 * Matches with one backtracking point, the last `*`: the time is at most the product of the two
 * lengths, never exponential. The part after the last `*` must match the end of the text, which is
 * checked first: most paths fail there at once (`*.log` against `photo.png`).
 */
function matchGlob(tokens: readonly GlobToken[], text: string): boolean {
  let lastStar = tokens.length - 1;
  while (lastStar >= 0 && !tokens[lastStar]?.star) lastStar--;
  if (lastStar >= 0) {
    const tail = tokens.length - 1 - lastStar;
    if (text.length < tail) return false;
    for (let i = 1; i <= tail; i++) {
      const token = tokens[lastStar + i] as { test(char: string): boolean };
      if (!token.test(text[text.length - tail + i - 1] as string)) return false;
    }
  }
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const token = tokens[p];
    if (token?.star) {
      starP = p++;
      starT = t;
    } else if (token && token.test(text[t] as string)) {
      p++;
      t++;
    } else if (starP !== -1) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (tokens[p]?.star) p++;
  return p === tokens.length;
}

/** A `[...]` set starting after its `[`; undefined when it is never closed (the `[` is then literal). */
function compileSet(pattern: string, start: number): { test(char: string): boolean; next: number } | undefined {
  let i = start;
  const negated = pattern[i] === '!' || pattern[i] === '^';
  if (negated) i++;
  const ranges: [string, string][] = [];
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
    ranges.push([low, high]);
  }
  if (i >= pattern.length) return undefined;
  return { test: (char) => ranges.some(([low, high]) => low <= char && char <= high) !== negated, next: i + 1 };
}
