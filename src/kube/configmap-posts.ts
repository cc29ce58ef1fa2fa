import { createHash } from 'node:crypto';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { type ParseOptions, parsePost } from '../content/parse.js';
import { type Post, PostError, isPostCandidate } from '../content/post.js';

/** The label that marks a ConfigMap as holding posts (the default KUBE_LABEL_SELECTOR selects on it). */
export const POST_LABEL = 'kubeblog.dev/post';
/** Annotation holding the exact slug of a ConfigMap written by `kubeblog publish`. */
export const SLUG_ANNOTATION = 'kubeblog.dev/slug';
/** Field manager of `kubeblog publish`'s server-side apply. */
export const FIELD_MANAGER = 'kubeblog';

/** `configmap/NS/NAME` or `configmap/NS/NAME#KEY`: how posts and problems from ConfigMaps are named. */
export function configMapOrigin(namespace: string, name: string, key?: string): string {
  return `configmap/${namespace}/${name}${key === undefined ? '' : `#${key}`}`;
}

/** Bytes of a ConfigMap's content as the API server counts them: keys and values of data and binaryData. */
export function configMapBytes(cm: Pick<V1ConfigMap, 'data' | 'binaryData'>): number {
  let total = 0;
  for (const [key, value] of Object.entries(cm.data ?? {})) total += Buffer.byteLength(key) + Buffer.byteLength(value ?? '');
  for (const [key, value] of Object.entries(cm.binaryData ?? {})) total += Buffer.byteLength(key) + Buffer.from(value ?? '', 'base64').length;
  return total;
}

export interface ConfigMapPosts {
  posts: Post[];
  problems: PostError[];
}

export interface ConfigMapParseOptions extends ParseOptions {
  /** A ConfigMap bigger than this is skipped as a whole (one problem naming it). */
  maxBytes: number;
}

/**
 * The posts in one ConfigMap. Every `data` key named like a post file (`2024-05-01-hello.md`) is parsed
 * exactly as a file of that name would be; keys that are not Markdown files are ignored, as in a posts
 * folder. `binaryData` keys are reported (posts are UTF-8 text). A broken post is reported and skipped; the
 * ConfigMap's other posts still count. Posts are listed newest file name first, as the folder lists them.
 */
export function postsFromConfigMap(cm: V1ConfigMap, options: ConfigMapParseOptions): ConfigMapPosts {
  const namespace = cm.metadata?.namespace ?? '';
  const name = cm.metadata?.name ?? '';
  const posts: Post[] = [];
  const problems: PostError[] = [];
  const bytes = configMapBytes(cm);
  if (bytes > options.maxBytes) {
    problems.push(
      new PostError(
        configMapOrigin(namespace, name),
        `is ${bytes} bytes, over the limit of ${options.maxBytes} bytes (KUBE_MAX_CONFIGMAP_BYTES); none of its posts are served`,
      ),
    );
    return { posts, problems };
  }
  for (const key of Object.keys(cm.binaryData ?? {}).sort()) {
    problems.push(new PostError(configMapOrigin(namespace, name, key), 'is binaryData; posts must be UTF-8 text under data'));
  }
  const keys = Object.keys(cm.data ?? {})
    .filter(isPostCandidate)
    .sort()
    .reverse();
  const { maxBytes: _perConfigMap, ...parseOptions } = options;
  for (const key of keys) {
    const origin = configMapOrigin(namespace, name, key);
    try {
      posts.push(parsePost(key, origin, cm.data?.[key] ?? '', parseOptions));
    } catch (error) {
      problems.push(error instanceof PostError ? error : new PostError(origin, (error as Error).message));
    }
  }
  return { posts, problems };
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** Lowercase letters, digits and single dashes, no dash at either end. */
function dnsLabelChars(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * The ConfigMap `kubeblog publish` writes a post to: `post-<slug>` when the slug is already a valid
 * DNS-1123 name part, else a cleaned-up slug plus a hash of the real one, so two different slugs never
 * share a ConfigMap.
 */
export function configMapNameFor(slug: string): string {
  const clean = dnsLabelChars(slug);
  const max = 253 - 'post-'.length;
  if (clean === slug && clean.length <= max && clean !== '') return `post-${clean}`;
  const hash = shortHash(slug);
  const head = clean.slice(0, max - hash.length - 1).replace(/-+$/, '');
  return head === '' ? `post-${hash}` : `post-${head}-${hash}`;
}

/** The value of the kubeblog.dev/post label for a slug: the slug itself when it is a valid label value. */
export function labelValueFor(slug: string): string {
  if (/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(slug)) return slug;
  const hash = shortHash(slug);
  const head = dnsLabelChars(slug).slice(0, 63 - hash.length - 1).replace(/-+$/, '');
  return head === '' ? hash : `${head}-${hash}`;
}
