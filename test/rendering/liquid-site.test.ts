import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { loadSiteData } from '../../src/content/site-data.js';
import { createRenderEngines } from '../../src/rendering/engines.js';
import { type FragmentJob, type FragmentResult, type SharedSite, renderFragment, siteVariables as siteScope } from '../../src/rendering/fragment.js';
import { readIncludes, readRelativeIncludes } from '../../src/content/include-files.js';
import { relativeIncludeNames } from '../../src/rendering/liquid-files.js';
import { type LiquidLimits, type LiquidScope, type SiteVariables, createLiquid } from '../../src/rendering/liquid.js';
import { GFM_SETTINGS } from '../../src/rendering/markdown-settings.js';
import { RenderPool } from '../../src/rendering/render-pool.js';
import { renderWorkerScript } from '../../src/rendering/render-worker-script.js';
import { quickestCpuMs } from '../support/cpu-time.js';

const limits: LiquidLimits = { renderLimitMs: 2000, memoryLimit: 10_000_000, parseLimit: 1_048_576 };
const settings = { markdown: GFM_SETTINGS, markdownMaxNesting: 32, liquidRenderLimitMs: 2000, liquidMemoryLimit: 10_000_000, liquidParseLimit: 1_048_576 };

const CONFIG = `title: Kube notes
url: https://blog.example.com
baseurl: /blog
repository: me/kube-notes
author:
  name: Ada
social:
  links:
    - https://github.com/me
    - https://fosstodon.org/@me
`;

/** A page of a Jekyll site using includes, include_relative, `_config.yml` keys and `site.data`. */
const PAGE = `1 {% include note.html kind="info" text="Hello" %}
2 {% include {{ page.tip_file }} text="careful" %}
3 {% include_relative snippet.txt n=2 %}
4 {{ site.repository }} {{ site.author.name }} {{ site.social.links | join: " " }} {{ site.social.links[1] }}
5 {{ site.data.team.lead }} {{ site.data.team.members | size }} {% for p in site.data.people.links %}{{ p.name }}={{ p.site }};{% endfor %}
6 {{ site.url }}{{ site.baseurl }} {{ site.title }} {{ "/x.png" | relative_url }} {{ "/x.png" | absolute_url }}
7 {% raw %}{{ kept }}{% endraw %}
`;

/** _site/notes/page.html of that site built by Jekyll 4.3.1 (the page has no layout). */
const JEKYLL_PAGE = `1 <aside class="info">Hello</aside>
2 Tip for Main: CAREFUL<aside class="nested">careful</aside>
3 snippet 2 of Kube notes
4 me/kube-notes Ada https://github.com/me https://fosstodon.org/@me https://fosstodon.org/@me
5 Ada 2 Ada=https://ada.example;Lin=;
6 https://blog.example.com/blog Kube notes /blog/x.png https://blog.example.com/blog/x.png
7 {{ kept }}
`;

let site: string;
let shared: SharedSite;
let siteVariables: SiteVariables;

beforeAll(async () => {
  site = await mkdtemp(path.join(tmpdir(), 'kubeblog-site-'));
  await mkdir(path.join(site, '_includes', 'notes'), { recursive: true });
  await mkdir(path.join(site, '_data', 'people'), { recursive: true });
  await mkdir(path.join(site, 'notes'));
  await writeFile(path.join(site, '_config.yml'), CONFIG);
  await writeFile(path.join(site, '_data', 'team.yml'), 'lead: Ada\nmembers: [Ada, Lin]\n');
  await writeFile(path.join(site, '_data', 'people', 'links.csv'), 'name,site\nAda,https://ada.example\nLin,\n');
  await writeFile(path.join(site, '_includes', 'note.html'), '<aside class="{{ include.kind }}">{{ include.text }}</aside>');
  await writeFile(
    path.join(site, '_includes', 'notes', 'tip.html'),
    'Tip for {{ page.title }}: {{ include.text | upcase }}{% include note.html kind="nested" text=include.text %}',
  );
  await writeFile(path.join(site, 'notes', 'snippet.txt'), 'snippet {{ include.n }} of {{ site.title }}');
  await writeFile(path.join(site, 'secret.txt'), 'secret');

  const config = yaml.load(await readFile(path.join(site, '_config.yml'), 'utf8')) as Record<string, unknown>;
  const { data } = await loadSiteData(path.join(site, '_data'));
  const { files } = await readIncludes(path.join(site, '_includes'));
  shared = { site: { ...config, data }, includes: files };
  siteVariables = { url: 'https://blog.example.com', baseurl: '/blog', title: 'Kube notes', description: '', author: 'Ada' };
});
afterAll(() => rm(site, { recursive: true, force: true }));

function scopeFor(relativeFiles = {}): LiquidScope {
  return {
    site: siteScope(shared, siteVariables),
    page: { title: 'Main', tip_file: 'notes/tip.html' },
    postUrl: () => undefined,
    includes: shared.includes,
    relativeFiles,
  };
}

