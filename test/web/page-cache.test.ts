import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { PageCache, RenderedPage } from '../../src/web/page-cache.js';

/** A page of HTML-like text that compresses about as well as a real post page. */
function pageBody(seed: number, bytes = 9000): Buffer {
  const words = ['kubernetes', 'ingress', 'helm', 'probe', 'metrics', 'pod', 'deployment', 'service', 'graceful'];
  let text = `<!doctype html><title>page ${seed}</title><main>`;
  for (let i = 0; text.length < bytes; i++) text += `<p>${words[(seed + i * 7) % words.length]} ${i} ${seed}</p>\n`;
  return Buffer.from(text.slice(0, bytes));
}

function renderedPage(cache: PageCache, seed: number, version = 1): RenderedPage {
  return new RenderedPage(200, 'text/html; charset=utf-8', 'public, max-age=60', pageBody(seed), version, '/posts/:slug', cache);
}

describe('RenderedPage in a PageCache', () => {
  it('holds a compressible page as gzip only and gives the same bytes back uncompressed', () => {
    const cache = new PageCache(100, 10 * 1024 * 1024);
    const body = pageBody(1);
    const page = new RenderedPage(200, 'text/html', 'no-store', body, 1, '/', cache);
    cache.set('/a', page);
    expect(page.storedBytes).toBeLessThan(body.length / 2);
    expect(gunzipSync(page.encodedBody('gzip') as Buffer).equals(body)).toBe(true);
    expect(page.encodedBody('identity')?.equals(body)).toBe(true);
    expect(page.encodedBody('br')).toBeUndefined();
  });

  it('keeps an uncompressed copy only once a page has been made uncompressed twice: rendered, then read', () => {
    const cache = new PageCache(100, 10 * 1024 * 1024);
    const page = renderedPage(cache, 1);
    cache.set('/p', page);
    // Rendering made the body once; the first read inflates it and keeps the copy.
    expect(cache.identityOf(page)).toBeUndefined();
    expect(page.encodedBody('identity')?.equals(pageBody(1))).toBe(true);
    expect(cache.identityOf(page)?.equals(pageBody(1))).toBe(true);
    expect(page.encodedBody('identity')).toBe(cache.identityOf(page));
  });

  it('keeps no copies while uncompressed reads spread over more pages than the copies fit', () => {
    // Room for two uncompressed copies only: an eighth of 160 KB is two 9 KB pages.
    const cache = new PageCache(100, 160 * 1024);
    const pages = [1, 2, 3, 4].map((seed) => renderedPage(cache, seed));
    pages.forEach((page, i) => cache.set(`/p${i}`, page));
    for (let round = 0; round < 3; round++) {
      pages.forEach((page, i) => expect(page.encodedBody('identity')?.equals(pageBody(i + 1))).toBe(true));
    }
    pages.forEach((page) => expect(cache.identityOf(page)).toBeUndefined());
    // One page read twice in a row is kept.
    pages[0]?.encodedBody('identity');
    pages[0]?.encodedBody('identity');
    expect(cache.identityOf(pages[0] as RenderedPage)?.equals(pageBody(1))).toBe(true);
  });

  it('makes brotli once, for the client that asks, and counts it against the budget', async () => {
    const cache = new PageCache(100, 10 * 1024 * 1024);
    const page = renderedPage(cache, 7);
    cache.set('/b', page);
    // Brotli is made from the uncompressed body; reading it first leaves only brotli's growth to see.
    page.encodedBody('identity');
    const before = cache.bytes;
    const [first, second] = await Promise.all([page.brotliBody(), page.brotliBody()]);
    expect(first).toBe(second);
    expect(brotliDecompressSync(first).equals(pageBody(7))).toBe(true);
    expect(page.encodedBody('br')).toBe(first);
    expect(cache.bytes).toBe(before + first.length);
  });

  it('gives each page its own brotli bytes when many are asked for at once', async () => {
    const cache = new PageCache(100, 10 * 1024 * 1024);
    const pages = Array.from({ length: 32 }, (_, seed) => renderedPage(cache, seed));
    pages.forEach((page, i) => cache.set(`/p${i}`, page));
    const bodies = await Promise.all(pages.map((page) => page.brotliBody()));
    bodies.forEach((body, seed) => expect(brotliDecompressSync(body).equals(pageBody(seed))).toBe(true));
    pages.forEach((page, seed) => expect(page.encodedBody('br')).toBe(bodies[seed]));
  });

  it('evicts the least recently used pages when a page grows past the budget', async () => {
    // Random bytes do not compress: each page holds ~4 KB of gzip; the page budget fits three of them.
    const cache = new PageCache(100, 16 * 1024);
    const page = () => new RenderedPage(200, 'text/plain', 'no-store', randomBytes(4000), 1, '/', cache);
    const [a, b, c] = [page(), page(), page()];
    cache.set('/a', a);
    cache.set('/b', b);
    cache.set('/c', c);
    expect(cache.size).toBe(3);
    await c.brotliBody();
    expect(cache.get('/a', 1)).toBeUndefined();
    expect(cache.get('/c', 1)).toBe(c);
  });

  it('keeps small pages uncompressed and never serves a page of an older content version', () => {
    const cache = new PageCache(100, 1024 * 1024);
    const small = new RenderedPage(200, 'text/plain', 'no-store', Buffer.from('User-agent: *\n'), 3, '/robots.txt', cache);
    cache.set('/robots.txt', small);
    expect(small.compressible).toBe(false);
    expect(small.encodedBody('gzip')).toBeUndefined();
    expect(small.encodedBody('identity')?.toString()).toBe('User-agent: *\n');
    expect(cache.get('/robots.txt', 3)).toBe(small);
    expect(cache.get('/robots.txt', 4)).toBeUndefined();
  });

  it('stays within its byte budget however many pages pass through it', () => {
    const budget = 512 * 1024;
    const cache = new PageCache(100000, budget);
    for (let seed = 0; seed < 1000; seed++) {
      const page = renderedPage(cache, seed);
      cache.set(`/p${seed}`, page);
      page.encodedBody('identity');
    }
    expect(cache.bytes).toBeLessThanOrEqual(budget);
    expect(cache.size).toBeGreaterThan(100);
    expect(cache.get('/p999', 1)?.encodedBody('identity')?.equals(pageBody(999))).toBe(true);
  });
});
