import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { IANAZone } from 'luxon';
import { DEFAULT_EXCERPT_SEPARATOR, DEFAULT_FRONT_MATTER_MAX_BYTES, DEFAULT_POST_MAX_BYTES } from '../content/parse.js';
import { type MarkdownSettings, markdownSettings } from '../rendering/markdown-settings.js';

export type ContentSourceName = 'directory' | 'kubernetes';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type RequestLogLevel = LogLevel;

export interface Config {
  host: string;
  port: number;
  metricsPort: number;
  postsDir: string;
  /** SITE_DIR: the root of a Jekyll site, read in place of POSTS_DIR. */
  siteDir: string | undefined;
  /** The Jekyll `_config.yml` in use (SITE_CONFIG, else the one in SITE_DIR), if any. */
  siteConfigFile: string | undefined;
  /** The `permalink` of SITE_CONFIG: posts of POSTS_DIR are served at the URLs it gives them. */
  permalink: string | undefined;
  basePath: string;
  siteUrl: string | undefined;
  siteTitle: string;
  siteDescription: string;
  siteAuthor: string;
  siteLanguage: string;
  timezone: string;
  postsPerPage: number;
  showDrafts: boolean;
  showFuture: boolean;
  trustProxy: boolean | number | string;
  logLevel: LogLevel;
  requestLogLevel: RequestLogLevel;
  cacheMaxAgeSeconds: number;
  pageCacheEntries: number;
  pageCacheMb: number;
  watchPollSeconds: number;
  shutdownDelaySeconds: number;
  shutdownTimeoutSeconds: number;
  contentSources: ContentSourceName[];
  kubeNamespace: string | undefined;
  kubeLabelSelector: string;
  /** KUBECONFIG: kubeconfig file(s) for running outside a cluster; unset means ~/.kube/config, else in-cluster. */
  kubeconfig: string | undefined;
  /** A post ConfigMap bigger than this (keys and values of data and binaryData) is skipped. */
  kubeMaxConfigMapBytes: number;
  /** How long start-up waits for the first complete list of ConfigMaps; 0 waits for ever. */
  kubeSyncTimeoutSeconds: number;
  /**
   * Host[:port] values whose requests get absolute URLs of their own; any other Host is answered as the
   * first of them. Only used while SITE_URL is unset. Lower case.
   */
  allowedHosts: string[];
  /** A post file (or ConfigMap key) bigger than this is skipped. */
  postMaxBytes: number;
  /** Front matter bigger than this makes the post skipped. */
  frontMatterMaxBytes: number;
  /** Where a post's excerpt ends (SITE_CONFIG `excerpt_separator`): a blank line unless the site says otherwise. */
  excerptSeparator: string;
  /** Deepest nesting of block quotes and lists a post may have. */
  markdownMaxNesting: number;
  /** The Markdown dialect posts are written in, and its options. */
  markdown: MarkdownSettings;
  /** Liquid in one post may run this long before it is stopped. */
  liquidRenderLimitMs: number;
  /** Liquid in one post may allocate about this much (liquidjs's memoryLimit, in characters and items). */
  liquidMemoryLimit: number;
  /** Threads that render posts, off the event loop. */
  renderThreads: number;
  /** A post that takes longer than this to render is shown without its body, and logged. */
  renderTimeoutMs: number;
}

/** A setting that cannot be used; the message names the variable and what it accepts. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const SOURCES: readonly ContentSourceName[] = ['directory', 'kubernetes'];

/** The subset of a Jekyll `_config.yml` that kubeblog understands. */
export interface JekyllSiteConfig {
  title?: string;
  description?: string;
  url?: string;
  baseurl?: string;
  author?: string;
  timezone?: string;
  paginate?: number;
  lang?: string;
  /** `permalink:`, the style or template of post URLs. */
  permalink?: string;
  /** `markdown:`, the converter Jekyll is told to use. */
  markdown?: string;
  /** `kramdown:`, that converter's options, as written. */
  kramdown?: Record<string, unknown>;
  /** `excerpt_separator:`, where excerpts end. */
  excerpt_separator?: string;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `"${raw}" is not a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = nonEmpty(env[name])?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `"${env[name]}" is not a boolean (accepts true/false, 1/0, yes/no, on/off)`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = nonEmpty(env[name])?.toLowerCase();
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `"${env[name]}" is not one of ${allowed.join(', ')}`);
  }
  return raw as T;
}

/** `/blog/` and `blog` both mean `/blog`; the root is the empty string so paths join as `${basePath}/x`. */
export function normalizeBasePath(raw: string | undefined, variable = 'BASE_PATH'): string {
  const value = nonEmpty(raw);
  if (value === undefined || value === '/') return '';
  const withSlash = value.startsWith('/') ? value : `/${value}`;
  const trimmed = withSlash.replace(/\/+$/, '');
  if (!/^(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+$/.test(trimmed)) {
    throw new ConfigError(variable, `"${raw}" is not a URL path prefix such as /blog`);
  }
  return trimmed;
}

function siteUrl(raw: string | undefined, variable: string): string | undefined {
  const value = nonEmpty(raw);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(variable, `"${value}" is not an absolute http(s) URL such as https://blog.example.com`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(variable, `"${value}" is not an absolute http(s) URL such as https://blog.example.com`);
  }
  // Only the origin: the path prefix is BASE_PATH's job.
  return url.origin;
}

