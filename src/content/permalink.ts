import { DateTime } from 'luxon';
import type { PostIdentity } from './post.js';

// The URLs Jekyll 4.3 gives posts and pages (lib/jekyll/url.rb, document.rb, page.rb, utils.rb,
// drops/url_drop.rb, configuration.rb), as pure functions of what the post or page is.

/** Jekyll's built-in permalink styles and the templates they stand for (Configuration::STYLE_TO_PERMALINK). */
export const PERMALINK_STYLES: Readonly<Record<string, string>> = {
  date: '/:categories/:year/:month/:day/:title:output_ext',
  pretty: '/:categories/:year/:month/:day/:title/',
  ordinal: '/:categories/:year/:y_day/:title:output_ext',
  weekdate: '/:categories/:year/W:week/:short_day/:title:output_ext',
  none: '/:categories/:title:output_ext',
};

/** The post URL template a site's `permalink` setting means: a style's template, or the setting itself. Default `date`. */
export function permalinkTemplate(setting: string | undefined): string {
  const value = setting ?? 'date';
  return PERMALINK_STYLES[value] ?? value;
}

export type SlugifyMode = 'raw' | 'default' | 'pretty' | 'ascii';

const SLUGIFY_REPLACED: Readonly<Record<SlugifyMode, RegExp>> = {
  raw: /\s+/gu,
  default: /[^\p{M}\p{L}\p{Nd}]+/gu,
  pretty: /[^\p{M}\p{L}\p{Nd}._~!$&'()+,;=@]+/gu,
  ascii: /[^A-Za-z0-9]+/g,
};

/**
 * Jekyll's Utils.slugify: each run of characters the mode does not keep becomes one hyphen, hyphens at
 * either end go, and the result is lower case unless `cased`. `pretty` keeps `._~!$&'()+,;=@`.
 */
export function slugify(text: string, mode: SlugifyMode = 'default', cased = false): string {
  const slug = text.replace(SLUGIFY_REPLACED[mode], '-').replace(/^-/, '').replace(/-$/, '');
  return cased ? slug : slug.toLowerCase();
}

// What Addressable::URI.encode percent-encodes in a URL path, query or fragment; `#` always.
const ESCAPED_IN_URLS = /[^A-Za-z0-9\-._~!$&'()*+,;=:@/?]+/gu;

/** Jekyll's URL.escape_path: characters a URL path cannot hold are percent-encoded as UTF-8 (`my post` -> `my%20post`). */
export function escapePath(value: string): string {
  if (value === '' || /^[a-zA-Z0-9./-]+$/.test(value)) return value;
  return value.replace(ESCAPED_IN_URLS, (run) => encodeURIComponent(run.toWellFormed()));
}

/** Jekyll's URL#sanitize_url: one leading slash, `..` and `./` taken out, no doubled slashes. */
function sanitizeUrl(url: string): string {
  return `/${url}`.replaceAll('..', '/').replaceAll('./', '').replace(/\/{2,}/g, '/');
}

// Jekyll's markdown_ext default: files it converts to `.html`.
const MARKDOWN_EXTENSIONS = new Set(['.markdown', '.mkdown', '.mkdn', '.mkd', '.md']);
const HTML_EXTENSIONS = new Set(['.html', '.xhtml', '.htm']);

function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(dot) : '';
}

/**
 * The extension a file is written with (Jekyll's Renderer#output_ext): the extension of a front matter
 * permalink that does not end in `/`, else `.html` for Markdown, else the file's own extension.
 */
export function outputExtension(fileName: string, frontMatterPermalink?: string): string {
  if (frontMatterPermalink !== undefined && !frontMatterPermalink.endsWith('/')) {
    const fromPermalink = extensionOf(frontMatterPermalink.slice(frontMatterPermalink.lastIndexOf('/') + 1));
    if (fromPermalink !== '') return fromPermalink;
  }
  const own = extensionOf(fileName);
  return MARKDOWN_EXTENSIONS.has(own.toLowerCase()) ? '.html' : own;
}

const asText = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;

function textList(value: unknown): string[] {
  if (Array.isArray(value)) return value.flat(Infinity).flatMap((item) => asText(item) ?? []);
  const text = asText(value);
  return text === undefined ? [] : [text];
}

const POSTS_FOLDER = '_posts';

/** The folder names above `_posts` in a source-relative path (`ja/news/_posts/x.md` -> `ja`, `news`), as Jekyll takes them. */
function folderCategories(relativePath: string): string[] {
  if (relativePath.startsWith(POSTS_FOLDER)) return [];
  // Jekyll cuts at the first `_posts` anywhere in the path, as its superdirs pattern does.
  const at = relativePath.indexOf(POSTS_FOLDER);
  const above = at < 0 ? '' : relativePath.slice(0, at);
  const basename = relativePath.slice(relativePath.lastIndexOf('/') + 1);
  return above.split('/').filter((folder) => folder !== '' && folder !== POSTS_FOLDER && folder !== basename);
}

/**
 * A post's categories as Jekyll 4.3 makes them (Document#categories_from_path, #populate_categories):
 * the folders above `_posts`, then front matter `categories` (a YAML list, or a string split at spaces),
 * then `category` (one category, spaces and all) instead of `categories` when it is given; each once.
 */
export function postCategories(relativePath: string, frontMatter: Readonly<Record<string, unknown>> = {}): string[] {
  const given = frontMatter.categories;
  const listed = typeof given === 'string' ? given.split(/\s+/).filter((word) => word !== '') : textList(given);
  const merged = [...new Set([...folderCategories(relativePath), ...listed])];
  const singular = frontMatter.category === undefined || frontMatter.category === null ? undefined : textList(frontMatter.category);
  return [...new Set([...merged, ...(singular ?? merged)])];
}

// Jekyll's DATE_FILENAME_MATCHER: the slug is what follows the date, up to the last extension.
const DATED_FILE_NAME = /^(\d{2,4}-\d{1,2}-\d{1,2})-([^/]*)(\.[^./]+)$/;

function fileParts(relativePath: string): { basename: string; withoutExtension: string; slug: string } {
  const basename = relativePath.slice(relativePath.lastIndexOf('/') + 1);
  const extension = extensionOf(basename);
  const withoutExtension = extension === '' ? basename : basename.slice(0, -extension.length);
  const dated = DATED_FILE_NAME.exec(basename);
  const slug = (dated ? dated[2]! : withoutExtension).replace(/\.+$/, '');
  return { basename, withoutExtension, slug };
}

/** What a post URL is made of. */
export interface PostUrlInput {
  /** The site's `permalink` setting (_config.yml): a style name (`date`, `pretty`, `ordinal`, `weekdate`, `none`) or a template. Default `date`. */
  permalink?: string;
  /**
   * The post file's path from the site's source folder: `_posts/2020-01-03-hello.md`, or
   * `ja/news/_posts/2020-01-03-hello.md` (the folders above `_posts` are categories).
   */
  relativePath: string;
  /** The post's date: front matter `date`, else the file name's, as parsePost gives it. */
  date: Date;
  /** The site's IANA zone (Jekyll's `timezone`): the date's fields in URLs are that zone's. */
  timezone: string;
  /** The post's front matter: `permalink` (wins over the site's), `slug`, `categories`, `category`. */
  frontMatter?: Readonly<Record<string, unknown>>;
}

/** A permalink template names a placeholder Jekyll 4.3 does not know; Jekyll would write it into the URL as is. */
export class PermalinkError extends Error {
  constructor(
    readonly template: string,
    readonly placeholder: string,
  ) {
    super(`permalink "${template.length > 200 ? `${template.slice(0, 200)}…` : template}" has the placeholder :${placeholder}, which Jekyll 4.3 does not know`);
    this.name = 'PermalinkError';
  }
}

/** The values of a post's placeholders (Jekyll's UrlDrop), computed when a template asks for them. */
function postPlaceholders(input: PostUrlInput, outputExt: string): Record<string, () => string> {
  const frontMatter = input.frontMatter ?? {};
  const { withoutExtension, slug: fileSlug } = fileParts(input.relativePath);
  const slug = asText(frontMatter.slug) ?? fileSlug;
  // Made when a placeholder needs the date; numbers are read from it, as `toFormat` parses its pattern
  // and builds a formatter on every call (~40 µs a post for `/:year/:month/:title/` at 10,000 posts).
  let local: DateTime | undefined;
  const date = () => (local ??= DateTime.fromJSDate(input.date, { zone: input.timezone }).setLocale('en-US'));
  const format = (pattern: string) => () => date().toFormat(pattern);
  const padded = (field: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', width: number) => () => String(date()[field]).padStart(width, '0');
  const categories = () => postCategories(input.relativePath, frontMatter);
  const at = input.relativePath.indexOf(POSTS_FOLDER);
  const withoutExt = input.relativePath.slice(0, input.relativePath.length - extensionOf(input.relativePath).length);
  return {
    collection: () => 'posts',
    name: () => slugify(withoutExtension),
    title: () => slugify(slug, 'pretty', true),
    slug: () => slugify(slug),
    categories: () => [...new Set(categories().map((c) => c.toLowerCase()))].join('/'),
    slugified_categories: () => [...new Set(categories().map((c) => slugify(c)))].join('/'),
    path: () => (at < 0 ? withoutExt : withoutExt.slice(0, at) + withoutExt.slice(at + POSTS_FOLDER.length)).replace(/\.+$/, ''),
    output_ext: () => outputExt,
    year: padded('year', 4),
    month: padded('month', 2),
    day: padded('day', 2),
    hour: padded('hour', 2),
    minute: padded('minute', 2),
    second: padded('second', 2),
    i_day: () => String(date().day),
    i_month: () => String(date().month),
    short_month: format('LLL'),
    long_month: format('LLLL'),
    short_year: format('yy'),
    w_year: format('kkkk'),
    week: format('WW'),
    w_day: format('E'),
    short_day: format('ccc'),
    long_day: format('cccc'),
    y_day: format('ooo'),
  };
}

/** Jekyll's URL#generate_url_from_drop: each `:name` is the placeholder's value, escaped; `:name_` may stand before a letter. */
function fillPostTemplate(template: string, placeholders: Record<string, () => string>): string {
  // Each value once, however often the template names it.
  const escaped = new Map<string, string>();
  return template.replace(/:([a-z_]+)/g, (_match, name: string) => {
    const key = name.endsWith('_') ? name.slice(0, -1) : name;
    if (!Object.hasOwn(placeholders, key)) throw new PermalinkError(template, name);
    let value = escaped.get(key);
    if (value === undefined) {
      value = escapePath(placeholders[key]!());
      escaped.set(key, value);
    }
    return value + name.slice(key.length);
  });
}

/**
 * The URL Jekyll 4.3 gives a post: its front matter `permalink`, else the site's `permalink` style or
 * template, filled from the post's date in the site's zone, its slug (front matter `slug`, else the file
 * name's), its categories and its file path, then sanitised as Jekyll does. Throws PermalinkError for a
 * placeholder Jekyll does not know. `postUrl({ relativePath: '_posts/2016-07-19-hello world.md', date,
 * timezone: 'UTC' })` is `/2016/07/19/hello-world.html`.
 */
export function postUrl(input: PostUrlInput): string {
  const fromFrontMatter = asText(input.frontMatter?.permalink);
  const template = fromFrontMatter || permalinkTemplate(input.permalink);
  const outputExt = outputExtension(fileParts(input.relativePath).basename, fromFrontMatter || undefined);
  return sanitizeUrl(fillPostTemplate(template, postPlaceholders(input, outputExt)));
}

/** What a page URL is made of. */
export interface PageUrlInput {
  /** The site's `permalink` setting: `pretty`, a template ending in `/`, or anything else for `.html` URLs. Default `date`. */
  permalink?: string;
  /** The page file's path from the site's source folder: `about.md`, `projects/index.md`, `404.html`. */
  relativePath: string;
  /** The page's front matter: its `permalink` wins. */
  frontMatter?: Readonly<Record<string, unknown>>;
}

/** Jekyll's Utils.add_permalink_suffix: what a site's permalink style adds after a page's name. */
function pageSuffix(style: string): string {
  if (style === 'pretty') return '/';
  if (style === 'date' || style === 'ordinal' || style === 'none') return ':output_ext';
  return (style.endsWith('/') ? '/' : '') + (style.endsWith(':output_ext') ? ':output_ext' : '');
}

/**
 * The URL Jekyll 4.3 gives a page: its front matter `permalink` (with `:path`, `:basename`,
 * `:output_ext`), else `/:path/` for an index, `/:path/:basename/` for an HTML page of a `pretty` site,
 * `/:path/:basename.html` otherwise (`about.md` -> `/about.html`, `projects/index.md` -> `/projects/`,
 * `feed.xml` -> `/feed.xml`). Throws PermalinkError for any other placeholder.
 */
export function pageUrl(input: PageUrlInput): string {
  const fromFrontMatter = asText(input.frontMatter?.permalink);
  const slash = input.relativePath.lastIndexOf('/');
  const folder = slash < 0 ? '' : `/${input.relativePath.slice(0, slash)}`;
  const fileName = input.relativePath.slice(slash + 1);
  const outputExt = outputExtension(fileName, fromFrontMatter || undefined);
  const extension = extensionOf(fileName);
  const basename = (extension === '' ? fileName : fileName.slice(0, -extension.length)).replace(/\.+$/, '');
  let template: string;
  if (fromFrontMatter) template = fromFrontMatter;
  else if (!HTML_EXTENSIONS.has(outputExt)) template = '/:path/:basename:output_ext';
  else if (basename === 'index') template = '/:path/';
  else template = `/:path/:basename${pageSuffix(input.permalink ?? 'date')}`;
  // Jekyll's URL#generate_url_from_hash: plain replacement of these three, in this order.
  let url = template;
  for (const [name, value] of [
    ['path', folder],
    ['basename', basename],
    ['output_ext', outputExt],
  ] as const) {
    if (!url.includes(':')) break;
    url = url.replaceAll(`:${name}`, escapePath(value));
  }
  const unknown = /:([a-z_]+)/.exec(url);
  if (unknown) throw new PermalinkError(template, unknown[1]!);
  return sanitizeUrl(url);
}

/**
 * The URLs of posts that come without a Jekyll site around them (a posts folder, ConfigMaps), under a
 * site `permalink` (SITE_CONFIG): each is read as if it were `_posts/STEM.md`.
 */
export function permalinkPostUrls(permalink: string, timezone: string): (post: PostIdentity) => string {
  return (post) => postUrl({ permalink, relativePath: `_posts/${post.stem}.md`, date: post.date, timezone, frontMatter: post.frontMatter });
}
