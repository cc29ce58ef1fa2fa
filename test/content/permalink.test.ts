import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import yaml from 'js-yaml';
import { splitFrontMatter, parsePost } from '../../src/content/parse.js';
import { quickestCpuMs } from '../support/cpu-time.js';
import { PermalinkError, escapePath, pageUrl, permalinkTemplate, postCategories, postUrl, slugify } from '../../src/content/permalink.js';

const TIMEZONE = 'America/New_York';

// A small site whose files cover every permalink style, every placeholder Jekyll 4.3 knows, categories
// from folders and front matter, spaces and non-ASCII letters in names, and pages of each kind.
const FILES: Readonly<Record<string, string>> = {
  '_posts/2016-07-19-hello world.md': '---\n---\nx\n',
  'ja/news/_posts/2020-01-05-konnichiwa.md': '---\n---\nx\n',
  '_posts/2020-12-31-late-night.md': '---\ndate: 2020-12-31 23:30:00 -0500\n---\nx\n',
  '_posts/2021-01-03-categories.md': '---\ncategories: [Tech News, tech news, Ops]\n---\nx\n',
  '_posts/2021-01-04-category.md': '---\ncategory: Big Data\ncategories: ignored words\n---\nx\n',
  '_posts/2019-12-3-teams.md': '---\n---\nx\n',
  '_posts/2020-02-29-café-ünïcode.md': '---\n---\nx\n',
  '_posts/2020-03-01-slugged.md': '---\nslug: Custom Slug!\n---\nx\n',
  '_posts/2020-04-01-own-permalink.md': '---\npermalink: /custom/:title/\n---\nx\n',
  '_posts/2020-05-01-with-time.md': '---\ndate: 2020-05-01 07:08:09 +0000\ncategories: web\n---\nx\n',
  '_posts/2020-06-01-every-placeholder.md':
    '---\ndate: 2020-06-01 13:04:05 -0400\ncategories: [Some Thing, b]\npermalink: /all/:year/:month/:i_month/:day/:i_day/:short_year/:hour/:minute/:second/:title/:slug/:categories/:slugified_categories/:y_day/:week/:w_year/:w_day/:short_month/:long_month/:short_day/:long_day/:name/:path/:collection/x:output_ext\n---\nx\n',
  '_posts/2020-06-02-underscore.md': '---\npermalink: /u/:year_:title\n---\nx\n',
  '_posts/2020-06-03-feed-like.md': '---\npermalink: /feeds/:title.xml\n---\nx\n',
  '_posts/2020-06-04-dots...md': '---\n---\nx\n',
  // Unquoted with seconds and no offset: a YAML timestamp, UTC, so 31 December in New York.
  '_posts/2021-01-01-new-year.md': '---\ndate: 2021-01-01 02:00:00\n---\nx\n',
  'index.md': '---\n---\nx\n',
  'about.md': '---\n---\nx\n',
  'projects/index.md': '---\n---\nx\n',
  '404.html': '---\n---\nx\n',
  'feed.xml': '---\n---\nx\n',
  'contact.md': '---\npermalink: /reach-me/\n---\nx\n',
  'docs/guide.md': '---\n---\nx\n',
  'team page.md': '---\n---\nx\n',
  'docs/own.md': '---\npermalink: /:path/own-:basename:output_ext\n---\nx\n',
  'urls.txt': '---\n---\n{% for p in site.posts %}{{p.relative_path}}\t{{p.url}}\n{% endfor %}{% for p in site.pages %}{{p.path}}\t{{p.url}}\n{% endfor %}',
};

const STYLES = ['date', 'pretty', 'ordinal', 'weekdate', 'none', '/blog/:year/:title/', '/:categories/:title:output_ext', '/x/:title'] as const;

