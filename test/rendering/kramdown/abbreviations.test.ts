import { describe, expect, it } from '@jest/globals';
import { kramdownHtml, normalized } from '../../support/kramdown.js';

describe("kramdown abbreviations", () => {
  it("marks every whole-word occurrence, in links and headers too, not in code", () => {
    const markdown = "The HTML spec and HTML5 and HTML.\n\n*[HTML]: Hyper Text Markup Language\n*[W3C]:  World Wide Web\n\nW3C does `HTML` [HTML](/x)\n\n# HTML head\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<p>The <abbr title=\"Hyper Text Markup Language\">HTML</abbr> spec and HTML5 and <abbr title=\"Hyper Text Markup Language\">HTML</abbr>.</p>\n\n<p><abbr title=\"World Wide Web\">W3C</abbr> does <code>HTML</code> <a href=\"/x\"><abbr title=\"Hyper Text Markup Language\">HTML</abbr></a></p>\n\n<h1 id=\"html-head\"><abbr title=\"Hyper Text Markup Language\">HTML</abbr> head</h1>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("takes abbreviations with punctuation, and one without a title", () => {
    const markdown = "*[e.g.]: for example\n*[TBD]:\n\ne.g. this, TBD\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "\n<p><abbr title=\"for example\">e.g.</abbr> this, <abbr>TBD</abbr></p>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("gives the abbreviations the IAL after their definition", () => {
    const markdown = "*[X]: y\n{: .z}\ntext X\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<p>text <abbr class=\"z\" title=\"y\">X</abbr></p>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });
});