function trustProxy(env: Env): boolean | number | string {
  const raw = nonEmpty(env.TRUST_PROXY);
  if (raw === undefined) return false;
  const lower = raw.toLowerCase();
  if (['true', 'yes', 'on'].includes(lower)) return true;
  if (['false', 'no', 'off'].includes(lower)) return false;
  if (/^\d+$/.test(raw)) return Number(raw);
  if (/^[0-9a-fA-F.:/, ]+$/.test(raw) || /^(loopback|linklocal|uniquelocal)(,|$)/.test(lower)) return raw;
  throw new ConfigError(
    'TRUST_PROXY',
    `"${raw}" is not accepted (true/false, a hop count, or a comma-separated list of addresses/CIDRs or loopback, linklocal, uniquelocal)`,
  );
}

function timezone(raw: string | undefined, variable: string): string {
  const value = nonEmpty(raw) ?? 'UTC';
  if (!IANAZone.isValidZone(value)) {
    throw new ConfigError(variable, `"${value}" is not an IANA time zone such as Europe/Berlin or UTC`);
  }
  return value;
}

function language(raw: string | undefined, variable: string): string {
  const value = nonEmpty(raw) ?? 'en';
  try {
    return Intl.getCanonicalLocales(value)[0] ?? 'en';
  } catch {
    throw new ConfigError(variable, `"${value}" is not a BCP 47 language tag such as en or de-DE`);
  }
}

const HOST_PORT = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(:\d{1,5})?$/;

/**
 * ALLOWED_HOSTS: the Host values (`blog.example.com`, `localhost:8080`) whose requests may shape absolute
 * URLs. Unset, the blog allows the loopback names on its own port, which is what `npm start` is read at.
 */