// The URLs Jekyll 4.3.1 wrote for the site above with each `permalink:` setting (from its urls.txt).
const SAME_IN_EVERY_STYLE: Readonly<Record<string, string>> = {
  '_posts/2020-04-01-own-permalink.md': '/custom/own-permalink/',
  '_posts/2020-06-01-every-placeholder.md': '/all/2020/06/6/01/1/20/13/04/05/every-placeholder/every-placeholder/some%20thing/b/some-thing/b/153/23/2020/1/Jun/June/Mon/Monday/2020-06-01-every-placeholder/2020-06-01-every-placeholder/posts/x.html',
  '_posts/2020-06-02-underscore.md': '/u/2020_underscore',
  '_posts/2020-06-03-feed-like.md': '/feeds/feed-like.xml',
  'contact.md': '/reach-me/',
  'docs/own.md': '/docs/own-own.html',
  'feed.xml': '/feed.xml',
  'projects/index.md': '/projects/',
  'index.md': '/',
  'urls.txt': '/urls.txt',
};

const BY_STYLE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'date': {
    '404.html': '/404.html',
    '_posts/2016-07-19-hello world.md': '/2016/07/19/hello-world.html',
    '_posts/2019-12-3-teams.md': '/2019/12/03/teams.html',
    '_posts/2020-02-29-café-ünïcode.md': '/2020/02/29/caf%C3%A9-%C3%BCn%C3%AFcode.html',
    '_posts/2020-03-01-slugged.md': '/2020/03/01/Custom-Slug!.html',
    '_posts/2020-05-01-with-time.md': '/web/2020/05/01/with-time.html',
    '_posts/2020-06-04-dots...md': '/2020/06/04/dots.html',
    '_posts/2020-12-31-late-night.md': '/2020/12/31/late-night.html',
    '_posts/2021-01-01-new-year.md': '/2020/12/31/new-year.html',
    '_posts/2021-01-03-categories.md': '/tech%20news/ops/2021/01/03/categories.html',
    '_posts/2021-01-04-category.md': '/ignored/words/big%20data/2021/01/04/category.html',
    'about.md': '/about.html',
    'docs/guide.md': '/docs/guide.html',
    'ja/news/_posts/2020-01-05-konnichiwa.md': '/ja/news/2020/01/05/konnichiwa.html',
    'team page.md': '/team%20page.html',
  },
  'pretty': {
    '404.html': '/404/',
    '_posts/2016-07-19-hello world.md': '/2016/07/19/hello-world/',
    '_posts/2019-12-3-teams.md': '/2019/12/03/teams/',
    '_posts/2020-02-29-café-ünïcode.md': '/2020/02/29/caf%C3%A9-%C3%BCn%C3%AFcode/',
    '_posts/2020-03-01-slugged.md': '/2020/03/01/Custom-Slug!/',
    '_posts/2020-05-01-with-time.md': '/web/2020/05/01/with-time/',
    '_posts/2020-06-04-dots...md': '/2020/06/04/dots/',
    '_posts/2020-12-31-late-night.md': '/2020/12/31/late-night/',
    '_posts/2021-01-01-new-year.md': '/2020/12/31/new-year/',
    '_posts/2021-01-03-categories.md': '/tech%20news/ops/2021/01/03/categories/',
    '_posts/2021-01-04-category.md': '/ignored/words/big%20data/2021/01/04/category/',
    'about.md': '/about/',
    'docs/guide.md': '/docs/guide/',
    'ja/news/_posts/2020-01-05-konnichiwa.md': '/ja/news/2020/01/05/konnichiwa/',
    'team page.md': '/team%20page/',
  },
  'ordinal': {
    '404.html': '/404.html',
    '_posts/2016-07-19-hello world.md': '/2016/201/hello-world.html',
    '_posts/2019-12-3-teams.md': '/2019/337/teams.html',
    '_posts/2020-02-29-café-ünïcode.md': '/2020/060/caf%C3%A9-%C3%BCn%C3%AFcode.html',
    '_posts/2020-03-01-slugged.md': '/2020/061/Custom-Slug!.html',
    '_posts/2020-05-01-with-time.md': '/web/2020/122/with-time.html',
    '_posts/2020-06-04-dots...md': '/2020/156/dots.html',
    '_posts/2020-12-31-late-night.md': '/2020/366/late-night.html',
    '_posts/2021-01-01-new-year.md': '/2020/366/new-year.html',
    '_posts/2021-01-03-categories.md': '/tech%20news/ops/2021/003/categories.html',
    '_posts/2021-01-04-category.md': '/ignored/words/big%20data/2021/004/category.html',
    'about.md': '/about.html',
    'docs/guide.md': '/docs/guide.html',
    'ja/news/_posts/2020-01-05-konnichiwa.md': '/ja/news/2020/005/konnichiwa.html',
    'team page.md': '/team%20page.html',
  },
  'weekdate': {
    '404.html': '/404',
    '_posts/2016-07-19-hello world.md': '/2016/W29/Tue/hello-world.html',
    '_posts/2019-12-3-teams.md': '/2019/W49/Tue/teams.html',
    '_posts/2020-02-29-café-ünïcode.md': '/2020/W09/Sat/caf%C3%A9-%C3%BCn%C3%AFcode.html',
    '_posts/2020-03-01-slugged.md': '/2020/W09/Sun/Custom-Slug!.html',
    '_posts/2020-05-01-with-time.md': '/web/2020/W18/Fri/with-time.html',
    '_posts/2020-06-04-dots...md': '/2020/W23/Thu/dots.html',
    '_posts/2020-12-31-late-night.md': '/2020/W53/Thu/late-night.html',
    '_posts/2021-01-01-new-year.md': '/2020/W53/Thu/new-year.html',
    '_posts/2021-01-03-categories.md': '/tech%20news/ops/2021/W53/Sun/categories.html',
    '_posts/2021-01-04-category.md': '/ignored/words/big%20data/2021/W01/Mon/category.html',
    'about.md': '/about',
    'docs/guide.md': '/docs/guide',
    'ja/news/_posts/2020-01-05-konnichiwa.md': '/ja/news/2020/W01/Sun/konnichiwa.html',
    'team page.md': '/team%20page',
  },
  'none': {
    '404.html': '/404.html',
    '_posts/2016-07-19-hello world.md': '/hello-world.html',
    '_posts/2019-12-3-teams.md': '/teams.html',
    '_posts/2020-02-29-café-ünïcode.md': '/caf%C3%A9-%C3%BCn%C3%AFcode.html',
    '_posts/2020-03-01-slugged.md': '/Custom-Slug!.html',
    '_posts/2020-05-01-with-time.md': '/web/with-time.html',
    '_posts/2020-06-04-dots...md': '/dots.html',
    '_posts/2020-12-31-late-night.md': '/late-night.html',
    '_posts/2021-01-01-new-year.md': '/new-year.html',
    '_posts/2021-01-03-categories.md': '/tech%20news/ops/categories.html',
    '_posts/2021-01-04-category.md': '/ignored/words/big%20data/category.html',
    'about.md': '/about.html',
    'docs/guide.md': '/docs/guide.html',
    'ja/news/_posts/2020-01-05-konnichiwa.md': '/ja/news/konnichiwa.html',
    'team page.md': '/team%20page.html',
  },
  '/blog/:year/:title/': {
    '404.html': '/404/',
    '_posts/2016-07-19-hello world.md': '/blog/2016/hello-world/',
    '_posts/2019-12-3-teams.md': '/blog/2019/teams/',
    '_posts/2020-02-29-café-ünïcode.md': '/blog/2020/caf%C3%A9-%C3%BCn%C3%AFcode/',
    '_posts/2020-03-01-slugged.md': '/blog/2020/Custom-Slug!/',
    '_posts/2020-05-01-with-time.md': '/blog/2020/with-time/',
    '_posts/2020-06-04-dots...md': '/blog/2020/dots/',
    '_posts/2020-12-31-late-night.md': '/blog/2020/late-night/',
    '_posts/2021-01-01-new-year.md': '/blog/2020/new-year/',
    '_posts/2021-01-03-categories.md': '/blog/2021/categories/',
    '_posts/2021-01-04-category.md': '/blog/2021/category/',
    'about.md': '/about/',
    'docs/guide.md': '/docs/guide/',
    'ja/news/_posts/2020-01-05-konnichiwa.md': '/blog/2020/konnichiwa/',
    'team page.md': '/team%20page/',
  },
  '/:categories/:title:output_ext': {
    '404.html': '/404.html',
    '_posts/2016-07-19-hello world.md': '/hello-world.html',
    '_posts/2019-12-3-teams.md': '/teams.html',
    '_posts/2020-02-29-café-ünïcode.md': '/caf%C3%A9-%C3%BCn%C3%AFcode.html',
    '_posts/2020-03-01-slugged.md': '/Custom-Slug!.html',
    '_posts/2020-05-01-with-time.md': '/web/with-time.html',
    '_posts/2020-06-04-dots...md': '/dots.html',
    '_posts/2020-12-31-late-night.md': '/late-night.html',
    '_posts/2021-01-01-new-year.md': '/new-year.html',
    '_posts/2021-01-03-categories.md': '/tech%20news/ops/categories.html',
    '_posts/2021-01-04-category.md': '/ignored/words/big%20data/category.html',
    'about.md': '/about.html',
    'docs/guide.md': '/docs/guide.html',
    'ja/news/_posts/2020-01-05-konnichiwa.md': '/ja/news/konnichiwa.html',
    'team page.md': '/team%20page.html',
  },
  '/x/:title': {
    '404.html': '/404',
    '_posts/2016-07-19-hello world.md': '/x/hello-world',
    '_posts/2019-12-3-teams.md': '/x/teams',
    '_posts/2020-02-29-café-ünïcode.md': '/x/caf%C3%A9-%C3%BCn%C3%AFcode',
    '_posts/2020-03-01-slugged.md': '/x/Custom-Slug!',
    '_posts/2020-05-01-with-time.md': '/x/with-time',
    '_posts/2020-06-04-dots...md': '/x/dots',
    '_posts/2020-12-31-late-night.md': '/x/late-night',
    '_posts/2021-01-01-new-year.md': '/x/new-year',
    '_posts/2021-01-03-categories.md': '/x/categories',
    '_posts/2021-01-04-category.md': '/x/category',
    'about.md': '/about',
    'docs/guide.md': '/docs/guide',
    'ja/news/_posts/2020-01-05-konnichiwa.md': '/x/konnichiwa',
    'team page.md': '/team%20page',
  },
};

