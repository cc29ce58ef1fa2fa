import { describe, expect, it } from '@jest/globals';
import { textOf } from '../../src/rendering/html.js';
import { createMarkdown } from '../../src/rendering/markdown.js';
import { GFM_SETTINGS } from '../../src/rendering/markdown-settings.js';
import { quickestCpuMs } from '../support/cpu-time.js';

const markdown = createMarkdown(GFM_SETTINGS, { maxNesting: 32 });

describe('plain text of an excerpt (meta description, feed summary, /api/posts)', () => {
  it.each([
    ['a link before a full stop', 'Read a [link](/x).', 'Read a link.'],
    ['emphasis before a comma', 'It is **bold**, then *not*; ok', 'It is bold, then not; ok'],
    ['code before a question mark', 'Is it `kubectl`?', 'Is it kubectl?'],
    ['paragraphs', 'One.\n\nTwo.', 'One. Two.'],
    ['a list', '- one\n- two', 'one two'],
    ['a hard line break', 'line  \nbreak', 'line break'],
    ['entities', 'Fish &amp; chips <3', 'Fish & chips <3'],
  ])('keeps %s as a reader reads it', (_what, source, text) => {
    expect(textOf(markdown.toHtml(source))).toBe(text);
  });

  it('separates table cells and headings from the words around them', () => {
    expect(textOf('<h2>Title</h2><table><tr><td>a</td><td>b</td></tr></table>')).toBe('Title a b');
  });

  it.each([
    ['unclosed `<`', '<'.repeat(100_000)],
    ['unclosed tags', '<a href="x" '.repeat(10_000)],
    ['tags', '<p>a</p>'.repeat(12_500)],
    ['a tag at the end of many `<`', `${'<'.repeat(100_000)}>`],
  ])('stays linear on 100 KB of %s', (_what, markup) => {
    expect(quickestCpuMs(() => textOf(markup), 1000)).toBeLessThan(1000);
  });
});
