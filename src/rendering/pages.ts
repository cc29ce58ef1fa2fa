import { type Catalog, type TagGroup, tagSlug as tagSlugOf } from '../content/catalog.js';
import type { Page } from '../content/page.js';
import type { Post } from '../content/post.js';
import type { SnippetPart } from '../search/snippet.js';
import type { Asset } from './assets.js';
import { type SafeHtml, html, jsonForScript, raw, textOf } from './html.js';
import { type UrlContext, absolute, href, paths } from './urls.js';

/** What every page needs to know about the site and the request it answers. */
export interface SiteContext extends UrlContext {
  title: string;
  description: string;
  author: string;
  language: string;
  timezone: string;
  /** Drafts or future posts are shown: keep search engines out. */
  preview: boolean;
  /** A Jekyll site's pages that are in its navigation (`header_pages`, `nav_order`). */
  navigation?: readonly Page[];
}

export interface ThemeDeps {
  assets: { stylesheet: Asset; icon: Asset };
}

/** What a search results page shows; `building` while the first index is being made. */
export type SearchView =
  | { state: 'empty' }
  | { state: 'building'; query: string; indexed: number; total: number }
  | {
      state: 'results';
      query: string;
      total: number;
      /** More posts match than `total`: the best `total` are listed. */
      capped: boolean;
      page: number;
      pages: number;
      perPage: number;
      results: ReadonlyArray<{ post: Post; snippet: readonly SnippetPart[] }>;
      /** Why only part of the query was searched, if it was. */
      notice?: string;
    };

/** Posts' excerpts as HTML, rendered beforehand (PostRenderer): the theme itself never waits. */
export type Excerpts = ReadonlyMap<Post, string>;

interface LayoutOptions {
  title: string;
  description: string;
  path: string;
  body: SafeHtml;
  head?: SafeHtml;
  noindex?: boolean;
}

const WORDS_PER_MINUTE = 220;

/** A post's image as an absolute URL; an image that is no URL at all is left out rather than failing the page. */
function imageUrl(image: string | undefined, base: string): string | undefined {
  if (!image) return undefined;
  try {
    return new URL(image, base).toString();
  } catch {
    return undefined;
  }
}

export function readingMinutes(post: Post): number {
  return Math.max(1, Math.round(post.wordCount() / WORDS_PER_MINUTE));
}

/** A page of a list: 1-based; undefined when the page does not exist. */
export function pageOf<T>(items: readonly T[], page: number, size: number): { items: readonly T[]; pages: number } | undefined {
  const pages = Math.max(1, Math.ceil(items.length / size));
  if (!Number.isInteger(page) || page < 1 || page > pages) return undefined;
  return { items: items.slice((page - 1) * size, page * size), pages };
}

/**
 * Renders the blog's HTML pages from posts whose bodies and excerpts are already HTML. Synchronous and
 * stateless apart from its dependencies; callers cache the output.
 */
export class Theme {
  private readonly dateFormats = new Map<string, Intl.DateTimeFormat>();

  constructor(private readonly deps: ThemeDeps) {}

  indexPage(catalog: Catalog, page: number, perPage: number, site: SiteContext, excerpts: Excerpts): string | undefined {
    const slice = pageOf(catalog.posts, page, perPage);
    if (!slice) return undefined;
    const body = html`
      <h1 class="visually-hidden">${site.title}${page > 1 ? ` — page ${page}` : ''}</h1>
      ${catalog.posts.length === 0 ? html`<p class="empty">No posts yet.</p>` : ''}
      ${slice.items.map((post) => this.postCard(post, excerpts, site))}
      ${this.pagination(page, slice.pages, paths.page, site)}`;
    return this.layout(site, {
      title: page > 1 ? `${site.title} — page ${page}` : site.title,
      description: site.description,
      path: paths.page(page),
      body,
    });
  }

