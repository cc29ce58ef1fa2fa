import { AssertionError, type Context, type Emitter, IncludeTag, Liquid, LiquidError, type Parser, Tag, type TagToken, type Template, type TopLevelToken, evalToken } from 'liquidjs';
import { refusingFileSystem } from './liquid-files.js';

/**
 * The files `{% include %}` or `{% include_relative %}` may read, by the name a post gives
 * (`note.html`, `notes/tip.html`): plain data, read beforehand on the main thread (liquid-files.ts), so
 * render threads read no files and cannot leave the folders they were read from.
 */
export type IncludeFiles = Readonly<Record<string, string>>;

/** `site` in Liquid: url, baseurl, title, description and author, and every key of `_config.yml` and `data`. */
export interface SiteVariables {
  url: string;
  baseurl: string;
  title: string;
  description: string;
  author: string;
  [key: string]: unknown;
}

/** What Liquid tags in a post may refer to. */
export interface LiquidScope {
  site: SiteVariables;
  page: Record<string, unknown>;
  /** URL of the post with this file stem (`2017-12-15-kubecon-was-nice`), for `{% post_url %}`. */
  postUrl(stem: string): string | undefined;
  /** The site's `_includes`, for `{% include %}`. Without it, every include is missing. */
  includes?: IncludeFiles;
  /** Files next to the post, by the name the post gives them, for `{% include_relative %}`. */
  relativeFiles?: IncludeFiles;
  /** The line of the post's file on which the text starts (after front matter), for problems' lines. */
  firstLine?: number;
}

/** A tag that could not run and was left out, or why the whole text lost its tags. */
export interface LiquidProblem {
  message: string;
  /** Line in the post's file, or in `file` when set. */
  line?: number;
  /** The include the tag is in (`_includes/note.html`); absent for the post itself. */
  file?: string;
}

/** How much one post's Liquid may take (liquidjs's DoS limits). */
export interface LiquidLimits {
  /** Milliseconds one render may run. */
  renderLimitMs: number;
  /** Characters and items one render may allocate (a range loop allocates one item a step). */
  memoryLimit: number;
  /** Characters one template (the post, or each included file) may have. */
  parseLimit: number;
}

export interface LiquidRenderer {
  /**
   * The text with its Liquid run. A tag that cannot run (an unknown plugin tag, a missing include, a
   * `{% post_url %}` naming no post) is left out and listed in `problems`; the rest renders. When the
   * text as a whole cannot (it does not parse, or it ran past a limit) it loses all its tags instead.
   */
  render(text: string, scope: LiquidScope): { text: string; problems: LiquidProblem[] };
}

const HOOK = '__kubeblog';

/** liquidjs's tag classes (its type is not exported). */
type TagClass = new (token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid, parser: Parser) => Tag;
/** A tag class as a base to extend: its render is concrete, whatever Tag declares. */
type ConcreteTagClass = new (...args: ConstructorParameters<TagClass>) => Tag & { render(ctx: Context, emitter: Emitter): unknown };

