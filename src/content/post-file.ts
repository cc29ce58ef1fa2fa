import { type Stats, closeSync, constants, fstatSync, lstatSync, openSync, readSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { oversizedPostReason } from './parse.js';

/**
 * A post file in the folder, before it is read: its real path and the identity of its version, or why it
 * is refused. The identity is a key for caching: an unchanged file is not read again, and a refused one
 * is not reported again.
 */
export type FoundPostFile = { key: string; real: string } | RefusedPostFile;

/** A post file's bytes and the identity of the version they are, or why it is refused. */
export type PostFileBytes = { key: string; bytes: Buffer } | RefusedPostFile;

export interface RefusedPostFile {
  key: string;
  refusal: string;
}

/** Whether the resolved path `real` lies inside the resolved folder `realDir`. */
export function isInside(realDir: string, real: string): boolean {
  return real.startsWith(realDir.endsWith(path.sep) ? realDir : `${realDir}${path.sep}`);
}

function identity(info: Stats): string {
  // ctime too: a writer can set mtime back, but not ctime.
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSymbolicLink()) return 'a symbolic link';
  return 'of an unknown kind';
}

function outside(real: string, realDir: string): RefusedPostFile {
  return { key: `outside:${real}`, refusal: `leads to "${real}", outside the posts folder "${realDir}"; not read` };
}

/** Refuses what is not a regular file of at most `maxBytes`, from its metadata alone. */
function refusalOf(info: Stats, maxBytes: number): string | undefined {
  if (!info.isFile()) return `is not a regular file (${kindOf(info)}); not read`;
  if (info.size > maxBytes) return `${oversizedPostReason(info.size, maxBytes)}; not read`;
  return undefined;
}

/**
 * Looks at the entry `name` of the folder whose real path is `realDir` without opening it. A symbolic link
 * is followed only to a file inside the folder (a ConfigMap volume links `x.md -> ..data/x.md`); anything
 * but a regular file of at most `maxBytes` is refused, so a FIFO or a device is never opened and a huge
 * file never read. Undefined when the entry is gone or is a link to nothing.
 */
export function findPostFile(realDir: string, name: string, isSymlink: boolean, maxBytes: number): FoundPostFile | undefined {
  let real = path.join(realDir, name);
  if (isSymlink) {
    try {
      real = realpathSync.native(real);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      return { key: `unresolved:${code}`, refusal: `is a symbolic link that cannot be resolved (${code}); not read` };
    }
    if (!isInside(realDir, real)) return outside(real, realDir);
  }
  let info: Stats;
  try {
    info = lstatSync(real);
  } catch {
    return undefined;
  }
  const key = identity(info);
  const refusal = refusalOf(info, maxBytes);
  return refusal === undefined ? { key, real } : { key, refusal };
}

/** The path the kernel opened, from Linux's /proc/self/fd: what was opened, whatever was swapped meanwhile. */
function openedPath(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined; // No /proc: the checks before the open stand alone.
  }
}

/**
 * Reads a file findPostFile accepted. The folder's writers can swap entries between the look and the
 * read, so the open file is checked again: opened without following a link (O_NOFOLLOW) and without
 * waiting for a writer (O_NONBLOCK: a FIFO swapped in cannot stall the process), then its type, size and
 * real location come from the open file itself. The bytes and their identity come from the same open
 * file, so the two cannot disagree. Undefined when the file is gone.
 */
export function readPostFile(realDir: string, real: string, maxBytes: number): PostFileBytes | undefined {
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    return { key: `unopened:${code}`, refusal: `cannot be opened (${code}); not read` };
  }
  try {
    const info = fstatSync(fd);
    const key = identity(info);
    const refusal = refusalOf(info, maxBytes);
    if (refusal !== undefined) return { key, refusal };
    const opened = openedPath(fd);
    if (opened !== undefined && !isInside(realDir, opened)) return outside(opened, realDir);
    const bytes = Buffer.allocUnsafe(info.size);
    let offset = 0;
    while (offset < info.size) {
      const n = readSync(fd, bytes, offset, info.size - offset, null);
      if (n === 0) break;
      offset += n;
    }
    return { key, bytes: offset === info.size ? bytes : bytes.subarray(0, offset) };
  } finally {
    closeSync(fd);
  }
}

/** One version of a post file: where it is and which version, so it can be read again and known to be the same. */
export interface PostFileVersion {
  realDir: string;
  real: string;
  key: string;
  maxBytes: number;
}

/** The bytes of `version`, read again with the same checks; undefined when the file is gone or another version. */
export function rereadPostFile(version: PostFileVersion): Buffer | undefined {
  const read = readPostFile(version.realDir, version.real, version.maxBytes);
  return read !== undefined && 'bytes' in read && read.key === version.key ? read.bytes : undefined;
}
