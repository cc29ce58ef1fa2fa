import { readFileSync } from 'node:fs';

export interface BuildInfo {
  name: string;
  version: string;
  revision: string;
  nodejs: string;
}

/** Version and git revision baked into dist/build-info.json by the build. */
export function readBuildInfo(): BuildInfo {
  let baked: { version?: string; revision?: string } = {};
  try {
    baked = JSON.parse(readFileSync(new URL('../../build-info.json', import.meta.url), 'utf8')) as typeof baked;
  } catch {
    // Not built by `npm run build` (e.g. run from an unusual layout): report what is known.
  }
  return { name: 'kubeblog', version: baked.version ?? '0.0.0', revision: baked.revision ?? 'unknown', nodejs: process.version };
}
