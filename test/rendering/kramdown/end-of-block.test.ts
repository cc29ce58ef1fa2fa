import { describe, expect, it } from '@jest/globals';
import { kramdownHtml, normalized } from '../../support/kramdown.js';

describe("kramdown end-of-block markers", () => {
  it("separates lists, paragraphs and quotes", () => {
    const markdown = "* a\n^\n* b\n\npara\n^\npara2\n\n> q\n^\n> r\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<ul>\n  <li>a</li>\n</ul>\n<ul>\n  <li>b</li>\n</ul>\n\n<p>para</p>\n<p>para2</p>\n\n<blockquote>\n  <p>q</p>\n</blockquote>\n<blockquote>\n  <p>r</p>\n</blockquote>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("passes an IAL after it on to the next block", () => {
    const markdown = "para\n^\n{: .next}\nnext\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<p>para</p>\n<p class=\"next\">next</p>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });
});
