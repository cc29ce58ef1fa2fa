import { describe, expect, it } from '@jest/globals';
import { type ParseOptions, parsePost } from '../../src/content/parse.js';
import { PostError, isPostCandidate } from '../../src/content/post.js';
import { postsFromConfigMap } from '../../src/kube/configmap-posts.js';

const utc: ParseOptions = { timezone: 'UTC' };
const parse = (name: string, text: string | Buffer, options = utc) => parsePost(name, `posts/${name}`, typeof text === 'string' ? Buffer.from(text) : text, options);

function failure(fn: () => unknown): PostError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PostError) return error;
    throw error;
  }
  throw new Error('expected a PostError');
}

describe('parsing a Jekyll post', () => {
  it('reads the seed post the way Jekyll does', () => {
    const post = parse('2017-12-15-kubecon-was-nice.md', '---\nlayout: post\ntitle: KubeCon was nice!\ndate: 2017-12-15 20:26:00\n---\n\nFirst paragraph.\n\nSecond.\n');
    expect(post.slug).toBe('kubecon-was-nice');
    expect(post.stem).toBe('2017-12-15-kubecon-was-nice');
    expect(post.title).toBe('KubeCon was nice!');
    expect(post.date.toISOString()).toBe('2017-12-15T20:26:00.000Z');
    expect(post.excerptMarkdown).toBe('First paragraph.');
    expect(post.frontMatter.layout).toBe('post');
    expect(post.published).toBe(true);
  });

  it.each([
    ['2013-05-06 02:12:52 +0200', '2013-05-06T00:12:52.000Z'],
    ['"2013-05-06 02:12:52 +0200"', '2013-05-06T00:12:52.000Z'],
    ['2013-05-06 02:12:52 +02:00', '2013-05-06T00:12:52.000Z'],
    ['2013-05-06T02:12:52Z', '2013-05-06T02:12:52.000Z'],
    ['2013-05-06 02:12', '2013-05-06T02:12:00.000Z'],
    ['2013-05-06', '2013-05-06T00:00:00.000Z'],
  ])('reads the date form %s', (value, iso) => {
    expect(parse('2013-05-06-x.md', `---\ndate: ${value}\n---\nx`).date.toISOString()).toBe(iso);
  });

  it('reads dates without an offset in the site time zone, and falls back to the file name date', () => {
    const berlin = { timezone: 'Europe/Berlin' };
    expect(parse('2017-12-15-a.md', '---\ndate: "2017-12-15 20:26:00"\n---\nx', berlin).date.toISOString()).toBe('2017-12-15T19:26:00.000Z');
    expect(parse('2017-12-15-a.md', '---\ndate: 2017-12-15 20:26\n---\nx', berlin).date.toISOString()).toBe('2017-12-15T19:26:00.000Z');
    expect(parse('2017-12-15-a.md', '---\ntitle: no date\n---\nx', berlin).date.toISOString()).toBe('2017-12-14T23:00:00.000Z');
  });

  it('reads an unquoted YAML timestamp with seconds and no offset as UTC, as Jekyll (Psych) does', () => {
    const berlin = { timezone: 'Europe/Berlin' };
    expect(parse('2017-12-15-a.md', '---\ndate: 2017-12-15 20:26:00\n---\nx', berlin).date.toISOString()).toBe('2017-12-15T20:26:00.000Z');
    expect(parse('2017-12-15-a.md', '---\ndate: 2017-12-15 20:26:00.5 -05:00\n---\nx', berlin).date.toISOString()).toBe('2017-12-16T01:26:00.500Z');
  });

  it('reads the date forms Ruby reads, and still skips a post whose date is not one, naming the file', () => {
    expect(parse('2021-07-27-a.md', '---\ndate: July 27, 2021\n---\nx').date.toISOString()).toBe('2021-07-27T00:00:00.000Z');
    expect(parse('2016-07-19-a.md', '---\ndate: 2016-07-19 (optional)\n---\nx').date.toISOString()).toBe('2016-07-19T00:00:00.000Z');
    expect(failure(() => parse('2020-01-01-a.md', '---\ndate: soon\n---\nx')).message).toBe('posts/2020-01-01-a.md: "date" is not a valid date: "soon"');
  });

  it('keeps the last value of a key given twice, as Jekyll does', () => {
    const post = parse('2020-01-01-a.md', '---\ntitle: First\ntitle: Second\ntags: [a]\ntags: [b, c]\n---\nx');
    expect(post.title).toBe('Second');
    expect(post.tags).toEqual(['b', 'c']);
  });

  it('reads file names with a one-digit month or day, and with spaces, as Jekyll names their URLs', () => {
    const teams = parse('2019-12-3-teams.md', 'x');
    expect(teams.date.toISOString()).toBe('2019-12-03T00:00:00.000Z');
    expect(teams.slug).toBe('teams');
    expect(teams.stem).toBe('2019-12-3-teams');
    const spaced = parse('2020-01-10-my post name.md', 'x');
    expect(spaced.slug).toBe('my-post-name');
    expect(spaced.title).toBe('My post name');
  });

  it('takes tags and categories as a list or a space-separated string, singular keys too', () => {
    const list = parse('2020-01-01-a.md', '---\ntags: [kubernetes, "service mesh"]\ncategories:\n  - ops\n---\nx');
    expect(list.tags).toEqual(['kubernetes', 'service mesh']);
    expect(list.categories).toEqual(['ops']);
    const words = parse('2020-01-01-a.md', '---\ntags: kubernetes helm  istio\ncategory: news\n---\nx');
    expect(words.tags).toEqual(['kubernetes', 'helm', 'istio']);
    expect(words.categories).toEqual(['news']);
  });

  it('keeps unknown keys and reads author, permalink, updated, description', () => {
    const post = parse(
      '2020-01-01-a.md',
      '---\nauthor:\n  name: Jane\npermalink: /old/:title/\nupdated: 2020-02-01\ndescription: About things\ncomments: true\n---\nbody',
    );
    expect(post.author).toBe('Jane');
    expect(post.permalink).toBe('/old/:title/');
    expect(post.updated?.toISOString()).toBe('2020-02-01T00:00:00.000Z');
    expect(post.description).toBe('About things');
    expect(post.frontMatter.comments).toBe(true);
  });

  it('makes the excerpt as Jekyll does: front matter excerpt, else the body up to the excerpt separator', () => {
    expect(parse('2020-01-01-a.md', '---\nexcerpt: Given.\n---\nFirst.\n').excerptMarkdown).toBe('Given.');
    expect(parse('2020-01-01-a.md', '---\n---\n# Heading\n\n```js\ncode\n```\n\nProse here.\n').excerptMarkdown).toBe('# Heading');
    // <!--more--> is a separator only where the site or the post names it.
    expect(parse('2020-01-01-a.md', '---\n---\nOne.\n\nTwo.\n<!--more-->\nThree.').excerptMarkdown).toBe('One.');
    expect(parse('2020-01-01-a.md', '---\nexcerpt_separator: <!--more-->\n---\nOne.\n\nTwo.\n<!--more-->\nThree.').excerptMarkdown).toBe('One.\n\nTwo.\n');
    expect(parse('2020-01-01-a.md', 'One.\n\nTwo.\n<!--more-->\nThree.', { timezone: 'UTC', excerptSeparator: '<!--more-->' }).excerptMarkdown).toBe('One.\n\nTwo.\n');
    expect(parse('2020-01-01-a.md', 'One.\n\nTwo.', { timezone: 'UTC', excerptSeparator: '' }).excerptMarkdown).toBe('');
  });

  it('keeps a front matter description as the description, not the excerpt', () => {
    const post = parse('2020-01-05-a.md', '---\ndescription: Meta words.\n---\nBody first.\n\nTwo.\n');
    expect(post.description).toBe('Meta words.');
    expect(post.excerptMarkdown).toBe('Body first.');
  });

  it('titles a post without a title from its file name, as Jekyll\'s titleize_slug does', () => {
    expect(parse('2020-01-09-edge-case-no-yaml-title.md', 'Just text.\n').title).toBe('Edge Case No Yaml Title');
    expect(parse('2020-01-11-KubeCon-was-nice.md', 'x').title).toBe('Kubecon Was Nice');
  });

  it('accepts a byte order mark and CRLF line ends', () => {
    const post = parse('2020-01-01-a.md', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('---\r\ntitle: Windows\r\n---\r\nLine one.\r\n\r\nTwo.\r\n')]));
    expect(post.title).toBe('Windows');
    expect(post.body()).toBe('Line one.\n\nTwo.\n');
    expect(post.excerptMarkdown).toBe('Line one.');
  });

  it('reads published: false as hidden, and accepts a .markdown post without front matter', () => {
    expect(parse('2020-01-01-a.md', '---\npublished: false\n---\nx').published).toBe(false);
    const bare = parse('2020-01-01-hello-world.markdown', 'Just text.');
    expect(bare.title).toBe('Hello World');
    expect(bare.slug).toBe('hello-world');
  });

  it.each([
    ['bad YAML', '---\ntitle: [unclosed\n---\nx', /front matter is not valid YAML/],
    ['unterminated front matter', '---\ntitle: x\nbody without end', /never closed/],
    ['an invalid date', '---\ndate: yesterday-ish\n---\nx', /"date" is not a valid date/],
    ['a front matter list', '---\n- a\n- b\n---\nx', /not a YAML mapping/],
    ['a wrong published value', '---\npublished: maybe\n---\nx', /"published" must be true or false/],
  ])('rejects %s, naming the file and the reason', (_what, text, reason) => {
    const error = failure(() => parse('2020-01-01-a.md', text));
    expect(error.origin).toBe('posts/2020-01-01-a.md');
    expect(error.message).toMatch(reason);
  });

  it('rejects binary data, invalid UTF-8 and impossible file name dates', () => {
    expect(failure(() => parse('2020-01-01-a.md', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]))).message).toMatch(/binary data/);
    expect(failure(() => parse('2020-01-01-a.md', Buffer.from([0x2d, 0xff, 0xfe, 0x41]))).message).toMatch(/not valid UTF-8/);
    expect(failure(() => parse('2020-13-45-a.md', 'x')).message).toMatch(/not a calendar date/);
    expect(failure(() => parse('notes.md', 'x')).message).toMatch(/YYYY-MM-DD-slug/);
  });

  it('skips a post over POST_MAX_BYTES or with front matter over FRONT_MATTER_MAX_BYTES, naming the setting and the limit', () => {
    const limits = { timezone: 'UTC', postMaxBytes: 2048, frontMatterMaxBytes: 256 };
    expect(parse('2020-01-01-a.md', `---\ntitle: Fits\n---\n${'x'.repeat(1900)}`, limits).title).toBe('Fits');
    expect(failure(() => parse('2020-01-01-a.md', `---\ntitle: Big\n---\n${'x'.repeat(2100)}`, limits)).message).toBe(
      'posts/2020-01-01-a.md: is 2119 bytes, over the limit of 2048 bytes (POST_MAX_BYTES)',
    );
    expect(failure(() => parse('2020-01-01-a.md', `---\ntitle: ${'t'.repeat(300)}\n---\nx`, limits)).message).toBe(
      'posts/2020-01-01-a.md: front matter is 308 bytes, over the limit of 256 bytes (FRONT_MATTER_MAX_BYTES)',
    );
  });

  it('applies the same limits to posts in a ConfigMap', () => {
    const { posts, problems } = postsFromConfigMap(
      {
        metadata: { namespace: 'blog', name: 'posts' },
        data: { '2020-01-01-small.md': '---\ntitle: Small\n---\nx', '2020-01-02-big.md': `---\ntitle: Big\n---\n${'é'.repeat(1100)}` },
      },
      { timezone: 'UTC', postMaxBytes: 2048, frontMatterMaxBytes: 256, maxBytes: 1_000_000 },
    );
    expect(posts.map((p) => p.title)).toEqual(['Small']);
    expect(problems.map((p) => p.message)).toEqual(['configmap/blog/posts#2020-01-02-big.md: is 2219 bytes, over the limit of 2048 bytes (POST_MAX_BYTES)']);
  });

  it('tells post files from files that are not posts', () => {
    expect(isPostCandidate('2020-01-01-a.md')).toBe(true);
    expect(isPostCandidate('2020-01-01-a.markdown')).toBe(true);
    expect(isPostCandidate('.2020-01-01-a.md.swp')).toBe(false);
    expect(isPostCandidate('.hidden.md')).toBe(false);
    expect(isPostCandidate('image.png')).toBe(false);
    expect(isPostCandidate('README.txt')).toBe(false);
  });
});
