import { describe, expect, it } from '@jest/globals';
import { createMarkdown } from '../../../src/rendering/markdown.js';
import { markdownSettings } from '../../../src/rendering/markdown-settings.js';
import { quickestCpuMs } from '../../support/cpu-time.js';

const markdown = createMarkdown(markdownSettings('kramdown', {}), { maxNesting: 32 });

/** `unit` repeated to about 100 KB. */
function hundredKb(unit: string | ((index: number) => string)): string {
  const make = typeof unit === 'string' ? () => unit : unit;
  let text = '';
  for (let index = 0; text.length < 100_000; index++) text += make(index);
  return text;
}

describe('kramdown syntax in hostile amounts renders in linear time', () => {
  it.each([
    ['IALs after paragraphs', hundredKb('a\n{: .x}\n')],
    ['IALs cutting one paragraph line by line', hundredKb('a *b*\n{: .x #y k="v"}\n')],
    ['unclosed `{:` on one line', hundredKb('{:')],
    ['unclosed IAL lines', hundredKb('{: .x\n')],
    ['IALs with nothing to apply to', hundredKb('{: .x}\n\n')],
    ['span IALs', hundredKb('*a*{: .b} ')],
    ['lists each with an IAL after them', hundredKb('* a\n{: .x}\n\n')],
    ['list item IALs, closed and not', hundredKb('* {: .x} a\n* {: .y\n')],
    ['unclosed span IALs after emphasis', hundredKb('*a*{: .b ')],
    ['attribute definitions and references', hundredKb((i) => `{:d${i}: .c${i} d${Math.max(0, i - 1)}}\n`) + 'p\n{: d1 d2 d3}\n'],
    ['`{::comment}` lines without a stop tag', hundredKb('{::comment}\n')],
    ['`{::comment}` spans without a stop tag', hundredKb('x {::comment} ')],
    ['`{::nomarkdown}` openers and one stop tag at the end', hundredKb('{::nomarkdown}\n') + '{:/}\n'],
    ['closed comments', hundredKb('{::comment}\nx\n{:/comment}\n')],
    ['`{::options}` tags', hundredKb('{::options auto_ids="true" /}\n')],
    ['a long line of `: `', ': '.repeat(50_000)],
    ['a term and a long line of `: `', `Term\n${': '.repeat(50_000)}`],
    ['`: ` lines', hundredKb(': a\n')],
    ['terms and definitions', hundredKb('t\n: d\n')],
    ['definitions with lazy lines', `t\n: d\n${hundredKb('lazy line\n')}`],
    ['thousands of abbreviation definitions and their uses', hundredKb((i) => `*[A${i}]: t\n`) + hundredKb((i) => `A${i} x `)],
    ['an abbreviation in every text of one paragraph', `*[A]: t\n\n${hundredKb('A *e* ')}`],
    ['long abbreviations sharing a prefix', hundredKb((i) => `*[${'a '.repeat(40)}${i}]: t\n`) + hundredKb('a ')],
    ['end-of-block markers', hundredKb('* a\n^\n')],
    ['end-of-block markers alone', hundredKb('^\n')],
    ['lists and quotes each split by a marker', hundredKb('* a\n^\n* b\n\n> c\n^\n> d\n\n')],
    ['HTML elements without end tags and with blank lines', hundredKb('<div>\n\n')],
    ['HTML start tags without `>`', hundredKb('<div ')],
    ['markdown="1" elements', hundredKb('<div markdown="1">\n*x*\n</div>\n')],
    ['HTML elements with blank lines inside', hundredKb('<div>\na\n\nb\n</div>\n')],
    ['unclosed markdown="1" openers', hundredKb('<div markdown="1">\n\n')],
    ['headers with the same text and a TOC', `* x\n{:toc}\n\n${hundredKb('# h\n')}`],
    ['headers with unclosed `{#`', hundredKb('# a {#b\n')],
  ])('%s', (_name, text) => {
    expect(text.length).toBeGreaterThanOrEqual(100_000);
    expect(quickestCpuMs(() => markdown.toHtml(text), 1000)).toBeLessThan(1000);
  });
});
