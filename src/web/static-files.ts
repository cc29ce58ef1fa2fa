import { realpath } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import send from 'send';
import type { SiteContent } from '../content/site-content.js';

/**
 * A request handler of Node's own http module, which Express also takes as middleware: the caller may
 * mount it in Express (`app.use(BASE_PATH, staticFiles(…))`, which strips the mount path from `req.url`)
 * or ahead of Express, as kubeblog's fast path serves cached pages. `next()` means "not mine".
 */
export type StaticFilesHandler = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

export interface StaticFilesOptions {
  /** The site folder the files are served from. */
  root: string;
  /**
   * Whether the file at this path (`/`-separated, relative to `root`, already decoded, never with `.`,
   * `..` or empty segments) is one Jekyll would copy to `_site`: isStaticCandidate with the site's
   * settings, or a lookup in the set of files the site model found.
   */
  isStatic(relativePath: string): boolean;
  /** `Cache-Control: public, max-age=…`; 0 has browsers revalidate every time (a 304 when unchanged). */
  maxAgeSeconds: number;
}

/** The route label of static files in the metrics. */
export const STATIC_ROUTE = '/:static';

/**
 * The static files of the current Jekyll site: only those it lists, read below the site folder's path
 * as it is now, so a git-sync swap serves the new checkout at once.
 */
export function siteStaticFiles(siteDir: string, maxAgeSeconds: number, currentSite: () => SiteContent | undefined): StaticFilesHandler {
  const handlers = new WeakMap<SiteContent, StaticFilesHandler>();
  return (req, res, next) => {
    const site = currentSite();
    if (!site) return next();
    let handler = handlers.get(site);
    if (!handler) {
      const files = site.staticFiles;
      handler = staticFiles({ root: siteDir, isStatic: (rel) => files.has(rel), maxAgeSeconds });
      handlers.set(site, handler);
    }
    handler(req, res, next);
  };
}

/**
 * Serves the site's static files with `send` (what Express's own `serve-static` runs on): Content-Type
 * by extension, `Accept-Ranges` with 206 and 416, HEAD, 304 on `If-None-Match` or `If-Modified-Since`,
 * 412 on failed preconditions, `Cache-Control`.
 *
 * Every request stats the file afresh, so a file that changed is served new at once. The ETag is
 * strong, as nginx's is, but finer: the file's size, its modification time to the microsecond and its
 * inode, so a file rewritten in the same second or replaced by a rename gets a new one.
 *
 * Anything else falls through to the next handler (whose 404 page is the blog's): methods other than
 * GET and HEAD, paths that are not static files, folders, missing files, and refused paths, which are
 * told from missing ones by nothing in the answer: `.` or `..` segments (also percent-encoded),
 * malformed percent-encoding, NUL, and files whose real path, after symlinks, leaves the site folder.
 * A folder's path with a trailing slash serves its `index.html` when that is a static file.
 */
export function staticFiles(options: StaticFilesOptions): StaticFilesHandler {
  const { root, isStatic, maxAgeSeconds } = options;
  const confinedFile = confinement(root);
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const relative = staticPath(query === -1 ? url : url.slice(0, query));
    if (relative === undefined || !isStatic(relative)) {
      next();
      return;
    }
    void confinedFile(relative).then((real) => {
      if (real === undefined) {
        next();
        return;
      }
      serve(req, res, next, root, relative, maxAgeSeconds);
    }, next);
  };
}

function serve(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void, root: string, relative: string, maxAgeSeconds: number): void {
  // send decodes the path it is given: each segment is encoded back.
  const encoded = '/' + relative.split('/').map(encodeURIComponent).join('/');
  send(req, encoded, {
    root,
    dotfiles: 'allow',
    index: false,
    etag: false,
    lastModified: true,
    acceptRanges: true,
    maxAge: maxAgeSeconds * 1000,
  })
    .on('headers', (response: ServerResponse, _file: string, stat: Stats) => {
      response.setHeader('ETag', strongEtag(stat));
    })
    .on('directory', () => next())
    .on('error', (error: { status?: number; statusCode?: number }) => {
      const status = error.status ?? error.statusCode ?? 500;
      // A file removed between the check and the read is a missing file like any other.
      if (status === 404) next();
      else next(error);
    })
    .pipe(res);
}

/**
 * The file a request path names, relative to the site folder, or undefined when it must be refused.
 * `/notes/` names `notes/index.html`.
 */
export function staticPath(requestPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(requestPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const names = decoded.split('/');
  // The leading slash gives an empty first name, a trailing one an empty last name.
  if (names.shift() !== '') return undefined;
  if (names[names.length - 1] === '') names[names.length - 1] = 'index.html';
  if (names.some((name) => name === '' || name === '.' || name === '..')) return undefined;
  return names.join('/');
}

/**
 * The real path of a file, when it exists and lies inside the real site folder. The folder's real path is
 * kept, and looked up again only when a file seems outside it: a site folder that is a symlink swapped to
 * a new checkout (as git-sync does) is followed, and a request costs one realpath, not two.
 */
function confinement(root: string): (relative: string) => Promise<string | undefined> {
  let realRoot: Promise<string> | undefined;
  const inside = (base: string, file: string) => {
    const relative = path.relative(base, file);
    return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
  };
  return async (relative) => {
    let real: string;
    try {
      real = await realpath(path.join(root, relative));
    } catch {
      return undefined;
    }
    try {
      realRoot ??= realpath(root);
      if (inside(await realRoot, real)) return real;
      realRoot = realpath(root);
      return inside(await realRoot, real) ? real : undefined;
    } catch {
      // A site folder that could not be resolved is looked up again next time.
      realRoot = undefined;
      return undefined;
    }
  };
}

/** Size, modification time in microseconds and inode: each changes when the content can have. */
function strongEtag(stat: Stats): string {
  const micros = Math.round(stat.mtimeMs * 1000);
  return `"${stat.size.toString(16)}-${micros.toString(16)}-${stat.ino.toString(16)}"`;
}
