import type { MarkedExtension, Tokenizer, Tokens } from 'marked';
import { attributeLineEnd } from './attribute-lists.js';

/**
 * kramdown ends a paragraph at a line that is an attribute list (`{: .x}`), an end-of-block marker
 * (`^`) or a definition (`: text`); marked would read those lines as more of the paragraph.
 */
export function endsParagraph(src: string, lineStart: number): boolean {
  const char = src[lineStart];
  if (char === '^') {
    let at = lineStart + 1;
    while (src[at] === ' ' || src[at] === '\t') at++;
    return at >= src.length || src[at] === '\n';
  }
  let at = lineStart;
  while (at - lineStart < 3 && src[at] === ' ') at++;
  if (src[at] === ':') return src[at + 1] === ' ' || src[at + 1] === '\t';
  return src[at] === '{' && attributeLineEnd(src.slice(lineStart)) !== -1;
}

/** The start of the first line after the first one in `text` that ends the paragraph, or -1. */
function firstEnd(text: string): number {
  for (let newline = text.indexOf('\n'); newline !== -1 && newline + 1 < text.length; newline = text.indexOf('\n', newline + 1)) {
    if (endsParagraph(text, newline + 1)) return newline + 1;
  }
  return -1;
}

/** What is left of a paragraph cut before a line that ended it, and how long the source will be when it is read. */
interface Rest {
  text: string;
  srcLength: number;
}

/**
 * marked's paragraph, cut before the first line that ends a kramdown paragraph. A paragraph cut many
 * times would have marked's paragraph rule re-read its rest at every cut; what is left after a cut is
 * kept (per lexer: the tokenizer serves every document), and used when the source continues right
 * after the line that ended the piece before.
 */
export function kramdownParagraphs(): MarkedExtension {
  const rests = new WeakMap<object, Rest>();
  return {
    tokenizer: {
      paragraph(this: Tokenizer, src: string): Tokens.Paragraph | undefined {
        const rest = rests.get(this.lexer);
        let paragraph: string | undefined;
        if (rest && rest.srcLength === src.length) {
          const cut = firstEnd(rest.text);
          const piece = cut === -1 ? rest.text : rest.text.slice(0, cut);
          if (src.startsWith(piece)) paragraph = rest.text;
        }
        rests.delete(this.lexer);
        if (paragraph === undefined) {
          const match = this.rules.block.paragraph.exec(src);
          if (!match) return undefined;
          paragraph = match[0];
        }
        const cut = firstEnd(paragraph);
        const raw = cut === -1 ? paragraph : paragraph.slice(0, cut);
        if (cut !== -1) {
          const endedBy = attributeLineEnd(paragraph.slice(cut));
          const lineEnd = endedBy !== -1 ? cut + endedBy : lineAfter(paragraph, cut);
          if (lineEnd < paragraph.length) rests.set(this.lexer, { text: paragraph.slice(lineEnd), srcLength: src.length - lineEnd });
        }
        const text = raw.endsWith('\n') ? raw.slice(0, -1) : raw;
        return { type: 'paragraph', raw, text, tokens: this.lexer.inline(text) };
      },
    },
  };
}

function lineAfter(text: string, lineStart: number): number {
  const newline = text.indexOf('\n', lineStart);
  return newline === -1 ? text.length : newline + 1;
}
