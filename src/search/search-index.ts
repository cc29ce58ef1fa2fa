import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Index } from 'flexsearch';
import type { Catalog } from '../content/catalog.js';
import type { Post } from '../content/post.js';
import { tokenize, withinEdits } from './tokens.js';

/** Longer queries are cut here: nobody types more, and every word costs index look-ups. */
export const MAX_QUERY_CHARS = 200;
/** Words of a query that are looked up; the rest are ignored (and the reader told so). */
export const MAX_QUERY_TERMS = 10;
/** Posts indexed between two turns of the event loop, so requests are answered while the index builds. */
const BATCH = 100;
/**
 * Matches read per word and field, best first: a word every post has would otherwise cost a look-up of
 * every post. Results go at most this deep (20 pages of 10) for each word and field.
 */
const FIELD_LIMIT = 200;
/** Words a prefix or a misspelling may stand for; the most frequent are kept. */
const MAX_VARIANTS = 8;
/** A title match counts this much more than one in the body; a tag, in between. */
const FIELD_WEIGHTS = { title: 3, tags: 2, body: 1 } as const;
/** A word that only starts a word of the index, or is a misspelling of one, counts less than itself. */
const PREFIX_WEIGHT = 0.7;
const TYPO_WEIGHT = 0.5;

type Field = keyof typeof FIELD_WEIGHTS;

/**
 * The text a post's body is searched in: its description and body. A body that can no longer be read
 * (its file changed after it was loaded: a reload is on its way) counts as empty until then.
 */
export function searchableText(post: Post): string {
  let body = '';
  try {
    body = post.body();
  } catch {
    // The reload that follows brings a post whose body can be read.
  }
  return `${post.description ?? ''} ${body}`;
}

/** The words each field of a post is indexed with, unique. */
function postTerms(post: Post): Record<Field, string[]> {
  return {
    title: [...new Set(tokenize(post.title))],
    tags: [...new Set(tokenize([...post.tags, ...post.categories].join(' ')))],
    body: [...new Set(tokenize(searchableText(post)))],
  };
}

export interface SearchResult {
  /** Every post found, best first. */
  readonly posts: readonly Post[];
  /** The words of the index the query matched (its own, prefixes and corrections), for marking. */
  readonly matched: ReadonlySet<string>;
  /** Some word matched more than FIELD_LIMIT posts in a field: `posts` holds the best of them, not all. */
  readonly capped: boolean;
  /** Query words left out because the query had more than MAX_QUERY_TERMS. */
  readonly ignoredTerms: number;
  /** The query was longer than MAX_QUERY_CHARS and was cut. */
  readonly truncated: boolean;
}

export interface SyncDetails {
  seconds: number;
  /** The first complete index. */
  first: boolean;
  /** Posts (re)indexed: new or changed ones, not those a source merely handed over anew. */
  reindexed: number;
  posts: number;
  terms: number;
}

export interface IndexProgress {
  /** The first complete index exists: answers are complete from then on. */
  readonly ready: boolean;
  readonly indexed: number;
  readonly total: number;
}

/**
 * Full-text search over the visible posts of the latest catalog, with FlexSearch indexes for the
 * title, the tags and the body. Kept up to date by `sync`, which indexes only the posts that differ
 * from the indexed ones (by object identity: sources hand over the same Post object for an unchanged
 * file), in batches that yield to the event loop. Prefixes and misspellings are resolved against the
 * index's own vocabulary, so the index stores each word once per post and field.
 */
export class SearchIndex {
  private readonly fields: Record<Field, Index>;
  private readonly byUrl = new Map<string, { id: number; post: Post }>();
  private readonly byId = new Map<number, Post>();
  /** Every indexed word and the number of posts that contain it. */
  private readonly vocabulary = new Map<string, number>();
  /** The vocabulary sorted (for prefixes) and by length (for misspellings), remade after each sync. */
  private sorted: string[] = [];
  private byLength = new Map<number, string[]>();
  private nextId = 1;
  private wanted: Catalog | undefined;
  private indexedCatalog: Catalog | undefined;
  private running: Promise<void> | undefined;
  private firstDone = false;
  private pendingTotal = 0;

