import { type Stats, closeSync, constants, fstatSync, lstatSync, openSync, readSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { oversizedPostReason } from './parse.js';

/** Where a post file really is: `linked` when a symbolic link in the folder led there. */
export interface PostFileLocation {
  /** The posts folder's real path. */
  realDir: string;
  real: string;
  linked: boolean;
}

/** One version of a post file: where it is and its identity, so it can be read again and known to be the same. */
export interface PostFileVersion extends PostFileLocation {
  key: string;
  maxBytes: number;
}

/**
 * Why a file is not read. `key` identifies what was refused (the file's version, or where a link led), so
 * a refusal that has not changed is not reported again.
 */
export interface RefusedPostFile {
  key: string;
  refusal: string;
}

/** A post file's bytes and the identity of the version they are, or why it is refused. */
export type PostFileBytes = { key: string; bytes: Buffer } | RefusedPostFile;

/** Whether the resolved path `real` is the resolved folder `realDir` or lies inside it. */
function isWithin(realDir: string, real: string): boolean {
  return real === realDir || real.startsWith(realDir.endsWith(path.sep) ? realDir : `${realDir}${path.sep}`);
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

/**
 * Where the folder entry `entry` (of the folder whose real path is `realDir`) leads, without opening
 * anything. A symbolic link is followed only to a file inside the folder (a ConfigMap volume links
 * `x.md -> ..data/x.md`); an entry that is neither a link nor a regular file (a FIFO, a socket, a
 * device, a folder) is refused from its metadata. Undefined when the entry is gone or links to nothing.
 */
export function locatePostFile(
  realDir: string,
  entry: { name: string; isFile(): boolean; isSymbolicLink(): boolean },
): PostFileLocation | RefusedPostFile | undefined {
  const file = path.join(realDir, entry.name);
  if (entry.isFile()) return { realDir, real: file, linked: false };
  if (entry.isSymbolicLink()) {
    let real: string;
    try {
      real = realpathSync.native(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      return { key: `unresolved:${code}`, refusal: `is a symbolic link that cannot be resolved (${code}); not read` };
    }
    return isWithin(realDir, real) ? { realDir, real, linked: true } : outside(real, realDir);
  }
  let info: Stats;
  try {
    info = lstatSync(file);
  } catch {
    return undefined;
  }
  return { key: identity(info), refusal: `is not a regular file (${kindOf(info)}); not read` };
}

/** The identity of the file at `real` now, undefined if it is gone: tells whether it is still the version parsed. */
export function currentKey(real: string): string | undefined {
  try {
    return identity(lstatSync(real));
  } catch {
    return undefined;
  }
}

/** The path the kernel opened, from Linux's /proc/self/fd: what was opened, whatever was swapped meanwhile. */
function openedPath(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined; // No /proc: the check before the open stands alone.
  }
}

/**
 * Reads the file at `location`, refusing anything but a regular file of at most `maxBytes`. The folder's
 * writers can swap entries between a look and the read, so the open file itself is checked: opened
 * without following a link (O_NOFOLLOW) and without waiting for a writer (O_NONBLOCK: a FIFO cannot stall
 * the process), its type and size from fstat before a byte is read and, when a link led there, its real
 * location from the kernel (a folder on the way could have become a link). The bytes and their identity
 * come from the same open file, so the two cannot disagree. Undefined when the file is gone.
 */
export function readPostFile(location: PostFileLocation, maxBytes: number): PostFileBytes | undefined {
  let fd: number;
  try {
    fd = openSync(location.real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    return { key: `unopened:${code}`, refusal: `cannot be opened (${code}); not read` };
  }
  try {
    const info = fstatSync(fd);
    const key = identity(info);
    if (!info.isFile()) return { key, refusal: `is not a regular file (${kindOf(info)}); not read` };
    if (info.size > maxBytes) return { key, refusal: `${oversizedPostReason(info.size, maxBytes)}; not read` };
    if (location.linked) {
      const opened = openedPath(fd);
      if (opened !== undefined && !isWithin(location.realDir, opened)) return outside(opened, location.realDir);
    }
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

/** The bytes of `version`, read again with the same checks; undefined when the file is gone or another version. */
export function rereadPostFile(version: PostFileVersion): Buffer | undefined {
  const read = readPostFile(version, version.maxBytes);
  return read !== undefined && 'bytes' in read && read.key === version.key ? read.bytes : undefined;
}
