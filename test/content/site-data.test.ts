import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dataKey, loadSiteData, parseDataFile, parseDelimitedData } from '../../src/content/site-data.js';
import { quickestCpuMs } from '../support/cpu-time.js';

describe('site.data from a _data folder', () => {
  let site: string;
  beforeAll(async () => {
    site = await mkdtemp(path.join(tmpdir(), 'kubeblog-data-'));
    const data = path.join(site, '_data');
    await mkdir(path.join(data, 'team', 'more'), { recursive: true });
    await mkdir(path.join(data, '.hidden'));
    await writeFile(path.join(data, 'people.csv'), 'name,role,site\nAda,"lead, ""core""",\nLin,,"x"\n\nBo\n');
    await writeFile(path.join(data, 'tools.tsv'), 'name\trole\nAda\tdev\n');
    await writeFile(path.join(data, 'navigation.yml'), '- name: Home\n  url: /\n- name: About\n  url: /about/\n');
    await writeFile(path.join(data, 'stats.json'), '{"count": 3, "tags": ["k8s", "go"]}\n');
    await writeFile(path.join(data, 'team', 'core.yaml'), 'lead: Ada\n');
    await writeFile(path.join(data, 'team', 'more', 'x.yml'), 'a: 1\n');
    await writeFile(path.join(data, '.hidden', 'h.yml'), 'x: 1\n');
    await writeFile(path.join(data, '.dot.yml'), 'x: 1\n');
    await writeFile(path.join(data, 'readme.txt'), 'ignored\n');
    await writeFile(path.join(data, 'my data-file.v2.yml'), 'k: v\n');
    await writeFile(path.join(data, 'empty.yml'), '');
  });
  afterAll(() => rm(site, { recursive: true, force: true }));

  it('reads YAML, JSON, CSV and TSV files and nested folders as Jekyll 4.3.1 does, keys in its order', async () => {
    const { data, problems } = await loadSiteData(path.join(site, '_data'));
    expect(problems).toEqual([]);
    // `{{ site.data | jsonify }}` of the same folder built by Jekyll 4.3.1.
    const jekyll =
      '{"empty":null,"my_data-filev2":{"k":"v"},"navigation":[{"name":"Home","url":"/"},{"name":"About","url":"/about/"}],' +
      '"stats":{"count":3,"tags":["k8s","go"]},"people":[{"name":"Ada","role":"lead, \\"core\\"","site":null},' +
      '{"name":"Lin","role":null,"site":"x"},{"name":null,"role":null,"site":null},{"name":"Bo","role":null,"site":null}],' +
      '"tools":[{"name":"Ada","role":"dev"}],"team":{"core":{"lead":"Ada"},"more":{"x":{"a":1}}}}';
    expect(JSON.stringify(data)).toBe(jekyll);
  });

  it('leaves a broken file out, names it with the reason, and keeps every other file', async () => {
    const broken = await mkdtemp(path.join(tmpdir(), 'kubeblog-data-'));
    const data = path.join(broken, '_data');
    await mkdir(path.join(data, 'nested'), { recursive: true });
    await writeFile(path.join(data, 'good.yml'), 'a: 1\n');
    await writeFile(path.join(data, 'bad.yml'), 'a: [1, 2\nb: 3\n');
    await writeFile(path.join(data, 'bad.json'), '{"a": }');
    await writeFile(path.join(data, 'nested', 'bad.csv'), 'a,b\n"1,2\n');
    await writeFile(path.join(data, 'nested', 'quote.csv'), 'a,b\n1 "x" ,2\n');
    await writeFile(path.join(data, 'nested', 'ok.tsv'), 'a\n1\n');
    try {
      const { data: read, problems } = await loadSiteData(data);
      expect(read).toEqual({ good: { a: 1 }, nested: { ok: [{ a: '1' }] } });
      expect(problems.map((p) => p.file)).toEqual(['bad.yml', 'bad.json', 'nested/bad.csv', 'nested/quote.csv']);
      expect(problems[0]?.reason).toMatch(/missed comma .*\(2:1\)/);
      expect(problems[1]?.reason).toMatch(/JSON/);
      expect(problems[2]?.reason).toMatch(/Quote Not Closed/);
      expect(problems[3]?.reason).toMatch(/Invalid Opening Quote/);
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });

  it('follows symlinks inside the site and refuses those whose real path leaves it', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'kubeblog-outside-'));
    const linked = await mkdtemp(path.join(tmpdir(), 'kubeblog-data-'));
    const data = path.join(linked, '_data');
    await mkdir(data);
    await writeFile(path.join(outside, 'secret.yml'), 'token: abc\n');
    await writeFile(path.join(linked, 'shared.yml'), 'shared: true\n');
    await symlink(path.join(outside, 'secret.yml'), path.join(data, 'secret.yml'));
    await symlink(outside, path.join(data, 'elsewhere'));
    await symlink(path.join(linked, 'shared.yml'), path.join(data, 'shared.yml'));
    try {
      const { data: read, problems } = await loadSiteData(data);
      expect(read).toEqual({ shared: { shared: true } });
      expect(problems.map((p) => p.file).sort()).toEqual(['elsewhere', 'secret.yml']);
      expect(problems[0]?.reason).toMatch(/outside the site folder/);
    } finally {
      await rm(outside, { recursive: true, force: true });
      await rm(linked, { recursive: true, force: true });
    }
  });

  it('is empty, without problems, for a site that has no _data folder', async () => {
    await expect(loadSiteData(path.join(site, 'no-such-folder', '_data'), site)).resolves.toEqual({ data: {}, problems: [] });
  });
});

