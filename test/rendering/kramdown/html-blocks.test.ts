import { describe, expect, it } from '@jest/globals';
import { kramdownHtml, normalized } from '../../support/kramdown.js';

describe("kramdown HTML blocks", () => {
  it("reads the content of markdown=\"1\" as Markdown and drops the attribute", () => {
    const markdown = "<div markdown=\"1\" class=\"a\">\n# T\n\n*emph* text\n</div>\nafter\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<div class=\"a\">\n  <h1 id=\"t\">T</h1>\n\n  <p><em>emph</em> text</p>\n</div>\n<p>after</p>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("keeps an element with blank lines inside as HTML to its end tag", () => {
    const markdown = "<div>\n\n*not*\n\n</div>\n\n<div class=\"x\">\na\n\n    b\n</div>\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<div>\n\n*not*\n\n</div>\n\n<div class=\"x\">\na\n\n    b\n</div>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("keeps raw HTML inside a markdown=\"1\" element", () => {
    const markdown = "<details markdown=\"1\">\n<summary>S</summary>\n\n*b*\n\n<div>\ninner *x*\n</div>\n</details>\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<details>\n  <summary>S</summary>\n\n  <p><em>b</em></p>\n\n  <div>\ninner *x*\n</div>\n</details>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("reads markdown=\"span\" content as text", () => {
    const markdown = "<div markdown=\"span\">\n*s*\n</div>\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<div>\n<em>s</em>\n</div>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });
});
