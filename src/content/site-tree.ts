import { type Dirent, readdirSync } from 'node:fs';
import path from 'node:path';

/** A file of a Jekyll site: its path relative to the site root, with `/` separators, and its folder entry. */
export interface SiteFile {
  rel: string;
  entry: Dirent;
}

/** A post file: in a `_posts` folder (or `_drafts`), with the categories the folders above it give. */
export interface SitePostFile extends SiteFile {
  /** `ja/news/_posts/x.md` → `ja`, `news`, as Jekyll reads them. */
  folderCategories: string[];
  draft: boolean;
}

/** The files of a Jekyll site, sorted by their relative path. */
export interface SiteTree {
  posts: SitePostFile[];
  /** Files that may be pages: Markdown and HTML outside `_` folders; whether they are depends on front matter. */
  pageCandidates: SiteFile[];
  /** Every other file Jekyll would copy as it is. */
  statics: SiteFile[];
  /** The folders walked, relative to the root (`''` for the root itself): where a change can come from. */
  folders: string[];
}

export interface SiteTreeOptions {
  /** Whether Jekyll leaves this entry out (`exclude`, dotfiles, `_` names, backups), given its relative path. */
  isExcluded(rel: string, isFolder: boolean): boolean;
  /** Read `_drafts` too (SHOW_DRAFTS). */
  drafts: boolean;
  /** Stop walking after this many files: a site folder is not a whole disk. */
  maxFiles: number;
}

const PAGE_EXTENSIONS = /\.(md|markdown|mkd|mkdn|mdown|html|htm)$/i;
const POST_EXTENSIONS = /\.(md|markdown|mkd|mkdn|mdown)$/i;

/** Folders whose names start with `_` but hold content; every other `_` folder is Jekyll's own. */
const POSTS = '_posts';
const DRAFTS = '_drafts';

/**
 * Lists a Jekyll site's posts, page candidates and static files, as Jekyll's reader walks the tree: every
 * `_posts` folder at any depth (its parent folders give categories), `_drafts` when asked, and outside
 * `_` folders the files Jekyll would render or copy. Symbolic links are listed as entries; whether they
 * may be followed is for the reader of each file to decide. Synchronous: thousands of entries list
 * several times faster than through promises, and a reload runs it once.
 */
export function walkSite(realRoot: string, options: SiteTreeOptions): SiteTree {
  const tree: SiteTree = { posts: [], pageCandidates: [], statics: [], folders: [] };
  let files = 0;
  const visit = (relDir: string, inPosts: { categories: string[]; draft: boolean } | undefined): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(relDir === '' ? realRoot : path.join(realRoot, relDir), { withFileTypes: true });
    } catch (error) {
      // The root must be readable (the caller reports it); a sub-folder that vanished meanwhile is skipped.
      if (relDir === '') throw error;
      return;
    }
    tree.folders.push(relDir);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (inPosts) {
          if (!entry.name.startsWith('.')) visit(rel, inPosts);
        } else if (entry.name === POSTS || (entry.name === DRAFTS && options.drafts)) {
          visit(rel, { categories: relDir === '' ? [] : relDir.split('/'), draft: entry.name === DRAFTS });
        } else if (!options.isExcluded(rel, true)) {
          visit(rel, undefined);
        }
        continue;
      }
      if (++files > options.maxFiles) throw new Error(`has more than ${options.maxFiles} files; only that many are read`);
      if (inPosts) {
        if (!entry.name.startsWith('.') && POST_EXTENSIONS.test(entry.name)) tree.posts.push({ rel, entry, folderCategories: inPosts.categories, draft: inPosts.draft });
      } else if (!options.isExcluded(rel, false)) {
        (PAGE_EXTENSIONS.test(entry.name) ? tree.pageCandidates : tree.statics).push({ rel, entry });
      }
    }
  };
  visit('', undefined);
  return tree;
}

/**
 * `rel` and the folders below it, relative to the root, for folders the walk leaves out but Jekyll reads
 * (`_data`, `_includes`); none when `rel` is not a folder. Dot-folders and symbolic links are not entered.
 */
export function foldersUnder(realRoot: string, rel: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(path.join(realRoot, rel), { withFileTypes: true });
  } catch {
    return [];
  }
  const folders = [rel];
  for (const entry of entries) if (entry.isDirectory() && !entry.name.startsWith('.')) folders.push(...foldersUnder(realRoot, `${rel}/${entry.name}`));
  return folders;
}