  /** `content` is the body as HTML, `excerpt` the excerpt as HTML (the description when the post has none). */
  postPage(post: Post, content: string, excerpt: string, catalog: Catalog, site: SiteContext): string {
    const url = absolute(site, post.url);
    const description = post.description ?? textOf(excerpt);
    const { newer, older } = catalog.neighbours(post);
    const author = post.author ?? site.author;
    const image = imageUrl(post.image, url);
    const jsonLd = {
      '@context': 'https://schema.org',
      '@type': 'BlogPosting',
      headline: post.title,
      description,
      datePublished: post.date.toISOString(),
      dateModified: (post.updated ?? post.date).toISOString(),
      mainEntityOfPage: { '@type': 'WebPage', '@id': url },
      url,
      keywords: post.tags.join(', ') || undefined,
      wordCount: post.wordCount(),
      author: author ? { '@type': 'Person', name: author } : undefined,
      publisher: { '@type': 'Organization', name: site.title },
      image,
    };
    const head = html`
      <meta property="og:type" content="article">
      <meta property="og:title" content="${post.title}">
      <meta property="og:description" content="${description}">
      <meta property="og:url" content="${url}">
      <meta property="og:site_name" content="${site.title}">
      <meta property="article:published_time" content="${post.date.toISOString()}">
      ${post.updated ? html`<meta property="article:modified_time" content="${post.updated.toISOString()}">` : ''}
      ${post.tags.map((t) => html`<meta property="article:tag" content="${t}">`)}
      ${image ? html`<meta property="og:image" content="${image}">` : ''}
      <meta name="twitter:card" content="${image ? 'summary_large_image' : 'summary'}">
      <meta name="twitter:title" content="${post.title}">
      <meta name="twitter:description" content="${description}">
      ${author ? html`<meta name="author" content="${author}">` : ''}
      <script type="application/ld+json">${jsonForScript(jsonLd)}</script>`;
    const body = html`
      <article class="post h-entry">
        <header class="post-header">
          <h1 class="p-name">${post.title}</h1>
          ${this.meta(post, site)}
        </header>
        <div class="post-content e-content">${raw(content)}</div>
        ${this.tagList(post, site)}
      </article>
      <nav class="post-nav" aria-label="More posts">
        ${newer ? html`<a class="newer" rel="prev" href="${href(site, newer.url)}"><span>Newer</span> ${newer.title}</a>` : html`<span></span>`}
        ${older ? html`<a class="older" rel="next" href="${href(site, older.url)}"><span>Older</span> ${older.title}</a>` : ''}
      </nav>`;
    return this.layout(site, { title: `${post.title} — ${site.title}`, description, path: post.url, body, head });
  }

  tagsPage(catalog: Catalog, site: SiteContext): string {
    const body = html`
      <h1>Tags</h1>
      ${catalog.tags.length === 0 ? html`<p class="empty">No tags yet.</p>` : ''}
      <ul class="tag-cloud">
        ${catalog.tags.map(
          (t) => html`<li><a href="${href(site, paths.tag(t.slug))}">${t.name}</a> <span class="count">${t.posts.length}<span class="visually-hidden"> posts</span></span></li>`,
        )}
      </ul>`;
    return this.layout(site, { title: `Tags — ${site.title}`, description: `All tags of ${site.title}`, path: paths.tags(), body });
  }

  tagPage(tag: TagGroup, page: number, perPage: number, site: SiteContext, excerpts: Excerpts): string | undefined {
    const slice = pageOf(tag.posts, page, perPage);
    if (!slice) return undefined;
    const head = html`<link rel="alternate" type="application/atom+xml" title="${site.title}: ${tag.name}" href="${href(site, paths.tagFeed(tag.slug))}">`;
    const body = html`
      <h1>Posts tagged “${tag.name}”</h1>
      <p class="tag-meta">${tag.posts.length} ${tag.posts.length === 1 ? 'post' : 'posts'} · <a href="${href(site, paths.tagFeed(tag.slug))}">Feed for this tag</a></p>
      ${slice.items.map((post) => this.postCard(post, excerpts, site))}
      ${this.pagination(page, slice.pages, (n) => paths.tag(tag.slug, n), site)}`;
    return this.layout(site, {
      title: `${tag.name} — ${site.title}`,
      description: `Posts tagged ${tag.name} on ${site.title}`,
      path: paths.tag(tag.slug, page),
      body,
      head,
    });
  }

