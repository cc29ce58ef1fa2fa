import { describe, expect, it } from '@jest/globals';
import { createMarkdown } from '../../../src/rendering/markdown.js';
import { markdownSettings } from '../../../src/rendering/markdown-settings.js';
import { quickestCpuMs } from '../../support/cpu-time.js';
import { asReadersSee } from '../../support/kramdown.js';

const limits = { maxNesting: 32 };
const jekyll = createMarkdown(markdownSettings('kramdown', {}), limits);

/**
 * Addresses as a browser resolves them: marked percent-encodes the spaces kramdown writes as they are.
 * kubeblog's own rel="noopener noreferrer" on links that leave the site is left out.
 */
function asBrowsersResolve(html: string): string {
  return asReadersSee(html.replace(/ rel="noopener noreferrer"/g, '')).replace(/ (href|src)="([^"]*)"/g, (_attribute, name: string, value: string) => ` ${name}="${decodeURI(value)}"`);
}

describe('kramdown links', () => {
  // Each expected string is what Jekyll 4.3's kramdown 2.4 made of the Markdown.
  it.each([
    ["[a](my page.html) and [b](<my page.html>) and [c](my page.html \"title\")", "<p><a href=\"my page.html\">a</a> and <a href=\"my page.html\">b</a> and <a href=\"my page.html\" title=\"title\">c</a></p>"],
    ["[a](/x \"t &amp; u\") ![i](/a b.png) ![j](/a b.png 'pic')", "<p><a href=\"/x\" title=\"t &amp; u\">a</a> <img src=\"/a b.png\" alt=\"i\" /> <img src=\"/a b.png\" alt=\"j\" title=\"pic\" /></p>"],
    ["[a (b)](my (x) page.html) [c](a b", "<p><a href=\"my (x) page.html\">a (b)</a> [c](a b</p>"],
    ["see http://x.com/--a \"q\" and <<www.a.com>> or me@example.com, but <http://y.com/--b>", "<p>see http://x.com/–a “q” and «www.a.com» or me@example.com, but <a href=\"http://y.com/--b\">http://y.com/--b</a></p>"],
    ["[a](/p?a=1&amp;b=2) and [b](/p?a=1&b=2)", "<p><a href=\"/p?a=1&amp;b=2\">a</a> and <a href=\"/p?a=1&amp;b=2\">b</a></p>"],
  ])('links %j as kramdown does', (markdown, kramdown) => {
    expect(asBrowsersResolve(jekyll.toHtml(markdown))).toBe(asBrowsersResolve(kramdown));
  });

  it('escapes an & in an external address once, in both dialects', () => {
    // kramdown: <a href="http://x/?a=1&amp;b=2" title="T &amp; U">a</a>
    const expected = '<p><a href="http://x/?a=1&amp;b=2" title="T &amp; U" rel="noopener noreferrer">a</a></p>\n';
    expect(jekyll.toHtml('[a](http://x/?a=1&amp;b=2 "T &amp; U")')).toBe(expected);
    const gfm = createMarkdown(markdownSettings('gfm', {}), limits);
    expect(gfm.toHtml('[a](http://x/?a=1&amp;b=2 "T &amp; U")')).toBe(expected);
    expect(gfm.toHtml('[a](http://x/?a=1&b=2)')).toBe('<p><a href="http://x/?a=1&amp;b=2" rel="noopener noreferrer">a</a></p>\n');
  });

  it('keeps linking bare addresses in GitHub-flavoured posts', () => {
    const gfm = createMarkdown(markdownSettings('gfm', {}), limits);
    expect(gfm.toHtml('see www.a.com')).toBe('<p>see <a href="http://www.a.com" rel="noopener noreferrer">www.a.com</a></p>\n');
  });
});

describe('kramdown links on hostile text', () => {
  it.each([
    ['brackets', '['.repeat(100_000)],
    ['image openers', '!['.repeat(50_000)],
    ['unclosed destinations', '[a](b c '.repeat(12_500)],
    ['unclosed titles', '[a](b c "d '.repeat(9_000)],
    ['opening parentheses', '[a](b c ' + '('.repeat(100_000)],
    ['spaced links', '[a](b c) '.repeat(11_000)],
    ['bare addresses', 'www.a.com '.repeat(10_000)],
  ])('renders 100 KB of %s in linear time', (_name, text) => {
    expect(quickestCpuMs(() => jekyll.toHtml(text), 1000)).toBeLessThan(1000);
  });
});
