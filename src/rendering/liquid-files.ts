import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FS } from 'liquidjs';
import type { IncludeFiles } from './liquid.js';

/** A file that could not be made includable; the others still are. */
export interface IncludeProblem {
  /** Relative to the folder read. */
  file: string;
  reason: string;
}

/**
 * The file system liquidjs's own `{% render %}` and `{% layout %}` tags see: none. Jekyll has neither,
 * and liquidjs would otherwise read any file the process can (package.json, .git/config). Includes come
 * from IncludeFiles read beforehand.
 */
export function refusingFileSystem(): FS {
  const refuse = (file: string): never => {
    throw new Error(`"${file}" cannot be read: posts include files through {% include %} only`);
  };
  return {
    resolve: (_dir, file) => refuse(file),
    existsSync: () => false,
    exists: async () => false,
    readFileSync: refuse,
    readFile: async (file) => refuse(file),
  };
}

/**
 * Every file of a site's `_includes` (Jekyll's includes_dir), by its path inside it, for
 * `{% include %}`: read once on the main thread and sent to the render threads with the site, so they
 * read no files. Symlinks are followed while their real path stays inside the folder's real path; others,
 * and unreadable files, are left out and named. A missing folder has no includes.
 */
export async function readIncludes(includesDir: string): Promise<{ files: IncludeFiles; problems: IncludeProblem[] }> {
  const files: Record<string, string> = {};
  const problems: IncludeProblem[] = [];
  let root: string;
  try {
    root = await realpath(includesDir);
  } catch {
    return { files, problems };
  }
  const walk = async (dir: string, relative: string): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch (error) {
      problems.push({ file: relative, reason: (error as Error).message });
      return;
    }
    for (const name of names) {
      const relativeFile = relative === '' ? name : `${relative}/${name}`;
      try {
        const real = await realpath(path.join(dir, name));
        if (!isInside(root, real)) {
          problems.push({ file: relativeFile, reason: `its real path ${real} is outside ${includesDir}` });
          continue;
        }
        if ((await stat(real)).isDirectory()) await walk(real, relativeFile);
        else files[relativeFile] = await readFile(real, 'utf8');
      } catch (error) {
        problems.push({ file: relativeFile, reason: (error as Error).message });
      }
    }
  };
  await walk(root, '');
  return { files, problems };
}

/**
 * The names a text gives `{% include_relative NAME %}`, literal ones only (a name built with `{{ }}` is
 * known only while rendering, and reported missing then). One pass without a regular expression.
 */
export function relativeIncludeNames(text: string): string[] {
  const names = new Set<string>();
  let at = text.indexOf('{%');
  while (at !== -1) {
    const close = text.indexOf('%}', at + 2);
    if (close === -1) break;
    const words = text.slice(at + 2, close).replace(/^-/, '').replace(/-$/, '').trim().split(/\s+/);
    if (words[0] === 'include_relative' && words[1] && !words[1].includes('{{')) names.add(words[1]);
    at = text.indexOf('{%', close + 2);
  }
  return [...names];
}

/**
 * The files `{% include_relative %}` names in a post, read from the post's folder `fromDir`, for the
 * job sent to a render thread. Only regular files whose real path stays inside the site folder's real
 * path; names with `..` never get that far (Jekyll refuses them too). Missing or refused files are left
 * out: the render reports them where the tag stands.
 */
export async function readRelativeIncludes(siteDir: string, fromDir: string, names: readonly string[]): Promise<IncludeFiles> {
  const files: Record<string, string> = {};
  const root = await realpath(siteDir).catch(() => undefined);
  if (root === undefined) return files;
  await Promise.all(
    names.map(async (name) => {
      if (/[./]{2}/.test(name) || path.isAbsolute(name)) return;
      try {
        const real = await realpath(path.join(fromDir, name));
        if (!isInside(root, real) || !(await stat(real)).isFile()) return;
        files[name] = await readFile(real, 'utf8');
      } catch {
        // Missing: reported by the render.
      }
    }),
  );
  return files;
}

function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}
