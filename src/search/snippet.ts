import { fold, scriptRuns } from './tokens.js';

export interface SnippetPart {
  readonly text: string;
  /** One of the searched words: shown marked. */
  readonly marked: boolean;
}

/** Characters of the body shown around the first match. */
const SNIPPET_CHARS = 240;
const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/** Markdown, Liquid and HTML markup as plain words: tags and punctuation runs become one space. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/<[^<>]{0,500}>/g, ' ')
    .replace(/\{[{%][^{}]{0,500}[%}]\}/g, ' ')
    .replace(/[\s#*_`>|~=[\]()-]+/g, ' ')
    .trim();
}

/**
 * Where `text` matches: words whose folded spelling is one of `matched`, and inside words of CJK
 * scripts, the runs of `matched` pairs of characters that follow one another.
 */
function matchRanges(text: string, matched: ReadonlySet<string>): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const match of text.matchAll(WORD)) {
    const word = match[0];
    const start = match.index;
    // Only the matches inside the snippet's window are shown: the rest of a long body is not read.
    if (ranges.length > 0 && start > ranges[0]![0] + SNIPPET_CHARS) break;
    // Most words are ASCII: no accents to fold, no CJK to split.
    if (isAscii(word)) {
      if (matched.has(word.toLowerCase())) ranges.push([start, start + word.length]);
      continue;
    }
    let offset = 0;
    for (const run of scriptRuns(word)) {
      const runStart = start + offset;
      offset += run.text.length;
      if (!run.cjk) {
        if (matched.has(fold(run.text))) ranges.push([runStart, runStart + run.text.length]);
        continue;
      }
      const chars = [...run.text];
      let position = runStart;
      for (let i = 0; i < chars.length; i++) {
        const pair = fold(chars[i]! + (chars[i + 1] ?? ''));
        const single = chars.length === 1 && matched.has(fold(chars[i]!));
        const width = chars[i]!.length;
        if (single || (i + 1 < chars.length && matched.has(pair))) {
          const end = position + width + (single ? 0 : chars[i + 1]!.length);
          const last = ranges.at(-1);
          if (last && last[1] >= position) last[1] = Math.max(last[1], end);
          else ranges.push([position, end]);
        }
        position += width;
      }
    }
  }
  return ranges;
}

function isAscii(word: string): boolean {
  for (let i = 0; i < word.length; i++) if (word.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** About SNIPPET_CHARS of `text` around its first match (its start when nothing matches), matches marked. */
export function snippet(text: string, matched: ReadonlySet<string>): SnippetPart[] {
  const ranges = matchRanges(text, matched);
  const first = ranges[0]?.[0] ?? 0;
  let start = Math.max(0, first - SNIPPET_CHARS / 3);
  // Start at a word boundary, not inside a word.
  if (start > 0) {
    const space = text.indexOf(' ', start);
    start = space === -1 || space >= first ? start : space + 1;
  }
  let end = Math.min(text.length, start + SNIPPET_CHARS);
  if (end < text.length) {
    const space = text.lastIndexOf(' ', end);
    if (space > first) end = space;
  }
  const parts: SnippetPart[] = [];
  if (start > 0) parts.push({ text: '… ', marked: false });
  let at = start;
  for (const [from, to] of ranges) {
    if (to <= start || from >= end) continue;
    if (from > at) parts.push({ text: text.slice(at, from), marked: false });
    parts.push({ text: text.slice(Math.max(from, at), Math.min(to, end)), marked: true });
    at = Math.min(to, end);
  }
  if (at < end) parts.push({ text: text.slice(at, end), marked: false });
  if (end < text.length) parts.push({ text: ' …', marked: false });
  return parts;
}
