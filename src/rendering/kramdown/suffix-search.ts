/**
 * marked hands its tokenizers what is left of a text, one suffix after another. A search that looks
 * ahead from each of them (for the stop tag of an unclosed `{::comment}`, say) would read the rest of
 * the text every time: quadratic. Remembered here is the answer of the last search of each kind in each
 * text: where (as a distance from the end of the text) the next match is, or that there is none. A later
 * suffix of the same text reuses it while that match is still ahead. Texts are told apart by their last
 * characters: nested texts (the inside of a quote, of an emphasis) end differently from the text around
 * them, which is searched in between. Callers check a match they are given before they use it.
 */
export class SuffixSearch {
  private readonly answers = new Map<string, { length: number; fromEnd: number }>();

  /** The index in `src` of the first match `find(src)` finds, or -1; each part of a text is read once per kind. */
  next(kind: string, src: string, find: (src: string) => number): number {
    if (src.length < TAIL) return find(src);
    const key = `${kind}\u0000${src.slice(-TAIL)}`;
    const answer = this.answers.get(key);
    if (answer && src.length <= answer.length) {
      if (answer.fromEnd === -1) return -1;
      if (answer.fromEnd <= src.length) return src.length - answer.fromEnd;
    }
    const at = find(src);
    this.answers.set(key, { length: src.length, fromEnd: at === -1 ? -1 : src.length - at });
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
