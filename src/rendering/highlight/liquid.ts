import type { HLJSApi, Language, Mode } from 'highlight.js';

/**
 * Liquid, the template language of Jekyll posts' ```` ```liquid ```` and `{% highlight liquid %}` blocks,
 * which Rouge highlights and highlight.js has no grammar for: `{% tag %}` and `{{ output | filter }}`
 * inside HTML, with `{% raw %}` and `{% comment %}` blocks.
 */
export function liquid(hljs: HLJSApi): Language {
  const strings: Mode[] = [hljs.QUOTE_STRING_MODE, hljs.APOS_STRING_MODE];
  const values: Mode[] = [
    ...strings,
    { className: 'number', begin: /-?\b\d+(?:\.\d+)?\b/, relevance: 0 },
    { className: 'literal', begin: /\b(?:true|false|nil|null|empty|blank)\b/, relevance: 0 },
    { className: 'operator', begin: /==|!=|<>|<=|>=|<|>|\.\./, relevance: 0 },
    { className: 'keyword', begin: /\b(?:and|or|contains|in|with|as|for|reversed|limit|offset)\b/, relevance: 0 },
  ];
  const filter: Mode = {
    begin: /\|\s*/,
    end: /(?=[|%}])/,
    // Any name: Jekyll sites add their own filters and tags with plugins.
    contains: [{ className: 'built_in', begin: /[A-Za-z_][\w-]*/, starts: { endsWithParent: true, contains: values } }],
  };
  return {
    name: 'Liquid',
    subLanguage: 'xml',
    contains: [
      hljs.COMMENT(/\{%-?\s*comment\s*-?%\}/, /\{%-?\s*endcomment\s*-?%\}/),
      hljs.COMMENT(/\{%-?\s*#/, /-?%\}/),
      {
        // Whatever a raw block holds is text, however much it looks like Liquid.
        begin: /\{%-?\s*raw\s*-?%\}/,
        end: /\{%-?\s*endraw\s*-?%\}/,
        beginScope: 'template-tag',
        endScope: 'template-tag',
      },
      {
        className: 'template-tag',
        begin: /\{%-?/,
        end: /-?%\}/,
        contains: [
          {
            className: 'name',
            begin: /[A-Za-z_]\w*/,
            starts: { endsWithParent: true, contains: [filter, ...values], relevance: 0 },
          },
        ],
      },
      {
        className: 'template-variable',
        begin: /\{\{-?/,
        end: /-?\}\}/,
        contains: [filter, ...values],
      },
    ],
  };
}
