import { describe, expect, it } from '@jest/globals';
import { kramdownHtml, normalized } from '../../support/kramdown.js';

describe("kramdown header ids", () => {
  it("numbers repeated ids as kramdown's GFM parser does", () => {
    const markdown = "# Hello World\n\n## Hello World\n\n## hello-world\n\n## hello-world-1\n\n[see](#hello-world)\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<h1 id=\"hello-world\">Hello World</h1>\n\n<h2 id=\"hello-world-1\">Hello World</h2>\n\n<h2 id=\"hello-world-2\">hello-world</h2>\n\n<h2 id=\"hello-world-1\">hello-world-1</h2>\n\n<p><a href=\"#hello-world\">see</a></p>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("drops punctuation and markup, keeps letters of any script", () => {
    const markdown = "## Hello, World! é ü_x `code` *em*\n\n## ÜBER Straße ½ ² Ⅳ 🎉 x\n\n## 日本語 テスト\n\n## A & B &amp; C\n\n## [Link](/x) text\n\n## x<br>y <span>z</span>\n\nSetext\n------\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<h2 id=\"hello-world-é-ü_x-code-em\">Hello, World! é ü_x <code>code</code> <em>em</em></h2>\n\n<h2 id=\"über-straße---ⅳ--x\">ÜBER Straße ½ ² Ⅳ 🎉 x</h2>\n\n<h2 id=\"日本語-テスト\">日本語 テスト</h2>\n\n<h2 id=\"a--b--c\">A &amp; B &amp; C</h2>\n\n<h2 id=\"link-text\"><a href=\"/x\">Link</a> text</h2>\n\n<h2 id=\"xy-z\">x<br />y <span>z</span></h2>\n\n<h2 id=\"setext\">Setext</h2>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("takes `{#id}` at the end of a header as its id", () => {
    const markdown = "## Hello World {#own}\n\n## Hello World\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<h2 id=\"own\">Hello World</h2>\n\n<h2 id=\"hello-world\">Hello World</h2>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("puts auto_id_prefix before every generated id", () => {
    const markdown = "# One\n\n## One\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<h1 id=\"id-one\">One</h1>\n\n<h2 id=\"id-one-1\">One</h2>\n";
    expect(normalized(kramdownHtml(markdown, {"auto_id_prefix": "id-"}))).toBe(normalized(kramdown));
  });

  it("gives no ids with auto_ids false, but keeps those written", () => {
    const markdown = "# One\n\n## Two {#two}\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<h1>One</h1>\n\n<h2 id=\"two\">Two</h2>\n";
    expect(normalized(kramdownHtml(markdown, {"auto_ids": false}))).toBe(normalized(kramdown));
  });

  it("writes a header's own id before its IAL's class", () => {
    const markdown = "# A {#a}\n{: .c}\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<h1 id=\"a\" class=\"c\">A</h1>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("makes ids from the header's source with input: kramdown", () => {
    const markdown = "# 1. Hello [link](/x) *World*\n\n# Hello World\n\n# Hello World\n\n# 123\n\n# Über café {#own}\n\n# Über café\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<h1 id=\"hello-linkx-world\">1. Hello <a href=\"/x\">link</a> <em>World</em></h1>\n\n<h1 id=\"hello-world\">Hello World</h1>\n\n<h1 id=\"hello-world-1\">Hello World</h1>\n\n<h1 id=\"section\">123</h1>\n\n<h1 id=\"own\">Über café</h1>\n\n<h1 id=\"ber-caf\">Über café</h1>\n";
    expect(normalized(kramdownHtml(markdown, {"input": "kramdown"}))).toBe(normalized(kramdown));
  });

  it('drops the dashes kramdown makes of `--` and `---` from ids, whoever renders the dashes', () => {
    // kramdown renders `## a -- b... c` as <h2 id="a--b-c">a – b… c</h2>: the en dash and ellipsis leave the id.
    expect(kramdownHtml('## a -- b... c\n\n## x---y\n')).toMatch(/^<h2 id="a--b-c">.*\n<h2 id="xy">/s);
  });
});
