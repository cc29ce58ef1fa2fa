import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type IncludeFiles, type LiquidLimits, type LiquidScope, createLiquid } from '../../src/rendering/liquid.js';
import { readIncludes } from '../../src/content/include-files.js';

const limits: LiquidLimits = { renderLimitMs: 200, memoryLimit: 1_000_000, parseLimit: 1_048_576 };
const scope: LiquidScope = {
  site: { url: 'https://blog.example.com', baseurl: '', title: 'Test blog', description: '', author: '' },
  page: { title: 'Main' },
  postUrl: () => undefined,
};

function timed<T>(run: () => T): { result: T; ms: number } {
  const start = performance.now();
  const result = run();
  return { result, ms: performance.now() - start };
}

describe('Liquid limits', () => {
  it('stops a range loop of 100,000,000 steps at once instead of allocating it', () => {
    const { result, ms } = timed(() => createLiquid(limits).render('a{% for i in (1..100000000) %}x{% endfor %}b', scope));
    expect(result.problems[0]?.message).toMatch(/memory alloc limit exceeded/);
    expect(ms).toBeLessThan(limits.renderLimitMs);
    // The tags are left out, the text around them stays.
    expect(result.text).toBe('axb');
  });

  it('stops a nested loop of 3,000,000 steps after about the render limit', () => {
    const template = '{% for i in (1..3000) %}{% for j in (1..1000) %}x{% endfor %}{% endfor %}';
    const { result, ms } = timed(() => createLiquid(limits).render(template, scope));
    expect(result.problems[0]?.message).toMatch(/template render limit exceeded/);
    expect(ms).toBeGreaterThanOrEqual(limits.renderLimitMs);
    expect(ms).toBeLessThan(limits.renderLimitMs + 800);
  });

  it('refuses output longer than the template and its memory limit, which liquidjs does not count', () => {
    const small = { renderLimitMs: 1000, memoryLimit: 1000, parseLimit: 1000 };
    const within = createLiquid(small).render('{% for i in (1..100) %}xxxxxxxxxx{% endfor %}', scope);
    expect(within).toEqual({ text: 'xxxxxxxxxx'.repeat(100), problems: [] });
    const over = createLiquid(small).render('{% for i in (1..300) %}xxxxxxxxxx{% endfor %}', scope);
    expect(over.problems[0]?.message).toMatch(/output of 3000 characters is over the limit of 2000/);
  });

  it('refuses a template longer than the parse limit', () => {
    const result = createLiquid({ ...limits, parseLimit: 100 }).render(`{{ page.title }}${'x'.repeat(200)}`, scope);
    expect(result.problems[0]?.message).toMatch(/parse length limit exceeded/);
  });

  it('keeps rendering normal Liquid', () => {
    expect(createLiquid(limits).render('{% for i in (1..3) %}{{ i }}{% endfor %} {{ page.title }}', scope)).toEqual({ text: '123 Main', problems: [] });
  });
});

describe('Liquid that cannot run loses its tags in linear time', () => {
  const liquid = createLiquid(limits);

  it.each([
    ['{{', '{{'.repeat(50_000)],
    ['{%', '{%'.repeat(50_000)],
    ['{% raw %}', '{% raw %}'.repeat(11_000)],
    ['{{ }} {%', '{{ a }} {%'.repeat(10_000)],
  ])('100 KB of %s in well under a second', (_name, text) => {
    const { result, ms } = timed(() => liquid.render(text, scope));
    expect(result.problems).toHaveLength(1);
    expect(ms).toBeLessThan(1000);
  });

  it('keeps {% raw %} content as written and removes other tags and outputs', () => {
    const result = liquid.render('a {% raw %}{{ kept }} {% kept %}{% endraw %} b {% for x in %} c {{ page.title }} d {% if x %}e{% endif %}', scope);
    expect(result.problems).toEqual([{ message: expect.stringMatching(/^illegal tag: \{% for x in %\}.*: the text was rendered without its Liquid tags$/), line: 1 }]);
    expect(result.text).toBe('a {{ kept }} {% kept %} b  c  d e');
  });

  it('leaves an unclosed opener as written', () => {
    const result = liquid.render('a {% for x in %} b {{ c', scope);
    expect(result.text).toBe('a  b {{ c');
  });
});

