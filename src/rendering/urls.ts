/** Every URL the blog emits, relative to the site root (base path included) or absolute. */
export interface UrlContext {
  basePath: string;
  /** `https://blog.example.com`: from SITE_URL, else from the request. */
  origin: string;
}

export const paths = {
  home: () => '/',
  page: (n: number) => (n <= 1 ? '/' : `/page/${n}`),
  tags: () => '/tags',
  tag: (slug: string, n = 1) => `/tags/${encodeURIComponent(slug)}${n > 1 ? `/page/${n}` : ''}`,
  tagFeed: (slug: string) => `/tags/${encodeURIComponent(slug)}/feed.xml`,
  archive: () => '/archive',
  atom: () => '/feed.xml',
  jsonFeed: () => '/feed.json',
  sitemap: () => '/sitemap.xml',
  robots: () => '/robots.txt',
  apiPosts: () => '/api/posts',
  search: () => '/search',
  apiSearch: () => '/api/search',
  openSearch: () => '/opensearch.xml',
  apiPost: (slug: string) => `/api/posts/${encodeURIComponent(slug)}`,
};

/** A path as a link in a page: prefixed by the base path. */
export function href(ctx: { basePath: string }, path: string): string {
  if (path === '/') return ctx.basePath === '' ? '/' : `${ctx.basePath}/`;
  return `${ctx.basePath}${path}`;
}

/** A path as an absolute URL, for feeds, canonical links and the sitemap. */
export function absolute(ctx: UrlContext, path: string): string {
  return `${ctx.origin}${href(ctx, path)}`;
}
