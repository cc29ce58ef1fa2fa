import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';
import { LRUCache } from 'lru-cache';
import pLimit from 'p-limit';

const brotli = promisify(brotliCompress);

/** Quality 6 compresses a page in about a tenth of a millisecond to within a few percent of quality 11. */
const BROTLI_QUALITY = 6;

function compressBrotli(body: Buffer): Promise<Buffer> {
  return brotli(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } });
}

/**
 * Brotli compressions made one at a time. Each brotli encoder allocates megabytes of tables; with 32
 * clients waiting on 32 pages, libuv's four threads compressed side by side at 2.8 ms a page on one core
 * against 0.2 ms one after another.
 */
function oneAtATimeBrotli(): (body: Buffer) => Promise<Buffer> {
  const oneAtATime = pLimit(1);
  return (body) => oneAtATime(() => compressBrotli(body));
}

/** Bodies smaller than this are not worth compressing. */
const MIN_COMPRESS_BYTES = 512;

/** What an entry costs besides its bytes: the page object, its buffers' headers, the key. */
const ENTRY_OVERHEAD_BYTES = 512;

/** The share of the cache's budget that holds uncompressed copies of recently read pages. */
const IDENTITY_SHARE = 1 / 8;

export type Encoding = 'br' | 'gzip' | 'identity';

/** Where a page keeps the copies it can make again: uncompressed bodies of the pages read often. */
export interface PageMemory {
  identityOf(page: RenderedPage): Buffer | undefined;
  /** An uncompressed body was just made; the memory decides whether it is worth keeping. */
  offerIdentity(page: RenderedPage, body: Buffer): void;
  /** A page now holds more bytes than when it was stored. */
  grew(page: RenderedPage): void;
  /** Makes a page's brotli bytes; the memory decides how many are made at once. */
  brotli(body: Buffer): Promise<Buffer>;
}

/**
 * zlib hands back a view of its 16 KB output chunk; a cached page keeps only its own bytes, or each
 * 3 KB page would pin 16 KB.
 */
function ownBytes(view: Buffer): Buffer {
  if (view.buffer.byteLength - view.length <= 64) return view;
  const own = Buffer.allocUnsafeSlow(view.length);
  view.copy(own);
  return own;
}

/**
 * gzip's header is ten bytes when it carries no name, comment or extra field, which is what zlib writes,
 * and its trailer ends with the uncompressed length: inflating the deflate stream inside into a buffer of
 * that size takes half the time gunzip does.
 */
function gunzip(member: Buffer): Buffer {
  const plainHeader = member[0] === 0x1f && member[1] === 0x8b && member[3] === 0;
  if (!plainHeader) return ownBytes(gunzipSync(member));
  const length = member.readUInt32LE(member.length - 4);
  return ownBytes(inflateRawSync(member.subarray(10, member.length - 8), { chunkSize: Math.max(64, length + 1) }));
}

/**
 * One rendered response, kept for one content version. A compressible page is held gzip-compressed only
 * (about a third of its size; every browser and proxy accepts gzip): clients that send no
 * Accept-Encoding get it inflated, which takes ~20 µs, and a page memory keeps uncompressed copies of
 * the pages they read often. Brotli is made only for a client that accepts brotli but not gzip, and
 * then kept.
 */
export class RenderedPage {
  readonly etag: string;
  readonly compressible: boolean;
  private readonly identity: Buffer | undefined;
  private readonly gzip: Buffer | undefined;
  private br: Buffer | undefined;
  private brPending: Promise<Buffer> | undefined;

  constructor(
    readonly status: number,
    readonly contentType: string,
    readonly cacheControl: string,
    body: Buffer,
    readonly version: number,
    /** The route template that made it, for metrics when the fast path serves it. */
    readonly route: string,
    /** Without one, the page keeps its uncompressed body itself. */
    private readonly memory?: PageMemory,
  ) {
    this.etag = createHash('sha1').update(body).digest('base64url');
    this.compressible = body.length >= MIN_COMPRESS_BYTES;
    if (this.compressible) this.gzip = ownBytes(gzipSync(body, { level: 6 }));
    if (this.compressible && memory) memory.offerIdentity(this, body);
    else this.identity = body;
  }

  /** The bytes this page holds itself, for the cache's budget. */
  get storedBytes(): number {
    return ENTRY_OVERHEAD_BYTES + (this.identity?.length ?? 0) + (this.gzip?.length ?? 0) + (this.br?.length ?? 0);
  }

  /** The strong validator of one representation: each encoding is a different byte sequence. */
  etagFor(encoding: Encoding): string {
    return encoding === 'identity' ? `"${this.etag}"` : `"${this.etag}-${encoding === 'br' ? 'br' : 'gz'}"`;
  }

