// A Jekyll site served from SITE_DIR, over real HTTP: posts at the URLs the site's permalink gives them,
// nested _posts folders, pages, redirect_from, drafts, and a _config.yml that breaks.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rawGet, startTestBlog, type TestBlog } from '../support/blog.js';
import { within } from '../support/wait.js';

async function writeSite(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  }
}

const site: Record<string, string> = {
  '_config.yml': 'title: Site Of Jekyll\npermalink: /blog/:year/:title/\nheader_pages: [about.md]\nrepository: example/site\nexclude: [notes.md]\n',
  '_posts/2020-01-02-hello.md': '---\ntitle: Hello one\n---\nFirst hello, from {{ site.repository }}.\n',
  '_posts/2021-03-04-hello.md': '---\ntitle: Hello two\nredirect_from: /old/hello-two/\n---\nSecond hello.\n',
  'ja/news/_posts/2019-05-06-kyoto.md': '---\ntitle: Kyoto\npermalink: /:categories/:title.html\n---\nNews from Kyoto.\n',
  '_drafts/unfinished.md': '---\ntitle: Unfinished\n---\nNot yet.\n',
  'about.md': '---\ntitle: About us\nredirect_from: [/who/]\n---\nWe write *about* things.\n',
  'projects/index.html': '---\ntitle: Projects\n---\n<p class="projects">Our projects at {{ page.url }}</p>\n',
  'writing.md': '---\ntitle: Writing\n---\n{% for post in site.posts limit: 2 %}\n- [{{ post.title }}]({{ post.url | relative_url }}) {{ post.date | date: "%Y" }}\n{% endfor %}\n',
  'notes.md': '---\ntitle: Notes\n---\nExcluded.\n',
  'clash.md': '---\ntitle: Clash\npermalink: /blog/2020/hello/\n---\nA page where a post is.\n',
  'plain.md': 'No front matter: copied as it is, not a page.\n',
  'assets/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  '_includes/note.html': '<aside class="note">{{ include.text }}</aside>',
  '_data/releases.yml': '- version: 1.4.2\n- version: 1.4.1\n',
  '_posts/2022-02-02-liquid.md':
    '---\ntitle: Liquid\n---\nLatest: {{ site.data.releases[0].version }}.\n\n{% include note.html text="Mind the gap" %}\n\n{% oembed https://example.com/v %}\n\nStill {{ page.title }}.\n\n[About]({% link about.md %}), ![logo]({% link assets/logo.svg %})\n',
};

let root: string;
let blog: TestBlog;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'kubeblog-site-'));
  await writeSite(root, site);
  blog = await startTestBlog({ SITE_DIR: root });
});
afterAll(async () => {
  await blog?.stop();
  await rm(root, { recursive: true, force: true });
});

const get = (urlPath: string) => rawGet(`${blog.url}${urlPath}`);

