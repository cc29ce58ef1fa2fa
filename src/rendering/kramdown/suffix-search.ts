/**
 * marked hands its tokenizers what is left of a text, one suffix after another. A search that looks
 * ahead from each of them (for the stop tag of an unclosed `{::comment}`, say) would read the rest of
 * the text every time: quadratic. Remembered here is the answer of the last search of each kind: where
 * (as a distance from the end of the text) the next match is, or that there is none. A later suffix of
 * the same text reuses it while that match is still ahead; a suffix is known by the text's last
 * characters, which nested texts (the inside of a quote or list item) do not share.
 */
export class SuffixSearch {
  private readonly answers = new Map<string, { length: number; tail: string; fromEnd: number }>();

  /**
   * The index in `src` of what `find` finds, `find(src, from)` being the first match at or after
   * `from` (or -1). Linear over all the suffixes of a text: each part of it is read once per kind.
   */
  next(kind: string, src: string, find: (src: string) => number): number {
    const answer = this.answers.get(kind);
    if (answer && src.length <= answer.length && src.length >= TAIL && src.endsWith(answer.tail)) {
      if (answer.fromEnd === -1) return -1;
      if (answer.fromEnd <= src.length) return src.length - answer.fromEnd;
    }
    const at = find(src);
    this.answers.set(kind, { length: src.length, tail: src.slice(-TAIL), fromEnd: at === -1 ? -1 : src.length - at });
    return at;
  }
}

/** Enough of a text's end to tell it from the other texts marked reads it with. */
const TAIL = 48;

const searches = new WeakMap<object, SuffixSearch>();

/** The searches of one lexer: each lexer reads one document. */
export function suffixSearch(lexer: object): SuffixSearch {
  let search = searches.get(lexer);
  if (!search) {
    search = new SuffixSearch();
    searches.set(lexer, search);
  }
  return search;
}