const isPost = (file: string) => file.includes('_posts/');

/** The URL permalink.ts gives a file of the site, with the site's `permalink` setting `style`. */
function ourUrl(file: string, style: string): string {
  const text = FILES[file]!;
  if (isPost(file)) {
    const post = parsePost(path.basename(file), file, text, { timezone: TIMEZONE });
    return postUrl({ permalink: style, relativePath: file, date: post.date, timezone: TIMEZONE, frontMatter: post.frontMatter });
  }
  const frontMatter = (yaml.load(splitFrontMatter(file, text).yaml ?? '') ?? {}) as Record<string, unknown>;
  return pageUrl({ permalink: style, relativePath: file, frontMatter });
}

const ourUrls = (style: string) => Object.fromEntries(Object.keys(FILES).map((file) => [file, ourUrl(file, style)]));
const jekyllUrls = (style: string) => ({ ...SAME_IN_EVERY_STYLE, ...BY_STYLE[style] });

const site = mkdtempSync(path.join(tmpdir(), 'kubeblog-permalinks-'));
afterAll(() => rmSync(site, { recursive: true, force: true }));

/** The URLs the installed Jekyll writes for each style, or undefined when Jekyll is not installed. */
let built: Map<string, Record<string, string>> | undefined;

beforeAll(() => {
  const folders = STYLES.map((style, i) => {
    const folder = path.join(site, `style-${i}`);
    for (const [file, text] of Object.entries(FILES)) {
      mkdirSync(path.dirname(path.join(folder, file)), { recursive: true });
      writeFileSync(path.join(folder, file), text);
    }
    writeFileSync(path.join(folder, '_config.yml'), `timezone: ${TIMEZONE}\npermalink: ${JSON.stringify(style)}\n`);
    return folder;
  });
  // What `jekyll build` runs (Jekyll::Commands::Build), for all sites in one Ruby: eight `jekyll build`
  // processes would spend most of ten seconds loading Ruby.
  const script = 'require "jekyll"; ARGV.each { |dir| Jekyll::Site.new(Jekyll.configuration("source" => dir, "destination" => File.join(dir, "_site"), "quiet" => true)).process }';
  const run = spawnSync('ruby', ['-e', script, ...folders], { encoding: 'utf8', env: { ...process.env, TZ: TIMEZONE } });
  if (run.error || run.status !== 0) return;
  built = new Map(
    STYLES.map((style, i) => {
      const lines = readFileSync(path.join(folders[i]!, '_site', 'urls.txt'), 'utf8').trimEnd().split('\n');
      return [style, Object.fromEntries(lines.map((line) => line.split('\t') as [string, string]))];
    }),
  );
}, 20_000);

