import { beforeAll, describe, expect, it } from '@jest/globals';
import { Marked } from 'marked';
import { createMarkdown } from '../../src/rendering/markdown.js';
import { GFM_SETTINGS } from '../../src/rendering/markdown-settings.js';
import { markdownGuard, markdownProblem } from '../../src/rendering/markdown-guard.js';
import { cpuMs, quickestCpuMs } from '../support/cpu-time.js';

const limits = { maxNesting: 32 };
const markdown = createMarkdown(GFM_SETTINGS, limits);

describe('Markdown nested too deep', () => {
  it.each([
    ['3,000 block quotes on one line', '> '.repeat(3000) + 'a', 3000],
    ['3,000 `>` without spaces', '>'.repeat(3000), 3000],
    ['3,000 list markers on one line', '- '.repeat(3000) + 'a', 3000],
    ['3,000 ordered list markers', '1. '.repeat(3000) + 'a', 3000],
    ['quotes and lists alternating', '> - '.repeat(1000) + 'a', 2000],
  ])('%s is refused with the depth and the limit', (_name, text, depth) => {
    const reason = `block quotes and lists nest ${depth} levels deep, over MARKDOWN_MAX_NESTING (32)`;
    expect(markdownProblem(text, limits)).toBe(reason);
    let thrown: unknown;
    expect(cpuMs(() => {
      try {
        markdownOf(text);
      } catch (error) {
        thrown = error;
      }
    })).toBeLessThan(1000);
    expect(thrown).toEqual(new Error(reason));
  });

  it('refuses a list nested line by line at the first line past the limit', () => {
    const text = Array.from({ length: 300 }, (_, i) => `${' '.repeat(2 * i)}- item ${i}`).join('\n');
    expect(markdownProblem(text, limits)).toBe('block quotes and lists nest 33 levels deep, over MARKDOWN_MAX_NESTING (32)');
    expect(() => markdownOf(text)).toThrow('nest 33 levels deep');
  });

  it.each([
    ['emphasis', '*a _'.repeat(1000) + 'b' + '_ a*'.repeat(1000)],
    ['strong and emphasis', '*t '.repeat(2000) + '_t*_ '.repeat(2000)],
    ['strikethrough', '~~a '.repeat(1000) + 'b' + ' a~~'.repeat(1000)],
  ])('refuses %s nested 1,000 deep', (_name, text) => {
    expect(() => markdownOf(text)).toThrow(new Error('emphasis, links and strikethrough nest more than 32 levels deep, over MARKDOWN_MAX_NESTING (32)'));
  });

  it('renders nesting up to the limit', () => {
    expect(markdownProblem('> '.repeat(32) + 'a', limits)).toBeUndefined();
    expect(markdownOf('> '.repeat(32) + 'a')).toBe(`${'<blockquote>\n'.repeat(32)}<p>a</p>\n${'</blockquote>\n'.repeat(32)}`);
    const list = Array.from({ length: 32 }, (_, i) => `${' '.repeat(2 * i)}- ${i}`).join('\n');
    expect(markdownOf(list).match(/<ul>/g)).toHaveLength(32);
    // Each `*a _` opens two levels.
    expect(markdownOf('*a _'.repeat(16) + 'b' + '_ a*'.repeat(16)).match(/<em>/g)).toHaveLength(32);
  });

  it('counts no nesting in code, and no list in a thematic break', () => {
    expect(markdownProblem('```\n' + '> '.repeat(100) + '\n```\n', limits)).toBeUndefined();
    expect(markdownProblem('    ' + '- '.repeat(100), limits)).toBeUndefined();
    expect(markdownProblem('* '.repeat(100), limits)).toBeUndefined();
    expect(markdownProblem('- ' + '* '.repeat(100), limits)).toBeUndefined();
  });
});

/** About `bytes` of `unit` repeated. */
function repeat(unit: string, bytes = 100 * 1024): string {
  return unit.repeat(Math.ceil(bytes / unit.length));
}