  constructor(private readonly onSynced: (details: SyncDetails) => void = () => undefined) {
    // Words reach the index already tokenized (see tokens.ts), joined by spaces.
    const options = { tokenize: 'strict', encode: (text: string) => text.split(' ').filter((t) => t !== '') } as const;
    this.fields = { title: new Index(options), tags: new Index(options), body: new Index({ ...options, resolution: 1 }) };
  }

  /** Brings the index to `catalog`'s posts in the background; resolves when it (or a newer one) is indexed. */
  sync(catalog: Catalog): Promise<void> {
    this.wanted = catalog;
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  progress(): IndexProgress {
    return { ready: this.firstDone, indexed: this.byUrl.size, total: this.firstDone ? this.byUrl.size : this.pendingTotal };
  }

  /** Indexed posts and distinct words: the index's size. */
  size(): { posts: number; terms: number } {
    return { posts: this.byUrl.size, terms: this.vocabulary.size };
  }

  private async run(): Promise<void> {
    while (this.wanted !== this.indexedCatalog) {
      const catalog = this.wanted!;
      const started = performance.now();
      const wanted = new Set(catalog.posts.map((post) => post.url));
      for (const url of [...this.byUrl.keys()].filter((url) => !wanted.has(url))) this.remove(url);
      const differing = catalog.posts.filter((post) => this.byUrl.get(post.url)?.post !== post);
      this.pendingTotal = catalog.posts.length;
      let reindexed = 0;
      for (let i = 0; i < differing.length; i += BATCH) {
        if (i > 0) await yieldToEventLoop();
        for (const post of differing.slice(i, i + BATCH)) if (this.upsert(post)) reindexed += 1;
      }
      this.sortVocabulary();
      this.indexedCatalog = catalog;
      const first = !this.firstDone;
      this.firstDone = true;
      this.onSynced({ seconds: (performance.now() - started) / 1000, first, reindexed, posts: this.byUrl.size, terms: this.vocabulary.size });
    }
  }

  /**
   * Indexes a post that is new or another object than the indexed one; false when it only replaced an
   * equal post. A git-sync swap or a full rescan hands over new objects for unchanged files: their
   * text is compared, which costs a fraction of indexing them again.
   */
  private upsert(post: Post): boolean {
    const entry = this.byUrl.get(post.url);
    if (entry && sameContent(entry.post, post)) {
      this.byUrl.set(post.url, { id: entry.id, post });
      this.byId.set(entry.id, post);
      return false;
    }
    this.remove(post.url);
    this.add(post);
    return true;
  }

  private add(post: Post): void {
    const id = this.nextId++;
    const terms = postTerms(post);
    for (const field of Object.keys(FIELD_WEIGHTS) as Field[]) {
      this.fields[field].add(id, terms[field].join(' '));
    }
    for (const term of new Set([...terms.title, ...terms.tags, ...terms.body])) this.vocabulary.set(term, (this.vocabulary.get(term) ?? 0) + 1);
    this.byUrl.set(post.url, { id, post });
    this.byId.set(id, post);
  }

  private remove(url: string): void {
    const entry = this.byUrl.get(url);
    if (!entry) return;
    for (const index of Object.values(this.fields)) index.remove(entry.id);
    // The post object still reads its old body: its words are counted out as they were counted in.
    const terms = postTerms(entry.post);
    for (const term of new Set([...terms.title, ...terms.tags, ...terms.body])) {
      const count = (this.vocabulary.get(term) ?? 1) - 1;
      if (count <= 0) this.vocabulary.delete(term);
      else this.vocabulary.set(term, count);
    }
    this.byUrl.delete(url);
    this.byId.delete(entry.id);
  }

  private sortVocabulary(): void {
    this.sorted = [...this.vocabulary.keys()].sort();
    const byLength = new Map<number, string[]>();
    for (const term of this.sorted) {
      const list = byLength.get(term.length);
      if (list) list.push(term);
      else byLength.set(term.length, [term]);
    }
    this.byLength = byLength;
  }

  /** The words of the index `term` may stand for, with how much each counts. */
  private variants(term: string): Array<{ term: string; weight: number }> {
    const found: Array<{ term: string; weight: number }> = [];
    if (this.vocabulary.has(term)) found.push({ term, weight: 1 });
    const frequent = (terms: string[]) => terms.sort((a, b) => (this.vocabulary.get(b) ?? 0) - (this.vocabulary.get(a) ?? 0)).slice(0, MAX_VARIANTS);
    const longer: string[] = [];
    for (let i = lowerBound(this.sorted, term); i < this.sorted.length && longer.length < 20 * MAX_VARIANTS; i++) {
      const candidate = this.sorted[i]!;
      if (!candidate.startsWith(term)) break;
      if (candidate !== term && this.vocabulary.has(candidate)) longer.push(candidate);
    }
    for (const candidate of frequent(longer)) found.push({ term: candidate, weight: PREFIX_WEIGHT });
    // A word of four letters or more that the index lacks may be misspelt: one edit, two from eight letters.
    const length = [...term].length;
    if (found.length === 0 && length >= 4) {
      const edits = length >= 8 ? 2 : 1;
      const near: string[] = [];
      for (let l = term.length - edits; l <= term.length + edits; l++) {
        for (const candidate of this.byLength.get(l) ?? []) if (this.vocabulary.has(candidate) && withinEdits(term, candidate, edits)) near.push(candidate);
      }
      for (const candidate of frequent(near)) found.push({ term: candidate, weight: TYPO_WEIGHT });
    }
    return found;
  }

  /** Posts matching `query`, best first: by field, rarity and share of its words matched, then newer. */
  search(query: string): SearchResult {
    const truncated = query.length > MAX_QUERY_CHARS;
    const allTerms = [...new Set(tokenize(query.slice(0, MAX_QUERY_CHARS)))];
    const terms = allTerms.slice(0, MAX_QUERY_TERMS);
    const scores = new Map<number, { words: number; score: number }>();
    const matched = new Set<string>();
    let capped = false;
    for (const term of terms) {
      const best = new Map<number, number>();
      for (const variant of this.variants(term)) {
        // A rare word tells more than one most posts have (inverse document frequency).
        const rarity = Math.log(1 + this.byUrl.size / (this.vocabulary.get(variant.term) ?? 1));
        for (const field of Object.keys(FIELD_WEIGHTS) as Field[]) {
          const ids = this.fields[field].search(variant.term, { limit: FIELD_LIMIT }) as number[];
          if (ids.length > 0) matched.add(variant.term);
          if (ids.length === FIELD_LIMIT) capped = true;
          ids.forEach((id, rank) => {
            // FlexSearch ranks a word near the start of a field first: a small bonus for that.
            const score = FIELD_WEIGHTS[field] * variant.weight * rarity * (1 - rank / (2 * ids.length));
            if (score > (best.get(id) ?? 0)) best.set(id, score);
          });
        }
      }
      for (const [id, score] of best) {
        const total = scores.get(id) ?? { words: 0, score: 0 };
        total.words += 1;
        total.score += score;
        scores.set(id, total);
      }
    }
    const posts = [...scores]
      .flatMap(([id, score]) => {
        const post = this.byId.get(id);
        return post ? [{ post, ...score }] : [];
      })
      // Posts with more of the query's words first, scaled rather than ranked, so that a rare word can
      // outweigh a common one that was only read for the best FIELD_LIMIT posts.
      .map((hit) => ({ post: hit.post, score: (hit.score * hit.words) / terms.length }))
      .sort((a, b) => b.score - a.score || b.post.date.getTime() - a.post.date.getTime())
      .map((hit) => hit.post);
    return { posts, matched, capped, ignoredTerms: allTerms.length - terms.length, truncated };
  }
}

/** Whether two posts at one URL would be indexed with the same words. */
function sameContent(a: Post, b: Post): boolean {
  return (
    a.title === b.title &&
    a.date.getTime() === b.date.getTime() &&
    a.tags.join('\n') === b.tags.join('\n') &&
    a.categories.join('\n') === b.categories.join('\n') &&
    searchableText(a) === searchableText(b)
  );
}

/** The first index of `sorted` whose item is not below `item`. */
function lowerBound(sorted: readonly string[], item: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < item) low = middle + 1;
    else high = middle;
  }
  return low;
}
