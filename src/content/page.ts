import { redirectsFrom } from './catalog.js';
import { decodePostText, parseFrontMatter, splitFrontMatter, text } from './parse.js';
import { PostError } from './post.js';

/** A page of a Jekyll site (`about.md`, `projects/index.html`): a file with front matter outside `_` folders. */
export interface Page {
  /** Its path under the base path, percent-encoded, as Jekyll gives it (`/about/`, `/about.html`). */
  readonly url: string;
  /** The file, for messages. */
  readonly origin: string;
  /** Relative to the site root, with `/` (Liquid's `page.path`). */
  readonly path: string;
  readonly title: string | undefined;
  readonly description: string | undefined;
  /** Markdown is rendered; HTML is used as written, after its Liquid. */
  readonly markdown: boolean;
  /** Where the page sits in the site's navigation, or undefined when it is not listed there. */
  readonly navOrder: number | undefined;
  readonly body: string;
  readonly frontMatter: Readonly<Record<string, unknown>>;
  /** `redirect_from` URLs (jekyll-redirect-from) that answer 301 to this page. */
  readonly redirectFrom: readonly string[];
}

/** Whether a file's text starts with front matter: what makes Jekyll render a file rather than copy it. */
export function startsWithFrontMatter(bytes: Uint8Array): boolean {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if (bytes[start] !== 0x2d || bytes[start + 1] !== 0x2d || bytes[start + 2] !== 0x2d) return false;
  let at = start + 3;
  while (bytes[at] === 0x20 || bytes[at] === 0x09) at++;
  return bytes[at] === 0x0a || (bytes[at] === 0x0d && bytes[at + 1] === 0x0a);
}

export interface PageParseOptions {
  /** The page's URL from its relative path and front matter (Jekyll's rules for the site's permalink). */
  urlOf(rel: string, frontMatter: Readonly<Record<string, unknown>>): string;
  /** `header_pages` of the site's config: pages listed in the navigation, in this order. */
  headerPages: readonly string[];
  frontMatterMaxBytes: number;
}

/**
 * Parses a page file that starts with front matter. Pure: the caller reads the file. Throws PostError
 * naming the file when the page cannot be used.
 */
export function parsePage(rel: string, origin: string, bytes: Uint8Array, options: PageParseOptions): Page {
  const normalized = decodePostText(origin, bytes).replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const { yaml, body } = splitFrontMatter(origin, normalized);
  const frontMatterBytes = yaml === undefined ? 0 : Buffer.byteLength(yaml);
  if (frontMatterBytes > options.frontMatterMaxBytes) {
    throw new PostError(origin, `front matter is ${frontMatterBytes} bytes, over the limit of ${options.frontMatterMaxBytes} bytes (FRONT_MATTER_MAX_BYTES)`);
  }
  const frontMatter = parseFrontMatter(origin, yaml);
  let url: string;
  try {
    url = options.urlOf(rel, frontMatter);
  } catch (error) {
    throw new PostError(origin, `has no URL: ${(error as Error).message}`);
  }
  return {
    url,
    origin,
    path: rel,
    title: text(frontMatter.title),
    description: text(frontMatter.description),
    markdown: /\.(md|markdown|mkd|mkdn|mdown)$/i.test(rel),
    navOrder: navOrder(rel, frontMatter, options.headerPages),
    body,
    frontMatter,
    redirectFrom: redirectsFrom(frontMatter),
  };
}

/** minima's `header_pages`, else a `nav_order` (just-the-docs) or `nav: true` in the page's front matter. */
function navOrder(rel: string, frontMatter: Readonly<Record<string, unknown>>, headerPages: readonly string[]): number | undefined {
  const listed = headerPages.indexOf(rel);
  if (listed !== -1) return listed;
  if (headerPages.length > 0) return undefined;
  const order = frontMatter.nav_order ?? frontMatter.nav;
  if (typeof order === 'number' && Number.isFinite(order)) return order;
  return order === true ? Number.MAX_SAFE_INTEGER : undefined;
}