describe('data keys and parsers', () => {
  it.each([
    ['navigation', 'navigation'],
    ['my data-file.v2', 'my_data-filev2'],
    ['  spaced  name ', 'spaced_name'],
    ['émoji🙂', 'moji'],
  ])('names %j as site.data.%s', (name, key) => {
    expect(dataKey(name)).toBe(key);
  });

  it('keeps the first of two equal CSV headers and drops fields past the header, as Ruby CSV#to_hash does', () => {
    expect(parseDelimitedData('a,a,b\n1,2,3,4\n', ',')).toEqual([{ a: '1', b: '3' }]);
    expect(parseDelimitedData('', ',')).toEqual([]);
    expect(parseDelimitedData('\ufeffa,b\r\n1,2\r\n', ',')).toEqual([{ a: '1', b: '2' }]);
  });

  it('reads YAML dates and JSON by extension', () => {
    expect(parseDataFile('events.yml', 'launch: 2024-03-01\n')).toEqual({ launch: new Date('2024-03-01T00:00:00Z') });
    expect(parseDataFile('events.json', '[1, "a"]')).toEqual([1, 'a']);
  });
});

describe('hostile data files', () => {
  const size = 100_000;
  it.each([
    ['an unclosed quote', 'a,b\n"' + 'x,'.repeat(size / 2)],
    ['quote pairs', 'a\n' + '"'.repeat(size)],
    ['many short rows', 'a,b\n' + '1,2\n'.repeat(size / 4)],
    ['one long field', 'a\n' + 'x'.repeat(size)],
  ])('reads or refuses 100 KB of CSV with %s in linear time', (_name, text) => {
    const ms = quickestCpuMs(() => {
      try {
        parseDataFile('hostile.csv', text);
      } catch {
        // Refusing it is an answer too; the time is what is measured.
      }
    }, 1000);
    expect(ms).toBeLessThan(1000);
  });

  it.each([
    ['nested flow sequences', '['.repeat(size)],
    ['nested block maps', Array.from({ length: 2000 }, (_, i) => ' '.repeat(i) + 'a:').join('\n')],
    ['aliases', 'a: &a [x]\n' + Array.from({ length: size / 20 }, (_, i) => `k${i}: *a`).join('\n')],
    ['an unclosed quote', '"' + 'x '.repeat(size / 2)],
  ])('reads or refuses 100 KB of YAML with %s in linear time', (_name, text) => {
    const ms = quickestCpuMs(() => {
      try {
        parseDataFile('hostile.yml', text);
      } catch {
        // Refusing it is an answer too; the time is what is measured.
      }
    }, 1000);
    expect(ms).toBeLessThan(1000);
  });
});
