import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { entryFilterSettings, isStaticCandidate } from '../../src/content/static-candidates.js';
import { staticFiles } from '../../src/web/static-files.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

let site: string;
let outside: string;
let server: http.Server;
let port: number;
const image = randomBytes(30 * 1024);

/** A request with the path sent exactly as written: clients such as supertest would resolve `..` first. */
function get(requestPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: requestPath, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  site = await mkdtemp(path.join(tmpdir(), 'kubeblog-static-'));
  outside = await mkdtemp(path.join(tmpdir(), 'kubeblog-outside-'));
  await mkdir(path.join(site, 'assets'));
  await mkdir(path.join(site, 'notes'));
  await mkdir(path.join(site, '.well-known'));
  await mkdir(path.join(site, '_posts'));
  await writeFile(path.join(site, 'assets', 'photo.png'), image);
  await writeFile(path.join(site, 'assets', 'style.css'), 'body { color: red; }\n');
  await writeFile(path.join(site, 'assets', 'data.unknownext'), 'x');
  await writeFile(path.join(site, 'notes', 'index.html'), '<p>notes</p>\n');
  await writeFile(path.join(site, '.well-known', 'security.txt'), 'Contact: mailto:a@example.com\n');
  await writeFile(path.join(site, '_posts', '2020-01-01-a.md'), 'post\n');
  await writeFile(path.join(site, '_config.yml'), 'title: x\n');
  await writeFile(path.join(site, 'Gemfile'), 'source "x"\n');
  await writeFile(path.join(outside, 'secret.txt'), 'secret\n');
  await symlink(path.join(outside, 'secret.txt'), path.join(site, 'assets', 'secret.txt'));
  await symlink(outside, path.join(site, 'elsewhere'));
  await symlink(path.join(site, 'assets', 'style.css'), path.join(site, 'assets', 'alias.css'));

  const settings = entryFilterSettings({ include: ['.well-known'] });
  const app = express();
  app.use(staticFiles({ root: site, isStatic: (file) => isStaticCandidate(file, settings), maxAgeSeconds: 600 }));
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not found');
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(site, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe('static files of the site', () => {
  it('serves a file with its type, length, strong validators and Cache-Control', async () => {
    const answer = await get('/assets/photo.png');
    expect(answer.status).toBe(200);
    expect(answer.body.equals(image)).toBe(true);
    expect(answer.headers['content-type']).toBe('image/png');
    expect(answer.headers['content-length']).toBe(String(image.length));
    expect(answer.headers['cache-control']).toBe('public, max-age=600');
    expect(answer.headers['accept-ranges']).toBe('bytes');
    expect(answer.headers.etag).toMatch(/^"[0-9a-f-]+"$/);
    expect(new Date(answer.headers['last-modified'] ?? '').getTime()).not.toBeNaN();
    expect((await get('/assets/style.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get('/assets/data.unknownext')).headers['content-type']).toBe('application/octet-stream');
  });

  it('answers 304 to a matching If-None-Match or a later If-Modified-Since, and 200 otherwise', async () => {
    const first = await get('/assets/photo.png');
    const etag = first.headers.etag as string;
    const byEtag = await get('/assets/photo.png', { 'If-None-Match': etag });
    expect(byEtag.status).toBe(304);
    expect(byEtag.body.length).toBe(0);
    expect(byEtag.headers.etag).toBe(etag);
    expect((await get('/assets/photo.png', { 'If-Modified-Since': first.headers['last-modified'] as string })).status).toBe(304);
    expect((await get('/assets/photo.png', { 'If-None-Match': '"other"' })).status).toBe(200);
    expect((await get('/assets/photo.png', { 'If-Modified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' })).status).toBe(200);
  });

  it('answers ranges with 206 and an unsatisfiable one with 416', async () => {
    const part = await get('/assets/photo.png', { Range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-199/${image.length}`);
    expect(part.body.equals(image.subarray(100, 200))).toBe(true);
    const tail = await get('/assets/photo.png', { Range: 'bytes=-10' });
    expect(tail.status).toBe(206);
    expect(tail.body.equals(image.subarray(image.length - 10))).toBe(true);
    const beyond = await get('/assets/photo.png', { Range: `bytes=${image.length + 10}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${image.length}`);
    // A range for an older version of the file is ignored: the whole current file comes back.
    const stale = await get('/assets/photo.png', { Range: 'bytes=0-9', 'If-Range': '"stale"' });
    expect(stale.status).toBe(200);
    expect(stale.body.length).toBe(image.length);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const head = await get('/assets/photo.png', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(image.length));
    expect(head.body.length).toBe(0);
  });

  it('serves a file that changed between two requests new at once, under a new ETag', async () => {
    const file = path.join(site, 'assets', 'changing.txt');
    await writeFile(file, 'version one\n');
    const before = await get('/assets/changing.txt');
    // Same size, written within the same second: Last-Modified alone could not tell them apart.
    await writeFile(file, 'version two\n');
    const after = await get('/assets/changing.txt', { 'If-None-Match': before.headers.etag as string });
    expect(after.status).toBe(200);
    expect(after.body.toString()).toBe('version two\n');
    expect(after.headers.etag).not.toBe(before.headers.etag);
  });

  it('serves index.html for a folder path with a trailing slash, and dotfiles that include admits', async () => {
    expect((await get('/notes/')).body.toString()).toBe('<p>notes</p>\n');
    expect((await get('/notes')).status).toBe(404);
    const security = await get('/.well-known/security.txt');
    expect(security.status).toBe(200);
    expect(security.body.toString()).toBe('Contact: mailto:a@example.com\n');
  });

  it('follows a symlink that stays in the site folder', async () => {
    expect((await get('/assets/alias.css')).body.toString()).toBe('body { color: red; }\n');
  });

  it.each([
    ['a symlink to a file outside the site', '/assets/secret.txt'],
    ['a symlinked folder outside the site', '/elsewhere/secret.txt'],
    ['..', '/../../../../etc/passwd'],
    ['.. inside the path', '/assets/../_config.yml'],
    ['encoded ..', '/%2e%2e/%2e%2e/etc/passwd'],
    ['encoded slashes and ..', '/assets%2f..%2f..%2f..%2fetc%2fpasswd'],
    ['a NUL byte', '/assets/photo.png%00.txt'],
    ['malformed percent-encoding', '/assets/%E0%A4%A.png'],
    ['a backslash', '/assets\\..\\_config.yml'],
    ['a folder starting with _', '/_posts/2020-01-01-a.md'],
    ['_config.yml', '/_config.yml'],
    ['a default exclude', '/Gemfile'],
    ['a missing file', '/assets/none.png'],
    ['a folder', '/assets'],
  ])('answers 404 for %s, as for any missing file', async (_name, requestPath) => {
    const answer = await get(requestPath);
    expect(answer.status).toBe(404);
    expect(answer.body.toString()).toBe('not found');
  });

  it('follows a site folder that is a symlink swapped to another checkout, and refuses the old one', async () => {
    const checkouts = await mkdtemp(path.join(tmpdir(), 'kubeblog-checkouts-'));
    try {
      await mkdir(path.join(checkouts, 'one'));
      await mkdir(path.join(checkouts, 'two'));
      await writeFile(path.join(checkouts, 'one', 'old.txt'), 'old\n');
      await writeFile(path.join(checkouts, 'two', 'new.txt'), 'new\n');
      const current = path.join(checkouts, 'current');
      await symlink(path.join(checkouts, 'one'), current);
      const app = express();
      app.use(staticFiles({ root: current, isStatic: () => true, maxAgeSeconds: 0 }));
      app.use((_req, res) => {
        res.sendStatus(404);
      });
      const swapped = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => swapped.once('listening', resolve));
      const at = (swapped.address() as AddressInfo).port;
      const fetchText = async (file: string) => {
        const res = await fetch(`http://127.0.0.1:${at}/${file}`);
        return `${res.status} ${await res.text()}`;
      };
      try {
        expect(await fetchText('old.txt')).toBe('200 old\n');
        await symlink(path.join(checkouts, 'two'), `${current}.next`);
        await rename(`${current}.next`, current);
        expect(await fetchText('new.txt')).toBe('200 new\n');
        expect(await fetchText('old.txt')).toBe('404 Not Found');
      } finally {
        await new Promise((resolve) => swapped.close(resolve));
      }
    } finally {
      await rm(checkouts, { recursive: true, force: true });
    }
  });

  it('leaves other methods to the next handler', async () => {
    expect((await get('/assets/style.css', {}, 'POST')).status).toBe(404);
  });
});
