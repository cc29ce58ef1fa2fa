import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import yaml from 'js-yaml';

/** The layout every post and page is forced into: only a marked wrapper, so the content can be cut out exactly. */
export const COMPARE_LAYOUT = 'kubeblog-compare';
export const CONTENT_MARKER_ID = 'kubeblog-compare-content';
const EXTRA_CONFIG = '_kubeblog_compare.yml';
const CONFIG_REWRITTEN = '_config.yml rewritten with its Ruby symbols (`:title`) as strings: this Jekyll refuses them';

/** Jekyll plugins this machine has (Debian's jekyll); any other named in a site's config is dropped. */
const INSTALLED_PLUGINS = new Set(['jekyll-feed', 'jekyll-seo-tag']);

/** Never copied: outputs, caches and dependencies, none of which Jekyll reads as content. */
const NOT_COPIED = new Set(['.git', '_site', 'node_modules', 'vendor', '.jekyll-cache', '.sass-cache', '.bundle']);

const PLUGIN = path.resolve(new URL('../../../bench/jekyll-compare/jekyll-plugin.rb', import.meta.url).pathname);

export interface JekyllEntry {
  kind: 'post' | 'page';
  /** Source file, relative to the site root. */
  source: string;
  /** URL without the base path, as Jekyll's `page.url`. */
  url: string;
  /** Output file, relative to the destination folder. */
  output: string;
  date: string | null;
  title: string | null;
}

export interface JekyllBuild {
  destination: string;
  entries: JekyllEntry[];
  baseurl: string;
  seconds: number;
  /** What had to change for Jekyll to build the site at all: stubbed tags and includes, dropped plugins. */
  adjustments: string[];
}

export class JekyllBuildError extends Error {
  override name = 'JekyllBuildError';
}

function frontMatterLayouts(text: string): string[] {
  if (!text.startsWith('---')) return [];
  const end = text.indexOf('\n---', 3);
  if (end < 0) return [];
  const names: string[] = [];
  for (const line of text.slice(0, end).split('\n')) {
    const match = /^\s*layout:\s*["']?([^"'\s#]+)/.exec(line);
    if (match?.[1]) names.push(match[1]);
  }
  return names;
}

async function* files(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.isFile()) yield full;
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * A copy of the site that Jekyll can build on this machine, every post and page in the marked layout:
 * the site's own Ruby plugins, theme, Sass and Gemfile removed (their code is not run, and the gems are not
 * installed), every layout name the site uses made the marked layout.
 */
