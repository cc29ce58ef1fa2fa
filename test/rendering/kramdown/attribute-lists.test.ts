import { describe, expect, it } from '@jest/globals';
import { kramdownHtml, normalized } from '../../support/kramdown.js';

describe("kramdown attribute lists", () => {
  it("gives the paragraph before a block IAL its class", () => {
    const markdown = "A notice.\n{: .notice}\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<p class=\"notice\">A notice.</p>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("gives the block after an IAL that follows a blank line its attributes", () => {
    const markdown = "para\n{: .first}\n\n{: .before}\n\nnext\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<p class=\"first\">para</p>\n\n<p class=\"before\">next</p>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("ends a paragraph at an IAL line, the rest a new paragraph", () => {
    const markdown = "a\n{: .x}\nb\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<p class=\"x\">a</p>\n<p>b</p>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("sets ids, classes and key=\"value\" pairs in their order", () => {
    const markdown = "text\n{: #main .a .b data-x=\"1\" title='t t'}\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<p id=\"main\" class=\"a b\" data-x=\"1\" title=\"t t\">text</p>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("applies span IALs to emphasis, images, links and code, not to plain text", () => {
    const markdown = "word{: .x} *x*{: .y} ![img](/a.png){: .full} [l](/u){: #i .c} `c`{: .z} *e* {: .not}\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<p>word{: .x} <em class=\"y\">x</em> <img src=\"/a.png\" alt=\"img\" class=\"full\" /> <a href=\"/u\" id=\"i\" class=\"c\">l</a> <code class=\"z\">c</code> <em>e</em> {: .not}</p>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("resolves attribute definitions, the reference first and then the IAL's own", () => {
    const markdown = "{:ref: .a #b key=\"v\"}\n{:other: ref #i title=\"t t\"}\n\npara\n{: ref}\n\nmore\n{: other .b #j}\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "\n<p class=\"a\" id=\"b\" key=\"v\">para</p>\n\n<p class=\"a b\" id=\"j\" key=\"v\" title=\"t t\">more</p>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("gives a list, a quote, a rule and a table the IAL on the line after them", () => {
    const markdown = "* a\n{: .list}\n\n> quote\n{: .q}\n\n---\n{: .hr}\n\n| a |\n|---|\n| b |\n{: .t}\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<ul class=\"list\">\n  <li>a</li>\n</ul>\n\n<blockquote class=\"q\">\n  <p>quote</p>\n</blockquote>\n\n<hr class=\"hr\" />\n\n<table class=\"t\">\n  <thead>\n    <tr>\n      <th>a</th>\n    </tr>\n  </thead>\n  <tbody>\n    <tr>\n      <td>b</td>\n    </tr>\n  </tbody>\n</table>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("gives list items the IAL that starts them", () => {
    const markdown = "* {:.a} one\n* {: #b .c} two\n* three\n\n1. {:.x}\n   para\n\n* {:.l} loose\n\n* b\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<ul>\n  <li class=\"a\">one</li>\n  <li id=\"b\" class=\"c\">two</li>\n  <li>three</li>\n</ul>\n\n<ol>\n  <li class=\"x\">para</li>\n</ol>\n\n<ul>\n  <li class=\"l\">\n    <p>loose</p>\n  </li>\n  <li>\n    <p>b</p>\n  </li>\n</ul>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("drops an IAL that applies to nothing, and leaves an unclosed one as text", () => {
    const markdown = "para\n\n{: .nothing}\n\nunclosed {: .x and {:\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<p>para</p>\n\n<p class=\"nothing\">unclosed {: .x and {:</p>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("gives HTML blocks, strong, strikethrough and linked images their IALs", () => {
    const markdown = "<details open>\n<summary>x</summary>\n</details>\n{: .x}\n\n[![img](/i.png)](/x){: .lnk}\n\n**strong**{: .s} and ~~del~~{: .d}\n\n<div>\n\na\n</div>\n{: .y}\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<details open=\"\" class=\"x\">\n<summary>x</summary>\n</details>\n\n<p><a href=\"/x\" class=\"lnk\"><img src=\"/i.png\" alt=\"img\" /></a></p>\n\n<p><strong class=\"s\">strong</strong> and <del class=\"d\">del</del></p>\n\n<div class=\"y\">\n\na\n</div>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("sets a header's id and class from its IAL, before the generated id", () => {
    const markdown = "## Header\n{: .c}\n\n## Other\n{: #custom}\n\n[see](#custom)\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<h2 class=\"c\" id=\"header\">Header</h2>\n\n<h2 id=\"custom\">Other</h2>\n\n<p><a href=\"#custom\">see</a></p>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });
});
