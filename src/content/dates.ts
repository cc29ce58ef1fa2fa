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

/**
 * Parses a Jekyll front matter date. A date without an offset is in the site's time zone, as Jekyll
 * reads it. Returns undefined when the value is not a date.
 */
export function parseJekyllDate(value: unknown, zone: string): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().replace(/\s+/g, ' ');
  if (text === '') return undefined;
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
  const date = DateTime.fromObject({ year, month, day }, { zone });
  return date.isValid ? date.toJSDate() : undefined;
}

/** The calendar date of an instant in the site's zone, as Jekyll's `/:year/:month/:day/` URLs use it. */
export function calendarParts(date: Date, zone: string): { year: string; month: string; day: string } {
  const local = DateTime.fromJSDate(date, { zone });
  return { year: local.toFormat('yyyy'), month: local.toFormat('MM'), day: local.toFormat('dd') };
}
