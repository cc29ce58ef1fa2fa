// A post's excerpt as Jekyll makes it (lib/jekyll/excerpt.rb): the body up to the excerpt separator,
// with the Liquid blocks it leaves open closed and the reference-link definitions it uses appended.

// Liquid's block tags, as registered in a Jekyll site: an excerpt that cuts one open gets its end tag.
const LIQUID_BLOCKS = new Set(['capture', 'case', 'comment', 'for', 'highlight', 'if', 'ifchanged', 'raw', 'tablerow', 'unless']);

// CommonMark's longest link label; a longer bracket text cannot be a reference, so it is not looked for.
const MAX_LABEL_LENGTH = 999;

function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isSpaceCode(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
}

/** The names of the Liquid tags `{% name … %}` in `text`, in order; one pass, whatever the text. */
function liquidTagNames(text: string): string[] {
  const names: string[] = [];
  let close = -1;
  for (let open = text.indexOf('{%'); open >= 0; ) {
    if (close < open + 2) close = text.indexOf('%}', open + 2);
    if (close < 0) break;
    let i = open + 2;
    if (text[i] === '-') i += 1;
    while (i < close && isSpaceCode(text.charCodeAt(i))) i += 1;
    const start = i;
    while (i < close && isWordCode(text.charCodeAt(i))) i += 1;
    if (i > start) names.push(text.slice(start, i));
    // Like Ruby's scan, the next tag is looked for after this one's end.
    open = text.indexOf('{%', i > start ? close + 2 : open + 2);
  }
  return names;
}

/** Jekyll's sanctify_liquid_tags: each block tag opened in the excerpt and never ended there is ended after it. */
function closeLiquidBlocks(head: string): string {
  const names = liquidTagNames(head);
  const ended = new Set(names.filter((name) => name.startsWith('end')).map((name) => name.slice(3)));
  let closed = head;
  for (let i = names.length - 1; i >= 0; i--) {
    const name = names[i]!;
    if (!LIQUID_BLOCKS.has(name) || ended.has(name)) continue;
    ended.add(name);
    closed += `\n{% end${name} %}`;
  }
  return closed;
}

/** A line `[label]: destination` (up to three spaces before it), as Jekyll's MKDWN_LINK_REF_REGEX finds them. */
function referenceDefinition(line: string): { label: string; definition: string } | undefined {
  let i = 0;
  while (i < 3 && line[i] === ' ') i += 1;
  if (line[i] !== '[') return undefined;
  const close = line.indexOf(']', i + 1);
  if (close <= i + 1 || line[close + 1] !== ':' || close + 2 >= line.length) return undefined;
  return { label: line.slice(i, close + 1), definition: line.slice(i) };
}

/** Every `[…]` text in `text` (from a `[` to the next `]`), of lengths in `lengths`. */
function bracketTexts(text: string, lengths: ReadonlySet<number>): Set<string> {
  const found = new Set<string>();
  let nextClose = -1;
  for (let open = text.indexOf('['); open >= 0; open = text.indexOf('[', open + 1)) {
    if (nextClose <= open) nextClose = text.indexOf(']', open + 1);
    if (nextClose < 0) break;
    const length = nextClose - open + 1;
    if (lengths.has(length)) found.add(text.slice(open, nextClose + 1));
  }
  return found;
}

/** The reference-link definitions after the excerpt whose `[label]` the excerpt uses, in order. */
function usedDefinitions(head: string, tail: string): string[] {
  const candidates: { label: string; definition: string }[] = [];
  for (const line of tail.split('\n')) {
    const found = referenceDefinition(line);
    if (found && found.label.length <= MAX_LABEL_LENGTH + 2) candidates.push(found);
  }
  if (candidates.length === 0) return [];
  const used = bracketTexts(head, new Set(candidates.map((c) => c.label.length)));
  return candidates.filter((c) => used.has(c.label)).map((c) => c.definition);
}

/**
 * The excerpt Jekyll makes of a post body (the text after the front matter): everything before the
 * first `separator`, so a first paragraph that is Liquid or an image is the excerpt. The body itself
 * when the separator is not there; empty when the separator is empty (Jekyll makes no excerpt then).
 */
export function jekyllExcerpt(body: string, separator: string): string {
  if (separator === '') return '';
  const at = body.indexOf(separator);
  if (at < 0) return body;
  let head = body.slice(0, at);
  const tail = body.slice(at + separator.length);
  if (tail === '') return head;
  if (head.includes('{%')) head = closeLiquidBlocks(head);
  const definitions = usedDefinitions(head, tail);
  return definitions.length === 0 ? head : `${head}\n\n${definitions.join('\n')}`;
}
