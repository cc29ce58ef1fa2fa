import type { MarkedExtension, Token } from 'marked';
import { abbreviationDefinitions, abbreviations, markAbbreviations } from './abbreviations.js';
import { applyBlockAttributeLists, attributedElements, attributedListItems, blockAttributeLists, spanAttributeLists } from './attribute-lists.js';
import { definitionLists } from './definition-lists.js';
import { endOfBlockMarkers, splitAtEndOfBlockMarkers } from './end-of-block.js';
import { blockExtensions, inlineOptions, spanExtensions } from './extensions.js';
import { assignHeaderIds, kramdownHeadings } from './header-ids.js';
import type { KramdownOptions } from './index.js';
import { htmlBlocks } from './html-blocks.js';
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
    attributedListItems,
    {
      extensions: [
        blockAttributeLists,
        spanAttributeLists,
        attributedElements,
        kramdownHeadings,
        tableOfContents,
        blockExtensions,
        spanExtensions,
        definitionLists,
        abbreviationDefinitions,
        abbreviations,
        endOfBlockMarkers,
        htmlBlocks,
      ],
    },
    {
      hooks: {
        processAllTokens(tokens: Token[]) {
          splitAtEndOfBlockMarkers(tokens);
          applyBlockAttributeLists(tokens);
          markAbbreviations(tokens);
          const effective = withInlineOptions(options, inlineOptions(tokens));
          const headings = assignHeaderIds(tokens, effective);
          insertTocs(tokens, headings, effective.tocLevels);
          return tokens;
        },
      },
    },
  ];
}

/** The options a document's `{::options /}` set, over the site's: those that change ids and the TOC. */
function withInlineOptions(options: KramdownOptions, inline: Record<string, string>): KramdownOptions {
  const effective = { ...options };
  if (inline.auto_ids !== undefined) effective.autoIds = inline.auto_ids === 'true';
  if (inline.auto_id_prefix !== undefined) effective.autoIdPrefix = inline.auto_id_prefix;
  const levels = inline.toc_levels;
  if (levels !== undefined) {
    const range = /^([1-6])\.\.([1-6])$/.exec(levels);
    effective.tocLevels = range
      ? Array.from({ length: Math.max(0, Number(range[2]) - Number(range[1]) + 1) }, (_, i) => Number(range[1]) + i)
      : levels.split(/[\s,]+/).map(Number).filter((level) => Number.isInteger(level) && level >= 1 && level <= 6);
  }
  return effective;
}
