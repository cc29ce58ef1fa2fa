import { describe, expect, it } from '@jest/globals';
import { jekyllExcerpt } from '../../src/content/excerpt.js';
import { quickestCpuMs } from '../support/cpu-time.js';

// Expected values are Jekyll 4.3.1's Excerpt#content for the same body.
describe('excerpts as Jekyll makes them', () => {
  it('ends at the separator, and is the whole body without one', () => {
    expect(jekyllExcerpt('One.\n\nTwo.\n', '\n\n')).toBe('One.');
    expect(jekyllExcerpt('Only one.\n', '\n\n')).toBe('Only one.\n');
    expect(jekyllExcerpt('One.\n\n', '\n\n')).toBe('One.');
    expect(jekyllExcerpt('A\n<!--more-->\nB', '<!--more-->')).toBe('A\n');
  });

  it('closes each Liquid block the excerpt leaves open, the last opened first', () => {
    expect(jekyllExcerpt('{% for p in x %}{% if a %}\nA\n\nB\n{% endif %}{% endfor %}', '\n\n')).toBe('{% for p in x %}{% if a %}\nA\n{% endif %}\n{% endfor %}');
    expect(jekyllExcerpt('{% raw %}a{% endraw %} {% include x.html %}\n\nB', '\n\n')).toBe('{% raw %}a{% endraw %} {% include x.html %}');
  });

  it('appends the reference-link definitions the excerpt uses, as written after it', () => {
    const body = 'See [docs][d] and [Other].\n\nMore [x][x].\n\n[d]: /docs\n   [Other]: /other\n    [x]: /x\n[other]: /lower';
    expect(jekyllExcerpt(body, '\n\n')).toBe('See [docs][d] and [Other].\n\n[d]: /docs\n[Other]: /other');
  });

  it.each([
    ['unclosed Liquid tags', '{% if '.repeat(20_000) + '\n\nx'],
    ['Liquid openers without names, closed once at the end', '{% '.repeat(33_000) + '%}\n\nx'],
    ['Liquid blocks never ended', '{% if a %}'.repeat(10_000) + '\n\nx'],
    ['brackets never closed, with definitions after', '['.repeat(50_000) + '\n\n' + '[a]: /a\n'.repeat(6_000)],
    ['many labels and many definitions', '[a]'.repeat(16_000) + '\n\n' + Array.from({ length: 5_000 }, (_, i) => `[${i}]: /${i}`).join('\n')],
  ])('stays linear on 100 KB of %s', (_what, body) => {
    expect(quickestCpuMs(() => jekyllExcerpt(body, '\n\n'), 1000)).toBeLessThan(1000);
  });
});
