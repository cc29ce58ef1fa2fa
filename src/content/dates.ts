import { DateTime, IANAZone } from 'luxon';

// The form nearly every Jekyll post uses, read without the general parser: start-up with thousands of
// posts spends its time here otherwise.
const COMMON = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?(?: ?(Z|[+-]\d{2}:?\d{2}))?$/;

function parseCommon(text: string, zone: string): Date | undefined {
  const m = COMMON.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', offset] = m;
  const fields = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(sec)] as const;
  const [year, month, day, hour, minute, second] = fields;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  let utc = Date.UTC(year, month - 1, day, hour, minute, second);
  if (new Date(utc).getUTCDate() !== day) return undefined;
  if (offset !== undefined && offset !== 'Z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    utc -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  } else if (offset === undefined && zone !== 'UTC') {
    return wallTimeIn(utc, zone);
  }
  return new Date(utc);
}

/**
 * What Ruby's Date._parse finds in a date text (the subset of its parsers Jekyll posts need). `comp`
 * false means a two-digit year is a year, not one to complete to 19xx/20xx.
 */
export interface RubyDateFields {
  year?: number;
  mon?: number;
  mday?: number;
  hour?: number;
  min?: number;
  sec?: number;
  /** Fraction of a second, in milliseconds (Ruby keeps more; a JavaScript Date keeps milliseconds). */
  ms?: number;
  zone?: string;
  comp: boolean;
}

// Ruby's Date._parse refuses longer texts (its `limit: 128`), which also keeps these unanchored
// searches short whatever a front matter holds.
const RUBY_PARSE_LIMIT = 128;
const MONTHS = 'jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec';
const ERA = String.raw`(c(?:e|\.e\.)|b(?:ce|\.c\.e\.)|a(?:d|\.d\.)|b(?:c|\.c\.))`;