describe('Liquid includes', () => {
  let site: string;
  let includes: IncludeFiles;
  let problems: { file: string; reason: string }[];

  beforeAll(async () => {
    site = await mkdtemp(path.join(tmpdir(), 'kubeblog-includes-'));
    const includesDir = path.join(site, '_includes');
    await mkdir(path.join(includesDir, 'notes'), { recursive: true });
    await writeFile(path.join(includesDir, 'note.html'), '<aside>{{ include.text }}</aside>');
    await writeFile(path.join(includesDir, 'notes', 'tip.html'), 'Tip: {{ include.text }}');
    await writeFile(path.join(site, '_config.yml'), 'secret: site config');
    await symlink(path.join(site, '_config.yml'), path.join(includesDir, 'config.html'));
    await symlink(path.join(includesDir, 'note.html'), path.join(includesDir, 'alias.html'));
    ({ files: includes, problems } = await readIncludes(includesDir));
  });
  afterAll(async () => {
    await rm(site, { recursive: true, force: true });
  });

  it('reads the folder, following symlinks inside it, and names those that leave it', () => {
    expect(Object.keys(includes).sort()).toEqual(['alias.html', 'note.html', 'notes/tip.html']);
    expect(problems).toEqual([{ file: 'config.html', reason: expect.stringMatching(/_config\.yml is outside/) }]);
  });

  describe('without includes', () => {
    const liquid = createLiquid(limits);

    it.each([
      ['{% include package.json %}', /"package.json" cannot be included: there is no such file in _includes/],
      ['{% include .git/config %}', /".git\/config" cannot be included: there is no such file in _includes/],
      ['{% include_relative package.json %}', /"package.json" cannot be included: there is no such file in the post's folder/],
      ["{% render 'package.json' %}", /the tag "render" is not known here/],
      ['{% layout package.json %}', /the tag "layout" is not known here/],
      ['{% include {{ page.file }} %}', /"package.json" cannot be included: there is no such file/],
    ])('leaves %s out, naming the file, and renders the rest', (template, reason) => {
      const result = liquid.render(`before ${template} after {{ page.title }}`, { ...scope, page: { title: 'Main', file: 'package.json' } });
      expect(result.problems).toEqual([{ message: expect.stringMatching(reason), line: 1 }]);
      expect(result.text).toBe('before  after Main');
    });
  });

  describe('with includes', () => {
    const render = (template: string) => createLiquid(limits).render(template, { ...scope, includes });

    it('includes a file from it with Jekyll parameters, in subfolders and through symlinks inside it', () => {
      expect(render('{% include note.html text="Hi" %} {% include notes/tip.html text="Go" %} {% include alias.html text="Yo" %}')).toEqual({
        text: '<aside>Hi</aside> Tip: Go <aside>Yo</aside>',
        problems: [],
      });
    });

    it.each([
      ['{% include ../_config.yml %}', /"..\/_config.yml" cannot be included: its name has characters or sequences Jekyll refuses/],
      ['{% include notes/../../_config.yml %}', /cannot be included: its name has characters or sequences Jekyll refuses/],
      ['{% include notes/./tip.html %}', /cannot be included: its name has characters or sequences Jekyll refuses/],
      [`{% include ${'/etc/passwd'} %}`, /"\/etc\/passwd" cannot be included: there is no such file in _includes/],
      ['{% include config.html %}', /"config.html" cannot be included: there is no such file in _includes/],
      ['{% include notes %}', /"notes" cannot be included: there is no such file in _includes/],
      ['{% include missing.html %}', /"missing.html" cannot be included: there is no such file in _includes/],
    ])('refuses %s', (template, reason) => {
      const result = render(`a\n${template} b`);
      expect(result.problems).toEqual([{ message: expect.stringMatching(reason), line: 2 }]);
      expect(result.text).toBe('a\n b');
    });
  });
});