  archivePage(catalog: Catalog, site: SiteContext): string {
    const body = html`
      <h1>Archive</h1>
      ${catalog.posts.length === 0 ? html`<p class="empty">No posts yet.</p>` : ''}
      ${catalog.years.map(
        (y) => html`
        <section class="archive-year" aria-labelledby="year-${y.year}">
          <h2 id="year-${y.year}">${y.year}</h2>
          <ul class="archive-list">
            ${y.posts.map(
              (p) => html`<li><time datetime="${p.date.toISOString()}">${this.shortDate(p.date, site)}</time> <a href="${href(site, p.url)}">${p.title}</a></li>`,
            )}
          </ul>
        </section>`,
      )}`;
    return this.layout(site, { title: `Archive — ${site.title}`, description: `Every post of ${site.title} by year`, path: paths.archive(), body });
  }

  /** A page of a Jekyll site (`about.md`): its own content under its title, in the blog's layout. */
  sitePage(page: Page, content: string, site: SiteContext): string {
    const body = html`
      <article class="page">
        ${page.title ? html`<header class="post-header"><h1>${page.title}</h1></header>` : ''}
        <div class="post-content">${raw(content)}</div>
      </article>`;
    return this.layout(site, {
      title: page.title ? `${page.title} — ${site.title}` : site.title,
      description: page.description ?? site.description,
      path: page.url,
      body,
    });
  }

  searchPage(view: SearchView, site: SiteContext): string {
    const query = view.state === 'empty' ? '' : view.query;
    const searchPath = (n: number) => `${paths.search()}?q=${encodeURIComponent(query)}${n > 1 ? `&page=${n}` : ''}`;
    let body: SafeHtml;
    if (view.state === 'empty') {
      body = html`<h1>Search</h1>${this.searchForm(site, '', 'search-page')}<p class="empty">Type one or more words: titles, tags and the full text of every post are searched.</p>`;
    } else if (view.state === 'building') {
      body = html`<h1>Search</h1>${this.searchForm(site, query, 'search-page')}
        <p class="notice" role="status">The search index is being built (${view.indexed} of ${view.total} posts). Please try again in a moment.</p>`;
    } else {
      const count = view.capped ? `The best ${view.total} posts` : view.total === 1 ? '1 post' : `${view.total} posts`;
      body = html`<h1>Search results for “${query}”</h1>
        ${this.searchForm(site, query, 'search-page')}
        ${view.notice ? html`<p class="notice">${view.notice}</p>` : ''}
        <p class="search-count" role="status">${view.total === 0 ? 'No posts match. Try fewer or other words.' : `${count} found${view.pages > 1 ? ` · page ${view.page} of ${view.pages}` : ''}`}</p>
        <ol class="search-results" start="${(view.page - 1) * view.perPage + 1}">
          ${view.results.map(
            ({ post, snippet }) => html`<li class="post-card">
              <h2><a href="${href(site, post.url)}">${post.title}</a></h2>
              ${this.meta(post, site)}
              <p class="snippet">${snippet.map((part) => (part.marked ? html`<mark>${part.text}</mark>` : part.text))}</p>
            </li>`,
          )}
        </ol>
        ${view.pages > 1
          ? html`<nav class="pagination" aria-label="Result pages">
              ${view.page > 1 ? html`<a rel="prev" href="${href(site, searchPath(view.page - 1))}">← Previous results</a>` : html`<span></span>`}
              <span class="page-count">Page ${view.page} of ${view.pages}</span>
              ${view.page < view.pages ? html`<a rel="next" href="${href(site, searchPath(view.page + 1))}">More results →</a>` : html`<span></span>`}
            </nav>`
          : ''}`;
    }
    return this.layout(site, {
      title: query === '' ? `Search — ${site.title}` : `${query} — Search — ${site.title}`,
      description: `Search ${site.title}`,
      path: paths.search(),
      body,
      noindex: true,
    });
  }