/** A fence longer than any backtick run inside the code, so the code cannot close it. */
function fence(code: string, lang: string): string {
  const longest = Math.max(2, ...[...code.matchAll(/`+/g)].map((m) => m[0].length));
  const marks = '`'.repeat(longest + 1);
  return `\n${marks}${lang}\n${code.replace(/^\n+|\s+$/g, '')}\n${marks}\n`;
}

function scopeOf(ctx: Context): LiquidScope {
  return ctx.getSync([HOOK]) as LiquidScope;
}

/**
 * The text of a template Liquid could not run, without its tags: `{% raw %}` content is kept as written,
 * other `{% … %}` tags and then `{{ … }}` outputs are removed. One pass over the text each: a post full of
 * unclosed `{{` must not cost the quadratic time a lazy regex search from every `{{` would.
 */
function stripLiquid(text: string): string {
  let stripped = '';
  let from = 0;
  for (const block of rawBlocks(text)) {
    stripped += removeDelimited(removeDelimited(text.slice(from, block.start), '{%', '%}'), '{{', '}}');
    stripped += block.content;
    from = block.end;
  }
  return stripped + removeDelimited(removeDelimited(text.slice(from), '{%', '%}'), '{{', '}}');
}

/** `{% raw %}…{% endraw %}` blocks, each opener paired with the first closer after it. */
function* rawBlocks(text: string): Generator<{ start: number; end: number; content: string }> {
  const opener = /\{%-?\s*raw\s*-?%\}/g;
  const closer = /\{%-?\s*endraw\s*-?%\}/g;
  for (let open = opener.exec(text); open; open = opener.exec(text)) {
    closer.lastIndex = opener.lastIndex;
    const close = closer.exec(text);
    // Without a closer here there is none further on either.
    if (!close) return;
    yield { start: open.index, end: closer.lastIndex, content: text.slice(opener.lastIndex, close.index) };
    opener.lastIndex = closer.lastIndex;
  }
}

/** The text without each `open`…`close` span, as `/open[\s\S]*?close/g` would remove them. */
function removeDelimited(text: string, open: string, close: string): string {
  let kept = '';
  let from = 0;
  for (let start = text.indexOf(open); start !== -1; start = text.indexOf(open, from)) {
    const end = text.indexOf(close, start + open.length);
    // No closer after this opener means none after any later one.
    if (end === -1) break;
    kept += text.slice(from, start);
    from = end + close.length;
  }
  return kept + text.slice(from);
}

/** What one render collects and reads beyond the variables; renders are synchronous, one at a time. */
interface RenderState {
  scope: LiquidScope;
  problems: LiquidProblem[];
  /** Problems past MAX_PROBLEMS, counted only. */
  unlisted: number;
  /** Includes being rendered, one inside the other. */
  includeDepth: number;
}

/** Problems listed per render: a post of thousands of plugin tags must not write thousands of log lines. */
const MAX_PROBLEMS = 20;

/** Includes one inside the other, as deep as Liquid's own "Nesting too deep" allows. */
const MAX_INCLUDE_DEPTH = 100;

/**
 * Jekyll's rule for included file names (Jekyll::Tags::IncludeTag#validate_file_name): these characters
 * only, and no `..`, `./`, `/.` or `//`, so a name cannot climb out of its folder.
 */
const VALID_INCLUDE_NAME = /^[\w/.\-()+~#@]+$/;
const INVALID_INCLUDE_SEQUENCE = /[./]{2}/;

/** Errors of liquidjs's DoS limits: they stop the whole render, never just the tag that hit them. */
function isLimitError(error: unknown): boolean {
  for (let cause: unknown = error; cause; cause = (cause as { originalError?: unknown }).originalError) {
    if (cause instanceof AssertionError && /limit exceeded$/.test(cause.message)) return true;
  }
  return false;
}

/** The innermost message of an error liquidjs wrapped (it appends `, line:…, col:…` at each level). */
function rootMessage(error: unknown): string {
  let cause = error as { message?: string; originalError?: unknown };
  while (cause.originalError) cause = cause.originalError as typeof cause;
  return cause.message ?? String(error);
}

/**
 * Runs the Liquid a Jekyll post may carry before the Markdown is rendered, as Jekyll does: `{% raw %}`,
 * `{% highlight %}` (turned into a fenced block), `{% post_url %}`, `{% link %}`, `{% include %}` and
 * `{% include_relative %}` with Jekyll's parameters, `{{ site.* }}`, `{{ page.* }}` and Jekyll's URL
 * filters. One engine serves many renders; each render's scope says which site files it may include.
 */
export function createLiquid(limits: LiquidLimits): LiquidRenderer {
  const liquid = new Liquid({
    strictFilters: false,
    strictVariables: false,
    cache: false,
    // Jekyll's include names are literal (`{% include note.html %}`), `{{ }}` in them is evaluated.
    jekyllInclude: true,
    dynamicPartials: false,
    // Includes come from the render's scope; liquidjs's own `render` and `layout` tags read nothing.
    fs: refusingFileSystem(),
    relativeReference: false,
    renderLimit: limits.renderLimitMs,
    memoryLimit: limits.memoryLimit,
    parseLimit: limits.parseLimit,
  });

  let current: RenderState | undefined;
  const state = (): RenderState => {
    if (!current) throw new Error('Liquid is rendering outside a render');
    return current;
  };
  const report = (message: string, token: { getPosition(): number[]; file?: string | undefined }) => {
    const render = state();
    const { scope, problems } = render;
    if (problems.length >= MAX_PROBLEMS) {
      render.unlisted += 1;
      return;
    }
    const [line] = token.getPosition();
    const file = token.file;
    problems.push({ message, ...(line !== undefined && { line: file === undefined ? line + (scope.firstLine ?? 1) - 1 : line }), ...(file !== undefined && { file }) });
  };

  /**
   * Parsed includes, per set of files: a render thread keeps one set until the site changes, so each
   * include is parsed once per thread rather than once per use.
   */
  const parsed = new WeakMap<IncludeFiles, Map<string, Template[]>>();
  const includeTemplates = (files: IncludeFiles | undefined, name: string, folder: string): Template[] => {
    if (INVALID_INCLUDE_SEQUENCE.test(name) || !VALID_INCLUDE_NAME.test(name)) {
      throw new Error(`"${name}" cannot be included: its name has characters or sequences Jekyll refuses (such as "..")`);
    }
    const relative = name.replace(/^\/+/, '');
    const text = files === undefined || !Object.hasOwn(files, relative) ? undefined : files[relative];
    if (text === undefined) throw new Error(`"${name}" cannot be included: there is no such file in ${folder}`);
    let cache = parsed.get(files as IncludeFiles);
    if (!cache) parsed.set(files as IncludeFiles, (cache = new Map()));
    let templates = cache.get(relative);
    if (!templates) cache.set(relative, (templates = liquid.parse(text, `${folder}/${relative}`)));
    return templates;
  };

  /** `{% include %}` and `{% include_relative %}`: liquidjs's parsing of the name and parameters, Jekyll's lookup. */
  const jekyllInclude = (folder: (scope: LiquidScope) => { files: IncludeFiles | undefined; name: string }) =>
    class extends IncludeTag {
      override *render(ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
        const self = this as unknown as { file: unknown; hash: { render(ctx: Context): unknown } };
        const name = String(
          typeof self.file === 'string'
            ? self.file
            : Array.isArray(self.file)
              ? yield liquid.renderer.renderTemplates(self.file as Template[], ctx)
              : yield evalToken(self.file as Parameters<typeof evalToken>[0], ctx),
        ).trim();
        const render = state();
        const { files, name: folderName } = folder(render.scope);
        const templates = includeTemplates(files, name, folderName);
        if (render.includeDepth >= MAX_INCLUDE_DEPTH) throw new Error(`"${name}" cannot be included: includes nest more than ${MAX_INCLUDE_DEPTH} deep`);
        const parameters = yield self.hash.render(ctx);
        ctx.push({ include: parameters });
        render.includeDepth += 1;
        try {
          yield liquid.renderer.renderTemplates(templates, ctx, emitter);
        } finally {
          render.includeDepth -= 1;
          ctx.pop();
        }
      }
    };
  liquid.registerTag('include', jekyllInclude((scope) => ({ files: scope.includes, name: '_includes' })));
  liquid.registerTag('include_relative', jekyllInclude((scope) => ({ files: scope.relativeFiles, name: "the post's folder" })));

  liquid.registerTag('highlight', {
    parse(token: TagToken, remaining: TopLevelToken[]) {
      this.lang = token.args.trim().split(/\s+/)[0] ?? '';
      const parts: string[] = [];
      let closed = false;
      while (remaining.length > 0) {
        const next = remaining.shift() as TopLevelToken & { name?: string };
        if (next.name === 'endhighlight') {
          closed = true;
          break;
        }
        parts.push(next.getText());
      }
      if (!closed) throw new Error(`{% highlight ${this.lang} %} is not closed by {% endhighlight %}`);
      this.code = parts.join('');
    },
    render() {
      return fence(this.code, this.lang);
    },
  });

  liquid.registerTag('post_url', {
    parse(token: TagToken) {
      this.stem = token.args.trim().replace(/\.(md|markdown)$/, '').split('/').pop() ?? '';
    },
    render(ctx: Context) {
      const url = scopeOf(ctx).postUrl(this.stem);
      if (url === undefined) throw new Error(`{% post_url ${this.stem} %} names no post`);
      return url;
    },
  });

  liquid.registerTag('link', {
    parse(token: TagToken) {
      this.target = token.args.trim();
    },
    render(ctx: Context) {
      const scope = scopeOf(ctx);
      const post = /(?:^|\/)_posts\/(?:.*\/)?([^/]+?)\.(md|markdown)$/.exec(this.target);
      if (post?.[1]) {
        const url = scope.postUrl(post[1]);
        if (url === undefined) throw new Error(`{% link ${this.target} %} names no post`);
        return url;
      }
      const target = this.target.replace(/^\/+/, '');
      const url = scope.postUrl(target);
      if (url === undefined) throw new Error(`{% link ${this.target} %} names no page or file of the site`);
      return url;
    },
  });

  liquid.registerTag('gist', {
    parse(token: TagToken) {
      this.id = token.args.trim().split(/\s+/)[0] ?? '';
    },
    render() {
      const id = this.id.replace(/[^\w/.-]/g, '');
      return `<a href="https://gist.github.com/${id}" rel="noopener noreferrer">gist ${id}</a>`;
    },
  });

  const tags = liquid.tags as Record<string, TagClass>;
  // Jekyll's Liquid 4 has none of these liquidjs tags; `layout` would take the rest of the text with it
  // when it fails. They are unknown tags here, as in Jekyll.
  for (const name of ['render', 'layout', 'block']) delete tags[name];
  // Every tag, liquidjs's own and Jekyll's above, is left out alone when it fails, and reported.
  for (const name of Object.keys(tags)) tags[name] = failingAlone(tags[name] as TagClass, report);
  /** A tag no plugin here provides (`{% oembed %}`, `{% youtube %}`): it renders as nothing and is reported. */
  class UnknownTag extends Tag {
    render(): string {
      report(`the tag "${this.name}" is not known here (a Jekyll plugin's?) and was left out`, this.token);
      return '';
    }
  }
  (liquid as unknown as { tags: Record<string, TagClass> }).tags = new Proxy(tags, {
    get: (known, name) => (typeof name === 'string' && !Object.hasOwn(known, name) ? UnknownTag : known[name as string]),
  });

  registerJekyllFilters(liquid);

  return {
    render(text, scope) {
      if (!hasLiquidMarkers(text)) return { text, problems: [] };
      const render: RenderState = { scope, problems: [], unlisted: 0, includeDepth: 0 };
      current = render;
      try {
        const rendered = liquid.parseAndRenderSync(text, { site: scope.site, page: scope.page, [HOOK]: scope }) as string;
        // liquidjs does not count what a loop writes. The output may be the template and what it may
        // allocate; more is refused before anything flattens it (reading the length of the rope is free).
        const outputLimit = limits.parseLimit + limits.memoryLimit;
        if (rendered.length > outputLimit) {
          throw new Error(`the output of ${rendered.length} characters is over the limit of ${outputLimit}`);
        }
        if (render.unlisted > 0) render.problems.push({ message: `${render.unlisted} more tags could not run and were left out` });
        return { text: rendered, problems: render.problems };
      } catch (error) {
        const token = LiquidError.is(error) ? (error as unknown as { token?: { getPosition(): number[] } }).token : undefined;
        const line = token?.getPosition()[0];
        const whole: LiquidProblem = {
          message: `${rootMessage(error)}: the text was rendered without its Liquid tags`,
          ...(line !== undefined && { line: line + (scope.firstLine ?? 1) - 1 }),
        };
        return { text: stripLiquid(text), problems: [whole] };
      } finally {
        current = undefined;
      }
    },
  };
}

function hasLiquidMarkers(text: string): boolean {
  return text.includes('{%') || text.includes('{{');
}

/**
 * The tag class, made to render as nothing and be reported when it fails, so the other tags of the text
 * still render. The scopes it pushed are popped. Limits still stop the whole render.
 */
function failingAlone(TagClass: TagClass, report: (message: string, token: TagToken) => void): TagClass {
  return class extends (TagClass as unknown as ConcreteTagClass) {
    override *render(ctx: Context, emitter: Emitter): Generator<unknown, unknown, unknown> {
      const scopes = (ctx as unknown as { scopes: unknown[] }).scopes;
      const depth = scopes.length;
      try {
        return yield super.render(ctx, emitter);
      } catch (error) {
        if (isLimitError(error)) throw error;
        scopes.length = depth;
        const token = LiquidError.is(error) ? ((error as unknown as { token?: TagToken }).token ?? this.token) : this.token;
        report(`${rootMessage(error)}; the tag was left out`, token);
        return '';
      }
    }
  };
}

function registerJekyllFilters(liquid: Liquid): void {
  liquid.registerFilter('relative_url', function (this: { context: Context }, value: unknown) {
    const path = String(value ?? '');
    if (/^[a-z]+:\/\//i.test(path)) return path;
    return `${scopeOf(this.context).site.baseurl}/${path.replace(/^\/+/, '')}`;
  });
  liquid.registerFilter('absolute_url', function (this: { context: Context }, value: unknown) {
    const path = String(value ?? '');
    if (/^[a-z]+:\/\//i.test(path)) return path;
    const site = scopeOf(this.context).site;
    return `${site.url}${site.baseurl}/${path.replace(/^\/+/, '')}`;
  });
  liquid.registerFilter('xml_escape', (value: unknown) =>
    String(value ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'),
  );
  liquid.registerFilter('cgi_escape', (value: unknown) => encodeURIComponent(String(value ?? '')).replace(/%20/g, '+'));
  liquid.registerFilter('uri_escape', (value: unknown) => encodeURI(String(value ?? '')));
  liquid.registerFilter('jsonify', (value: unknown) => JSON.stringify(value ?? null));
  liquid.registerFilter('slugify', (value: unknown) =>
    String(value ?? '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, ''),
  );
  liquid.registerFilter('number_of_words', (value: unknown) => String(value ?? '').split(/\s+/).filter(Boolean).length);
  liquid.registerFilter('date_to_string', (value: unknown) => formatDate(value, { day: '2-digit', month: 'short', year: 'numeric' }));
  liquid.registerFilter('date_to_long_string', (value: unknown) => formatDate(value, { day: '2-digit', month: 'long', year: 'numeric' }));
}

function formatDate(value: unknown, options: Intl.DateTimeFormatOptions): string {
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime())) return String(value ?? '');
  return new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'UTC' }).format(date);
}
