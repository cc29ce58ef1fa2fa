import { spawnSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { parseJekyllDate, rubyDateFields, rubyZoneOffset } from '../../src/content/dates.js';
import { quickestCpuMs } from '../support/cpu-time.js';

// Front matter dates from real Jekyll sites, with the instant Ruby's Time.parse gives them (as Jekyll's
// Utils.parse_date does) with TZ=UTC and with TZ=America/New_York, written down from
// `TZ=… ruby -rtime -e 'p Time.parse(ARGV[0]).utc'`. Undefined: Ruby raises, Jekyll skips the post.
const RUBY_ANSWERS: readonly (readonly [string, string | undefined, string | undefined])[] = [
  ['July 27, 2021', '2021-07-27T00:00:00.000Z', '2021-07-27T04:00:00.000Z'],
  ['27 July 2021', '2021-07-27T00:00:00.000Z', '2021-07-27T04:00:00.000Z'],
  ['2016-07-19 (optional)', '2016-07-19T00:00:00.000Z', '2016-07-19T04:00:00.000Z'],
  ['2016-03-03 3:00', '2016-03-03T03:00:00.000Z', '2016-03-03T08:00:00.000Z'],
  ['2023-01-29 18:30:22 2023 -0800', '2023-01-29T18:30:22.000Z', '2023-01-29T23:30:22.000Z'],
  ['2016-07-19T10:00:00.000Z', '2016-07-19T10:00:00.000Z', '2016-07-19T10:00:00.000Z'],
  ['Sat, 02 Jan 2016 10:00:00 +0100', '2016-01-02T09:00:00.000Z', '2016-01-02T09:00:00.000Z'],
  ['2019/3/7', '2019-03-07T00:00:00.000Z', '2019-03-07T05:00:00.000Z'],
  ['3/7/2019', '2019-07-03T00:00:00.000Z', '2019-07-03T04:00:00.000Z'],
  ['7/3/19', '2007-03-19T00:00:00.000Z', '2007-03-19T04:00:00.000Z'],
  ['2020-01-01 10:00 PM', '2020-01-01T22:00:00.000Z', '2020-01-02T03:00:00.000Z'],
  ['2020-01-01 10pm EST', '2020-01-02T03:00:00.000Z', '2020-01-02T03:00:00.000Z'],
  ['2020-01-01 10:00 PST', '2020-01-01T18:00:00.000Z', '2020-01-01T18:00:00.000Z'],
  ['2020-01-01 10:00:00 GMT', '2020-01-01T10:00:00.000Z', '2020-01-01T10:00:00.000Z'],
  ['2020-01-01 10:00:00 UTC', '2020-01-01T10:00:00.000Z', '2020-01-01T10:00:00.000Z'],
  ['2020-01-01 10:00:00 CET', '2020-01-01T10:00:00.000Z', '2020-01-01T15:00:00.000Z'],
  ['2020-01-01 10:00 +5', '2020-01-01T10:00:00.000Z', '2020-01-01T15:00:00.000Z'],
  ['2020-01-01 12:00:00 -07', '2020-01-01T19:00:00.000Z', '2020-01-01T19:00:00.000Z'],
  ['2020-01-01 12:00:00 -07:30', '2020-01-01T19:30:00.000Z', '2020-01-01T19:30:00.000Z'],
  ['Jan 2 2020', '2020-01-02T00:00:00.000Z', '2020-01-02T05:00:00.000Z'],
  ['2 Jan 20', '2020-01-02T00:00:00.000Z', '2020-01-02T05:00:00.000Z'],
  ['20200102', '2020-01-02T00:00:00.000Z', '2020-01-02T05:00:00.000Z'],
  ['20200102T101500Z', '2020-01-02T10:15:00.000Z', '2020-01-02T10:15:00.000Z'],
  ['2020.01.02', '2020-01-02T00:00:00.000Z', '2020-01-02T05:00:00.000Z'],
  ['2019-12-3', '2019-12-03T00:00:00.000Z', '2019-12-03T05:00:00.000Z'],
  ['2020-02-30', '2020-03-01T00:00:00.000Z', '2020-03-01T05:00:00.000Z'],
  ['2019-12-03 24:00', '2019-12-04T00:00:00.000Z', '2019-12-04T05:00:00.000Z'],
  ['12:30 am 2020-01-01', '2020-01-01T00:30:00.000Z', '2020-01-01T05:30:00.000Z'],
  ["Jul 4 '19", "2019-07-04T00:00:00.000Z", "2019-07-04T04:00:00.000Z"],
  ['4th July 2019', '2019-07-04T00:00:00.000Z', '2019-07-04T04:00:00.000Z'],
  ['2016-07-19 10:00:00 +0100 (CET)', '2016-07-19T09:00:00.000Z', '2016-07-19T09:00:00.000Z'],
  ['2014-08-08 12:30:00 Europe/Berlin', '2014-08-08T12:30:00.000Z', '2014-08-08T16:30:00.000Z'],
  ['Sunday, 5 January 2020 at 10:00', '2020-01-05T10:00:00.000Z', '2020-01-05T15:00:00.000Z'],
  ['2020-01-01 10:00 a.m.', '2020-01-01T10:00:00.000Z', '2020-01-01T15:00:00.000Z'],
  ['2015-01-22 21:55:32.123456 +0530', '2015-01-22T16:25:32.123Z', '2015-01-22T16:25:32.123Z'],
  ['Mon, 22 Jun 2015 08:00:00 EDT', '2015-06-22T12:00:00.000Z', '2015-06-22T12:00:00.000Z'],
  ['June 22nd, 2015', '2015-06-22T00:00:00.000Z', '2015-06-22T04:00:00.000Z'],
  ['Dec. 5, 2017', '2017-12-05T00:00:00.000Z', '2017-12-05T05:00:00.000Z'],
  ['2018-9-9 9:9:9', '2018-09-09T09:09:09.000Z', '2018-09-09T13:09:09.000Z'],
  ['2017-06-05 14:55:00 +02:00 CEST', '2017-06-05T12:55:00.000Z', '2017-06-05T12:55:00.000Z'],
  ['2017-11-05T00:00:00-05:00', '2017-11-05T05:00:00.000Z', '2017-11-05T05:00:00.000Z'],
  ['2017-11-05 08:00', '2017-11-05T08:00:00.000Z', '2017-11-05T13:00:00.000Z'],
  ['19-Jul-2016', '2016-07-19T00:00:00.000Z', '2016-07-19T04:00:00.000Z'],
  ['Jan 2020', '2020-01-01T00:00:00.000Z', '2020-01-01T05:00:00.000Z'],
  ['2021-04-01 08:30:00 Z', '2021-04-01T08:30:00.000Z', '2021-04-01T08:30:00.000Z'],
  ['2016-07-19T10:00:00+02:00', '2016-07-19T08:00:00.000Z', '2016-07-19T08:00:00.000Z'],
  ['2020-01-01T10:00', '2020-01-01T10:00:00.000Z', '2020-01-01T15:00:00.000Z'],
  ['Tuesday, July 19, 2016', '2016-07-19T00:00:00.000Z', '2016-07-19T04:00:00.000Z'],
  ['19.07.2016', '2016-07-19T00:00:00.000Z', '2016-07-19T04:00:00.000Z'],
  ['2016-07-19 10:00:00 -0700 PDT', '2016-07-19T17:00:00.000Z', '2016-07-19T17:00:00.000Z'],
  ['01/02/2020', '2020-02-01T00:00:00.000Z', '2020-02-01T05:00:00.000Z'],
  ['2015-03-09 8:30 PM +0800', '2015-03-09T12:30:00.000Z', '2015-03-09T12:30:00.000Z'],
  ['2014-06-24 11:36:35.000000000 +02:00', '2014-06-24T09:36:35.000Z', '2014-06-24T09:36:35.000Z'],
  ['2012-09-20 16:15:00.000000000 -04:00', '2012-09-20T20:15:00.000Z', '2012-09-20T20:15:00.000Z'],
  ['2018-02-01 00:00:00 UTC+1', '2018-02-01T00:00:00.000Z', '2018-02-01T05:00:00.000Z'],
  ['Thu Nov 23 2017 10:30:00 GMT+0100 (CET)', '2017-11-23T10:30:00.000Z', '2017-11-23T15:30:00.000Z'],
  ['2013-11-11 11:11', '2013-11-11T11:11:00.000Z', '2013-11-11T16:11:00.000Z'],
  ['2017-05-06 12:00:00 +0000 UTC', '2017-05-06T12:00:00.000Z', '2017-05-06T12:00:00.000Z'],
  ['08/30/2015 09:00', undefined, undefined],
  ['2021-03-14 02:30', '2021-03-14T02:30:00.000Z', '2021-03-14T07:30:00.000Z'],
  ['2021-11-07 01:30', '2021-11-07T01:30:00.000Z', '2021-11-07T06:30:00.000Z'],
  ['yesterday-ish', undefined, undefined],
  ['2020-13-01', undefined, undefined],
  ['2020-01-01 25:00', undefined, undefined],
  ['2020-W01-1', undefined, undefined],
];

// Wall-clock times that a change of summer time skips or repeats, with Ruby's answers in each zone.
const DST_ANSWERS: readonly (readonly [string, string, string])[] = [
  ['Europe/Berlin', '2021-03-28 02:30', '2021-03-28T01:30:00.000Z'],
  ['Europe/Berlin', '2021-10-31 02:30', '2021-10-31T01:30:00.000Z'],
  ['Australia/Sydney', '2021-04-04 02:30', '2021-04-03T16:30:00.000Z'],
  ['Australia/Sydney', '2021-10-03 02:30', '2021-10-02T16:30:00.000Z'],
];

const iso = (date: Date | undefined) => date?.toISOString();

/** What Ruby answers for each text in `zone`, or undefined when Ruby is not installed. */
function rubyAnswers(texts: readonly string[], zone: string): (string | undefined)[] | undefined {
  const script = 'STDIN.each_line { |l| t = (Time.parse(l.chomp) rescue nil); puts(t ? t.utc.strftime("%Y-%m-%dT%H:%M:%S.%LZ") : "-") }';
  const run = spawnSync('ruby', ['-rtime', '-e', script], { input: texts.join('\n'), env: { ...process.env, TZ: zone }, encoding: 'utf8' });
  if (run.error || run.status !== 0) return undefined;
  return run.stdout.trimEnd().split('\n').map((line) => (line === '-' ? undefined : line));
}

describe('front matter dates, read as Ruby Time.parse reads them', () => {
  it.each([
    ['UTC', 1],
    ['America/New_York', 2],
  ] as const)('gives the instant Ruby gives in %s, for %#', (zone, column) => {
    const texts = RUBY_ANSWERS.map((row) => row[0]);
    const ours = texts.map((text) => iso(parseJekyllDate(text, zone)));
    expect(ours).toEqual(RUBY_ANSWERS.map((row) => row[column]));
    const ruby = rubyAnswers(texts, zone);
    if (ruby) expect(ours).toEqual(ruby);
  });

  it.each(DST_ANSWERS)('reads a time summer time skips or repeats in %s as Ruby does: %s', (zone, text, instant) => {
    expect(iso(parseJekyllDate(text, zone))).toBe(instant);
    const ruby = rubyAnswers([text], zone);
    if (ruby) expect(iso(parseJekyllDate(text, zone))).toBe(ruby[0]);
  });

  it('keeps the table of real-world forms long enough to mean something', () => {
    expect(RUBY_ANSWERS.length).toBeGreaterThanOrEqual(30);
  });

  it('refuses a text without a year, which Ruby dates by the day it is read', () => {
    expect(parseJekyllDate('July 27', 'UTC')).toBeUndefined();
    expect(parseJekyllDate('10:00', 'UTC')).toBeUndefined();
  });

  it('refuses a text longer than Ruby reads (128 characters), as Ruby does', () => {
    expect(parseJekyllDate(`2020-01-01 ${'x'.repeat(120)}`, 'UTC')).toBeUndefined();
    expect(iso(parseJekyllDate(`2020-01-01 10:00 ${'x'.repeat(100)}`, 'UTC'))).toBe('2020-01-01T10:00:00.000Z');
  });

  it('finds the fields Date._parse finds', () => {
    expect(rubyDateFields('Sat, 02 Jan 2016 10:00:00 +0100')).toMatchObject({ year: 2016, mon: 1, mday: 2, hour: 10, min: 0, sec: 0, zone: '+0100' });
    expect(rubyDateFields('7/3/19')).toMatchObject({ year: 2007, mon: 3, mday: 19 });
    expect(rubyDateFields('2020-01-01 10:00 utc+01:00')).toMatchObject({ year: 2020, mon: 1, mday: 1, hour: 10, min: 0, zone: 'utc+01:00' });
  });

  it('knows the zone offsets Ruby Time knows, and no others', () => {
    expect(rubyZoneOffset('PDT')).toBe(-7 * 3600);
    expect(rubyZoneOffset('-07')).toBe(-7 * 3600);
    expect(rubyZoneOffset('+05:30')).toBe(19800);
    expect(rubyZoneOffset('CET')).toBeUndefined();
    expect(rubyZoneOffset('+5')).toBeUndefined();
  });

  it('takes a Date (a YAML timestamp) as it is', () => {
    expect(iso(parseJekyllDate(new Date('2020-01-01T02:00:00Z'), 'America/New_York'))).toBe('2020-01-01T02:00:00.000Z');
  });

  it.each([
    ['digits', '1'.repeat(100_000)],
    ['times', '1:'.repeat(50_000)],
    ['month names run together', 'jan.'.repeat(25_000)],
    ['words before "standard time"', `${'a'.repeat(100_000)} standard time`],
  ])('stays linear on 100 KB of %s: the text is refused past Ruby’s limit before a pattern sees it', (_what, text) => {
    expect(quickestCpuMs(() => parseJekyllDate(text, 'UTC'), 1000)).toBeLessThan(1000);
  });
});
