import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

// A Jekyll site's files that Liquid includes, read on the main thread: the render threads read no files.

/** A file that could not be made includable; the others still are. */
export interface IncludeProblem {
  /** Relative to the folder read. */
  file: string;
  reason: string;
}

/**
 * Every file of a site's `_includes` (Jekyll's includes_dir), by its path inside it, for
 * `{% include %}`: read once on the main thread and sent to the render threads with the site, so they
 * read no files. Symlinks are followed while their real path stays inside the folder's real path; others,
 * and unreadable files, are left out and named. A missing folder has no includes.
 */
export async function readIncludes(includesDir: string): Promise<{ files: Record<string, string>; problems: IncludeProblem[] }> {
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
 * The files `{% include_relative %}` names in a post, read from the post's folder `fromDir`, for the
 * job sent to a render thread. Only regular files whose real path stays inside the site folder's real
 * path; names with `..` never get that far (Jekyll refuses them too). Missing or refused files are left
 * out: the render reports them where the tag stands.
 */
export async function readRelativeIncludes(siteDir: string, fromDir: string, names: readonly string[]): Promise<Record<string, string>> {
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
