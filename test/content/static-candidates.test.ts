import { describe, expect, it } from '@jest/globals';
import { entryFilterSettings, fnmatch, isStaticCandidate } from '../../src/content/static-candidates.js';
import { quickestCpuMs } from '../support/cpu-time.js';

describe('the files Jekyll copies to _site', () => {
  it('copies what Jekyll 4.3.1 copied for the same tree and _config.yml', () => {
    // _config.yml: exclude: [a, "*.log", "sub/*.txt"]; include: [.well-known, .keep, assets/.z.txt]
    const settings = entryFilterSettings({ exclude: ['a', '*.log', 'sub/*.txt'], include: ['.well-known', '.keep', 'assets/.z.txt'] });
    const tree = [
      'about.txt', 'abc.txt', 'x.log', 'sub/y.log', 'sub/k.txt', 'sub/k.md', '.well-known/x.json', 'node_modules_x/a.js',
      'vendor/bundle/a', 'vendor/other/b', 'Gemfile', 'Gemfile.lock', 'Gemfilex', '.keep', 'sub/.keep', 'sub/.hid/q',
      'sub/_u/q', 'backup~', 'assets/.z.txt', 'assets/.w.txt', '#x/y', '.htaccess', 'b.c.',
    ];
    // `find _site -type f | sort` after `jekyll build`.
    expect(tree.filter((file) => isStaticCandidate(file, settings)).sort()).toEqual(
      ['.keep', '.well-known/x.json', 'assets/.z.txt', 'sub/.keep', 'sub/k.md', 'vendor/other/b'],
    );
  });

  it('has Jekyll defaults without settings: .htaccess copied, Gemfile, node_modules and vendor/bundle not', () => {
    const settings = entryFilterSettings({});
    const copied = ['.htaccess', 'assets/app.js', 'vendor/js/x.js', 'assets/node_modules.png'];
    const left = ['Gemfile', 'Gemfile.lock', 'node_modules/x/y.js', 'vendor/bundle/ruby/x.rb', '.jekyll-cache/a', '.git/config', '_site/index.html', 'x~', '~x'];
    expect(copied.filter((file) => isStaticCandidate(file, settings))).toEqual(copied);
    expect(left.filter((file) => isStaticCandidate(file, settings))).toEqual([]);
  });
});

describe('hostile request paths', () => {
  const settings = entryFilterSettings({ exclude: ['*.log', '*a*a*a*a*a*a*a*a*b'] });
  it.each([
    ['100 KB of one-letter folders', 'a/'.repeat(50_000) + 'x'],
    ['4 KB of one-letter folders, the longest path a file can have', 'a/'.repeat(2047) + 'x'],
    ['4 KB of longer folders', 'aaaa/'.repeat(819) + 'x'],
  ])('are checked in well under a second: %s', (_name, file) => {
    expect(quickestCpuMs(() => isStaticCandidate(file, settings), 1000)).toBeLessThan(1000);
  });

  it('names no file when longer than PATH_MAX', () => {
    expect(isStaticCandidate('a/'.repeat(2048) + 'x', entryFilterSettings({}))).toBe(false);
    expect(isStaticCandidate('a/'.repeat(2047) + 'x', entryFilterSettings({}))).toBe(true);
  });
});

describe('File.fnmatch without flags', () => {
  it.each([
    ['*.log', 'a/b.log', true],
    ['/s/*', '/s/.hidden', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['[a-c]x', 'bx', true],
    ['[!a-c]x', 'bx', false],
    ['[^a-c]x', 'dx', true],
    ['\\*x', '*x', true],
    ['\\*x', 'ax', false],
    ['[ab', '[ab', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXbY', false],
  ])('matches %j against %j: %s', (pattern, text, matched) => {
    expect(fnmatch(pattern, text)).toBe(matched);
  });

  it('stays quick for 100 KB of stars against a path that nearly matches', () => {
    const pattern = '*a'.repeat(200) + 'b';
    const text = 'a'.repeat(100_000);
    expect(quickestCpuMs(() => fnmatch(pattern, text), 1000)).toBeLessThan(1000);
  });
});