  /** The OpenSearch description: lets a browser add the blog as a search engine. */
  openSearchDescription(site: SiteContext): string {
    return html`<?xml version="1.0" encoding="UTF-8"?>
<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/">
  <ShortName>${[...site.title].slice(0, 16).join('')}</ShortName>
  <Description>Search ${site.title}</Description>
  <InputEncoding>UTF-8</InputEncoding>
  <Image type="image/svg+xml">${absolute(site, this.deps.assets.icon.path)}</Image>
  <Url type="text/html" method="get" template="${absolute(site, paths.search())}?q={searchTerms}"/>
  <Url type="application/json" method="get" template="${absolute(site, paths.apiSearch())}?q={searchTerms}"/>
</OpenSearchDescription>
`.value;
  }

  /** A plain GET form: search works without any script. */
  private searchForm(site: SiteContext, query: string, id: string): SafeHtml {
    return html`<form class="search-form" role="search" method="get" action="${href(site, paths.search())}">
      <label for="${id}">Search posts</label>
      <input id="${id}" type="search" name="q" value="${query}" maxlength="200" autocomplete="off">
      <button type="submit">Search</button>
    </form>`;
  }

  errorPage(status: 400 | 404 | 500, site: SiteContext): string {
    const messages: Record<typeof status, [string, string]> = {
      400: ['Bad request', 'This address could not be understood. Please check the link.'],
      404: ['Page not found', 'There is nothing at this address. It may have moved, or the link may be mistyped.'],
      500: ['Something went wrong', 'The blog could not show this page. The error has been logged; please try again in a moment.'],
    };
    const [title, text] = messages[status];
    const body = html`
      <section class="error-page">
        <p class="status">${status}</p>
        <h1>${title}</h1>
        <p>${text}</p>
        <p><a href="${href(site, paths.home())}">Go to the front page</a> or browse the <a href="${href(site, paths.archive())}">archive</a>.</p>
      </section>`;
    return this.layout(site, { title: `${title} — ${site.title}`, description: title, path: '/', body, noindex: true });
  }

  private layout(site: SiteContext, page: LayoutOptions): string {
    const canonical = absolute(site, page.path);
    const doc = html`<!doctype html>
<html lang="${site.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title}</title>
<meta name="description" content="${page.description}">
${page.noindex || site.preview ? html`<meta name="robots" content="noindex">` : ''}
<link rel="canonical" href="${canonical}">
<link rel="stylesheet" href="${href(site, this.deps.assets.stylesheet.path)}">
<link rel="icon" type="image/svg+xml" href="${href(site, this.deps.assets.icon.path)}">
<link rel="alternate" type="application/atom+xml" title="${site.title}" href="${absolute(site, paths.atom())}">
<link rel="alternate" type="application/feed+json" title="${site.title}" href="${absolute(site, paths.jsonFeed())}">
<meta name="color-scheme" content="light dark">
<link rel="search" type="application/opensearchdescription+xml" title="${site.title}" href="${href(site, paths.openSearch())}">
${page.head ?? ''}
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header">
  <div class="wrap">
    <a class="site-title" href="${href(site, paths.home())}">${site.title}</a>
    <nav aria-label="Site">
      <ul>
        <li><a href="${href(site, paths.home())}">Posts</a></li>
        <li><a href="${href(site, paths.tags())}">Tags</a></li>
        <li><a href="${href(site, paths.archive())}">Archive</a></li>
        ${(site.navigation ?? []).map((navPage) => html`<li><a href="${href(site, navPage.url)}">${navPage.title ?? navPage.path}</a></li>`)}
        <li><a href="${href(site, paths.atom())}">Feed</a></li>
      </ul>
    </nav>
    ${this.searchForm(site, '', 'site-search')}
  </div>
</header>
<main id="main" class="wrap" tabindex="-1">
${page.body}
</main>
<footer class="site-footer">
  <div class="wrap">
    <p>${site.description}</p>
    <p>© ${site.author || site.title} · <a href="${href(site, paths.atom())}">Atom</a> · <a href="${href(site, paths.jsonFeed())}">JSON Feed</a> · Served by kubeblog</p>
  </div>
</footer>
</body>
</html>
`;
    return doc.value;
  }

