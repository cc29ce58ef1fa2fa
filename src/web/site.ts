import type { Request } from 'express';
import type { Config } from '../ops/config.js';
import type { SiteContext } from '../rendering/pages.js';

const HOST = /^([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/;

/**
 * The site as one request sees it. Absolute URLs use SITE_URL when set; otherwise the request's scheme
 * and host, which honour X-Forwarded-Proto/-Host only when TRUST_PROXY allows.
 */
export function siteContextFactory(config: Config): (req: Request) => SiteContext {
  const fixed = {
    title: config.siteTitle,
    description: config.siteDescription,
    author: config.siteAuthor,
    language: config.siteLanguage,
    timezone: config.timezone,
    basePath: config.basePath,
    preview: config.showDrafts || config.showFuture,
  };
  if (config.siteUrl) {
    const site = { ...fixed, origin: config.siteUrl };
    return () => site;
  }
  return (req) => ({ ...fixed, origin: originOf(req.protocol, req.host) });
}

/** `scheme://host`; a Host header that is not a host name cannot reach pages or cache keys. */
export function originOf(protocol: string, host: string | undefined): string {
  return `${protocol}://${host && HOST.test(host) ? host : 'localhost'}`;
}