describe('100 KB of a construct marked handles in more than linear time renders in under a second', () => {
  // A server renders many posts: measure the rendering, not the compiling of its code on first use.
  beforeAll(() => {
    markdownOf(repeat('_a *a **b** ~c~ <!-- d --> [e](f) www.g.h/) | i |\n|-|\n\nj\n-\n', 8 * 1024));
  });

  it.each([
    // GFM's text and url rules look ahead for an email address from every place a token starts.
    ['`_a`', repeat('_a')],
    ['`*a`', repeat('*a')],
    ['`**a`', repeat('**a')],
    ['`__a`', repeat('__a')],
    ['`a_`', repeat('a_')],
    ['`a*`', repeat('a*')],
    ['`*.`', repeat('*.')],
    ['`._`', repeat('._')],
    ['`*!a`', repeat('*!a')],
    ['`_a` ending in `@`', repeat('_a') + '@'],
    ['`a_a@` without a domain', repeat('a_a@')],
    // emStrong and del scan from every opener to the end of the text for a closer.
    ['`*a_`', repeat('*a_')],
    ['`*a_` with one closer at the end', repeat('*a_') + 'a*'],
    ['`_a*`', repeat('_a*')],
    ['`(*a`', repeat('(*a')],
    ['a run of `*` with one closer at the end', repeat('*') + 'a*'],
    ['`- *` (a list marker and an opener)', repeat('- *')],
    ['`*x *x `', repeat('*x *x ')],
    ['`.~a`', repeat('.~a')],
    ['`.~~a` with one closer at the end', repeat('.~~a') + 'a~~'],
    // The tag rule reads a comment, processing instruction or declaration lazily to its end marker.
    ['`<!--`', 'a ' + repeat('<!--')],
    ['`<?`', 'a ' + repeat('<?')],
    ['`<!A `', 'a ' + repeat('<!A ')],
    ['`<![CDATA[`', 'a ' + repeat('<![CDATA[')],
    // The table rule reads rows to the end of the block before the header can be rejected, and the
    // paragraph and setext heading rules look for a table or an underline on every line to the end.
    ['a table header with other numbers of cells', repeat('a|b\n:-\n')],
    ['a table header without `|` or `:`', repeat('a|b\n-|-|-\n')],
    ['setext headings under `|` lines', repeat('|a\n-\n')],
    ['setext headings', repeat('a\n-\n')],
    // GFM's url rule strips an autolink's trailing punctuation one character a round.
    ['`www.a.b/` and 100 KB of `)`', 'www.a.b/' + repeat(')')],
    ['`www.a(`', repeat('www.a(')],
    ['`www.a.b/` and 100 KB of `&a;`', 'www.a.b/' + repeat('&a;')],
    // The link rule's href runs to the next space and back from every `[` before marked cuts it.
    ['`[]()` without spaces', repeat('[]()')],
    ['`[a](b)` without spaces', repeat('[a](b)')],
    ['`[a](` and a space far after', repeat('[a](') + ' x)'],
    ['`[a](` and a title far after', repeat('[a](') + ' "t")'],
    ['`[a]((x)` and one `)` at the end', repeat('[a]((x)') + ')'],
  ])('%s', (_name, text) => {
    let html = '';
    expect(quickestCpuMs(() => (html = markdownOf(text)), 1000)).toBeLessThan(1000);
    expect(html.length).toBeGreaterThan(text.length / 2);
  });
});