  private postCard(post: Post, excerpts: Excerpts, site: SiteContext): SafeHtml {
    const link = href(site, post.url);
    return html`
      <article class="post-card">
        <h2><a href="${link}">${post.title}</a></h2>
        ${this.meta(post, site)}
        <div class="excerpt">${raw(excerpts.get(post) ?? '')}</div>
        <p class="read-more"><a href="${link}">Read “${post.title}”</a></p>
      </article>`;
  }

  private meta(post: Post, site: SiteContext): SafeHtml {
    return html`<p class="post-meta">
      <time datetime="${post.date.toISOString()}" class="dt-published">${this.longDate(post.date, site)}</time>
      · <span>${readingMinutes(post)} min read</span>
      ${post.author ? html`· <span class="p-author">${post.author}</span>` : ''}
      ${post.updated ? html`· <span>updated <time datetime="${post.updated.toISOString()}" class="dt-updated">${this.longDate(post.updated, site)}</time></span>` : ''}
      ${!post.published ? html`· <strong class="badge">draft</strong>` : ''}
      ${post.tags.length > 0 ? html`<span class="visually-hidden">Tags:</span> ${post.tags.map((t) => html`<a class="tag" href="${href(site, paths.tag(tagSlugOf(t)))}">#${t}</a> `)}` : ''}
    </p>`;
  }

  private tagList(post: Post, site: SiteContext): SafeHtml | string {
    if (post.tags.length === 0) return '';
    return html`<footer class="post-footer"><h2 class="visually-hidden">Tags</h2><ul class="tags">${post.tags.map(
      (t) => html`<li><a class="tag" rel="tag" href="${href(site, paths.tag(tagSlugOf(t)))}">#${t}</a></li>`,
    )}</ul></footer>`;
  }

  private pagination(page: number, pages: number, pathOf: (n: number) => string, site: SiteContext): SafeHtml | string {
    if (pages <= 1) return '';
    return html`<nav class="pagination" aria-label="Pages">
      ${page > 1 ? html`<a rel="prev" href="${href(site, pathOf(page - 1))}">← Newer posts</a>` : html`<span></span>`}
      <span class="page-count">Page ${page} of ${pages}</span>
      ${page < pages ? html`<a rel="next" href="${href(site, pathOf(page + 1))}">Older posts →</a>` : html`<span></span>`}
    </nav>`;
  }

  private longDate(date: Date, site: SiteContext): string {
    return this.format(site, 'long').format(date);
  }

  private shortDate(date: Date, site: SiteContext): string {
    return this.format(site, 'medium').format(date);
  }

  private format(site: SiteContext, style: 'long' | 'medium'): Intl.DateTimeFormat {
    const key = `${site.language}|${site.timezone}|${style}`;
    let format = this.dateFormats.get(key);
    if (!format) {
      format = new Intl.DateTimeFormat(site.language, { dateStyle: style, timeZone: site.timezone });
      this.dateFormats.set(key, format);
    }
    return format;
  }
}
