import { DateTime } from 'luxon';

// The forms Jekyll sites write, most specific first. Ruby's Time.parse accepts more; these cover
// what Jekyll's own generators and themes emit.
const FORMATS = [
  'yyyy-MM-dd HH:mm:ss ZZZ',
  'yyyy-MM-dd HH:mm:ss ZZ',
  'yyyy-MM-dd HH:mm:ss.S ZZZ',
  'yyyy-MM-dd HH:mm ZZZ',
  'yyyy-MM-dd HH:mm ZZ',
  'yyyy-MM-dd HH:mm:ss z',
  'yyyy-MM-dd HH:mm:ss',
  'yyyy-MM-dd HH:mm:ss.S',
  'yyyy-MM-dd HH:mm',
  'yyyy-MM-dd',
  'yyyy/MM/dd HH:mm:ss',
  'yyyy/MM/dd',
];

// The form nearly every Jekyll post uses, read without a general parser: start-up with thousands of
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
    return undefined;
  }
  return new Date(utc);
}

/**
 * Parses a Jekyll front matter date. A date without an offset is in the site's time zone, as Jekyll
 * reads it. Returns undefined when the value is not a date.
 */
export function parseJekyllDate(value: unknown, zone: string): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().replace(/\s+/g, ' ');
  if (text === '') return undefined;
  const common = parseCommon(text, zone);
  if (common) return common;
  const iso = DateTime.fromISO(text, { zone, setZone: true });
  if (iso.isValid) return iso.toJSDate();
  for (const format of FORMATS) {
    const parsed = DateTime.fromFormat(text, format, { zone, setZone: true });
    if (parsed.isValid) return parsed.toJSDate();
  }
  return undefined;
}

/** Midnight of a file name's date in the site's time zone, or undefined when it is not a calendar date. */
export function fileNameDate(year: number, month: number, day: number, zone: string): Date | undefined {
  if (zone === 'UTC') {
    const utc = new Date(Date.UTC(year, month - 1, day));
    return utc.getUTCFullYear() === year && utc.getUTCMonth() === month - 1 && utc.getUTCDate() === day ? utc : undefined;
  }
  const date = DateTime.fromObject({ year, month, day }, { zone });
  return date.isValid ? date.toJSDate() : undefined;
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
