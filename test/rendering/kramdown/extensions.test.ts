import { describe, expect, it } from '@jest/globals';
import { kramdownHtml, normalized } from '../../support/kramdown.js';

describe("kramdown extensions", () => {
  it("turns comments into HTML comments, as blocks and as spans", () => {
    const markdown = "a {::comment}hidden{:/comment} b\n\n{::comment}\nblock *c*\n{:/comment}\n\n{::comment /}\n\nafter\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<p>a <!-- hidden --> b</p>\n\n<!-- block *c* -->\n\n<p>after</p>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("passes nomarkdown through untouched, as blocks and as spans", () => {
    const markdown = "{::nomarkdown}\n<b>*raw*</b>\n{:/nomarkdown}\n\nx {::nomarkdown}*r*{:/} y\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<b>*raw*</b>\n\n<p>x *r* y</p>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("applies options for ids and shows nothing", () => {
    const markdown = "{::options auto_ids=\"false\" /}\n\n# H\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "\n<h1>H</h1>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("applies options for the TOC's levels and the ids' prefix", () => {
    const markdown = "{::options toc_levels=\"2..3\" auto_id_prefix=\"p-\" /}\n\n* x\n{:toc}\n\n# A\n\n## B\n\n### C\n\n#### D\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "\n<ul id=\"markdown-toc\">\n  <li><a href=\"#p-b\" id=\"markdown-toc-p-b\">B</a>    <ul>\n      <li><a href=\"#p-c\" id=\"markdown-toc-p-c\">C</a></li>\n    </ul>\n  </li>\n</ul>\n\n<h1 id=\"p-a\">A</h1>\n\n<h2 id=\"p-b\">B</h2>\n\n<h3 id=\"p-c\">C</h3>\n\n<h4 id=\"p-d\">D</h4>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("leaves unknown and unclosed extensions as text", () => {
    const markdown = "{::unknown}zz{:/unknown}\n\n{::comment}\nunclosed\n\nz {::comment} q\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<p>{::unknown}zz{:/unknown}</p>\n\n<p>{::comment}\nunclosed</p>\n\n<p>z {::comment} q</p>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });
});
