import type { MarkedExtension, Token } from 'marked';
import { applyBlockAttributeLists, attributedElements, blockAttributeLists, spanAttributeLists } from './attribute-lists.js';
import { assignHeaderIds, kramdownHeadings } from './header-ids.js';
import type { KramdownOptions } from './index.js';
import { kramdownParagraphs } from './paragraph-ends.js';
import { insertTocs, tableOfContents } from './toc.js';

/**
 * kramdown's block-level syntax as marked extensions. What needs the whole document (attribute lists
 * that apply to the block before or after them, header ids, tables of contents) is done in one pass
 * over the tokens once they are read, in kramdown's order: attributes first, as they may set ids.
 */
export function kramdownBlockExtensions(options: KramdownOptions): MarkedExtension[] {
  return [
    kramdownParagraphs(),
    { extensions: [blockAttributeLists, spanAttributeLists, attributedElements, kramdownHeadings, tableOfContents] },
    {
      hooks: {
        processAllTokens(tokens: Token[]) {
          applyBlockAttributeLists(tokens);
          const headings = assignHeaderIds(tokens, options);
          insertTocs(tokens, headings, options.tocLevels);
          return tokens;
        },
      },
    },
  ];
}
