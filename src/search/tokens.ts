/** Longer "words" (hashes, base64) are no one's search term and would only bloat the index. */
export const MAX_TOKEN_LENGTH = 40;

/** Scripts written without spaces between words: indexed as overlapping pairs of characters. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/** One spelling for comparison: case and accents folded (`Ä` -> `a`), `ß` -> `ss`, width unified. */
export function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/ß/g, 'ss');
}

/** A run of letters split into runs of CJK and of other letters, in order. */
export function scriptRuns(word: string): Array<{ text: string; cjk: boolean }> {
  const runs: Array<{ text: string; cjk: boolean }> = [];
  for (const char of word) {
    const cjk = CJK.test(char);
    const last = runs.at(-1);
    if (last && last.cjk === cjk) last.text += char;
    else runs.push({ text: char, cjk });
  }
  return runs;
}

/** A CJK run's searchable pieces: its pairs of characters, or the character alone. */
export function bigrams(run: string): string[] {
  const chars = [...run];
  if (chars.length === 1) return chars;
  const pairs: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) pairs.push(chars[i]! + chars[i + 1]!);
  return pairs;
}

/** The words of `text` (folded, any script; CJK as pairs of characters), in order, repeats kept. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const match of fold(text).matchAll(WORD)) {
    for (const run of scriptRuns(match[0])) {
      if (run.cjk) tokens.push(...bigrams(run.text));
      else if (run.text.length <= MAX_TOKEN_LENGTH) tokens.push(run.text);
    }
  }
  return tokens;
}

/**
 * Whether `a` and `b` are at most `limit` edits apart (insert, delete, replace, swap of neighbours).
 * Only a band of width 2·limit+1 is computed, so the cost is linear in the words' length.
 */
export function withinEdits(a: string, b: string, limit: number): boolean {
  if (Math.abs(a.length - b.length) > limit) return false;
  const width = b.length + 1;
  let before = new Array<number>(width).fill(limit + 1);
  let previous = Array.from({ length: width }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = new Array<number>(width).fill(limit + 1);
    current[0] = i;
    let best = current[0];
    const from = Math.max(1, i - limit);
    const to = Math.min(b.length, i + limit);
    for (let j = from; j <= to; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, before[j - 2]! + 1);
      current[j] = value;
      best = Math.min(best, value);
    }
    if (best > limit) return false;
    before = previous;
    previous = current;
  }
  return previous[b.length]! <= limit;
}
