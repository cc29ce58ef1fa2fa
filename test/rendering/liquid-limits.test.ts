import { describe, expect, it } from '@jest/globals';
import { type LiquidScope, createLiquid } from '../../src/rendering/liquid.js';

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

describe('Liquid that cannot run loses its tags in linear time', () => {
  const liquid = createLiquid();

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
