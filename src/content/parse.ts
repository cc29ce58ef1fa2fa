import yaml from 'js-yaml';
import { fileNameDate, parseJekyllDate } from './dates.js';
import { jekyllExcerpt } from './excerpt.js';
import { slugify } from './permalink.js';
import { type Post, PostError, type PostIdentity, countedOnce, defaultPostUrl, parsePostFileName } from './post.js';

export interface ParseOptions {
  /** IANA zone for dates without an offset (Jekyll's `timezone`). */
  timezone: string;
  /** POST_MAX_BYTES: a bigger post is skipped. Defaults to the setting's default. */
  postMaxBytes?: number;
  /** FRONT_MATTER_MAX_BYTES: bigger front matter makes the post skipped. Defaults to the setting's default. */
  frontMatterMaxBytes?: number;
  /** A draft (`_drafts`): its file name has no date, and this is its date unless its front matter has one. */
  draftDate?: Date;
  /** Categories the folders above its `_posts` folder give the post; its front matter adds more. */
  folderCategories?: readonly string[];
  /** Front matter the site's `defaults` give this post; its own front matter wins. */
  frontMatterDefaults?: Readonly<Record<string, unknown>>;
  /** The URL of a parsed post; `/posts/SLUG` when absent. Throws a reason when the post can have none. */
  postUrl?: (post: PostIdentity) => string;
  /**
   * Where the excerpt ends: the site's `excerpt_separator` (_config.yml); a post's own front matter
   * `excerpt_separator` wins. Jekyll's default, a blank line, when unset; empty means no excerpt.
   */
  excerptSeparator?: string;
}

/** Jekyll's default `excerpt_separator`: the excerpt is the first paragraph. */
export const DEFAULT_EXCERPT_SEPARATOR = '\n\n';

export const DEFAULT_POST_MAX_BYTES = 1048576;
export const DEFAULT_FRONT_MATTER_MAX_BYTES = 65536;

/** Why a post of `bytes` is skipped: the same words whether the size came from the file system or the text. */
export function oversizedPostReason(bytes: number, limit: number): string {
  return `is ${bytes} bytes, over the limit of ${limit} bytes (POST_MAX_BYTES)`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes post bytes: UTF-8 with or without BOM; NUL bytes or invalid UTF-8 mean this is not a text file. */
export function decodePostText(origin: string, bytes: Uint8Array): string {
  if (bytes.includes(0)) throw new PostError(origin, 'contains binary data (NUL bytes), not a Markdown text file');
  try {
    return utf8.decode(bytes);
  } catch {
    throw new PostError(origin, 'is not valid UTF-8 text');
  }
}

/**
 * Splits `---` delimited YAML front matter from the body; text is already LF-normalised. The body starts
 * where Jekyll's starts: the blank lines after the closing line are not part of it (its pattern
 * `^(---|\.\.\.)\s*$\n?` takes them), so a blank line there does not make an empty first paragraph.
 */
export function splitFrontMatter(origin: string, text: string): { yaml: string | undefined; body: string } {
  if (!/^---[ \t]*\n/.test(text)) return { yaml: undefined, body: text };
  const start = text.indexOf('\n') + 1;
  const close = /^(---|\.\.\.)[ \t]*$/m;
  const rest = text.slice(start);
  const match = close.exec(rest);
  if (!match) throw new PostError(origin, 'front matter starts with --- but is never closed by a --- line');
  const yaml = rest.slice(0, match.index);
  return { yaml, body: rest.slice(afterClosingLine(rest, match.index + match[0].length)) };
}

/** Where Jekyll's body starts after the closing `---` ending at `from`: past the last line end of the white space there. */
function afterClosingLine(text: string, from: number): number {
  let end = from;
  let lastLineEnd = -1;
  while (end < text.length && /\s/.test(text[end]!)) {
    if (text[end] === '\n') lastLineEnd = end;
    end += 1;
  }
  if (end === text.length) return end;
  return lastLineEnd < 0 ? from : lastLineEnd + 1;
}

// A YAML timestamp with a time of day (unquoted; the form Psych's scanner reads as a Time). Jekyll reads
// it as YAML does: without an offset it is UTC, not the site's zone. Anything else stays a string, so a
// quoted date or one without seconds is read by Time.parse in the site's zone.
const YAML_TIME = /^(-?\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt]|[ \t]+)(\d{1,2}):(\d\d):(\d\d)(?:\.(\d*))?(?:[ \t]*(Z|([-+])(\d{1,2}):?(\d\d)?))?$/;