describe('a Jekyll site', () => {
  it('serves each post at the URL its permalink gives, both posts of one slug at their own', async () => {
    const one = await get('/blog/2020/hello/');
    expect(one.status).toBe(200);
    expect(one.body.toString()).toContain('First hello, from example/site.');
    const two = await get('/blog/2021/hello/');
    expect(two.status).toBe(200);
    expect(two.body.toString()).toContain('Second hello.');
    const kyoto = await get('/ja/news/kyoto.html');
    expect(kyoto.status).toBe(200);
    expect(kyoto.body.toString()).toContain('News from Kyoto.');
  });

  it('serves the post when a page claims its URL too, and reports the page', async () => {
    expect((await get('/blog/2020/hello/')).body.toString()).toContain('First hello');
    expect(blog.logs.messages()).toContain(
      `two files claim the URL "/blog/2020/hello/": serving ${path.join(root, '_posts/2020-01-02-hello.md')}, dropping ${path.join(root, 'clash.md')}`,
    );
  });

  it('redirects other spellings, /posts/SLUG and redirect_from to the canonical URL', async () => {
    expect(await get('/blog/2020/hello')).toMatchObject({ status: 301, headers: { location: '/blog/2020/hello/' } });
    expect(await get('/posts/hello')).toMatchObject({ status: 301, headers: { location: '/blog/2021/hello/' } });
    expect(await get('/old/hello-two/')).toMatchObject({ status: 301, headers: { location: '/blog/2021/hello/' } });
    expect(await get('/who/')).toMatchObject({ status: 301, headers: { location: '/about/' } });
  });

  it('serves pages in the theme, Markdown rendered and HTML kept, with header_pages in the navigation', async () => {
    const about = await get('/about/');
    expect(about.status).toBe(200);
    expect(about.body.toString()).toContain('<h1>About us</h1>');
    expect(about.body.toString()).toContain('We write <em>about</em> things.');
    expect(about.body.toString()).toMatch(/<nav aria-label="Site">[\s\S]*<a href="\/about\/">About us<\/a>/);
    const writing = (await get('/writing/')).body.toString();
    expect(writing).toContain('<a href="/blog/2022/liquid/">Liquid</a> 2022');
    expect(writing).toContain('<a href="/blog/2021/hello/">Hello two</a> 2021');
    expect(writing).not.toContain('Hello one');
    const projects = await get('/projects/');
    expect(projects.status).toBe(200);
    expect(projects.body.toString()).toContain('<p class="projects">Our projects at /projects/</p>');
  });

  it('serves static files with their type and validators, and only those Jekyll would copy', async () => {
    const logo = await get('/assets/logo.svg');
    expect(logo.status).toBe(200);
    expect(logo.headers['content-type']).toBe('image/svg+xml');
    const again = await rawGet(`${blog.url}/assets/logo.svg`, { 'If-None-Match': String(logo.headers.etag) });
    expect(again.status).toBe(304);
    expect((await get('/_config.yml')).status).toBe(404);
    expect((await get('/_includes/note.html')).status).toBe(404);
    expect((await get('/plain.md')).status).toBe(200);
    expect(logo.headers['x-request-id']).toBeDefined();
    expect(logo.headers['content-security-policy']).toBeDefined();
    const exposition = await blog.blog.metrics.registry.metrics();
    expect(exposition).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/:static",status_code="200"\} [1-9]/);
    expect(blog.logs.messages()).toContain('GET /assets/logo.svg 200');
  });

  it("gives Liquid the site's data and includes, and leaves out only the tag that cannot run", async () => {
    const post = (await get('/blog/2022/liquid/')).body.toString();
    expect(post).toContain('Latest: 1.4.2.');
    expect(post).toContain('<aside class="note">Mind the gap</aside>');
    expect(post).toContain('Still Liquid.');
    expect(post).not.toContain('oembed');
    expect(post).toContain('<a href="/about/">About</a>, <img src="/assets/logo.svg" alt="logo">');
  });

  it('leaves out excluded files, drafts unless shown, and files without front matter as pages', async () => {
    expect((await get('/notes.html')).status).toBe(404);
    expect((await get('/blog/' + new Date().getUTCFullYear() + '/unfinished/')).status).toBe(404);
    expect((await get('/plain.html')).status).toBe(404);
    const titles = ((JSON.parse((await get('/api/posts')).body.toString()) as { posts: Array<{ title: string; url: string }> }).posts).map((p) => `${p.title} ${p.url}`);
    expect(titles).toEqual(['Liquid /blog/2022/liquid/', 'Hello two /blog/2021/hello/', 'Hello one /blog/2020/hello/', 'Kyoto /ja/news/kyoto.html']);
  });

  it('follows posts added in a new nested folder and edits in a nested folder, without a rescan', async () => {
    await writeSite(root, { '_posts/2023/05/2023-05-06-nested.md': '---\ntitle: Nested\n---\nDeep down.\n' });
    await within(5000, async () => (await get('/blog/2023/nested/')).status === 200);
    await writeFile(path.join(root, 'ja/news/_posts/2019-05-06-kyoto.md'), '---\ntitle: Kyoto\npermalink: /:categories/:title.html\n---\nMore news from Kyoto.\n');
    await within(5000, async () => (await get('/ja/news/kyoto.html')).body.toString().includes('More news from Kyoto.'));
    await writeFile(path.join(root, '_data/releases.yml'), '- version: 1.5.0\n');
    await within(5000, async () => (await get('/blog/2022/liquid/')).body.toString().includes('Latest: 1.5.0.'));
  });

  it('keeps the last good site when _config.yml breaks, and follows it when it is fixed', async () => {
    await writeFile(path.join(root, '_config.yml'), 'title: [unclosed\n');
    await within(5000, async () => blog.logs.messages().some((m) => m.startsWith('site reload failed, keeping the last good site:') && m.includes('_config.yml is not valid YAML')));
    expect((await get('/blog/2020/hello/')).status).toBe(200);
    await writeFile(path.join(root, '_config.yml'), 'permalink: pretty\n');
    await within(5000, async () => (await get('/2020/01/02/hello/')).status === 200);
    // The posts collection's permalink wins for posts; pages keep the site's style.
    await writeFile(path.join(root, '_config.yml'), 'permalink: pretty\ncollections:\n  posts:\n    permalink: /news/:year/:title/\n');
    await within(5000, async () => (await get('/news/2020/hello/')).status === 200);
    expect((await get('/about/')).status).toBe(200);
  });
});