export async function prepareCopy(siteDir: string, copyDir: string): Promise<{ baseurl: string; adjustments: string[] }> {
  await cp(siteDir, copyDir, { recursive: true, filter: (source) => !NOT_COPIED.has(path.basename(source)) });
  const adjustments: string[] = [];
  await rm(path.join(copyDir, '_plugins'), { recursive: true, force: true });
  await rm(path.join(copyDir, '_layouts'), { recursive: true, force: true });
  for (const file of ['Gemfile', 'Gemfile.lock']) await rm(path.join(copyDir, file), { force: true });

  let config: Record<string, unknown> = {};
  try {
    config = asRecord(yaml.load(await readFile(path.join(copyDir, '_config.yml'), 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') adjustments.push(`_config.yml unreadable by js-yaml: ${(error as Error).message.split('\n')[0]}`);
    else await writeFile(path.join(copyDir, '_config.yml'), '');
  }

  const layouts = new Set([COMPARE_LAYOUT]);
  for await (const file of files(copyDir)) {
    if (/\.s[ac]ss$/.test(file)) {
      await rm(file);
      continue;
    }
    if (/\.(md|markdown|html?)$/.test(file)) for (const name of frontMatterLayouts(await readFile(file, 'utf8'))) layouts.add(name);
  }
  const defaults = Array.isArray(config.defaults) ? config.defaults : [];
  for (const entry of defaults) {
    const layout = asRecord(asRecord(entry).values).layout;
    if (typeof layout === 'string') layouts.add(layout);
  }
  const wrapper = `<div id="${CONTENT_MARKER_ID}">{{ content }}</div>\n`;
  for (const name of layouts) {
    if (['null', 'none', 'nil', 'false'].includes(name)) continue;
    const file = path.join(copyDir, '_layouts', `${name.replace(/\.html$/, '')}.html`);
    if (!file.startsWith(path.join(copyDir, '_layouts') + path.sep)) continue;
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, wrapper);
  }
  await mkdir(path.join(copyDir, '_plugins'));
  await cp(PLUGIN, path.join(copyDir, '_plugins', 'kubeblog-compare.rb'));

  const wanted = [config.plugins, config.gems].flatMap((list) => (Array.isArray(list) ? list.map(String) : []));
  const dropped = wanted.filter((name) => !INSTALLED_PLUGINS.has(name));
  if (dropped.length > 0) adjustments.push(`plugins not installed, dropped: ${dropped.join(', ')}`);
  if (config.theme !== undefined || config.remote_theme !== undefined) adjustments.push(`theme dropped: ${String(config.theme ?? config.remote_theme)}`);
  const extra: Record<string, unknown> = {
    theme: null,
    remote_theme: null,
    plugins_dir: '_plugins',
    plugins: wanted.filter((name) => INSTALLED_PLUGINS.has(name)),
    gems: [],
    defaults: [...defaults, { scope: { path: '' }, values: { layout: COMPARE_LAYOUT } }],
  };
  if (typeof config.markdown === 'string' && !/^(kramdown|gfm|commonmark)$/i.test(config.markdown)) {
    adjustments.push(`markdown: ${config.markdown} is not installed; built with kramdown`);
    extra.markdown = 'kramdown';
  }
  await writeFile(path.join(copyDir, EXTRA_CONFIG), yaml.dump(extra));
  const baseurl = typeof config.baseurl === 'string' ? config.baseurl.replace(/\/+$/, '') : '';
  return { baseurl: baseurl === '' || baseurl.startsWith('/') ? baseurl : `/${baseurl}`, adjustments };
}

function runJekyll(copyDir: string, destination: string, env: Record<string, string>, timeoutMs: number): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(
      'jekyll',
      ['build', '--source', copyDir, '--destination', destination, '--config', `_config.yml,${EXTRA_CONFIG}`],
      { cwd: copyDir, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LANG: 'C.UTF-8', JEKYLL_NO_BUNDLER_REQUIRE: '1', ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      // Jekyll colours its messages; the colour codes are taken out so that they can be matched and read.
      (error, stdout, stderr) => resolve({ ok: error === null, output: `${stdout}\n${stderr}${error?.killed ? `\njekyll stopped after ${timeoutMs} ms` : ''}`.replace(/\u001b\[[0-9;]*m/g, '') }),
    );
  });
}

/** The file named at the end of Jekyll's `Liquid Exception: … in <file>` line, if there is one. */
function failingLiquidFile(output: string): string | undefined {
  const line = output.split('\n').find((l) => l.includes('Liquid Exception:'))?.trim();
  const at = line?.lastIndexOf(' in ') ?? -1;
  return line === undefined || at < 0 ? undefined : line.slice(at + 4);
}

/** Fails with the way to get Jekyll when this machine has none. */
export async function requireJekyll(): Promise<void> {
  const found = await new Promise<boolean>((resolve) => execFile('jekyll', ['--version'], (error) => resolve(error === null)));
  if (!found) throw new JekyllBuildError('jekyll is not installed: run scripts/ensure-packages.sh (as root) to install Debian\'s jekyll');
}

/**
 * Builds the prepared copy. A tag of a plugin that is not installed, or an include of a theme that was
 * dropped, stops Jekyll; each is stubbed (renders nothing) and the build tried again, a bounded number of times.
 */
export async function buildCopy(copyDir: string, destination: string, timeoutMs: number, adjustments: string[], baseurl: string): Promise<JekyllBuild> {
  const tags = new Set<string>();
  const blocks = new Set<string>();
  const stubDocuments = new Set<string>();
  const manifest = path.join(path.dirname(destination), 'jekyll-manifest.json');
  const started = performance.now();
  for (let attempt = 0; attempt < 30; attempt++) {
    const remaining = Math.floor(timeoutMs - (performance.now() - started));
    if (remaining <= 0) break;
    const result = await runJekyll(
      copyDir,
      destination,
      { KUBEBLOG_COMPARE_MANIFEST: manifest, KUBEBLOG_COMPARE_STUB_TAGS: [...tags].join(','), KUBEBLOG_COMPARE_STUB_BLOCKS: [...blocks].join(',') },
      remaining,
    );
    if (result.ok) {
      const entries = (JSON.parse(await readFile(manifest, 'utf8')) as JekyllEntry[]).filter((entry) => !stubDocuments.has(entry.source));
      if (tags.size > 0) adjustments.push(`tags stubbed (render nothing in Jekyll): ${[...tags].join(', ')}`);
      if (blocks.size > 0) adjustments.push(`blocks stubbed (render nothing in Jekyll): ${[...blocks].join(', ')}`);
      return { destination, entries, baseurl, seconds: (performance.now() - started) / 1000, adjustments };
    }
    const unknownTag = /Unknown tag '([^']+)'/.exec(result.output)?.[1] ?? /'(end[\w-]+)' is not a valid delimiter/.exec(result.output)?.[1];
    const missingInclude = /included file '([^']+)'/.exec(result.output)?.[1];
    const missingDocument = /Could not find document '([^']+)' in tag 'link'/.exec(result.output)?.[1];
    const failingFile = failingLiquidFile(result.output);
    const failingSource = failingFile === undefined ? undefined : path.relative(copyDir, path.resolve(copyDir, failingFile));
    const configFile = path.join(copyDir, '_config.yml');
    if (/Psych::DisallowedClass/.test(result.output) && /configuration\.rb/.test(result.output) && !adjustments.includes(CONFIG_REWRITTEN)) {
      // Ruby's YAML reads `permalink: :title` as a Symbol, which Jekyll's safe loading refuses; js-yaml reads a string.
      await writeFile(configFile, yaml.dump(yaml.load(await readFile(configFile, 'utf8'))));
      adjustments.push(CONFIG_REWRITTEN);
    } else if (unknownTag?.startsWith('end') && tags.has(unknownTag.slice(3))) {
      tags.delete(unknownTag.slice(3));
      blocks.add(unknownTag.slice(3));
    } else if (unknownTag !== undefined && !tags.has(unknownTag) && !blocks.has(unknownTag)) {
      tags.add(unknownTag);
    } else if (missingInclude !== undefined && !missingInclude.includes('..')) {
      const file = path.join(copyDir, '_includes', missingInclude);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, '');
      adjustments.push(`include stubbed (empty): ${missingInclude}`);
    } else if (missingDocument !== undefined && !missingDocument.includes('..') && !stubDocuments.has(missingDocument)) {
      // Made by a plugin that was not run: an empty page stands in for it, left out of the comparison.
      const file = path.join(copyDir, missingDocument);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, '---\n---\n');
      stubDocuments.add(missingDocument);
      adjustments.push(`document stubbed for {% link %} (empty, not compared): ${missingDocument}`);
    } else if (failingSource !== undefined && !failingSource.startsWith('..') && existsSync(path.join(copyDir, failingSource)) && missingDocument === undefined) {
      // Liquid this Jekyll cannot run in one file (a plugin's filter, a data file it refused): no ground truth for it.
      await rm(path.join(copyDir, failingSource));
      adjustments.push(`file removed, its Liquid fails in this Jekyll: ${failingSource}`);
    } else {
      throw new JekyllBuildError(`jekyll build failed: ${result.output.split('\n').filter((l) => /error|exception|stopped/i.test(l)).slice(0, 5).join(' | ') || result.output.slice(-500)}`);
    }
  }
  throw new JekyllBuildError(`jekyll build did not succeed within ${timeoutMs} ms and 30 attempts`);
}