describe('permalinks as Jekyll 4.3 makes them', () => {
  it.each(STYLES)('gives posts and pages the URLs Jekyll gives them with permalink: %s', (style) => {
    expect(ourUrls(style)).toEqual(jekyllUrls(style));
    if (built) expect(ourUrls(style)).toEqual(built.get(style));
  });

  it('knows the built-in styles', () => {
    expect(permalinkTemplate(undefined)).toBe('/:categories/:year/:month/:day/:title:output_ext');
    expect(permalinkTemplate('pretty')).toBe('/:categories/:year/:month/:day/:title/');
    expect(permalinkTemplate('/:year/:slug/')).toBe('/:year/:slug/');
  });

  it('refuses a placeholder Jekyll does not know, naming it', () => {
    const date = new Date('2020-01-01T00:00:00Z');
    const post = { relativePath: '_posts/2020-01-01-a.md', date, timezone: 'UTC' };
    expect(() => postUrl({ ...post, permalink: '/:year/:tittle/' })).toThrow(PermalinkError);
    expect(() => postUrl({ ...post, permalink: '/:year/:tittle/' })).toThrow('permalink "/:year/:tittle/" has the placeholder :tittle, which Jekyll 4.3 does not know');
    expect(() => postUrl({ ...post, frontMatter: { permalink: '/:basename/' } })).toThrow(':basename');
    expect(() => pageUrl({ relativePath: 'about.md', frontMatter: { permalink: '/:title/' } })).toThrow(':title');
  });

  it('takes categories from the folders above _posts, then the front matter', () => {
    expect(postCategories('ja/news/_posts/2020-01-05-a.md', { categories: 'x y' })).toEqual(['ja', 'news', 'x', 'y']);
    expect(postCategories('_posts/2020-01-05-a.md', { categories: ['A B', 'A B', 7] })).toEqual(['A B', '7']);
    expect(postCategories('_posts/2020-01-05-a.md', { category: 'Big Data', categories: 'a' })).toEqual(['a', 'Big Data']);
  });

  it('slugifies and escapes as Jekyll does', () => {
    expect(slugify('C++ & C#', 'pretty', true)).toBe('C++-&-C');
    expect(slugify("it's (ok)!")).toBe('it-s-ok');
    expect(slugify('日本語 テスト')).toBe('日本語-テスト');
    expect(escapePath('a b?c d#e f')).toBe('a%20b?c%20d%23e%20f');
    expect(escapePath('100%')).toBe('100%25');
  });

  it.each([
    ['a template naming placeholders over and over', { frontMatter: { permalink: '/:categories/:title/:year'.repeat(4_000), categories: 'a '.repeat(50_000) } }],
    ['a template of colons before a placeholder', { frontMatter: { permalink: `/${':'.repeat(100_000)}year` } }],
    ['a slug of characters a URL escapes', { frontMatter: { slug: 'é '.repeat(50_000) } }],
    ['dots and slashes', { frontMatter: { permalink: './../'.repeat(20_000) } }],
  ])('stays linear on 100 KB of %s', (_what, extra) => {
    const post = { relativePath: '_posts/2020-01-01-a.md', date: new Date('2020-01-01T00:00:00Z'), timezone: 'UTC', ...extra };
    expect(quickestCpuMs(() => postUrl(post), 1000)).toBeLessThan(1000);
  });
});
