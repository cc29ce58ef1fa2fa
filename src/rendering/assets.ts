import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface Asset {
  /** Path under the base path, fingerprinted so it can be cached forever. */
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
}

function fingerprinted(name: string, ext: string, contentType: string, body: Buffer): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { path: `/assets/${name}.${hash}.${ext}`, contentType, body };
}

/** The theme's stylesheet and icon, read once at start-up from the files next to this module. */
export function loadThemeAssets(): { stylesheet: Asset; icon: Asset } {
  const read = (file: string) => readFileSync(new URL(`./theme/${file}`, import.meta.url));
  return {
    stylesheet: fingerprinted('style', 'css', 'text/css; charset=utf-8', read('style.css')),
    icon: fingerprinted('icon', 'svg', 'image/svg+xml', read('icon.svg')),
  };
}
