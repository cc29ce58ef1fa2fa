import { describe, expect, it } from '@jest/globals';
import { Marked, type Token } from 'marked';
import { kramdownTypography, typography } from '../../../src/rendering/kramdown/typography.js';
import { createMarkdown } from '../../../src/rendering/markdown.js';
import { markdownSettings } from '../../../src/rendering/markdown-settings.js';
import { quickestCpuMs } from '../../support/cpu-time.js';
import { asReadersSee } from '../../support/kramdown.js';

const limits = { maxNesting: 32 };
const jekyll = createMarkdown(markdownSettings('kramdown', {}), limits);

describe('kramdown typography', () => {
  // Each expected string is what Jekyll 4.3's kramdown 2.4 made of the Markdown.
  it.each([
    ["\"Hello\" -- it's done...", "<p>“Hello” – it’s done…</p>"],
    ["the '80s and 'quoted' words, \"a\"*b* \"*em*\" x\"", "<p>the ’80s and ‘quoted’ words, “a”<em>b</em> “<em>em</em>” x”</p>"],
    ["a --- b << c >> d <<e>> a<<b a>>b", "<p>a — b « c » d «e» a«b a»b</p>"],
    ["`\"code\"` <a title=\"x\">\"t\"</a> [l\"k\"](/x/?a=b)", "<p><code>\"code\"</code> <a title=\"x\">“t”</a> <a href=\"/x/?a=b\">l”k”</a></p>"],
    ["*\"a\"* \"*a*\" a*\"b (\"paren\") [\"brack\"] word\"s 1\"2 .\"x\" --\"x\"", "<p><em>“a”</em> “<em>a</em>” a*“b (“paren”) [“brack”] word”s 1”2 .”x” –“x”</p>"],
    ["it's rock 'n' roll, don't 'em' 'tis", "<p>it’s rock ‘n’ roll, don’t ‘em’ ‘tis</p>"],
    ["<code>\"a\" -- b</code> <kbd>\"b\"</kbd> <span>\"c\"</span>", "<p><code>\"a\" -- b</code> <kbd>\"b\"</kbd> <span>“c”</span></p>"],
    ["\"\"a \"\" a\"\" ''x", "<p>\"”a “” a”” ‘‘x</p>"],
    ["He said \"'Tis true\" and '\"quoted\"' here.", "<p>He said “‘Tis true” and ‘“quoted”’ here.</p>"],
    ["\"...and then\" she said \"...\" or \"wait...\"", "<p>“…and then” she said “…” or “wait…”</p>"],
    ["She said, \"Yes.\" Then: 'no'! (see \"this\"), {\"obj\"}", "<p>She said, “Yes.” Then: ‘no’! (see “this”), {“obj”}</p>"],
    ["**\"bold\"** __'und'__ \"**b**\" '__u__' \"_e_\"", "<p><strong>“bold”</strong> <strong>‘und’</strong> “<strong>b</strong>” ‘<strong>u</strong>’ “<em>e</em>”</p>"],
    ["\"'80s\" the 80's '90s 1990's", "<p>“‘80s” the 80’s ’90s 1990’s</p>"],
    ["5'10\" tall, 6\" wide", "<p>5’10” tall, 6” wide</p>"],
    ["rock'n'roll \"a\"-\"b\" x-\"y\"", "<p>rock’n’roll “a”-“b” x-“y”</p>"],
    ["\"hello,\" \"world.\" \"it's\" \"yes!\" \"no?\" \"x;\" \"y:\"", "<p>“hello,” “world.” “it’s” “yes!” “no?” “x;” “y:”</p>"],
    ["a -- b --- c ---- d ----- e", "<p>a – b — c —- d —– e</p>"],
    ["&amp;\"x\" &\"z\" café\"s \"é\" naïve's", "<p>&amp;“x” &amp;”z” café”s “é” naïve’s</p>"],
    ["text \"with\nnewline\" and 'another\none'", "<p>text “with\nnewline” and ‘another\none’</p>"],
    ["![alt \"quoted\"](x.png) [text \"q\"](y.html)", "<p><img src=\"x.png\" alt=\"alt &quot;quoted&quot;\" /> <a href=\"y.html\">text “q”</a></p>"],
  ])('sets %j as kramdown does', (markdown, kramdown) => {
    expect(asReadersSee(jekyll.toHtml(markdown))).toBe(asReadersSee(kramdown));
  });

  it.each([
    ['- "item" one\n- it\'s \'two\'', '<ul>\n  <li>“item” one</li>\n  <li>it’s ‘two’</li>\n</ul>\n'],
    ['| "a" | \'b\' |\n|-----|-----|\n| x -- y | "z" |', '<table>\n  <thead>\n    <tr>\n      <th>“a”</th>\n      <th>‘b’</th>\n    </tr>\n  </thead>\n  <tbody>\n    <tr>\n      <td>x – y</td>\n      <td>“z”</td>\n    </tr>\n  </tbody>\n</table>\n'],
    ['> "quote" -- block', '<blockquote>\n  <p>“quote” – block</p>\n</blockquote>\n'],
    ['"Hi"  \nthere', '<p>“Hi”<br />\nthere</p>\n'],
  ])('sets text in lists, tables, quotes and around line breaks: %j', (markdown, kramdown) => {
    expect(asReadersSee(jekyll.toHtml(markdown))).toBe(asReadersSee(kramdown));
  });

  it('leaves code blocks and autolinked addresses alone, and link addresses', () => {
    expect(jekyll.toHtml('```\n"code" -- block...\n```')).toBe('<pre><code class="hljs">&quot;code&quot; -- block...\n</code></pre>');
    expect(jekyll.toHtml('Visit <http://a.b/c--d...> or ["x"](/a/--/...)')).toBe(
      '<p>Visit <a href="http://a.b/c--d..." rel="noopener noreferrer">http://a.b/c--d...</a> or <a href="/a/--/...">“x”</a></p>\n',
    );
  });

  it('sets inline Markdown too, as titles are', () => {
    expect(jekyll.inlineToHtml('"Hello" -- it\'s done...')).toBe('“Hello” – it’s done…');
  });

  it('uses the smart_quotes and typographic_symbols of _config.yml', () => {
    const german = createMarkdown(
      markdownSettings('kramdown', { smart_quotes: 'sbquo,lsquo,bdquo,ldquo', typographic_symbols: { hellip: '...', ndash: '-', laquo_space: '<<' } }),
      limits,
    );
    expect(german.toHtml('"Hallo" -- it\'s... << a >>')).toBe('<p>„Hallo“ - it‘s... &lt;&lt;a\u00a0»</p>\n');
    const numbered = createMarkdown(markdownSettings('kramdown', { smart_quotes: '8216,8217,171,187' }), limits);
    expect(numbered.toHtml('"Hi" \'x\'')).toBe('<p>«Hi» ‘x’</p>\n');
  });

  it('sets text that other extensions hold in their own tokens, as definition lists do', () => {
    // kramdown makes <dt>“a” – b</dt> of the term of `"a" -- b\n: definition`.
    const marked = new Marked(
      {
        extensions: [
          {
            name: 'term',
            level: 'block',
            tokenizer(src) {
              const line = /^!term (.*)\n?/.exec(src);
              return line ? { type: 'term', raw: line[0], items: [{ type: 'termText', raw: line[1], tokens: this.lexer.inline(line[1] ?? '') }] } : undefined;
            },
            renderer(token) {
              return `<dt>${this.parser.parseInline((token.items as { tokens: Token[] }[])[0]?.tokens ?? [])}</dt>\n`;
            },
          },
        ],
      },
      kramdownTypography(typography(['lsquo', 'rsquo', 'ldquo', 'rdquo'], {})),
    );
    expect(marked.parse('!term "a" -- b\n')).toBe('<dt>“a” – b</dt>\n');
  });

  it('leaves GitHub-flavoured posts as they are written', () => {
    const gfm = createMarkdown(markdownSettings('gfm', {}), limits);
    expect(gfm.toHtml('"Hello" -- it\'s done...')).toBe('<p>&quot;Hello&quot; -- it&#39;s done...</p>\n');
  });
});

describe('kramdown typography on hostile text', () => {
  it.each([
    ['double quotes', '"'.repeat(100_000)],
    ['single quotes', "'".repeat(100_000)],
    ['quoted words', '"a" \'b\' '.repeat(12_000)],
    ['dashes', '-'.repeat(100_000)],
    ['dash pairs between words', 'a -- '.repeat(20_000)],
    ['dots', '.'.repeat(100_000)],
    ['guillemets', '<<'.repeat(50_000)],
    ['closing guillemets', 'a >>'.repeat(25_000)],
    ['quotes between entities', '&amp;"'.repeat(16_000)],
    ['raw code tags left open', '<code>"'.repeat(14_000)],
  ])('sets 100 KB of %s in linear time', (_name, text) => {
    expect(quickestCpuMs(() => jekyll.toHtml(text), 1000)).toBeLessThan(1000);
  });
});
