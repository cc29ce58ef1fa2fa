import { Liquid, type TagToken, type TopLevelToken, type Context } from 'liquidjs';
import { includesFileSystem } from './liquid-files.js';

/** What Liquid tags in a post may refer to. */
export interface LiquidScope {
  site: { url: string; baseurl: string; title: string; description: string; author: string };
  page: Record<string, unknown>;
  /** URL of the post with this file stem (`2017-12-15-kubecon-was-nice`), for `{% post_url %}`. */
  postUrl(stem: string): string | undefined;
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

export interface LiquidOptions {
  /** A Jekyll site's `_includes`: the only files `{% include %}` may read. Without it, none. */
  includesDir?: string;
}

const HOOK = '__kubeblog';

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

/**
 * Runs the Liquid a Jekyll post may carry before the Markdown is rendered, as Jekyll does: `{% raw %}`,
 * `{% highlight %}` (turned into a fenced block), `{% post_url %}`, `{% link %}`, `{{ site.* }}`,
 * `{{ page.* }}` and Jekyll's URL filters. A template Liquid cannot run loses its tags rather than
 * showing them to readers; the caller is told why.
 */
export function createLiquid(
  limits: LiquidLimits,
  options: LiquidOptions = {},
): { render(text: string, scope: LiquidScope): { text: string; error?: Error } } {
  // Without an includes directory liquidjs keeps its default root; the file system refuses every name in it.
  const dirs = options.includesDir === undefined ? {} : { root: [options.includesDir], partials: [options.includesDir], layouts: [options.includesDir] };
  const liquid = new Liquid({
    strictFilters: false,
    strictVariables: false,
    cache: false,
    // Jekyll's include names are literal (`{% include note.html %}`), `{{ }}` in them is evaluated.
    jekyllInclude: true,
    dynamicPartials: false,
    fs: includesFileSystem(options.includesDir),
    ...dirs,
    relativeReference: false,
    renderLimit: limits.renderLimitMs,
    memoryLimit: limits.memoryLimit,
    parseLimit: limits.parseLimit,
  });

  // Jekyll reads these next to the post, which a post from a ConfigMap does not have.
  liquid.registerTag('include_relative', {
    parse(token: TagToken) {
      this.file = token.args.trim().split(/\s+/)[0] ?? '';
    },
    render() {
      throw new Error(`"${this.file}" cannot be included: posts may not include files relative to themselves`);
    },
  });

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
      return `${scope.site.baseurl}/${this.target.replace(/^\/+/, '').replace(/\.(md|markdown)$/, '.html')}`;
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

  return {
    render(text, scope) {
      if (!text.includes('{%') && !text.includes('{{')) return { text };
      try {
        const rendered = liquid.parseAndRenderSync(text, { site: scope.site, page: scope.page, [HOOK]: scope }) as string;
        // liquidjs does not count what a loop writes. The output may be the template and what it may
        // allocate; more is refused before anything flattens it (reading the length of the rope is free).
        const outputLimit = limits.parseLimit + limits.memoryLimit;
        if (rendered.length > outputLimit) {
          throw new Error(`the output of ${rendered.length} characters is over the limit of ${outputLimit}`);
        }
        return { text: rendered };
      } catch (error) {
        return { text: stripLiquid(text), error: error as Error };
      }
    },
  };
}

function formatDate(value: unknown, options: Intl.DateTimeFormatOptions): string {
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime())) return String(value ?? '');
  return new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'UTC' }).format(date);
}
