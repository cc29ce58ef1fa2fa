import { describe, expect, it } from '@jest/globals';
import { createMarkdown } from '../../../src/rendering/markdown.js';
import { markdownSettings } from '../../../src/rendering/markdown-settings.js';
import { quickestCpuMs } from '../../support/cpu-time.js';
import { asReadersSee } from '../../support/kramdown.js';

const limits = { maxNesting: 32 };
const jekyll = createMarkdown(markdownSettings('kramdown', {}), limits);

describe('kramdown footnotes', () => {
  // Each expected string is what Jekyll 4.3's kramdown 2.4 made of the Markdown.
  it.each([
    ["Claim.[^1] Other[^note] and again[^1] and missing[^nope].\n\n[^1]: Source.\n[^note]: A named *note*.\n\n    Second paragraph of note.\n\n[^unused]: Never used.\n\nAfter.", "<p>Claim.<sup id=\"fnref:1\" role=\"doc-noteref\"><a href=\"#fn:1\" class=\"footnote\" rel=\"footnote\">1</a></sup> Other<sup id=\"fnref:note\" role=\"doc-noteref\"><a href=\"#fn:note\" class=\"footnote\" rel=\"footnote\">2</a></sup> and again<sup id=\"fnref:1:1\" role=\"doc-noteref\"><a href=\"#fn:1\" class=\"footnote\" rel=\"footnote\">1</a></sup> and missing[^nope].</p>\n\n<p>After.</p>\n<div class=\"footnotes\" role=\"doc-endnotes\">\n  <ol>\n    <li id=\"fn:1\" role=\"doc-endnote\">\n      <p>Source. <a href=\"#fnref:1\" class=\"reversefootnote\" role=\"doc-backlink\">&#8617;</a> <a href=\"#fnref:1:1\" class=\"reversefootnote\" role=\"doc-backlink\">&#8617;<sup>2</sup></a></p>\n    </li>\n    <li id=\"fn:note\" role=\"doc-endnote\">\n      <p>A named <em>note</em>.</p>\n\n      <p>Second paragraph of note. <a href=\"#fnref:note\" class=\"reversefootnote\" role=\"doc-backlink\">&#8617;</a></p>\n    </li>\n  </ol>\n</div>"],
    ["A[^1] B[^2] C[^3]\n\n[^1]: Source\ncontinued\n\n[^2]:\n    Indented first\n    second line\nlazy line\n\n    Para two\n\n[^3]: - list item\n\nend", "<p>A<sup id=\"fnref:1\" role=\"doc-noteref\"><a href=\"#fn:1\" class=\"footnote\" rel=\"footnote\">1</a></sup> B<sup id=\"fnref:2\" role=\"doc-noteref\"><a href=\"#fn:2\" class=\"footnote\" rel=\"footnote\">2</a></sup> C<sup id=\"fnref:3\" role=\"doc-noteref\"><a href=\"#fn:3\" class=\"footnote\" rel=\"footnote\">3</a></sup></p>\n\n<p>continued</p>\n\n<p>end</p>\n<div class=\"footnotes\" role=\"doc-endnotes\">\n  <ol>\n    <li id=\"fn:1\" role=\"doc-endnote\">\n      <p>Source <a href=\"#fnref:1\" class=\"reversefootnote\" role=\"doc-backlink\">&#8617;</a></p>\n    </li>\n    <li id=\"fn:2\" role=\"doc-endnote\">\n\n      <p>Indented first\nsecond line\nlazy line</p>\n\n      <p>Para two <a href=\"#fnref:2\" class=\"reversefootnote\" role=\"doc-backlink\">&#8617;</a></p>\n    </li>\n    <li id=\"fn:3\" role=\"doc-endnote\">\n      <ul>\n        <li>list item</li>\n      </ul>\n      <p><a href=\"#fnref:3\" class=\"reversefootnote\" role=\"doc-backlink\">&#8617;</a></p>\n    </li>\n  </ol>\n</div>"],
    ["A[^1][^1][^1]\n\n[^1]: > quote", "<p>A<sup id=\"fnref:1\" role=\"doc-noteref\"><a href=\"#fn:1\" class=\"footnote\" rel=\"footnote\">1</a></sup><sup id=\"fnref:1:1\" role=\"doc-noteref\"><a href=\"#fn:1\" class=\"footnote\" rel=\"footnote\">1</a></sup><sup id=\"fnref:1:2\" role=\"doc-noteref\"><a href=\"#fn:1\" class=\"footnote\" rel=\"footnote\">1</a></sup></p>\n\n<div class=\"footnotes\" role=\"doc-endnotes\">\n  <ol>\n    <li id=\"fn:1\" role=\"doc-endnote\">\n      <blockquote>\n        <p>quote</p>\n      </blockquote>\n      <p><a href=\"#fnref:1\" class=\"reversefootnote\" role=\"doc-backlink\">&#8617;</a> <a href=\"#fnref:1:1\" class=\"reversefootnote\" role=\"doc-backlink\">&#8617;<sup>2</sup></a> <a href=\"#fnref:1:2\" class=\"reversefootnote\" role=\"doc-backlink\">&#8617;<sup>3</sup></a></p>\n    </li>\n  </ol>\n</div>"],
    ["T[^a] x[^b]\n\n[^b]: B[^a]\n[^a]: A", "<p>T<sup id=\"fnref:a\" role=\"doc-noteref\"><a href=\"#fn:a\" class=\"footnote\" rel=\"footnote\">1</a></sup> x<sup id=\"fnref:b\" role=\"doc-noteref\"><a href=\"#fn:b\" class=\"footnote\" rel=\"footnote\">2</a></sup></p>\n\n<div class=\"footnotes\" role=\"doc-endnotes\">\n  <ol>\n    <li id=\"fn:a\" role=\"doc-endnote\">\n      <p>A <a href=\"#fnref:a\" class=\"reversefootnote\" role=\"doc-backlink\">&#8617;</a></p>\n    </li>\n    <li id=\"fn:b\" role=\"doc-endnote\">\n      <p>B<sup id=\"fnref:a:1\" role=\"doc-noteref\"><a href=\"#fn:a\" class=\"footnote\" rel=\"footnote\">1</a></sup> <a href=\"#fnref:b\" class=\"reversefootnote\" role=\"doc-backlink\">&#8617;</a></p>\n    </li>\n  </ol>\n</div>"],
    ["\"Quoted\"[^q] -- text\n\n[^q]: A \"quoted\" note -- here.", "<p>“Quoted”<sup id=\"fnref:q\" role=\"doc-noteref\"><a href=\"#fn:q\" class=\"footnote\" rel=\"footnote\">1</a></sup> – text</p>\n\n<div class=\"footnotes\" role=\"doc-endnotes\">\n  <ol>\n    <li id=\"fn:q\" role=\"doc-endnote\">\n      <p>A “quoted” note – here. <a href=\"#fnref:q\" class=\"reversefootnote\" role=\"doc-backlink\">&#8617;</a></p>\n    </li>\n  </ol>\n</div>"],
    ["No notes [^x] here [^ y] [^] [^x](/link)", "<p>No notes [^x] here [^ y] [^] [^x](/link)</p>"],
  ])('renders %j as kramdown does', (markdown, kramdown) => {
    expect(asReadersSee(jekyll.toHtml(markdown))).toBe(asReadersSee(kramdown));
  });

  it('numbers notes from footnote_nr', () => {
    const fromFive = createMarkdown(markdownSettings('kramdown', { footnote_nr: 5 }), limits);
    expect(asReadersSee(fromFive.toHtml('A[^x] and B[^y]\n\n[^x]: X\n[^y]: Y'))).toBe(
      asReadersSee("<p>A<sup id=\"fnref:x\" role=\"doc-noteref\"><a href=\"#fn:x\" class=\"footnote\" rel=\"footnote\">5</a></sup> and B<sup id=\"fnref:y\" role=\"doc-noteref\"><a href=\"#fn:y\" class=\"footnote\" rel=\"footnote\">6</a></sup></p>\n\n<div class=\"footnotes\" role=\"doc-endnotes\">\n  <ol start=\"5\">\n    <li id=\"fn:x\" role=\"doc-endnote\">\n      <p>X <a href=\"#fnref:x\" class=\"reversefootnote\" role=\"doc-backlink\">&#8617;</a></p>\n    </li>\n    <li id=\"fn:y\" role=\"doc-endnote\">\n      <p>Y <a href=\"#fnref:y\" class=\"reversefootnote\" role=\"doc-backlink\">&#8617;</a></p>\n    </li>\n  </ol>\n</div>\n"),
    );
  });

  it('highlights code in a note', () => {
    expect(jekyll.toHtml('A[^1]\n\n[^1]: See:\n\n    ```js\n    let a = 1;\n    ```\n')).toContain(
      '<pre><code class="hljs language-js"><span class="hljs-keyword">let</span> a = <span class="hljs-number">1</span>;\n</code></pre>',
    );
  });

  it('leaves a reference without a definition as text, and GitHub-flavoured posts without notes', () => {
    expect(jekyll.inlineToHtml('Title[^1]')).toBe('Title[^1]');
    const gfm = createMarkdown(markdownSettings('gfm', {}), limits);
    expect(gfm.toHtml('A[^1]\n\n[^1]: B')).not.toContain('footnotes');
  });
});

describe('kramdown footnotes on hostile text', () => {
  it.each([
    ['references', 'a[^1] '.repeat(16_000) + '\n\n[^1]: note\n'],
    ['distinct notes', Array.from({ length: 5_000 }, (_, i) => `a[^n${i}]`).join(' ') + '\n\n' + Array.from({ length: 5_000 }, (_, i) => `[^n${i}]: note ${i}`).join('\n')],
    ['unclosed references', '[^'.repeat(50_000)],
    ['unclosed labels', '[^' + 'a'.repeat(100_000)],
    ['unclosed labels on many lines', '[^aaaa\n'.repeat(14_000)],
    ['definitions', '[^1]: x\n'.repeat(12_000)],
    ['one long indented definition', '[^1]: x\n' + '    line\n'.repeat(10_000)],
    ['definitions with blank lines', '[^1]:\n\n'.repeat(16_000)],
  ])('renders 100 KB of %s in linear time', (_name, text) => {
    expect(quickestCpuMs(() => jekyll.toHtml(text), 1000)).toBeLessThan(1000);
  });
});
