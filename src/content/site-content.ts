import type { Page } from './page.js';

/** What a Jekyll site (SITE_DIR) adds to its posts: pages, static files, its config and its data. */
export interface SiteContent {
  /** The site folder's real path: static files are read below it. */
  readonly root: string;
  readonly pages: readonly Page[];
  /** Relative paths (with `/`) of the files served as they are. */
  readonly staticFiles: ReadonlySet<string>;
  /** Every key of `_config.yml`, which Liquid sees as `site.KEY`. */
  readonly config: Readonly<Record<string, unknown>>;
  /** `_data`, which Liquid sees as `site.data`. */
  readonly data: Readonly<Record<string, unknown>>;
  /** The files of `_includes` by their path in it, for `{% include %}`. */
  readonly includes: Readonly<Record<string, string>>;
}
