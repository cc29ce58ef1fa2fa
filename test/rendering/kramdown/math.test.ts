import { execFileSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { createMarkdown } from '../../../src/rendering/markdown.js';
import { markdownSettings } from '../../../src/rendering/markdown-settings.js';
import { quickestCpuMs } from '../../support/cpu-time.js';
import { asReadersSee } from '../../support/kramdown.js';

const limits = { maxNesting: 32 };
const jekyll = createMarkdown(markdownSettings('kramdown', {}), limits);

/** kramdown's MathJax output, `\(tex\)` inline and `\[tex\]` on its own, as marks to compare. */
function kramdownMath(html: string): string {
  return asReadersSee(html.replace(/\s*\\\[([\s\S]*?)\\\]\s*/g, '[display:$1]').replace(/\\\(([\s\S]*?)\\\)/g, '[inline:$1]'));
}

/** kubeblog's MathML, with the TeX KaTeX keeps in an annotation, as the same marks. */
function mathMarks(html: string): string {
  return asReadersSee(
    html
      .replace(/\s*<span class="katex"><math [^>]*display="block"><semantics>[\s\S]*?<annotation encoding="application\/x-tex">([\s\S]*?)<\/annotation><\/semantics><\/math><\/span>\s*/g, '[display:$1]')
      .replace(/<span class="katex"><math [^>]*><semantics>[\s\S]*?<annotation encoding="application\/x-tex">([\s\S]*?)<\/annotation><\/semantics><\/math><\/span>/g, '[inline:$1]'),
  );
}

describe('kramdown math', () => {
  // Each expected string is what Jekyll 4.3's kramdown 2.4 made of the Markdown (for MathJax to typeset).
  it.each([
    ["Inline $$a^2 + b_2$$ and $$\\begin{matrix}a & b \\\\ c & d\\end{matrix}$$ end.", "<p>Inline \\(a^2 + b_2\\) and \\(\\begin{matrix}a &amp; b \\\\ c &amp; d\\end{matrix}\\) end.</p>"],
    ["$$\nx = \\frac{1}{2} \\\\ y\n$$", "\\[x = \\frac{1}{2} \\\\ y\\]"],
    ["Text before\n$$a$$", "<p>Text before\n\\(a\\)</p>"],
    ["$$E=mc^2$$\n\nAfter", "\\[E=mc^2\\]\n\n<p>After</p>"],
    ["$$x*y*z$$ and *em $$a_1$$ here*", "<p>\\(x*y*z\\) and <em>em \\(a_1\\) here</em></p>"],
    ["$$a$$ b\n\n$$\nc\n\nd\n$$", "<p>\\(a\\) b</p>\n\n\\[c\n\nd\\]"],
    ["- $$\\sqrt{2}$$\n\n> $$\n> \\alpha\n> $$", "<ul>\n  <li>\n\\[\\sqrt{2}\\]\n  </li>\n</ul>\n\n<blockquote>\n\\[\\alpha\\]\n</blockquote>"],
  ])('finds the math in %j where kramdown does, TeX intact', (markdown, kramdown) => {
    expect(mathMarks(jekyll.toHtml(markdown))).toBe(kramdownMath(kramdown));
  });

  it('writes MathML, inline and as a block, with no script or font', () => {
    expect(jekyll.toHtml('Area $$\\pi r^2$$.')).toBe(
      '<p>Area <span class="katex"><math xmlns="http://www.w3.org/1998/Math/MathML"><semantics><mrow><mi>π</mi><msup><mi>r</mi><mn>2</mn></msup></mrow><annotation encoding="application/x-tex">\\pi r^2</annotation></semantics></math></span>.</p>\n',
    );
    expect(jekyll.toHtml('$$\na \\\\ b\n$$\n')).toBe(
      '<span class="katex"><math xmlns="http://www.w3.org/1998/Math/MathML" display="block"><semantics><mrow><mi>a</mi><mspace linebreak="newline"></mspace><mi>b</mi></mrow><annotation encoding="application/x-tex">a \\\\ b</annotation></semantics></math></span>\n',
    );
  });

  it('shows TeX it cannot read as its source in code', () => {
    expect(jekyll.toHtml('Bad $$\\frac{a <b>$$ here.\n\n$$\n\\frac{b\n$$\n')).toBe(
      '<p>Bad <code class="language-latex">\\frac{a &lt;b&gt;</code> here.</p>\n<pre><code class="language-latex">\\frac{b</code></pre>\n',
    );
  });

  it('leaves dollars alone in GitHub-flavoured posts and in code', () => {
    const gfm = createMarkdown(markdownSettings('gfm', {}), limits);
    expect(gfm.toHtml('$$a$$')).toBe('<p>$$a$$</p>\n');
    expect(jekyll.toHtml('`$$a$$` costs $5 or $$')).toBe('<p><code>$$a$$</code> costs $5 or $$</p>\n');
  });

  it('loads KaTeX only when a post has math', () => {
    const script = `
      import { createRequire } from 'node:module';
      const { createMarkdown } = await import(${JSON.stringify(new URL('../../../src/rendering/markdown.js', import.meta.url).href)});
      const { markdownSettings } = await import(${JSON.stringify(new URL('../../../src/rendering/markdown-settings.js', import.meta.url).href)});
      const cache = createRequire(import.meta.url).cache;
      const loaded = () => Object.keys(cache).some((path) => path.includes('/node_modules/katex/'));
      const markdown = createMarkdown(markdownSettings('kramdown', {}), { maxNesting: 32 });
      markdown.toHtml('No math, "quotes" -- and $5.');
      const before = loaded();
      markdown.toHtml('Math $$a$$.');
      console.log(JSON.stringify([before, loaded()]));`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual([false, true]);
  });
});

describe('kramdown math on hostile text', () => {
  it.each([
    ['one formula repeated', '$$a^2$$ '.repeat(12_000)],
    ['one long formula', '$$' + 'x+'.repeat(50_000) + 'x$$'],
    ['unclosed openers', '$$a '.repeat(25_000)],
    ['dollars', '$'.repeat(100_000)],
    ['dollar pairs split by text', '$ $ '.repeat(25_000)],
    ['unclosed blocks', '$$\n\n'.repeat(25_000)],
    ['blocks followed by text', '$$a$$b\n\n'.repeat(12_000)],
    ['a macro bomb', '$$\\def\\a{\\b\\b}\\def\\b{\\c\\c}\\def\\c{\\d\\d}\\def\\d{xxxxxxxx}' + '\\a'.repeat(30_000) + '$$'],
  ])('renders 100 KB of %s in linear time', (_name, text) => {
    expect(quickestCpuMs(() => jekyll.toHtml(text), 1000)).toBeLessThan(1000);
  });

  it('renders 100 KB of distinct formulas in linear time', () => {
    // Formulas new to each run: the ones already rendered are remembered.
    let run = 0;
    const distinct = () => Array.from({ length: 8_000 }, (_, i) => `$$x_{${i + 10_000 * run}}$$`).join(' ');
    expect(quickestCpuMs(() => jekyll.toHtml(distinct() + String(run++)), 1000)).toBeLessThan(1000);
  });
});
