import type { Request } from 'express';
import type { Config } from '../ops/config.js';
import type { SiteContext } from '../rendering/pages.js';

/**
 * The origin absolute URLs of a request use: SITE_URL when set; otherwise the request's scheme and host
 * when the host is one ALLOWED_HOSTS names, else the first allowed host. So a Host header can never put
 * a foreign address into a page, nor make pages render again under a new key: there are at most two
 * origins (http and https) per allowed host.
 */
export function originResolver(config: Pick<Config, 'siteUrl' | 'allowedHosts'>): (protocol: string, host: string | undefined) => string {
  if (config.siteUrl) {
    const fixed = config.siteUrl;
    return () => fixed;
  }
  const allowed = new Set(config.allowedHosts);
  const fallback = config.allowedHosts[0] ?? 'localhost';
  return (protocol, host) => {
    const lower = host?.toLowerCase();
    // Only the two schemes a page can be read over: a forwarded header says what it likes.
    const scheme = protocol === 'https' ? 'https' : 'http';
    return `${scheme}://${lower !== undefined && allowed.has(lower) ? lower : fallback}`;
  };
}

/**
 * The site as one request sees it. The scheme and host honour X-Forwarded-Proto/-Host only when
 * TRUST_PROXY allows (Express's req.protocol and req.host).
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
  const originOf = originResolver(config);
  return (req) => ({ ...fixed, origin: originOf(req.protocol, req.host) });
}