  /** Whether an If-None-Match header names any representation of this page. */
  matches(ifNoneMatch: string | undefined): boolean {
    if (!ifNoneMatch) return false;
    if (ifNoneMatch.trim() === '*') return true;
    return ifNoneMatch.split(',').some((tag) => {
      const value = tag.trim().replace(/^W\//, '');
      return value === `"${this.etag}"` || value === `"${this.etag}-br"` || value === `"${this.etag}-gz"`;
    });
  }

  /** The bytes for an encoding when they can be had without waiting: all but a brotli not yet made. */
  encodedBody(encoding: Encoding): Buffer | undefined {
    if (encoding === 'gzip') return this.gzip;
    if (encoding === 'br') return this.br;
    return this.identityBody();
  }

  /** The brotli bytes, compressed once (off the event loop) and kept; the one encoding made on request. */
  brotliBody(): Promise<Buffer> {
    if (this.br) return Promise.resolve(this.br);
    if (!this.brPending) {
      const body = this.identityBody();
      this.brPending = (this.memory ? this.memory.brotli(body) : compressBrotli(body)).then((bytes) => {
        this.br = ownBytes(bytes);
        this.brPending = undefined;
        this.memory?.grew(this);
        return this.br;
      });
    }
    return this.brPending;
  }

  private identityBody(): Buffer {
    if (this.identity) return this.identity;
    let body = this.memory?.identityOf(this);
    if (!body) {
      body = gunzip(this.gzip as Buffer);
      this.memory?.offerIdentity(this, body);
    }
    return body;
  }
}

/**
 * Rendered pages, least recently used out first, bounded by entries and bytes so memory stays flat with
 * many posts. Entries of an older content version are never served. An eighth of the byte budget holds
 * uncompressed copies of pages read uncompressed twice in a short while; a copy outlives its page only
 * until it ages out.
 *
 * Keeping a copy at every read made reads spread over more pages than the copies fit churn: each copy
 * lived long enough to reach the old generation and died there, and garbage collection halved the
 * throughput on random pages. A page is admitted when it is read again while its first read is still
 * remembered among the pages that would fill the copies' budget.
 */
export class PageCache implements PageMemory {
  private readonly pages: LRUCache<string, RenderedPage>;
  private readonly keys = new WeakMap<RenderedPage, string>();
  private readonly identities: LRUCache<RenderedPage, Buffer>;
  /**
   * ETags of pages made uncompressed once lately, weighed by the bytes their copies would take: the
   * ETag, not the page, so a page the cache has dropped is not held here.
   */
  private readonly readOnce: LRUCache<string, true>;
  readonly brotli = oneAtATimeBrotli();

  constructor(maxEntries: number, maxBytes: number) {
    const identityBytes = Math.max(1, Math.floor(maxBytes * IDENTITY_SHARE));
    this.identities = new LRUCache<RenderedPage, Buffer>({
      max: maxEntries,
      maxSize: identityBytes,
      sizeCalculation: (body) => Math.max(1, body.length),
    });
    this.readOnce = new LRUCache<string, true>({ max: maxEntries, maxSize: identityBytes });
    this.pages = new LRUCache<string, RenderedPage>({
      max: maxEntries,
      maxSize: Math.max(1, maxBytes - identityBytes),
      sizeCalculation: (page) => page.storedBytes,
    });
  }

  get(key: string, version: number): RenderedPage | undefined {
    const page = this.pages.get(key);
    return page?.version === version ? page : undefined;
  }

  set(key: string, page: RenderedPage): void {
    this.keys.set(page, key);
    this.pages.set(key, page);
  }

  identityOf(page: RenderedPage): Buffer | undefined {
    return this.identities.get(page);
  }

  offerIdentity(page: RenderedPage, body: Buffer): void {
    if (this.readOnce.delete(page.etag)) this.identities.set(page, body);
    else this.readOnce.set(page.etag, true, { size: Math.max(1, body.length) });
  }

  grew(page: RenderedPage): void {
    const key = this.keys.get(page);
    if (key === undefined || this.pages.peek(key) !== page) return;
    // lru-cache weighs an entry when it is added, not when the same value is set again.
    this.pages.delete(key);
    this.pages.set(key, page);
  }

  clear(): void {
    this.pages.clear();
    this.identities.clear();
    this.readOnce.clear();
  }

  get size(): number {
    return this.pages.size;
  }

  /** Bytes held: compressed pages and uncompressed copies. */
  get bytes(): number {
    return this.pages.calculatedSize + this.identities.calculatedSize;
  }
}