// The patterns of Ruby's ext/date/date_parse.c (its non-strict variants), in the order it tries them.
const NOT_DATE_CHARACTERS = /[^-+',./:@\p{L}\p{M}\p{Nd}[\]]+/gu;
const DAY_NAME = /\b(sun|mon|tue|wed|thu|fri|sat)[^-/\d\s]*/i;
const TIME = new RegExp(
  String.raw`((?<!\d)\d+\s*(?:(?::\s*\d+(?:\s*:\s*\d+(?:[,.]\d*)?)?|h(?:\s*\d+m?(?:\s*\d+s?)?)?)(?:\s*[ap](?:m\b|\.m\.))?|[ap](?:m\b|\.m\.)))` +
    String.raw`(?:\s*((?:gmt|utc?)?[-+]\d+(?:[,.:]\d+(?::\d+)?)?|[\p{L}.\s]+(?:standard|daylight)\stime\b|\p{L}+(?:\sdst)?\b))?`,
  'iu',
);
const TIME_FIELDS = /^(\d+)h?(?:\s*:?\s*(\d+)m?(?:\s*:?\s*(\d+)(?:[,.](\d+))?s?)?)?(?:\s*([ap])(?:m\b|\.m\.))?/i;
const EU = new RegExp(String.raw`('?(?<!\d)\d+)[^-\d\s]*\s*(${MONTHS})[^-\d\s']*(?:\s*(?:\b${ERA}(?!(?<!\.)[a-z]))?\s*('?-?\d+(?:(?:st|nd|rd|th)\b)?))?`, 'i');
const US = new RegExp(String.raw`\b(${MONTHS})[^-\d\s']*\s*('?\d+)[^-\d\s']*(?:\s*,?\s*${ERA}?\s*('?-?\d+))?`, 'i');
const ISO = /('?[-+]?(?<!\d)\d+)-(\d+)-('?-?\d+)/;
const JIS = /\b([mtshr])(\d+)\.(\d+)\.(\d+)/i;
const VMS_DAY_FIRST = new RegExp(String.raw`('?-?(?<!\d)\d+)-(${MONTHS})[^-/.]*-('?-?\d+)`, 'i');
const VMS_MONTH_FIRST = new RegExp(String.raw`\b(${MONTHS})[^-/.]*-('?-?\d+)(?:-('?-?\d+))?`, 'i');
const SLASHES = /('?-?(?<!\d)\d+)\/\s*('?\d+)(?:\D\s*('?-?\d+))?/i;
const DOTS = /('?-?(?<!\d)\d+)\.\s*('?\d+)\.\s*('?-?\d+)/i;
// Week dates, ordinal dates and the like (Ruby's parse_iso2x): Time.parse refuses or reads them oddly.
const ISO_WEEK_OR_ORDINAL = /\d-?w-?\d|\bw\d|--\d|(?<!\d)\d{2,4}-\d{3}\b/i;
const APOSTROPHE_YEAR = /'(\d+)\b/;
const MONTH_NAME = new RegExp(String.raw`\b(${MONTHS})\S*`, 'i');
const ORDINAL_DAY = /((?<!\d)\d+)(st|nd|rd|th)\b/i;
const DIGITS = /([-+]?)((?<!\d)\d{2,14})(?:\s*t?\s*(\d{2,6})?(?:[,.](\d*))?)?(?:\s*(z\b|[-+]\d{1,4}\b|\[[-+]?\d[^\]]*\]))?/i;
const BC = /\b(bc\b|bce\b|b\.c\.|b\.c\.e\.)/i;
const FRAGMENT = /^\s*(\d{1,2})\s*$/;

/** Ruby's subx: the first match of `pattern` in `state.text` is replaced by a space, so later parsers do not see it. */
function take(state: { text: string }, pattern: RegExp): RegExpExecArray | null {
  const match = pattern.exec(state.text);
  if (match) state.text = `${state.text.slice(0, match.index)} ${state.text.slice(match.index + match[0].length)}`;
  return match;
}

const monthNumber = (name: string) => MONTHS.split('|').indexOf(name.slice(0, 3).toLowerCase()) + 1;

/** The leading (signed) digits of a date part, and whether anything follows them. */
function digitsOf(part: string): { digits: string; sign: string; rest: boolean } | undefined {
  const m = /[-+\d]/.exec(part);
  if (!m) return undefined;
  const from = m.index;
  const sign = part[from] === '-' || part[from] === '+' ? part[from]! : '';
  const start = from + sign.length;
  let end = start;
  while (end < part.length && part.charCodeAt(end) >= 48 && part.charCodeAt(end) <= 57) end++;
  return { digits: part.slice(start, end), sign, rest: end < part.length };
}

/** Ruby's s3e: decides which of three numbers is the year, the month and the day. */
function assignYearMonthDay(fields: RubyDateFields, yIn: string | undefined, mIn: string | undefined, dIn: string | undefined): void {
  let y = yIn;
  let m = mIn;
  let d = dIn;
  if (y !== undefined && m !== undefined && d === undefined) [y, m, d] = [undefined, y, m];
  if (y === undefined) {
    if (d !== undefined && d.length > 2) [y, d] = [d, undefined];
    if (d !== undefined && d.startsWith("'")) [y, d] = [d, undefined];
  }
  if (y !== undefined) {
    const parts = digitsOf(y);
    if (parts?.rest) [y, d] = [d, parts.sign + parts.digits];
  }
  if (m !== undefined && (m.startsWith("'") || m.length > 2)) [y, m, d] = [m, d, y];
  if (d !== undefined && (d.startsWith("'") || d.length > 2)) [y, d] = [d, y];
  if (y !== undefined) {
    const parts = digitsOf(y);
    if (parts) {
      fields.year = Number(parts.sign + parts.digits);
      if (parts.sign !== '' || parts.digits.length > 2) fields.comp = false;
    }
  }
  const number = (part: string | undefined) => {
    const digits = part === undefined ? undefined : /\d+/.exec(part)?.[0];
    return digits === undefined ? undefined : Number(digits);
  };
  const month = number(m);
  if (month !== undefined) fields.mon = month;
  const day = number(d);
  if (day !== undefined) fields.mday = day;
}

function readTime(fields: RubyDateFields, match: RegExpExecArray): boolean {
  const [, time = '', zone] = match;
  if (zone !== undefined) fields.zone = zone;
  const m = TIME_FIELDS.exec(time);
  if (!m) return false;
  const [, h = '0', min, sec, fraction, meridian] = m;
  let hour = Number(h);
  if (meridian !== undefined) hour = (hour % 12) + (meridian.toLowerCase() === 'p' ? 12 : 0);
  fields.hour = hour;
  if (min !== undefined) fields.min = Number(min);
  if (sec !== undefined) fields.sec = Number(sec);
  if (fraction !== undefined) fields.ms = Math.floor(Number(`0.${fraction}`) * 1000);
  return true;
}

/** Ruby's parse_ddd for runs of digits (`20200102`, `20200102T1000Z`); false for the forms it reads as days of the year. */
function readDigits(fields: RubyDateFields, match: RegExpExecArray): boolean {
  const [, sign, run = '', time, fraction, zone] = match;
  const at = (from: number, width: number) => Number(run.slice(from, from + width));
  const year = (value: number) => (sign === '-' ? -value : value);
  if (time === undefined && fraction !== undefined) return false;
  switch (run.length) {
    case 2:
      fields.mday = at(0, 2);
      break;
    case 4:
      fields.mon = at(0, 2);
      fields.mday = at(2, 2);
      break;
    case 6:
      fields.year = year(at(0, 2));
      fields.mon = at(2, 2);
      fields.mday = at(4, 2);
      break;
    case 8:
    case 10:
    case 12:
    case 14:
      fields.year = year(at(0, 4));
      fields.mon = at(4, 2);
      fields.mday = at(6, 2);
      if (run.length >= 10) fields.hour = at(8, 2);
      if (run.length >= 12) fields.min = at(10, 2);
      if (run.length >= 14) fields.sec = at(12, 2);
      fields.comp = false;
      break;
    default:
      return false;
  }
  if (time !== undefined) {
    if (time.length % 2 === 1) return false;
    fields.hour = Number(time.slice(0, 2));
    if (time.length >= 4) fields.min = Number(time.slice(2, 4));
    if (time.length >= 6) fields.sec = Number(time.slice(4, 6));
  }
  if (fraction !== undefined) fields.ms = Math.floor(Number(`0.${fraction}`) * 1000);
  if (zone !== undefined) {
    if (zone.startsWith('[')) return false;
    fields.zone = zone;
  }
  return true;
}

/** A date of our era: most of them. */
const AD = { beforeChrist: false } as const;

/**
 * Ruby's date parsers after the time (parse_eu to parse_ddd): the first that finds a date fills `fields`.
 * Undefined for the forms this port leaves out.
 */
function findDate(state: { text: string }, fields: RubyDateFields): { beforeChrist: boolean } | undefined {
  let m = take(state, EU);
  if (m) {
    assignYearMonthDay(fields, m[4], String(monthNumber(m[2]!)), m[1]);
    return { beforeChrist: /^b/i.test(m[3] ?? '') };
  }
  m = take(state, US);
  if (m) {
    assignYearMonthDay(fields, m[4], String(monthNumber(m[1]!)), m[2]);
    return { beforeChrist: /^b/i.test(m[3] ?? '') };
  }
  m = take(state, ISO);
  if (m) {
    assignYearMonthDay(fields, m[1], m[2], m[3]);
    return AD;
  }
  if (JIS.test(state.text)) return undefined;
  m = take(state, VMS_DAY_FIRST);
  if (m) {
    assignYearMonthDay(fields, m[3], String(monthNumber(m[2]!)), m[1]);
    return AD;
  }
  m = take(state, VMS_MONTH_FIRST);
  if (m) {
    assignYearMonthDay(fields, m[3], String(monthNumber(m[1]!)), m[2]);
    return AD;
  }
  m = take(state, SLASHES);
  if (m) {
    assignYearMonthDay(fields, m[1], m[2], m[3]);
    return AD;
  }
  m = take(state, DOTS);
  if (m) {
    assignYearMonthDay(fields, m[1], m[2], m[3]);
    return AD;
  }
  if (ISO_WEEK_OR_ORDINAL.test(state.text)) return undefined;
  m = take(state, APOSTROPHE_YEAR);
  if (m) {
    fields.year = Number(m[1]);
    return AD;
  }
  m = take(state, MONTH_NAME);
  if (m) {
    fields.mon = monthNumber(m[1]!);
    return AD;
  }
  m = take(state, ORDINAL_DAY);
  if (m) {
    fields.mday = Number(m[1]);
    return AD;
  }
  m = take(state, DIGITS);
  if (m && !readDigits(fields, m)) return undefined;
  return AD;
}

/**
 * The fields Ruby's `Date._parse(text, true)` finds, as Jekyll's `Time.parse` reads a front matter
 * date. Undefined for a text longer than Ruby accepts, or of a form this port leaves out (Japanese era
 * dates, ISO week and ordinal dates), so such a post is refused rather than dated differently.
 */
export function rubyDateFields(input: string): RubyDateFields | undefined {
  if (input.length > RUBY_PARSE_LIMIT) return undefined;
  const state = { text: input.replace(NOT_DATE_CHARACTERS, ' ') };
  const fields: RubyDateFields = { comp: true };
  take(state, DAY_NAME);
  const time = take(state, TIME);
  if (time && !readTime(fields, time)) return undefined;
  const date = findDate(state, fields);
  if (!date) return undefined;
  let beforeChrist = date.beforeChrist;
  if (take(state, BC)) beforeChrist = true;
  if (beforeChrist && fields.year !== undefined) fields.year = 1 - fields.year;
  const fragment = FRAGMENT.exec(state.text);
  if (fragment) {
    const n = Number(fragment[1]);
    if (fields.hour !== undefined && fields.mday === undefined && n >= 1 && n <= 31) fields.mday = n;
    else if (fields.mday !== undefined && fields.hour === undefined && n <= 24) fields.hour = n;
  }
  if (fields.comp && fields.year !== undefined && fields.year >= 0 && fields.year <= 99) fields.year += fields.year >= 69 ? 1900 : 2000;
  return fields;
}

// Ruby's Time::ZoneOffset: the only abbreviations Time.parse knows; any other name means local time.
const ZONE_HOURS: Readonly<Record<string, number>> = {
  UTC: 0, Z: 0, UT: 0, GMT: 0, EST: -5, EDT: -4, CST: -6, CDT: -5, MST: -7, MDT: -6, PST: -8, PDT: -7,
  A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, I: 9, K: 10, L: 11, M: 12,
  N: -1, O: -2, P: -3, Q: -4, R: -5, S: -6, T: -7, U: -8, V: -9, W: -10, X: -11, Y: -12,
};

/** Ruby's Time.zone_offset: seconds east of UTC, or undefined when the zone means the local zone. */
export function rubyZoneOffset(zone: string): number | undefined {
  const upper = zone.toUpperCase();
  const hhmm = /^([+-])(\d\d)(:?)(\d\d)(?:\3(\d\d))?$/.exec(upper);
  if (hhmm) return (hhmm[1] === '-' ? -1 : 1) * ((Number(hhmm[2]) * 60 + Number(hhmm[4])) * 60 + Number(hhmm[5] ?? 0));
  if (/^[+-]\d\d$/.test(upper)) return Number(upper) * 3600;
  const hours = ZONE_HOURS[upper];
  return hours === undefined ? undefined : hours * 3600;
}

const DAYS_IN_MONTH_LIMIT = 31;

/**
 * Ruby's Time.parse as Jekyll calls it (Utils.parse_date), in the site's zone: the zone Jekyll sets
 * as TZ. Like Ruby, a day past the month's end rolls into the next month (`2020-02-30` is 1 March) and
 * 24:00 is the next midnight. Unlike Ruby, a text without a year is refused: Ruby takes the current
 * year, which would date a post by the day it is read.
 */
function rubyTimeParse(text: string, zone: string): Date | undefined {
  const f = rubyDateFields(text);
  if (!f || f.year === undefined) return undefined;
  const mon = f.mon ?? 1;
  const mday = f.mday ?? 1;
  const hour = f.hour ?? 0;
  const min = f.min ?? 0;
  const sec = f.sec ?? 0;
  if (mon < 1 || mon > 12 || mday < 1 || mday > DAYS_IN_MONTH_LIMIT) return undefined;
  if (hour > 24 || (hour === 24 && (min !== 0 || sec !== 0)) || min > 59 || sec > 60) return undefined;
  const wall = new Date(0);
  wall.setUTCFullYear(f.year, mon - 1, mday);
  wall.setUTCHours(hour, min, sec, f.ms ?? 0);
  const offset = f.zone === undefined ? undefined : rubyZoneOffset(f.zone);
  if (offset !== undefined) return new Date(wall.getTime() - offset * 1000);
  return zone === 'UTC' ? wall : wallTimeIn(wall.getTime(), zone);
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
const STEADY_WEEKS_KEPT = 10_000;

// Asking a zone its offset costs tens of microseconds (Intl); thousands of posts at start-up would pay
// it several times each. Offsets change twice a year at most, so each week that has no change (and a
// day either side: a wall time is within 14 hours of its instant) is looked up once.
const steadyWeeks = new Map<string, number | null>();

/** The zone's UTC offset in minutes through the week of `wall`, or undefined when it changes then. */
function steadyOffset(tz: IANAZone, wall: number): number | undefined {
  const week = Math.floor(wall / WEEK_MS);
  const key = `${tz.name}:${week}`;
  let offset = steadyWeeks.get(key);
  if (offset === undefined) {
    const first = tz.offset(week * WEEK_MS - DAY_MS);
    const last = tz.offset((week + 1) * WEEK_MS + DAY_MS);
    offset = first === last ? first : null;
    if (steadyWeeks.size >= STEADY_WEEKS_KEPT) steadyWeeks.clear();
    steadyWeeks.set(key, offset);
  }
  return offset ?? undefined;
}

/**
 * The instant a wall-clock time (given as the UTC instant with the same fields) is in `zone`, as Ruby's
 * Time.local finds it: in a DST gap or overlap, the zone's smaller UTC offset of the two around it
 * (02:30 on the day clocks go forward is read as standard time, 03:30 in summer time; on the day they
 * go back, the second, standard-time 02:30). Undefined for an unknown zone.
 */
function wallTimeIn(wall: number, zone: string): Date | undefined {
  const tz = IANAZone.create(zone);
  if (!tz.isValid) return undefined;
  const steady = steadyOffset(tz, wall);
  if (steady !== undefined) return new Date(wall - steady * 60_000);
  const before = tz.offset(wall - DAY_MS);
  const after = tz.offset(wall + DAY_MS);
  const [smaller, larger] = before <= after ? [before, after] : [after, before];
  for (const offset of [smaller, larger]) {
    const instant = wall - offset * 60_000;
    if (tz.offset(instant) === offset) return new Date(instant);
  }
  return new Date(wall - smaller * 60_000);
}

/**
 * Parses a Jekyll front matter date as Jekyll does (Ruby's Time.parse on the text): `July 27, 2021`,
 * `27 July 2021`, `2016-07-19 (optional)`, `Sat, 02 Jan 2016 10:00:00 +0100`, `2019/3/7`, `10pm EST`…
 * A date without an offset, or with a zone name Ruby does not know, is in the site's zone. A Date
 * (a YAML timestamp) is taken as is. Returns undefined when the value is not a date.
 */
export function parseJekyllDate(value: unknown, zone: string): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  return parseCommon(text, zone) ?? rubyTimeParse(text, zone);
}

/** Midnight of a file name's date in the site's time zone, or undefined when it is not a calendar date. */
export function fileNameDate(year: number, month: number, day: number, zone: string): Date | undefined {
  const utc = new Date(Date.UTC(year, month - 1, day));
  if (utc.getUTCFullYear() !== year || utc.getUTCMonth() !== month - 1 || utc.getUTCDate() !== day) return undefined;
  return zone === 'UTC' ? utc : wallTimeIn(utc.getTime(), zone);
}

/** The calendar date of an instant in the site's zone, as Jekyll's `/:year/:month/:day/` URLs use it. */
export function calendarParts(date: Date, zone: string): { year: string; month: string; day: string } {
  if (zone === 'UTC') {
    const iso = date.toISOString();
    return { year: iso.slice(0, 4), month: iso.slice(5, 7), day: iso.slice(8, 10) };
  }
  const local = DateTime.fromJSDate(date, { zone });
  return { year: local.toFormat('yyyy'), month: local.toFormat('MM'), day: local.toFormat('dd') };
}