function allowedHosts(env: Env, port: number): string[] {
  const raw = nonEmpty(env.ALLOWED_HOSTS);
  if (raw === undefined) return [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`];
  const hosts = raw.split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  const bad = hosts.find((h) => !HOST_PORT.test(h));
  if (hosts.length === 0 || bad !== undefined) {
    throw new ConfigError(
      'ALLOWED_HOSTS',
      `"${bad ?? raw}" is not a host name or host:port; accepts a comma-separated list such as blog.example.com,www.example.com:8080`,
    );
  }
  return [...new Set(hosts)];
}

function contentSources(env: Env): ContentSourceName[] {
  const raw = nonEmpty(env.CONTENT_SOURCES) ?? 'directory';
  const names = raw.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  const unknown = names.filter((n) => !(SOURCES as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0 || new Set(names).size !== names.length) {
    throw new ConfigError('CONTENT_SOURCES', `"${raw}" is not a comma-separated list of distinct ${SOURCES.join(', ')}`);
  }
  return names as ContentSourceName[];
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/**
 * A Kubernetes label selector in the string form the API accepts: comma-separated requirements such as
 * `key`, `!key`, `key=value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`.
 */
export function isLabelSelector(selector: string): boolean {
  const requirements: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (depth < 0 || depth > 1) return false;
    if (ch === ',' && depth === 0) {
      requirements.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (depth !== 0) return false;
  requirements.push(current);
  return requirements.every((raw) => {
    const r = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^!\s*(\S+)$/.exec(r))) return LABEL_KEY.test(m[1]!);
    if ((m = /^(\S+?)\s*(==|!=|=)\s*(\S*)$/.exec(r))) return LABEL_KEY.test(m[1]!) && LABEL_VALUE.test(m[3]!);
    if ((m = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(r))) {
      return LABEL_KEY.test(m[1]!) && m[3]!.split(',').every((v) => LABEL_VALUE.test(v.trim()));
    }
    return LABEL_KEY.test(r);
  });
}

function labelSelector(env: Env): string {
  const raw = nonEmpty(env.KUBE_LABEL_SELECTOR) ?? 'kubeblog.dev/post';
  if (!isLabelSelector(raw)) {
    throw new ConfigError('KUBE_LABEL_SELECTOR', `"${raw}" is not a Kubernetes label selector such as kubeblog.dev/post or blog=main,tier!=draft`);
  }
  return raw;
}

/** Reads a Jekyll `_config.yml`; a file that cannot be read or parsed is a bad setting. */
export function readJekyllConfig(file: string): JekyllSiteConfig {
  let doc: unknown;
  try {
    doc = yaml.load(readFileSync(file, 'utf8'), { schema: yaml.CORE_SCHEMA });
  } catch (error) {
    throw new ConfigError('SITE_CONFIG', `cannot read Jekyll config "${file}": ${(error as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError('SITE_CONFIG', `"${file}" is not a YAML mapping`);
  }
  const d = doc as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
  const author =
    typeof d.author === 'object' && d.author !== null ? str((d.author as Record<string, unknown>).name) : str(d.author);
  const paginate = typeof d.paginate === 'number' ? d.paginate : undefined;
  const result: JekyllSiteConfig = {};
  const set = <K extends keyof JekyllSiteConfig>(k: K, v: JekyllSiteConfig[K] | undefined) => {
    if (v !== undefined) result[k] = v;
  };
  set('title', str(d.title));
  set('description', str(d.description));
  set('url', str(d.url));
  set('baseurl', str(d.baseurl));
  set('author', author);
  set('timezone', str(d.timezone));
  set('paginate', paginate);
  set('lang', str(d.lang));
  set('markdown', str(d.markdown));
  set('permalink', str(d.permalink));
  set('excerpt_separator', str(d.excerpt_separator));
  if (typeof d.kramdown === 'object' && d.kramdown !== null && !Array.isArray(d.kramdown)) {
    result.kramdown = d.kramdown as Record<string, unknown>;
  }
  return result;
}

/** SITE_DIR, checked to be a folder: a typo must not start a blog with no posts. */
function siteFolder(env: Env): string | undefined {
  const raw = nonEmpty(env.SITE_DIR);
  if (raw === undefined) return undefined;
  const dir = path.resolve(raw);
  let folder = false;
  try {
    folder = statSync(dir).isDirectory();
  } catch (error) {
    throw new ConfigError('SITE_DIR', `"${raw}" cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); it must be the folder of a Jekyll site`);
  }
  if (!folder) throw new ConfigError('SITE_DIR', `"${raw}" is not a folder; it must be the folder of a Jekyll site`);
  return dir;
}

const DIALECTS = ['kramdown', 'gfm'] as const;

/**
 * MARKDOWN_DIALECT, else what a Jekyll config asks for (kramdown unless its `markdown:` names a
 * CommonMark converter), else GitHub's flavour for posts that come without a Jekyll site.
 */
function markdownDialect(env: Env, jekyll: JekyllSiteConfig | undefined): MarkdownSettings {
  const fromJekyll = jekyll === undefined ? 'gfm' : /^(gfm|commonmark)/i.test(jekyll.markdown ?? '') ? 'gfm' : 'kramdown';
  const dialect = oneOf(env, 'MARKDOWN_DIALECT', DIALECTS, fromJekyll);
  try {
    return markdownSettings(dialect, jekyll?.kramdown ?? {});
  } catch (error) {
    throw new ConfigError('SITE_CONFIG', `kramdown: ${(error as Error).message}`);
  }
}

/** Builds the validated configuration; environment variables win over a Jekyll `_config.yml`. */
export function loadConfig(env: Env = process.env): Config {
  const siteDir = siteFolder(env);
  const siteDirConfig = siteDir === undefined ? undefined : path.join(siteDir, '_config.yml');
  const configFile = nonEmpty(env.SITE_CONFIG) ?? (siteDirConfig !== undefined && existsSync(siteDirConfig) ? siteDirConfig : undefined);
  const jekyll = configFile ? readJekyllConfig(configFile) : {};
  const pick = (name: string, fromJekyll: string | undefined) => nonEmpty(env[name]) ?? fromJekyll;

  const postsPerPageEnv = nonEmpty(env.POSTS_PER_PAGE);
  const postsPerPage =
    postsPerPageEnv === undefined && jekyll.paginate !== undefined
      ? integer({ POSTS_PER_PAGE: String(jekyll.paginate) }, 'POSTS_PER_PAGE', 10, 1, 1000)
      : integer(env, 'POSTS_PER_PAGE', 10, 1, 1000);

  const port = integer(env, 'PORT', 8080, 1, 65535);
  const metricsPort = integer(env, 'METRICS_PORT', 9464, 1, 65535);
  if (port === metricsPort) {
    throw new ConfigError('METRICS_PORT', `must differ from PORT (${port}): metrics must not be served on the public port`);
  }
  const logLevel = oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info');
  const kubeNamespace = nonEmpty(env.KUBE_NAMESPACE);
  if (kubeNamespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(kubeNamespace)) {
    throw new ConfigError('KUBE_NAMESPACE', `"${kubeNamespace}" is not a Kubernetes namespace name (RFC 1123 label)`);
  }

  return {
    host: nonEmpty(env.HOST) ?? '0.0.0.0',
    port,
    metricsPort,
    postsDir: path.resolve(nonEmpty(env.POSTS_DIR) ?? 'posts'),
    siteDir,
    siteConfigFile: configFile === undefined ? undefined : path.resolve(configFile),
    permalink: jekyll.permalink ?? (siteDir === undefined ? undefined : 'date'),
    basePath: normalizeBasePath(env.BASE_PATH ?? jekyll.baseurl, env.BASE_PATH !== undefined ? 'BASE_PATH' : 'SITE_CONFIG baseurl'),
    siteUrl: siteUrl(pick('SITE_URL', jekyll.url), nonEmpty(env.SITE_URL) ? 'SITE_URL' : 'SITE_CONFIG url'),
    siteTitle: pick('SITE_TITLE', jekyll.title) ?? 'kubeblog',
    siteDescription: pick('SITE_DESCRIPTION', jekyll.description) ?? 'A blog that runs on the platform it writes about.',
    siteAuthor: pick('SITE_AUTHOR', jekyll.author) ?? '',
    siteLanguage: language(pick('SITE_LANGUAGE', jekyll.lang), nonEmpty(env.SITE_LANGUAGE) ? 'SITE_LANGUAGE' : 'SITE_CONFIG lang'),
    timezone: timezone(pick('SITE_TIMEZONE', jekyll.timezone), nonEmpty(env.SITE_TIMEZONE) ? 'SITE_TIMEZONE' : 'SITE_CONFIG timezone'),
    postsPerPage,
    showDrafts: boolean(env, 'SHOW_DRAFTS', false),
    showFuture: boolean(env, 'SHOW_FUTURE', false),
    trustProxy: trustProxy(env),
    logLevel,
    requestLogLevel: oneOf(env, 'REQUEST_LOG_LEVEL', LOG_LEVELS, 'info'),
    cacheMaxAgeSeconds: integer(env, 'CACHE_MAX_AGE_SECONDS', 60, 0, 31536000),
    pageCacheEntries: integer(env, 'PAGE_CACHE_ENTRIES', 20000, 1, 1000000),
    pageCacheMb: integer(env, 'PAGE_CACHE_MB', 64, 1, 65536),
    watchPollSeconds: integer(env, 'WATCH_POLL_SECONDS', 30, 0, 86400),
    shutdownDelaySeconds: integer(env, 'SHUTDOWN_DELAY_SECONDS', 5, 0, 3600),
    shutdownTimeoutSeconds: integer(env, 'SHUTDOWN_TIMEOUT_SECONDS', 10, 0, 3600),
    contentSources: contentSources(env),
    kubeNamespace,
    kubeLabelSelector: labelSelector(env),
    kubeconfig: nonEmpty(env.KUBECONFIG),
    kubeMaxConfigMapBytes: integer(env, 'KUBE_MAX_CONFIGMAP_BYTES', 1048576, 1024, 1073741824),
    kubeSyncTimeoutSeconds: integer(env, 'KUBE_SYNC_TIMEOUT_SECONDS', 60, 0, 86400),
    allowedHosts: allowedHosts(env, port),
    postMaxBytes: integer(env, 'POST_MAX_BYTES', DEFAULT_POST_MAX_BYTES, 1024, 67108864),
    frontMatterMaxBytes: integer(env, 'FRONT_MATTER_MAX_BYTES', DEFAULT_FRONT_MATTER_MAX_BYTES, 256, 1048576),
    excerptSeparator: jekyll.excerpt_separator ?? DEFAULT_EXCERPT_SEPARATOR,
    markdownMaxNesting: integer(env, 'MARKDOWN_MAX_NESTING', 32, 1, 1000),
    markdown: markdownDialect(env, configFile === undefined && siteDir === undefined ? undefined : jekyll),
    liquidRenderLimitMs: integer(env, 'LIQUID_RENDER_LIMIT_MS', 500, 1, 60000),
    liquidMemoryLimit: integer(env, 'LIQUID_MEMORY_LIMIT', 1000000, 1000, 1000000000),
    renderThreads: integer(env, 'RENDER_THREADS', 1, 1, 16),
    renderTimeoutMs: integer(env, 'RENDER_TIMEOUT_MS', 2000, 100, 600000),
  };
}
