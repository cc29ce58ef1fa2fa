import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FS } from 'liquidjs';

/**
 * The files Liquid's `{% include %}`, `{% render %}` and `{% layout %}` may read. Without an includes
 * directory none: posts come from a repository several people write to, and liquidjs would otherwise
 * read any file the process can (package.json, .git/config). With one, only regular files whose real
 * path lies inside the directory's real path, so `../`, absolute names and symlinks cannot leave it.
 */
export function includesFileSystem(includesDir?: string): FS {
  const root = includesDir === undefined ? undefined : realpathSync(includesDir);

  /** The real path of an existing file inside the includes directory; throws for one outside. */
  const confined = (file: string): string => {
    if (root === undefined) throw refused(file, 'posts may not include files');
    const real = realpathSync(file);
    if (!isInside(root, real)) throw refused(file, `it leaves the includes directory ${root}`);
    return real;
  };

  const fileSystem = {
    resolve(dir: string, file: string, ext: string): string {
      if (root === undefined) throw refused(file, 'posts may not include files');
      if (path.isAbsolute(file)) throw refused(file, 'absolute paths are not allowed');
      const resolved = path.resolve(dir, path.extname(file) ? file : file + ext);
      if (!isInside(root, resolved)) throw refused(file, `it leaves the includes directory ${root}`);
      return resolved;
    },
    containsSync(_root: string, file: string): boolean {
      if (!existsSync(file)) return false;
      confined(file);
      return true;
    },
    existsSync,
    readFileSync(file: string): string {
      const real = confined(file);
      if (!statSync(real).isFile()) throw refused(file, 'it is not a regular file');
      return readFileSync(real, 'utf8');
    },
    // liquidjs asks for these too; posts are rendered synchronously, so they only mirror the above.
    contains: async (dir: string, file: string) => fileSystem.containsSync(dir, file),
    exists: async (file: string) => existsSync(file),
    readFile: async (file: string) => fileSystem.readFileSync(file),
  };
  return fileSystem;
}

/** A regular file (after symlinks); directories, devices and pipes are never included. */
function existsSync(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

function refused(file: string, reason: string): Error {
  return new Error(`"${file}" cannot be included: ${reason}`);
}