describe('normal Markdown renders as marked renders it', () => {
  it.each([
    ['an email address', 'Write to jane.doe+blog@example.com today.', '<p>Write to <a href="mailto:jane.doe+blog@example.com">jane.doe+blog@example.com</a> today.</p>\n'],
    ['an email address in emphasis', '_me@example.org_ and snake_case_names', '<p><em><a href="mailto:me@example.org">me@example.org</a></em> and snake_case_names</p>\n'],
    ['an `@` that starts no address', 'a_b@ and @c and a@b', '<p>a_b@ and @c and a@b</p>\n'],
    ['emphasis, strong and strikethrough', '**strong**, *em*, ***both*** and ~~gone~~, ~one~', '<p><strong>strong</strong>, <em>em</em>, <em><strong>both</strong></em> and <del>gone</del>, <del>one</del></p>\n'],
    ['emphasis by the rule of 3 and within runs', '*foo**bar**baz* and **a*b*c and *a __b *c__', '<p><em>foo<strong>bar</strong>baz</em> and **a<em>b</em>c and *a <strong>b *c</strong></p>\n'],
    ['delimiters inside words', 'snake_case_name, 2*3*4 and (*aside*)', '<p>snake_case_name, 2<em>3</em>4 and (<em>aside</em>)</p>\n'],
    ['inline HTML comments, processing instructions and declarations', 'a <!-- c --> b <?php x ?> <!DOCTYPE html> <![CDATA[ d ]]> <!--> e <!-- f', '<p>a <!-- c --> b <?php x ?> <!DOCTYPE html> <![CDATA[ d ]]> <!--> e &lt;!-- f</p>\n'],
    ['a table, and a table-shaped paragraph', '| a | b |\n|:--|--:|\n| 1 | 2 |\n\ntext\na|b\n:-\nmore', '<table>\n<thead>\n<tr>\n<th align="left">a</th>\n<th align="right">b</th>\n</tr>\n</thead>\n<tbody><tr>\n<td align="left">1</td>\n<td align="right">2</td>\n</tr>\n</tbody></table>\n<p>text\na|b\n:-\nmore</p>\n'],
    ['setext headings', 'Title\n===\n\nSub\n---\nline one\nline two\n----', '<h1 id="title">Title</h1>\n<h2 id="sub">Sub</h2>\n<h2 id="line-oneline-two">line one\nline two</h2>\n'],
    ['autolinks with parentheses, entities and punctuation', 'See https://en.wikipedia.org/wiki/Foo_(bar), www.example.com/a?b=c&amp; and (http://x.io/y).', '<p>See <a href="https://en.wikipedia.org/wiki/Foo_(bar)" rel="noopener noreferrer">https://en.wikipedia.org/wiki/Foo_(bar)</a>, <a href="http://www.example.com/a?b=c" rel="noopener noreferrer">www.example.com/a?b=c</a>&amp; and (<a href="http://x.io/y" rel="noopener noreferrer">http://x.io/y</a>).</p>\n'],
    ['links with parentheses, titles, spaces and escapes', '[x](a(b)c) [y]( /u "T" ) ![i](p.png \'T\') [z](</b c>) [w](/p\\)q) [v](/a)b)', '<p><a href="a(b)c">x</a> <a href="/u" title="T">y</a> <img src="p.png" alt="i" title="T"> <a href="/b%20c">z</a> <a href="/p)q">w</a> <a href="/a">v</a>b)</p>\n'],
    ['mailto: and www. links', 'mailto:a@b.co and www.example.com/x.', '<p><a href="mailto:a@b.co">mailto:a@b.co</a> and <a href="http://www.example.com/x" rel="noopener noreferrer">www.example.com/x</a>.</p>\n'],
  ])('%s', (_name, text, html) => {
    expect(markdownOf(text)).toBe(html);
  });
});

describe('random texts of the characters the guards read render as marked renders them', () => {
  const plain = new Marked({ gfm: true });
  const guarded = new Marked({ gfm: true }, markdownGuard({ maxNesting: 1000 }));
  // Long enough for every guard to engage (short texts are left to marked); a fixed seed, so a failure repeats.
  it.each([
    ['email addresses', ['a', '_', '*', '@', '.', 'b.c', 'mailto:', 'www.', ' ', '\n', '`', '~', '!', 'x@y.z']],
    ['emphasis and strikethrough', ['*', '**', '***', '_', '__', '~', '~~', 'a', ' ', '.', '(', '"', '`x`', '[a](b)', '\\*', '<i>', '\n', 'é', '。']],
    ['inline HTML', ['<', '!', '--', '-', '?', '>', '<!--', '-->', '<?', '?>', '<![CDATA[', ']]>', '<!A', ' ', 'a', '\n']],
    ['tables and setext headings', ['a', '|', ':', '-', ' ', '\n', 'a|b', ':-', '-|-', '---', '==', '- ', '> ', '# ', '```']],
    ['autolinks', ['www.', 'http://', 'a', 'b.c', '.', ')', '(', '&', ';', '&amp;', '?', '_', '*', '"', ' ', '<', '\n', '/']],
    ['links', ['[', ']', '(', ')', '![', 'a', ' ', '"t"', '(t)', '\\', '\\(', '\\)', '<', '\n', '`', 'x)', '](', '[a]: /u', '[a]', '*']],
  ])('%s', (_name, pieces) => {
    let seed = 7;
    const random = (below: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % below;
    };
    for (let text = 0; text < 150; text++) {
      let markdown = '';
      while (markdown.length < 260 + random(340)) markdown += pieces[random(pieces.length)];
      expect({ markdown, html: guarded.parse(markdown) }).toEqual({ markdown, html: plain.parse(markdown) });
    }
  });
});

function markdownOf(text: string): string {
  return markdown.toHtml(text);
}
