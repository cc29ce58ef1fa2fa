import type { FS } from 'liquidjs';

/**
 * The file system liquidjs's own `{% render %}` and `{% layout %}` tags see: none. Jekyll has neither,
 * and liquidjs would otherwise read any file the process can (package.json, .git/config). Includes come
 * from IncludeFiles read beforehand.
 */
export function refusingFileSystem(): FS {
  const refuse = (file: string): never => {
    throw new Error(`"${file}" cannot be read: posts include files through {% include %} only`);
  };
  return {
    resolve: (_dir, file) => refuse(file),
    existsSync: () => false,
    exists: async () => false,
    readFileSync: refuse,
    readFile: async (file) => refuse(file),
  };
}

/**
 * The names a text gives `{% include_relative NAME %}`, literal ones only (a name built with `{{ }}` is
 * known only while rendering, and reported missing then). One pass without a regular expression.
 */
export function relativeIncludeNames(text: string): string[] {
  const names = new Set<string>();
  let at = text.indexOf('{%');
  while (at !== -1) {
    const close = text.indexOf('%}', at + 2);
    if (close === -1) break;
    const words = text.slice(at + 2, close).replace(/^-/, '').replace(/-$/, '').trim().split(/\s+/);
    if (words[0] === 'include_relative' && words[1] && !words[1].includes('{{')) names.add(words[1]);
    at = text.indexOf('{%', close + 2);
  }
  return [...names];
}
