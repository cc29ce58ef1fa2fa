import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { compareSite, formatTable, type SiteResult } from './compare.js';

const ROOT = path.resolve(new URL('../../..', import.meta.url).pathname);

/**
 * `npm run compare:jekyll -- [--texts] <site folder>...`: the table on stdout, every document's result in
 * bench/results/ (with both visible texts in full under --texts).
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const keepTexts = args.includes('--texts');
  const sites = args.filter((arg) => arg !== '--texts');
  if (sites.length === 0) {
    process.stderr.write('usage: npm run compare:jekyll -- [--texts] <Jekyll site folder>...\n');
    process.exit(2);
  }
  const dir = path.join(ROOT, 'bench/results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'jekyll-compare.json');
  const results: SiteResult[] = [];
  for (const site of sites) {
    process.stderr.write(`comparing ${site}\n`);
    const result = await compareSite(site, { keepTexts });
    results.push(result);
    if ('error' in result.jekyll) process.stderr.write(`  ${result.jekyll.error}\n`);
    else if (result.jekyll.adjustments.length > 0) process.stderr.write(`  jekyll: ${result.jekyll.adjustments.join('; ')}\n`);
    process.stderr.write(`  kubeblog started with ${result.kubeblog.mode ?? 'nothing'}${result.kubeblog.note ? `, after: ${result.kubeblog.note}` : ''}\n`);
    // Written after every site, so a long run can be read while it goes on.
    await writeFile(file, JSON.stringify({ date: new Date().toISOString(), table: formatTable(results), results }, null, 2));
  }
  process.stdout.write(`${formatTable(results)}\n`);
  process.stderr.write(`results: ${path.relative(ROOT, file)}\n`);
}

await main();