describe('a Jekyll site that cannot start', () => {
  it('stops start-up naming _config.yml and the reason', async () => {
    const broken = await mkdtemp(path.join(tmpdir(), 'kubeblog-site-'));
    try {
      await writeSite(broken, { '_config.yml': 'permalink: /:year/:nonsense/\n', '_posts/2020-01-02-a.md': '---\ntitle: A\n---\nA.\n' });
      await expect(startTestBlog({ SITE_DIR: broken })).rejects.toThrow(
        `SITE_DIR: "${broken}" could not be loaded: ${broken}/_config.yml permalink "/:year/:nonsense/" has the placeholder :nonsense, which Jekyll 4.3 does not know`,
      );
      await writeFile(path.join(broken, '_config.yml'), 'title: [unclosed\n');
      await expect(startTestBlog({ SITE_DIR: broken })).rejects.toThrow(/^SITE_CONFIG: cannot read Jekyll config/);
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});

describe('a posts folder with a Jekyll config', () => {
  it("serves posts at the URLs SITE_CONFIG's permalink gives them", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kubeblog-posts-'));
    let folderBlog: TestBlog | undefined;
    try {
      await writeSite(dir, {
        '_config.yml': 'permalink: /:year/:title/\n',
        'posts/2020-01-02-hello.md': '---\ntitle: Hello\n---\nHi.\n',
      });
      folderBlog = await startTestBlog({ POSTS_DIR: path.join(dir, 'posts'), SITE_CONFIG: path.join(dir, '_config.yml') });
      expect((await rawGet(`${folderBlog.url}/2020/hello/`)).status).toBe(200);
      expect(await rawGet(`${folderBlog.url}/posts/hello`)).toMatchObject({ status: 301, headers: { location: '/2020/hello/' } });
    } finally {
      await folderBlog?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a Jekyll site checked out by git-sync', () => {
  it('follows the swap of the checkout symlink to a new revision', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'kubeblog-gitsync-'));
    let synced: TestBlog | undefined;
    try {
      await writeSite(path.join(root, 'rev1'), { '_config.yml': 'permalink: /:title/\n', '_posts/2020-01-02-first.md': '---\ntitle: First\n---\nOne.\n' });
      await writeSite(path.join(root, 'rev2'), {
        '_config.yml': 'permalink: /:title/\n',
        '_posts/2020-01-02-first.md': '---\ntitle: First\n---\nOne.\n',
        '_posts/2020-02-03-second.md': '---\ntitle: Second\n---\nTwo.\n',
        'images/new.png': 'png',
      });
      await symlink('rev1', path.join(root, 'current'));
      synced = await startTestBlog({ SITE_DIR: path.join(root, 'current') });
      expect((await rawGet(`${synced.url}/second/`)).status).toBe(404);
      // git-sync makes a new link and renames it over the old one: one atomic swap.
      await symlink('rev2', path.join(root, 'current.new'));
      await rename(path.join(root, 'current.new'), path.join(root, 'current'));
      const blogUrl = synced.url;
      await within(5000, async () => (await rawGet(`${blogUrl}/second/`)).status === 200);
      expect((await rawGet(`${blogUrl}/images/new.png`)).status).toBe(200);
    } finally {
      await synced?.stop();
      await rm(root, { recursive: true, force: true });
    }
  });
});
