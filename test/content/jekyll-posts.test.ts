import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { parsePost } from '../../src/content/parse.js';

// Posts with the cases where kubeblog used to differ from Jekyll, and what Jekyll 4.3.1 makes of them in
// a site with `timezone: Europe/Berlin`: title, excerpt source (Excerpt#content) and date.
const POSTS: readonly { file: string; text: string; title: string; excerpt: string; date: string }[] = [
  { file: '2017-12-15-unquoted.md', text: '---\ndate: 2017-12-15 20:26:00\n---\nx\n', title: 'Unquoted', excerpt: 'x\n', date: '2017-12-15T20:26:00.000Z' },
  { file: '2017-12-15-quoted.md', text: '---\ndate: "2017-12-15 20:26:00"\n---\nx\n', title: 'Quoted', excerpt: 'x\n', date: '2017-12-15T19:26:00.000Z' },
  { file: '2017-12-15-noseconds.md', text: '---\ndate: 2017-12-15 20:26\n---\nx\n', title: 'Noseconds', excerpt: 'x\n', date: '2017-12-15T19:26:00.000Z' },
  { file: '2020-01-01-dup.md', text: '---\ntitle: First\ntitle: Second\n---\nx\n', title: 'Second', excerpt: 'x\n', date: '2019-12-31T23:00:00.000Z' },
  {
    file: '2020-01-02-liquid-first.md',
    text: '---\n---\n\n\n{% include note.html %}\n\nSecond.\n',
    title: 'Liquid First',
    excerpt: '{% include note.html %}',
    date: '2020-01-01T23:00:00.000Z',
  },
  { file: '2020-01-03-image-first.md', text: '---\n---\n![cat](/cat.png)\n\nProse.\n', title: 'Image First', excerpt: '![cat](/cat.png)', date: '2020-01-02T23:00:00.000Z' },
  {
    file: '2020-01-04-refs.md',
    text: '---\n---\nSee [the docs][1] and [more][].\n\nText.\n\n[1]: https://example.com/docs\n  [more]: /more "More"\n[unused]: /x\n',
    title: 'Refs',
    excerpt: 'See [the docs][1] and [more][].\n\n[1]: https://example.com/docs\n[more]: /more "More"',
    date: '2020-01-03T23:00:00.000Z',
  },
  { file: '2020-01-05-description.md', text: '---\ndescription: Meta words.\n---\nBody first.\n\nTwo.\n', title: 'Description', excerpt: 'Body first.', date: '2020-01-04T23:00:00.000Z' },
  {
    file: '2020-01-06-more.md',
    text: '---\nexcerpt_separator: <!--more-->\n---\nOne.\n\nTwo.\n<!--more-->\nThree.\n',
    title: 'More',
    excerpt: 'One.\n\nTwo.\n',
    date: '2020-01-05T23:00:00.000Z',
  },
  { file: '2020-01-07-more-default.md', text: '---\n---\nOne.\n\nTwo.\n<!--more-->\nThree.\n', title: 'More Default', excerpt: 'One.', date: '2020-01-06T23:00:00.000Z' },
  {
    file: '2020-01-08-open-block.md',
    text: '---\n---\n{% if true %}\nInside.\n\nStill inside.\n{% endif %}\n',
    title: 'Open Block',
    excerpt: '{% if true %}\nInside.\n{% endif %}',
    date: '2020-01-07T23:00:00.000Z',
  },
  { file: '2020-01-09-edge-case-no-yaml-title.md', text: 'Just text.\n', title: 'Edge Case No Yaml Title', excerpt: 'Just text.\n', date: '2020-01-08T23:00:00.000Z' },
  { file: '2019-12-3-teams.md', text: '---\n---\nx\n', title: 'Teams', excerpt: 'x\n', date: '2019-12-02T23:00:00.000Z' },
  { file: '2020-01-10-my post name.md', text: '---\n---\nx\n', title: 'My post name', excerpt: 'x\n', date: '2020-01-09T23:00:00.000Z' },
  { file: '2020-01-11-KubeCon-was-nice.md', text: '---\n---\nx\n', title: 'Kubecon Was Nice', excerpt: 'x\n', date: '2020-01-10T23:00:00.000Z' },
];

const TIMEZONE = 'Europe/Berlin';

const site = mkdtempSync(path.join(tmpdir(), 'kubeblog-jekyll-posts-'));
afterAll(() => rmSync(site, { recursive: true, force: true }));

/** What Jekyll reads from the posts: [file, title, excerpt, date] for each; undefined when Jekyll is not installed. */
function jekyllReading(): string[][] | undefined {
  mkdirSync(path.join(site, '_posts'), { recursive: true });
  writeFileSync(path.join(site, '_config.yml'), `timezone: ${TIMEZONE}\n`);
  for (const post of POSTS) writeFileSync(path.join(site, '_posts', post.file), post.text);
  const script = `
    require 'jekyll'; require 'json'
    site = Jekyll::Site.new(Jekyll.configuration('source' => ARGV[0], 'destination' => File.join(ARGV[0], '_site'), 'quiet' => true))
    site.read
    puts JSON.generate(site.posts.docs.map { |d| [d.basename, d.data['title'], d.data['excerpt'].content, d.date.utc.strftime('%FT%T.%LZ')] })`;
  const run = spawnSync('ruby', ['-e', script, site], { encoding: 'utf8', env: { ...process.env, TZ: TIMEZONE } });
  if (run.error || run.status !== 0) return undefined;
  return JSON.parse(run.stdout) as string[][];
}

describe('posts read as Jekyll 4.3 reads them', () => {
  it('gives each post the title, excerpt and date Jekyll gives it', () => {
    const ours = POSTS.map((post) => {
      const parsed = parsePost(post.file, post.file, post.text, { timezone: TIMEZONE });
      return [post.file, parsed.title, parsed.excerptMarkdown, parsed.date.toISOString()];
    });
    expect(ours).toEqual(POSTS.map((post) => [post.file, post.title, post.excerpt, post.date]));
    const jekyll = jekyllReading();
    if (jekyll) {
      const byFile = new Map(jekyll.map((row) => [row[0], row]));
      expect(ours).toEqual(POSTS.map((post) => byFile.get(post.file)));
    }
  });
});
