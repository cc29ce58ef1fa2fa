import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type LiquidLimits, type LiquidScope, createLiquid } from '../../src/rendering/liquid.js';

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
    expect(result.error?.message).toMatch(/memory alloc limit exceeded/);
    expect(ms).toBeLessThan(limits.renderLimitMs);
    // The tags are left out, the text around them stays.
    expect(result.text).toBe('axb');
  });

  it('stops a nested loop of 3,000,000 steps after about the render limit', () => {
    const template = '{% for i in (1..3000) %}{% for j in (1..1000) %}x{% endfor %}{% endfor %}';
    const { result, ms } = timed(() => createLiquid(limits).render(template, scope));
    expect(result.error?.message).toMatch(/template render limit exceeded/);
    expect(ms).toBeGreaterThanOrEqual(limits.renderLimitMs);
    expect(ms).toBeLessThan(limits.renderLimitMs + 800);
  });

  it('refuses output longer than the template and its memory limit, which liquidjs does not count', () => {
    const small = { renderLimitMs: 1000, memoryLimit: 1000, parseLimit: 1000 };
    const within = createLiquid(small).render('{% for i in (1..100) %}xxxxxxxxxx{% endfor %}', scope);
    expect(within).toEqual({ text: 'xxxxxxxxxx'.repeat(100) });
    const over = createLiquid(small).render('{% for i in (1..300) %}xxxxxxxxxx{% endfor %}', scope);
    expect(over.error?.message).toMatch(/output of 3000 characters is over the limit of 2000/);
  });

  it('refuses a template longer than the parse limit', () => {
    const result = createLiquid({ ...limits, parseLimit: 100 }).render(`{{ page.title }}${'x'.repeat(200)}`, scope);
    expect(result.error?.message).toMatch(/parse length limit exceeded/);
  });

  it('keeps rendering normal Liquid', () => {
    expect(createLiquid(limits).render('{% for i in (1..3) %}{{ i }}{% endfor %} {{ page.title }}', scope)).toEqual({ text: '123 Main' });
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
    expect(result.error).toBeDefined();
    expect(ms).toBeLessThan(1000);
  });

  it('keeps {% raw %} content as written and removes other tags and outputs', () => {
    const result = liquid.render('a {% raw %}{{ kept }} {% kept %}{% endraw %} b {% post_url 2000-01-01-missing %} c {{ page.title }} d {% if x %}e{% endif %}', scope);
    expect(result.error?.message).toMatch(/names no post/);
    expect(result.text).toBe('a {{ kept }} {% kept %} b  c  d e');
  });

  it('leaves an unclosed opener as written', () => {
    const result = liquid.render('a {% post_url 2000-01-01-missing %} b {{ c', scope);
    expect(result.text).toBe('a  b {{ c');
  });
});

describe('Liquid includes', () => {
  let site: string;
  let includesDir: string;

  beforeAll(async () => {
    site = await mkdtemp(path.join(tmpdir(), 'kubeblog-includes-'));
    includesDir = path.join(site, '_includes');
    await mkdir(path.join(includesDir, 'notes'), { recursive: true });
    await writeFile(path.join(includesDir, 'note.html'), '<aside>{{ include.text }}</aside>');
    await writeFile(path.join(includesDir, 'notes', 'tip.html'), 'Tip: {{ include.text }}');
    await writeFile(path.join(site, '_config.yml'), 'secret: site config');
    await symlink(path.join(site, '_config.yml'), path.join(includesDir, 'config.html'));
    await symlink(path.join(includesDir, 'note.html'), path.join(includesDir, 'alias.html'));
  });
  afterAll(async () => {
    await rm(site, { recursive: true, force: true });
  });

  describe('without an includes directory', () => {
    const liquid = createLiquid(limits);

    it.each([
      ['{% include package.json %}', 'package.json'],
      ['{% include .git/config %}', '.git/config'],
      ['{% include_relative package.json %}', 'package.json'],
      ["{% render 'package.json' %}", 'package.json'],
      ['{% layout package.json %}', 'package.json'],
      ['{% include {{ page.file }} %}', 'package.json'],
    ])('refuses %s, naming the file', (template, file) => {
      const result = liquid.render(`before ${template} after`, { ...scope, page: { file: 'package.json' } });
      expect(result.error?.message).toContain(file);
      expect(result.error?.message).toMatch(/cannot be included: posts may not include files/);
      expect(result.text).toBe('before  after');
    });
  });

  describe('with an includes directory', () => {
    const render = (template: string) => createLiquid(limits, { includesDir }).render(template, scope);

    it('includes a file from it with Jekyll parameters, in subfolders and through symlinks inside it', () => {
      expect(render('{% include note.html text="Hi" %} {% include notes/tip.html text="Go" %} {% include alias.html text="Yo" %}')).toEqual({
        text: '<aside>Hi</aside> Tip: Go <aside>Yo</aside>',
      });
    });

    it.each([
      ['{% include ../_config.yml %}', '../_config.yml', /leaves the includes directory/],
      ['{% include notes/../../_config.yml %}', 'notes/../../_config.yml', /leaves the includes directory/],
      [`{% include ${'/etc/passwd'} %}`, '/etc/passwd', /absolute paths are not allowed/],
      ['{% include config.html %}', 'config.html', /leaves the includes directory/],
      ['{% include_relative note.html %}', 'note.html', /relative to themselves/],
    ])('refuses %s', (template, file, reason) => {
      const result = render(template);
      expect(result.error?.message).toContain(file);
      expect(result.error?.message).toMatch(reason);
      expect(result.text).not.toContain('secret');
    });

    it('does not read a directory or a missing file', () => {
      expect(render('{% include notes %}').error?.message).toMatch(/Failed to lookup "notes"/);
      expect(render('{% include missing.html %}').error?.message).toMatch(/Failed to lookup "missing.html"/);
    });
  });
});
