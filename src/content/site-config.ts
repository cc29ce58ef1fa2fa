import yaml from 'js-yaml';
import { type EntryFilterSettings, entryFilterSettings } from './static-candidates.js';

/** A `defaults` entry of `_config.yml`: front matter given to the files its scope covers. */
interface FrontMatterDefault {
  path: string;
  type: string | undefined;
  values: Record<string, unknown>;
}

/** The rules of a Jekyll site's `_config.yml` that decide what is read and where it is served. */
export interface SiteRules {
  /** Every key, as Liquid's `site.KEY` sees it. */
  config: Readonly<Record<string, unknown>>;
  /** `permalink`: a style name or a template; Jekyll's default is `date`. Pages follow its style. */
  permalink: string;
  /** The posts' permalink: `collections.posts.permalink`, else `permalink`. */
  postPermalink: string;
  /** `exclude` and `include`, as Jekyll completes them. */
  entryFilter: EntryFilterSettings;
  defaults: readonly FrontMatterDefault[];
  /** minima's `header_pages`: the pages in the navigation, by relative path. */
  headerPages: readonly string[];
  /** `excerpt_separator`, Jekyll's default is a blank line. */
  excerptSeparator: string;
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) return [];
  return value.filter((item): item is string => typeof item === 'string');
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the text of a `_config.yml`. Throws an Error whose message gives the reason and line when it is
 * not a YAML mapping.
 */
export function parseSiteConfig(text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    // Repeated keys are accepted as Ruby's YAML accepts them: the last one wins.
    doc = yaml.load(text, { schema: yaml.CORE_SCHEMA, json: true });
  } catch (error) {
    const reason = (error as { reason?: string }).reason ?? (error as Error).message.split('\n')[0];
    const line = (error as { mark?: { line: number } }).mark?.line;
    throw new Error(line === undefined ? `is not valid YAML: ${reason}` : `is not valid YAML: ${reason} (line ${line + 1})`);
  }
  if (doc === null || doc === undefined) return {};
  if (!isMapping(doc)) throw new Error('is not a YAML mapping of keys to values');
  return doc;
}

/** The rules a parsed `_config.yml` sets, with Jekyll 4.3's defaults for the keys it leaves out. */
export function siteRules(config: Record<string, unknown>): SiteRules {
  const defaults: FrontMatterDefault[] = [];
  if (Array.isArray(config.defaults)) {
    for (const entry of config.defaults) {
      if (!isMapping(entry) || !isMapping(entry.values)) continue;
      const scope = isMapping(entry.scope) ? entry.scope : {};
      defaults.push({
        path: typeof scope.path === 'string' ? scope.path.replace(/^\/+|\/+$/g, '') : '',
        type: typeof scope.type === 'string' ? scope.type : undefined,
        values: entry.values,
      });
    }
  }
  // The posts collection's own permalink wins over the site's, as in Jekyll.
  const postsCollection = isMapping(config.collections) && isMapping(config.collections.posts) ? config.collections.posts : {};
  const given = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
  const permalink = given(config.permalink) ?? 'date';
  return {
    config,
    permalink,
    postPermalink: given(postsCollection.permalink) ?? permalink,
    entryFilter: entryFilterSettings(config),
    defaults,
    headerPages: stringList(config.header_pages),
    excerptSeparator: typeof config.excerpt_separator === 'string' ? config.excerpt_separator : '\n\n',
  };
}

function depth(scopePath: string): number {
  return scopePath === '' ? 0 : scopePath.split('/').length;
}

/**
 * The front matter `defaults` give a file of `type` (`posts`, `drafts`, `pages`) at `rel`: the entries
 * whose scope covers it, the more specific path winning, as Jekyll's FrontmatterDefaults merges them.
 */
export function frontMatterDefaults(rules: Pick<SiteRules, 'defaults'>, rel: string, type: string): Record<string, unknown> {
  const matching = rules.defaults
    .filter((entry) => (entry.type === undefined || entry.type === type) && (entry.path === '' || rel === entry.path || rel.startsWith(`${entry.path}/`)))
    .sort((a, b) => depth(a.path) - depth(b.path) || (a.type === undefined ? 0 : 1) - (b.type === undefined ? 0 : 1));
  return Object.assign({}, ...matching.map((entry) => entry.values)) as Record<string, unknown>;
}
