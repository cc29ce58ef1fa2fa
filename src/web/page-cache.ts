import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import { LRUCache } from 'lru-cache';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/**
 * Quality 6 compresses a 12 KB page in well under a millisecond to within a few percent of quality 11,
 * which takes tens of milliseconds: the first reader of every page pays for it.
 */
const BROTLI_QUALITY = 6;

/** Bodies smaller than this are not worth compressing. */
const MIN_COMPRESS_BYTES = 512;

export type Encoding = 'br' | 'gzip' | 'identity';

/**
 * One rendered response, kept for one content version. Compressed variants are made once, on the first
 * request that asks for them, and kept with the entry.
 */
export class RenderedPage {
  readonly etag: string;
  private readonly encoded = new Map<Encoding, Buffer>();
  private readonly encoding = new Map<Encoding, Promise<Buffer>>();

  constructor(
    readonly status: number,
    readonly contentType: string,
    readonly cacheControl: string,
    readonly body: Buffer,
    readonly version: number,
    /** The route template that made it, for metrics when the fast path serves it. */
    readonly route: string,
  ) {
    this.etag = createHash('sha1').update(body).digest('base64url');
    this.encoded.set('identity', body);
  }

  get compressible(): boolean {
    return this.body.length >= MIN_COMPRESS_BYTES;
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

  /** The bytes for an encoding if they are made already: lets a fast path answer without awaiting. */
  encodedBody(encoding: Encoding): Buffer | undefined {
    return this.encoded.get(encoding);
  }

  /** The bytes for an encoding, compressing once (off the event loop) and reusing the result. */
  bodyFor(encoding: Encoding): Promise<Buffer> {
    const done = this.encoded.get(encoding);
    if (done) return Promise.resolve(done);
    let pending = this.encoding.get(encoding);
    if (!pending) {
      pending = (
        encoding === 'br'
          ? brotli(this.body, { params: { [zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: this.body.length } })
          : gzipAsync(this.body, { level: 6 })
      ).then((bytes) => {
        this.encoded.set(encoding, bytes);
        this.encoding.delete(encoding);
        return bytes;
      });
      this.encoding.set(encoding, pending);
    }
    return pending;
  }
}

/**
 * Rendered pages, least recently used out first, bounded by entries and bytes so memory stays flat
 * with many posts. Entries of an older content version are never served.
 */
export class PageCache {
  private readonly lru: LRUCache<string, RenderedPage>;

  constructor(maxEntries: number, maxBytes: number) {
    this.lru = new LRUCache<string, RenderedPage>({
      max: maxEntries,
      maxSize: maxBytes,
      // Room for the compressed variants made later, which are at most about half the body.
      sizeCalculation: (page) => Math.max(1, Math.ceil(page.body.length * 1.5)),
    });
  }

  get(key: string, version: number): RenderedPage | undefined {
    const page = this.lru.get(key);
    return page?.version === version ? page : undefined;
  }

  set(key: string, page: RenderedPage): void {
    this.lru.set(key, page);
  }

  clear(): void {
    this.lru.clear();
  }

  get size(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }
}
