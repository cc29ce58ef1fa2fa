import { describe, expect, it } from '@jest/globals';
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