const yamlTime = new yaml.Type('tag:yaml.org,2002:timestamp', {
  kind: 'scalar',
  resolve: (data: unknown) => typeof data === 'string' && YAML_TIME.test(data),
  construct: (data: string) => {
    const [, y, mo, d, h, mi, s, fraction = '', zone, sign, oh = '0', om = '0'] = YAML_TIME.exec(data)!;
    const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Math.floor(Number(`0.${fraction}`) * 1000));
    const offsetMinutes = zone === undefined || zone === 'Z' ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
    return new Date(utc - offsetMinutes * 60_000);
  },
  instanceOf: Date,
});

// The core schema reads other dates as strings, so dates without a time can take the site's zone.
const FRONT_MATTER_SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [yamlTime] });

export function parseFrontMatter(origin: string, source: string | undefined): Record<string, unknown> {
  if (source === undefined || source.trim() === '') return {};
  let doc: unknown;
  try {
    // `json: true`: a key given twice keeps its last value, as Jekyll's YAML reader (Psych) does.
    doc = yaml.load(source, { schema: FRONT_MATTER_SCHEMA, filename: origin, json: true });
  } catch (error) {
    const message = ((error as { reason?: string }).reason ?? (error as Error).message.split('\n')[0] ?? 'unreadable').trim();
    const line = (error as { mark?: { line: number } }).mark?.line;
    if (line !== undefined) throw new PostError(origin, `front matter is not valid YAML: ${message} (front matter line ${line + 1})`);
    throw new PostError(origin, `front matter is not valid YAML: ${message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new PostError(origin, 'front matter is not a YAML mapping of keys to values');
  }
  return doc as Record<string, unknown>;
}

/** A front matter value as trimmed text; undefined when empty or not a scalar. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Jekyll accepts a YAML list or a space-separated string for tags and categories. */
export function wordList(...values: unknown[]): string[] {
  const words: string[] = [];
  for (const value of values) {
    if (Array.isArray(value)) {
      for (const item of value) {
        const word = text(item);
        if (word !== undefined) words.push(word);
      }
    } else if (typeof value === 'string') {
      words.push(...value.split(/\s+/).filter((w) => w !== ''));
    } else if (typeof value === 'number') {
      words.push(String(value));
    }
  }
  return [...new Set(words)];
}

function person(value: unknown): string | undefined {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return text((value as Record<string, unknown>).name);
  }
  if (Array.isArray(value)) return wordList(value).join(', ') || undefined;
  return text(value);
}

function published(origin: string, value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'boolean') return value;
  if (value === 'false' || value === 'no') return false;
  if (value === 'true' || value === 'yes') return true;
  throw new PostError(origin, `"published" must be true or false, not ${JSON.stringify(value)}`);
}

function date(origin: string, key: string, value: unknown, zone: string): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const parsed = parseJekyllDate(value, zone);
  if (parsed === undefined) throw new PostError(origin, `"${key}" is not a valid date: ${JSON.stringify(value)}`);
  return parsed;
}

/** Runs of non-space characters; a plain loop, faster here than a regular expression. */
export function countWords(text: string): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || c === 10 || c === 9 || c === 13 || c === 12 || c === 160;
    if (!space && !inWord) words += 1;
    inWord = !space;
  }
  return words;
}

/** Ruby's String#capitalize: the first character upper case, the rest lower case. */
function capitalize(word: string): string {
  const first = word.codePointAt(0);
  if (first === undefined) return '';
  const head = String.fromCodePoint(first);
  return head.toUpperCase() + word.slice(head.length).toLowerCase();
}

/** Jekyll's Utils.titleize_slug, the title of a post without one: `edge-case-no-yaml-title` -> `Edge Case No Yaml Title`. */
export function titleizeSlug(slug: string): string {
  const words = slug.split('-');
  // Ruby's split drops trailing empty fields.
  while (words.length > 0 && words[words.length - 1] === '') words.pop();
  return words.map(capitalize).join(' ');
}

/** The Markdown body of a post file, as parsePost reads it. */
export function postBody(origin: string, content: Uint8Array): string {
  const normalized = decodePostText(origin, content).replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  return splitFrontMatter(origin, normalized).body;
}

/** A draft's file name has no date: Jekyll dates it by the file's modification time. */
function draftFileName(fileName: string, date: Date): ReturnType<typeof parsePostFileName> {
  const stem = fileName.replace(/\.[^.]+$/, '');
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), slug: slugify(stem, 'pretty', true), fileSlug: stem, stem };
}

/**
 * Parses one post file. Pure: the caller does the I/O. Throws PostError naming the origin and the reason
 * when the file cannot be a post; callers skip such posts and keep the rest.
 */
export function parsePost(fileName: string, origin: string, content: Uint8Array | string, options: ParseOptions): Post {
  const name = options.draftDate ? draftFileName(fileName, options.draftDate) : parsePostFileName(fileName);
  if (!name) throw new PostError(origin, 'file name is not YYYY-MM-DD-slug.md (or .markdown), as Jekyll names posts');
  const nameDate = options.draftDate ?? fileNameDate(name.year, name.month, name.day, options.timezone);
  if (!nameDate) throw new PostError(origin, `file name date ${name.year}-${name.month}-${name.day} is not a calendar date`);

  const postMaxBytes = options.postMaxBytes ?? DEFAULT_POST_MAX_BYTES;
  const size = typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
  if (size > postMaxBytes) throw new PostError(origin, oversizedPostReason(size, postMaxBytes));

  const decoded = typeof content === 'string' ? content : decodePostText(origin, content);
  const normalized = decoded.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const { yaml: frontMatterSource, body } = splitFrontMatter(origin, normalized);
  const frontMatterMaxBytes = options.frontMatterMaxBytes ?? DEFAULT_FRONT_MATTER_MAX_BYTES;
  const frontMatterBytes = frontMatterSource === undefined ? 0 : Buffer.byteLength(frontMatterSource);
  if (frontMatterBytes > frontMatterMaxBytes) {
    // Checked before YAML sees it: the parser's time and memory grow with its input.
    throw new PostError(origin, `front matter is ${frontMatterBytes} bytes, over the limit of ${frontMatterMaxBytes} bytes (FRONT_MATTER_MAX_BYTES)`);
  }
  const fm = { ...options.frontMatterDefaults, ...parseFrontMatter(origin, frontMatterSource) };

  const frontExcerpt = text(fm.excerpt);
  const separator = typeof fm.excerpt_separator === 'string' ? fm.excerpt_separator : (options.excerptSeparator ?? DEFAULT_EXCERPT_SEPARATOR);
  const description = text(fm.description);
  const permalink = text(fm.permalink);
  const image = typeof fm.image === 'object' && fm.image !== null ? text((fm.image as Record<string, unknown>).path) : text(fm.image);

  const identity: PostIdentity = {
    slug: name.slug,
    stem: name.stem,
    title: text(fm.title) ?? titleizeSlug(name.fileSlug),
    date: date(origin, 'date', fm.date, options.timezone) ?? nameDate,
    categories: wordList(options.folderCategories, fm.categories, fm.category),
    frontMatter: fm,
  };
  let url: string;
  try {
    url = options.postUrl ? options.postUrl(identity) : defaultPostUrl(name.slug);
  } catch (error) {
    throw new PostError(origin, `has no URL: ${(error as Error).message}`);
  }
  return {
    ...identity,
    url,
    origin,
    updated: date(origin, 'updated', fm.updated ?? fm.last_modified_at, options.timezone),
    tags: wordList(fm.tags, fm.tag),
    description,
    excerptMarkdown: frontExcerpt ?? jekyllExcerpt(body, separator),
    author: person(fm.author),
    published: published(origin, fm.published),
    permalink,
    image,
    body: () => body,
    wordCount: countedOnce(() => countWords(body)),
  };
}