describe('a Jekyll site in Liquid', () => {
  it('renders includes with parameters, includes named by variables, include_relative, _config.yml keys and site.data as Jekyll 4.3.1', async () => {
    const relativeFiles = await readRelativeIncludes(site, path.join(site, 'notes'), relativeIncludeNames(PAGE));
    const result = createLiquid(limits).render(PAGE, scopeFor(relativeFiles));
    expect(result).toEqual({ text: JEKYLL_PAGE, problems: [] });
  });

  it('reads include_relative files only from inside the site folder', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'kubeblog-outside-'));
    await writeFile(path.join(outside, 'passwd'), 'root:x:0:0');
    await symlink(path.join(outside, 'passwd'), path.join(site, 'notes', 'escape.txt'));
    try {
      const names = relativeIncludeNames('{% include_relative ../secret.txt %}{% include_relative escape.txt %}{% include_relative snippet.txt %}{% include_relative {{ page.x }} %}');
      expect(names).toEqual(['../secret.txt', 'escape.txt', 'snippet.txt']);
      const files = await readRelativeIncludes(site, path.join(site, 'notes'), names);
      expect(Object.keys(files)).toEqual(['snippet.txt']);
      const result = createLiquid(limits).render('a {% include_relative ../secret.txt %} b {% include_relative escape.txt %} c', scopeFor(files));
      expect(result.text).toBe('a  b  c');
      expect(result.problems).toEqual([
        { message: expect.stringMatching(/"..\/secret.txt" cannot be included: its name has characters or sequences Jekyll refuses/), line: 1 },
        { message: expect.stringMatching(/"escape.txt" cannot be included: there is no such file in the post's folder/), line: 1 },
      ]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe('a tag that cannot run', () => {
  const withFailures = [
    'Intro {{ site.url }}{{ site.baseurl }}',
    '{% oembed https://www.youtube.com/watch?v=x %}',
    '{% raw %}{{ not.liquid }}{% endraw %}',
    '{% youtube dQw4w9WgXcQ %}',
    '{% highlight ruby %}',
    'puts "hi"',
    '{% endhighlight %}',
    '{% include missing.html %}{% include note.html kind="k" text="t" %}',
    '{% post_url 2001-01-01-none %} {{ site.repository }}',
  ].join('\n');
  const withoutFailures = withFailures
    .replace('{% oembed https://www.youtube.com/watch?v=x %}', '')
    .replace('{% youtube dQw4w9WgXcQ %}', '')
    .replace('{% include missing.html %}', '')
    .replace('{% post_url 2001-01-01-none %}', '');

  it('is left out and reported with its line, and every other tag renders as without it', () => {
    const liquid = createLiquid(limits);
    const result = liquid.render(withFailures, { ...scopeFor(), firstLine: 5 });
    expect(result.text).toBe(liquid.render(withoutFailures, scopeFor()).text);
    expect(result.text).toContain('Intro https://blog.example.com/blog\n\n{{ not.liquid }}\n');
    expect(result.text).toContain('<aside class="k">t</aside>');
    expect(result.text).toContain('\n me/kube-notes');
    expect(result.problems).toEqual([
      { message: 'the tag "oembed" is not known here (a Jekyll plugin\'s?) and was left out', line: 6 },
      { message: 'the tag "youtube" is not known here (a Jekyll plugin\'s?) and was left out', line: 8 },
      { message: '"missing.html" cannot be included: there is no such file in _includes; the tag was left out', line: 12 },
      { message: '{% post_url 2001-01-01-none %} names no post; the tag was left out', line: 13 },
    ]);
  });

  it('inside an include is reported with the include and its own line', () => {
    const includes = { ...shared.includes, 'card.html': 'one\n{% gallery x %}{{ include.t }}' };
    const result = createLiquid(limits).render('{% include card.html t="ok" %}', { ...scopeFor(), includes });
    expect(result).toEqual({
      text: 'one\nok',
      problems: [{ message: 'the tag "gallery" is not known here (a Jekyll plugin\'s?) and was left out', line: 2, file: '_includes/card.html' }],
    });
  });

  it('leaves the block a failing tag stands in to render the rest of the block', () => {
    const result = createLiquid(limits).render('{% if true %}a{% include none.html %}b{% endif %}{% for i in (1..2) %}{% nope %}{{ i }}{% endfor %}', scopeFor());
    expect(result.text).toBe('ab12');
    expect(result.problems.map((p) => p.message)).toEqual([
      '"none.html" cannot be included: there is no such file in _includes; the tag was left out',
      'the tag "nope" is not known here (a Jekyll plugin\'s?) and was left out',
      'the tag "nope" is not known here (a Jekyll plugin\'s?) and was left out',
    ]);
  });

  it('lists twenty problems and counts the rest', () => {
    const result = createLiquid(limits).render('{% oembed x %}'.repeat(25) + '{{ site.title }}', scopeFor());
    expect(result.text).toBe('Kube notes');
    expect(result.problems).toHaveLength(21);
    expect(result.problems[20]).toEqual({ message: '5 more tags could not run and were left out' });
  });

  it('stops an include that includes itself at Liquid\'s nesting depth, keeping the rest', () => {
    const includes = { 'loop.html': 'x{% include loop.html %}' };
    const result = createLiquid(limits).render('a{% include loop.html %}b', { ...scopeFor(), includes });
    expect(result.text).toBe(`a${'x'.repeat(100)}b`);
    expect(result.problems).toEqual([{ message: '"loop.html" cannot be included: includes nest more than 100 deep; the tag was left out', line: 1, file: '_includes/loop.html' }]);
  });
});

describe('hostile Liquid with tags that cannot run', () => {
  const liquid = createLiquid(limits);
  it.each([
    ['unknown tags', '{% oembed x %}'.repeat(7000)],
    ['missing includes', '{% include none.html %}'.repeat(4500)],
    ['includes of a file', '{% include note.html text="a" %}'.repeat(3000)],
    ['unknown block tags left open', '{% tabs %}{% if x %}'.repeat(5000)],
    ['unclosed include tags', '{% include note.html '.repeat(5000)],
  ])('renders 100 KB of %s in linear time', (_name, text) => {
    expect(quickestCpuMs(() => liquid.render(text, scopeFor()), 1000)).toBeLessThan(1000);
  });

  it.each([
    ['openers', '{%'.repeat(50_000)],
    ['unclosed include_relative tags', '{% include_relative '.repeat(5000) + '%}'],
    ['include_relative tags', '{% include_relative x.md %}'.repeat(4000)],
  ])('finds include_relative names in 100 KB of %s in linear time', (_name, text) => {
    expect(quickestCpuMs(() => relativeIncludeNames(text), 1000)).toBeLessThan(1000);
  });
});

describe('on render threads', () => {
  let pool: RenderPool;
  beforeAll(async () => {
    pool = new RenderPool({ script: renderWorkerScript, workerData: settings, threads: 2, timeoutMs: 10_000, maxHeapMb: 64 });
    await pool.ready();
  });
  afterAll(() => pool.close());

  const job = (text: string, firstLine = 1): FragmentJob => ({
    text,
    liquid: { site: siteVariables, page: { title: 'Main' }, postUrls: {}, firstLine },
  });

  it('renders with the shared site sent once per thread, and with the new one after it changes', async () => {
    pool.share(shared);
    const text = 'Lead: {% include note.html kind="a" text=site.data.team.lead %} {{ site.repository }}';
    const before = await Promise.all([1, 2, 3, 4].map(() => pool.run<FragmentResult>(job(text))));
    for (const result of before) expect(result).toEqual({ html: '<p>Lead: <aside class="a">Ada</aside> me/kube-notes</p>\n' });

    pool.share({ site: { ...shared.site, repository: 'me/moved' }, includes: { ...shared.includes, 'note.html': '<b>{{ include.text }}</b>' } });
    const after = await Promise.all([1, 2, 3, 4].map(() => pool.run<FragmentResult>(job(text))));
    for (const result of after) expect(result).toEqual({ html: '<p>Lead: <b>Ada</b> me/moved</p>\n' });
  });

  it('reports a failing tag with its line in the file and renders the rest, across the thread', async () => {
    pool.share(shared);
    const result = await pool.run<FragmentResult>(job('# {{ site.title }}\n\n{% youtube abc %}\n\n{% raw %}{{ x }}{% endraw %}\n', 4));
    expect(result).toEqual({
      html: '<h1 id="kube-notes">Kube notes</h1>\n<p>{{ x }}</p>\n',
      liquidProblems: [{ message: 'the tag "youtube" is not known here (a Jekyll plugin\'s?) and was left out', line: 6 }],
    });
  });

  it('gives a thread started after a crash the shared site too', async () => {
    pool.share(shared);
    const replaced = new RenderPool({ script: renderWorkerScript, workerData: { ...settings, liquidRenderLimitMs: 60_000 }, threads: 1, timeoutMs: 300, maxHeapMb: 64 });
    try {
      await replaced.ready();
      replaced.share(shared);
      await expect(replaced.run(job('{% for i in (1..3000) %}{% for j in (1..3000) %}x{% endfor %}{% endfor %}'))).rejects.toThrow(/longer than 300 ms/);
      expect(replaced.restarts).toBe(1);
      await expect(replaced.run<FragmentResult>(job('{{ site.data.team.lead }}'))).resolves.toEqual({ html: '<p>Ada</p>\n' });
    } finally {
      await replaced.close();
    }
  });

  it('renders on the event loop what the inline engines get, with the same result', () => {
    const engines = createRenderEngines(settings);
    expect(renderFragment(job('{{ site.data.team.lead }}'), engines, shared)).toEqual({ html: '<p>Ada</p>\n' });
  });
});
