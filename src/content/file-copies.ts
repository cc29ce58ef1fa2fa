import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { type PostFileVersion, rereadPostFile } from './post-file.js';

/** The longest one turn of copying holds the event loop. */
const TURN_MS = 5;

/**
 * A small output buffer: deflate's default of 16 KB, one for each copy and freed at once, left the heap in
 * pieces, some 20 MB more resident memory at 10,000 posts.
 */
const DEFLATE_OPTIONS = { level: constants.Z_BEST_SPEED, chunkSize: 4096 };

/**
 * `view`'s bytes in an allocation of their own size. zlib returns a view of its output chunk, and
 * `Buffer.from` would copy a small buffer into a slice of Node's shared pool (64 KB slabs on Node 24),
 * whose other slices are short-lived buffers: each kept copy then pinned a slab of its own, 88 MB of
 * slabs for 10,000 copies of ~2 KB (heap snapshot of a 10,000-post site).
 */
function ownAllocation(view: Buffer): Buffer {
  const own = Buffer.allocUnsafeSlow(view.length);
  view.copy(own);
  return own;
}

/**
 * The bytes of one version of a post file: read from the file, and checked to be that version, until a
 * deflated copy is in memory (prose deflates to about a third). From then on the version outlives the
 * file, so a post whose file an edit broke, or whose folder is gone, still has its body.
 */
export class PostFileCopy {
  private deflated: { bytes: Buffer; size: number } | undefined;

  /** Where to read the version until it is copied; dropped then, as it is not needed any more. */
  private version: PostFileVersion | undefined;

  constructor(version: PostFileVersion) {
    this.version = version;
  }

  get isKept(): boolean {
    return this.deflated !== undefined;
  }

  /** The bytes of this version; undefined when they are not in memory and the file has changed since. */
  bytes(): Buffer | undefined {
    if (this.deflated) return inflateRawSync(this.deflated.bytes, { chunkSize: Math.max(64, this.deflated.size) });
    return this.version && rereadPostFile(this.version);
  }

  /** Takes the copy into memory from `bytes` of this version, else from the file if it is still this version. */
  keep(bytes?: Buffer): void {
    if (!this.version) return;
    const version = bytes ?? rereadPostFile(this.version);
    if (!version) return;
    this.deflated = { bytes: ownAllocation(deflateRawSync(version, DEFLATE_OPTIONS)), size: version.length };
    this.version = undefined;
  }
}

/**
 * Takes copies of post files into memory: at once from the bytes in hand, or after the load, a few
 * milliseconds at a time between other work. Not all during a load: deflating every post at start-up took
 * half again the CPU time to ready (10,000 posts), and keeping the bytes read until they are deflated cost
 * more memory and garbage collection than reading the files again, which the OS has cached.
 */
export class PostFileCopies {
  private waiting: PostFileCopy[] = [];
  private turn: NodeJS.Immediate | undefined;

  /** A copy of `version`, taken from `bytes` (that version's) when given, else soon from the file. */
  add(version: PostFileVersion, bytes?: Buffer): PostFileCopy {
    const copy = new PostFileCopy(version);
    if (bytes) {
      copy.keep(bytes);
      return copy;
    }
    this.waiting.push(copy);
    this.turn ??= setImmediate(() => this.keepSome());
    return copy;
  }

  stop(): void {
    clearImmediate(this.turn);
    this.turn = undefined;
    this.waiting = [];
  }

  private keepSome(): void {
    const until = performance.now() + TURN_MS;
    while (this.waiting.length > 0 && performance.now() < until) this.waiting.pop()?.keep();
    this.turn = this.waiting.length > 0 ? setImmediate(() => this.keepSome()) : undefined;
  }
}
