import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/ops/config.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kubeblog-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function rejection(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('settings', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      metricsPort: 9464,
      host: '0.0.0.0',
      postsDir: path.resolve('posts'),
      basePath: '',
      siteUrl: undefined,
      postsPerPage: 10,
      showDrafts: false,
      showFuture: false,
      trustProxy: false,
      logLevel: 'info',
      shutdownDelaySeconds: 5,
      shutdownTimeoutSeconds: 10,
      contentSources: ['directory'],
      timezone: 'UTC',
      allowedHosts: ['localhost:8080', '127.0.0.1:8080', '[::1]:8080'],
      postMaxBytes: 1048576,
      frontMatterMaxBytes: 65536,
      excerptSeparator: '\n\n',
      markdownMaxNesting: 32,
      liquidRenderLimitMs: 500,
      renderThreads: 1,
      renderTimeoutMs: 2000,
    });
  });

  it('reads ALLOWED_HOSTS as lower-case host names with optional ports', () => {
    expect(loadConfig({ ALLOWED_HOSTS: 'Blog.Example.com, www.example.com:8443,[::1]:8080' }).allowedHosts).toEqual([
      'blog.example.com',
      'www.example.com:8443',
      '[::1]:8080',
    ]);
    expect(loadConfig({ PORT: '3000' }).allowedHosts[0]).toBe('localhost:3000');
  });

  it('normalises the base path and keeps only the origin of SITE_URL', () => {
    expect(loadConfig({ BASE_PATH: 'blog/' }).basePath).toBe('/blog');
    expect(loadConfig({ BASE_PATH: '/' }).basePath).toBe('');
    expect(loadConfig({ SITE_URL: 'https://example.com/some/path' }).siteUrl).toBe('https://example.com');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT', /"eighty" is not a whole number from 1 to 65535/],
    [{ PORT: '70000' }, 'PORT', /from 1 to 65535/],
    [{ POSTS_PER_PAGE: '0' }, 'POSTS_PER_PAGE', /from 1 to 1000/],
    [{ SHOW_DRAFTS: 'maybe' }, 'SHOW_DRAFTS', /not a boolean \(accepts true\/false/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /not one of fatal, error, warn, info, debug, trace, silent/],
    [{ SITE_URL: 'example.com' }, 'SITE_URL', /not an absolute http\(s\) URL/],
    [{ BASE_PATH: '/a b' }, 'BASE_PATH', /not a URL path prefix/],
    [{ ALLOWED_HOSTS: 'blog.example.com,http://evil' }, 'ALLOWED_HOSTS', /"http:\/\/evil" is not a host name or host:port/],
    [{ ALLOWED_HOSTS: ' , ' }, 'ALLOWED_HOSTS', /not a host name or host:port/],
    [{ POST_MAX_BYTES: '10' }, 'POST_MAX_BYTES', /from 1024 to 67108864/],
    [{ RENDER_TIMEOUT_MS: 'soon' }, 'RENDER_TIMEOUT_MS', /not a whole number/],
    [{ RENDER_THREADS: '0' }, 'RENDER_THREADS', /from 1 to 16/],
    [{ TRUST_PROXY: 'sometimes' }, 'TRUST_PROXY', /is not accepted/],
    [{ METRICS_PORT: '8080' }, 'METRICS_PORT', /must differ from PORT/],
    [{ SITE_TIMEZONE: 'Mars/Olympus' }, 'SITE_TIMEZONE', /not an IANA time zone/],
    [{ CONTENT_SOURCES: 'directory,ftp' }, 'CONTENT_SOURCES', /not a comma-separated list/],
    [{ SHUTDOWN_DELAY_SECONDS: '-1' }, 'SHUTDOWN_DELAY_SECONDS', /whole number/],
  ])('rejects %j, naming %s and what it accepts', (env, variable, message) => {
    const error = rejection(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(new RegExp(`^${variable}: `));
    expect(error.message).toMatch(message);
  });

  it('reads a Jekyll _config.yml named by SITE_CONFIG, and the environment wins over it', async () => {
    const file = path.join(dir, '_config.yml');
    await writeFile(
      file,
      'title: Jekyll Site\ndescription: From Jekyll\nurl: "https://jekyll.example.com"\nbaseurl: "/weblog"\nauthor:\n  name: Jo\ntimezone: Europe/Berlin\npaginate: 5\nplugins: [jekyll-feed]\nexcerpt_separator: <!--more-->\n',
    );
    expect(loadConfig({ SITE_CONFIG: file })).toMatchObject({
      siteTitle: 'Jekyll Site',
      siteDescription: 'From Jekyll',
      siteUrl: 'https://jekyll.example.com',
      basePath: '/weblog',
      siteAuthor: 'Jo',
      timezone: 'Europe/Berlin',
      postsPerPage: 5,
      excerptSeparator: '<!--more-->',
    });
    expect(loadConfig({ SITE_CONFIG: file, SITE_TITLE: 'Env wins', POSTS_PER_PAGE: '7', BASE_PATH: '' })).toMatchObject({
      siteTitle: 'Env wins',
      postsPerPage: 7,
      basePath: '',
    });
  });

  it('renders kramdown as a Jekyll config sets it up, and GitHub\'s flavour without one or when asked', async () => {
    const kramdownSite = path.join(dir, 'kramdown.yml');
    await writeFile(kramdownSite, 'title: K\nkramdown:\n  input: GFM\n  auto_ids: false\n  smart_quotes: apos,apos,quot,quot\n  toc_levels: "2..3"\n');
    expect(loadConfig({ SITE_CONFIG: kramdownSite }).markdown).toMatchObject({
      dialect: 'kramdown',
      kramdown: { input: 'GFM', autoIds: false, smartQuotes: ['apos', 'apos', 'quot', 'quot'], tocLevels: [2, 3] },
    });
    expect(loadConfig({}).markdown.dialect).toBe('gfm');
    expect(loadConfig({ SITE_CONFIG: kramdownSite, MARKDOWN_DIALECT: 'gfm' }).markdown.dialect).toBe('gfm');
    const commonmarkSite = path.join(dir, 'commonmark.yml');
    await writeFile(commonmarkSite, 'markdown: CommonMarkGhPages\n');
    expect(loadConfig({ SITE_CONFIG: commonmarkSite }).markdown.dialect).toBe('gfm');
    expect(rejection({ MARKDOWN_DIALECT: 'textile' }).message).toBe('MARKDOWN_DIALECT: "textile" is not one of kramdown, gfm');
    const badOption = path.join(dir, 'bad-kramdown.yml');
    await writeFile(badOption, 'kramdown:\n  auto_ids: sometimes\n');
    expect(rejection({ SITE_CONFIG: badOption }).message).toBe('SITE_CONFIG: kramdown: auto_ids must be true or false, not "sometimes"');
  });

  it('stops on a Jekyll config that cannot be read', async () => {
    const file = path.join(dir, 'broken.yml');
    await writeFile(file, 'title: [unclosed\n');
    expect(rejection({ SITE_CONFIG: file }).message).toMatch(/^SITE_CONFIG: cannot read Jekyll config/);
    expect(rejection({ SITE_CONFIG: path.join(dir, 'missing.yml') }).variable).toBe('SITE_CONFIG');
  });
});
