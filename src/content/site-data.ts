import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseCsvRows } from 'csv-parse/sync';
import yaml from 'js-yaml';

/** What a Jekyll site's `_data` folder holds: one key per file or folder, as `site.data` shows it. */
export type SiteData = { [key: string]: unknown };

/** A data file that could not be read; the rest of `site.data` is still there. */
export interface DataProblem {
  /** The file, relative to the data folder (`authors/team.csv`). */
  file: string;
  reason: string;
}

/**
 * The extensions Jekyll 4.3 reads from `_data`, in the order its glob `*.{yaml,yml,json,csv,tsv}` lists
 * them, which is the order `{% for entry in site.data %}` sees. Lower case: the glob does not match `.YML`.
 */
const DATA_EXTENSIONS = ['.yaml', '.yml', '.json', '.csv', '.tsv'];

/** Whether Jekyll reads a file of this name as data. */
export function isDataFile(fileName: string): boolean {
  return !fileName.startsWith('.') && DATA_EXTENSIONS.includes(path.extname(fileName));
}

/**
 * The `site.data` key of a file or folder name, as Jekyll's DataReader#sanitize_filename makes it:
 * characters other than ASCII letters, digits, `_`, `-` and spaces are dropped, then spaces become `_`.
 */
export function dataKey(name: string): string {
  return name
    .replace(/[^\w\s-]+/g, '')
    .trim()
    .replace(/\s+/g, '_');
}

/** A YAML data file, as Jekyll's SafeYAML reads it: an empty file is `null`. */
export function parseYamlData(text: string): unknown {
  return yaml.load(text) ?? null;
}

export function parseJsonData(text: string): unknown {
  return JSON.parse(text);
}

/**
 * A CSV (or, with a tab, TSV) file with a header row, as Jekyll reads it (Ruby's CSV with
 * `headers: true`, then `CSV::Row#to_hash`): one object per row, keyed by the header; an empty field and
 * a field the row lacks are `null`; of two equal headers the first wins; fields past the header are
 * dropped (Ruby keys them by `nil`, which Liquid cannot name). A quote that is never closed or that
 * stands inside an unquoted field makes the file unreadable, as Ruby's MalformedCSVError does.
 *
 * csv-parse was measured against papaparse on 2 MB of CSV: 241 ms against 119 ms, but papaparse reads
 * malformed quoting silently where Jekyll refuses the file. Ruby reads a quoted `""` as an empty string
 * and an empty unquoted field as nil; csv-parse's per-field `cast`, which could tell them apart, made
 * the parse 12 times slower, so both are `null` here.
 */
export function parseDelimitedData(text: string, delimiter: ',' | '\t'): Record<string, string | null>[] {
  const rows = parseCsvRows(text, { delimiter, relax_column_count: true, bom: true }) as string[][];
  const [header, ...records] = rows;
  if (!header) return [];
  const columns: { name: string; index: number }[] = [];
  const seen = new Set<string>();
  header.forEach((name, index) => {
    if (seen.has(name)) return;
    seen.add(name);
    columns.push({ name, index });
  });
  return records.map((fields) => {
    const row: Record<string, string | null> = {};
    for (const { name, index } of columns) {
      const field = fields[index];
      row[name] = field === undefined || field === '' ? null : field;
    }
    return row;
  });
}

/** One data file's content by its extension; throws with the parser's reason when it cannot be read. */
export function parseDataFile(fileName: string, text: string): unknown {
  switch (path.extname(fileName)) {
    case '.csv':
      return parseDelimitedData(text, ',');
    case '.tsv':
      return parseDelimitedData(text, '\t');
    case '.json':
      return parseJsonData(text);
    default:
      return parseYamlData(text);
  }
}

/**
 * Reads a `_data` folder into `site.data`, as Jekyll 4.3's DataReader does: each data file under its name
 * without extension, each folder as a nested map. Keys come in Jekyll's order: files by extension as
 * its glob lists them, then by name, then folders (a folder wins over a file of the same key). Dotfiles are not read. Symlinks are followed only while their real path
 * stays inside `siteDir` (defaults to the data folder's parent). A file that cannot be read or parsed is
 * left out and named in `problems`; a missing data folder is an empty `site.data`.
 */
export async function loadSiteData(dataDir: string, siteDir = path.dirname(dataDir)): Promise<{ data: SiteData; problems: DataProblem[] }> {
  const problems: DataProblem[] = [];
  let siteRoot: string;
  try {
    siteRoot = await realpath(siteDir);
  } catch {
    return { data: {}, problems };
  }
  const data: SiteData = {};
  await readFolder(dataDir, '', data, siteRoot, problems);
  return { data, problems };
}

/** Reads one folder into `into`; false when the folder itself could not be read (a problem says why). */
async function readFolder(dir: string, relative: string, into: SiteData, siteRoot: string, problems: DataProblem[]): Promise<boolean> {
  let names: string[];
  try {
    const real = await realpath(dir);
    if (!isWithin(siteRoot, real)) {
      problems.push({ file: relative, reason: `its real path ${real} is outside the site folder` });
      return false;
    }
    names = (await readdir(dir)).filter((name) => !name.startsWith('.')).sort();
  } catch (error) {
    // A site without `_data` has empty site.data, as in Jekyll.
    if (relative !== '' || (error as NodeJS.ErrnoException).code !== 'ENOENT') problems.push({ file: relative, reason: (error as Error).message });
    return false;
  }
  const folders: string[] = [];
  const byGlobOrder = (a: string, b: string) => DATA_EXTENSIONS.indexOf(path.extname(a)) - DATA_EXTENSIONS.indexOf(path.extname(b));
  for (const name of [...names].sort(byGlobOrder)) {
    const file = path.join(dir, name);
    const relativeFile = relative === '' ? name : `${relative}/${name}`;
    let real: string;
    try {
      real = await realpath(file);
      if ((await stat(real)).isDirectory()) {
        folders.push(name);
        continue;
      }
    } catch (error) {
      problems.push({ file: relativeFile, reason: (error as Error).message });
      continue;
    }
    if (!isDataFile(name)) continue;
    if (!isWithin(siteRoot, real)) {
      problems.push({ file: relativeFile, reason: `its real path ${real} is outside the site folder` });
      continue;
    }
    try {
      into[dataKey(path.basename(name, path.extname(name)))] = parseDataFile(name, await readFile(real, 'utf8'));
    } catch (error) {
      problems.push({ file: relativeFile, reason: firstLine((error as Error).message) });
    }
  }
  for (const name of folders) {
    const nested: SiteData = {};
    if (await readFolder(path.join(dir, name), relative === '' ? name : `${relative}/${name}`, nested, siteRoot, problems)) into[dataKey(name)] = nested;
  }
  return true;
}

function isWithin(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/** js-yaml's messages quote the offending text over several lines; the first names the line and column. */
function firstLine(message: string): string {
  return message.split('\n', 1)[0] ?? message;
}
