import { describe, expect, it } from '@jest/globals';
import { kramdownHtml, normalized } from '../../support/kramdown.js';

describe("kramdown definition lists", () => {
  it("makes terms and definitions, several of each", () => {
    const markdown = "Term\n: Definition\n\nTerm 1\nTerm *2*\n: Def a\n: Def b\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<dl>\n  <dt>Term</dt>\n  <dd>Definition</dd>\n  <dt>Term 1</dt>\n  <dt>Term <em>2</em></dt>\n  <dd>Def a</dd>\n  <dd>Def b</dd>\n</dl>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("wraps a definition in a paragraph after a blank line, and reads indented blocks", () => {
    const markdown = "Term\n\n: def\n\nApple\n:   Pomaceous fruit\n    continued\n\n    second para\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<dl>\n  <dt>Term</dt>\n  <dd>\n    <p>def</p>\n  </dd>\n  <dt>Apple</dt>\n  <dd>Pomaceous fruit\ncontinued\n\n    <p>second para</p>\n  </dd>\n</dl>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });

  it("joins terms that follow into the same list, and ends at an unindented line after a blank", () => {
    const markdown = "T2\n: d2\n\n\n: d3\n\nT3\n: a\nlazy\n\nafter\n";
    // kramdown 2.4.0 with kramdown-parser-gfm, as Jekyll 4.3 runs it:
    const kramdown = "<dl>\n  <dt>T2</dt>\n  <dd>d2</dd>\n  <dd>\n    <p>d3</p>\n  </dd>\n  <dt>T3</dt>\n  <dd>a\nlazy</dd>\n</dl>\n\n<p>after</p>\n";
    expect(normalized(kramdownHtml(markdown))).toBe(normalized(kramdown));
  });
});
