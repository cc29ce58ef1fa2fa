import { describe, expect, it } from '@jest/globals';
import { kramdownHtml, normalized } from '../../support/kramdown.js';

describe("kramdown tables of contents", () => {
  it("replaces a list with {:toc} by the nested headers, leaving out .no_toc and unwrapping links", () => {
    const markdown = "* TOC\n{:toc}\n\n# One\n\n## Two *em*\n\n### Three\n\n## Skip\n{: .no_toc}\n\n# Four [l](/x)\n\n#### Deep\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<ul id=\"markdown-toc\">\n  <li><a href=\"#one\" id=\"markdown-toc-one\">One</a>    <ul>\n      <li><a href=\"#two-em\" id=\"markdown-toc-two-em\">Two <em>em</em></a>        <ul>\n          <li><a href=\"#three\" id=\"markdown-toc-three\">Three</a></li>\n        </ul>\n      </li>\n    </ul>\n  </li>\n  <li><a href=\"#four-l\" id=\"markdown-toc-four-l\">Four l</a>    <ul>\n      <li><a href=\"#deep\" id=\"markdown-toc-deep\">Deep</a></li>\n    </ul>\n  </li>\n</ul>\n\n<h1 id=\"one\">One</h1>\n\n<h2 id=\"two-em\">Two <em>em</em></h2>\n\n<h3 id=\"three\">Three</h3>\n\n<h2 class=\"no_toc\" id=\"skip\">Skip</h2>\n\n<h1 id=\"four-l\">Four <a href=\"/x\">l</a></h1>\n\n<h4 id=\"deep\">Deep</h4>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("keeps an ordered list ordered", () => {
    const markdown = "1. x\n{:toc}\n\n## A\n\n### B\n\n# C\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<ol id=\"markdown-toc\">\n  <li><a href=\"#a\" id=\"markdown-toc-a\">A</a>    <ol>\n      <li><a href=\"#b\" id=\"markdown-toc-b\">B</a></li>\n    </ol>\n  </li>\n  <li><a href=\"#c\" id=\"markdown-toc-c\">C</a></li>\n</ol>\n\n<h2 id=\"a\">A</h2>\n\n<h3 id=\"b\">B</h3>\n\n<h1 id=\"c\">C</h1>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("takes the list's IAL id as the prefix of the entries' ids", () => {
    const markdown = "* x\n{: .a #b toc}\n\n## A\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<ul class=\"a\" id=\"b\">\n  <li><a href=\"#a\" id=\"b-a\">A</a></li>\n</ul>\n\n<h2 id=\"a\">A</h2>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("lists only the levels of toc_levels", () => {
    const markdown = "* x\n{:toc}\n\n# One\n\n## Two\n\n### Three\n\n#### Four\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<ul id=\"markdown-toc\">\n  <li><a href=\"#two\" id=\"markdown-toc-two\">Two</a>    <ul>\n      <li><a href=\"#three\" id=\"markdown-toc-three\">Three</a></li>\n    </ul>\n  </li>\n</ul>\n\n<h1 id=\"one\">One</h1>\n\n<h2 id=\"two\">Two</h2>\n\n<h3 id=\"three\">Three</h3>\n\n<h4 id=\"four\">Four</h4>\n";
    expect(normalized(kramdownHtml(markdown, {"toc_levels": "2..3"}))).toBe(normalized(kramdown));
  });

  it("shows nothing when there is no header", () => {
    const markdown = "* toc\n{:toc}\n\ntext\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "\n<p>text</p>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("puts a TOC inside a markdown=\"1\" element", () => {
    const markdown = "<nav markdown=\"1\">\n* x\n{:toc}\n</nav>\n\n## A\n\n## B\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<nav>\n<ul id=\"markdown-toc\">\n  <li><a href=\"#a\" id=\"markdown-toc-a\">A</a></li>\n  <li><a href=\"#b\" id=\"markdown-toc-b\">B</a></li>\n</ul>\n\n</nav>\n\n<h2 id=\"a\">A</h2>\n\n<h2 id=\"b\">B</h2>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });
});
