import { CoreV1Api, type Informer, type KubeConfig, type ObjectCache, type V1ConfigMap, makeInformer } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ContentSource } from '../blog.js';
import type { Post, PostError, PostIdentity } from '../content/post.js';
import { permalinkPostUrls } from '../content/permalink.js';
import type { ContentStore } from '../content/store.js';
import type { Config } from '../ops/config.js';
import type { Metrics } from '../ops/metrics.js';
import { type ConfigMapPosts, postsFromConfigMap } from './configmap-posts.js';
import { KubeConfigError, SERVICE_ACCOUNT_DIR, apiFailure, loadKubeConfig, resolveNamespace } from './kubeconfig.js';
import { KubeMetrics } from './metrics.js';

export const KUBERNETES_SOURCE = 'kubernetes';

export interface Backoff {
  /** Delay before the first retry. */
  initialMs: number;
  /** The delay doubles on each failure in a row, up to this. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000 };

export interface KubernetesSourceOptions {
  store: ContentStore;
  logger: Logger;
  metrics: KubeMetrics;
  /** KUBE_NAMESPACE; undefined means the pod's namespace, else the kubeconfig context's, else "default". */
  namespace: string | undefined;
  labelSelector: string;
  /** KUBECONFIG (a path list); undefined means ~/.kube/config, else the pod's ServiceAccount. */
  kubeconfig: string | undefined;
  timezone: string;
  /** POST_MAX_BYTES and FRONT_MATTER_MAX_BYTES, applied to each post key as to a post file. */
  postMaxBytes: number;
  frontMatterMaxBytes: number;
  /** The site's `excerpt_separator`; Jekyll's default (a blank line) when unset. */
  excerptSeparator?: string;
  /** The URL of a post under the site's permalink; `/posts/SLUG` when absent. */
  postUrl?: (post: PostIdentity) => string;
  maxConfigMapBytes: number;
  /** How long start() waits for the first complete list before it gives up; 0 waits for ever. */
  syncTimeoutSeconds: number;
  /** Coalesces a burst of watch events into one hand-over to the store. Default 50. */
  debounceMs?: number;
  backoff?: Backoff;
  /** Where the pod's ServiceAccount files are (tests). */
  serviceAccountDir?: string;
  /** The home folder whose .kube/config is read when KUBECONFIG is unset (tests). */
  home?: string;
  /** A ready KubeConfig instead of loading one (tests). */
  kubeConfig?: KubeConfig;
}

interface CachedConfigMap {
  resourceVersion: string;
  result: ConfigMapPosts;
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // a rejection nobody awaits (stop() before start() finished) is not an error
  return { promise, resolve, reject };
}

/** Full jitter on the upper half: between half and all of the capped exponential delay. */
export function backoffDelay(failures: number, backoff: Backoff, random: () => number = Math.random): number {
  const exponential = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

function createdAt(cm: V1ConfigMap): number {
  const value = cm.metadata?.creationTimestamp as unknown;
  if (value instanceof Date) return value.getTime();
  const parsed = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isNaN(parsed) ? 0 : parsed;
}

/**
 * Order of ConfigMaps within the source, which decides slug conflicts inside it: the oldest ConfigMap
 * (creationTimestamp) first, then by name. So a post that is already served keeps its slug when a newer
 * ConfigMap claims the same one.
 */
export function compareConfigMaps(a: V1ConfigMap, b: V1ConfigMap): number {
  const byAge = createdAt(a) - createdAt(b);
  if (byAge !== 0) return byAge;
  const an = a.metadata?.name ?? '';
  const bn = b.metadata?.name ?? '';
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/**
 * Posts from ConfigMaps in one namespace, listed and watched with client-node's informer. Every batch of
 * watch events hands the complete set to the store (atomically, like a folder reload). start() resolves
 * once the first complete list has been handed over; after that an API outage only logs, counts and
 * retries: the last good posts stay and the blog stays ready.
 *
 * The informer stops for good on any error other than 410 Gone (which it answers with a relist), so every
 * error restarts it here after a capped, jittered exponential backoff. A restart resumes the watch from
 * the last resourceVersion; if that has expired the API server answers 410 and the informer relists.
 */
export class KubernetesSource implements ContentSource {
  readonly name = KUBERNETES_SOURCE;
  private informer: (Informer<V1ConfigMap> & ObjectCache<V1ConfigMap>) | undefined;
  private readonly parsed = new Map<string, CachedConfigMap>();
  private readonly firstSync = deferred();
  private namespaceName = '';
  private stopped = false;
  private listedOnce = false;
  private synced = false;
  private errors = 0;
  private failuresInARow = 0;
  private watchDown = false;
  private lastError: string | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private syncTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: KubernetesSourceOptions) {}

  /** The namespace being watched (known once start() has been called). */
  get namespace(): string {
    return this.namespaceName;
  }

  async start(): Promise<void> {
    const { logger, labelSelector } = this.options;
    let kubeConfig: KubeConfig;
    let from: string;
    try {
      if (this.options.kubeConfig) {
        kubeConfig = this.options.kubeConfig;
        from = 'the given KubeConfig';
      } else {
        ({ kubeConfig, from } = loadKubeConfig({
          kubeconfigEnv: this.options.kubeconfig,
          serviceAccountDir: this.options.serviceAccountDir,
          home: this.options.home,
        }));
      }
    } catch (error) {
      if (error instanceof KubeConfigError) throw new Error(`CONTENT_SOURCES includes kubernetes, but ${error.message}`);
      throw error;
    }
    const ns = resolveNamespace(this.options.namespace, kubeConfig, this.options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
    this.namespaceName = ns.namespace;
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const informer = makeInformer<V1ConfigMap>(
      kubeConfig,
      `/api/v1/namespaces/${encodeURIComponent(ns.namespace)}/configmaps`,
      () => this.list(core),
      labelSelector,
    );
    this.informer = informer;
    // Handlers first: the informer reports a failed first list through 'error' and still resolves start().
    informer.on('add', () => this.observed('added'));
    informer.on('update', () => this.observed('modified'));
    informer.on('delete', () => this.observed('deleted'));
    informer.on('error', (error: unknown) => this.failed(error));
    informer.on('connect', () => logger.debug({ source: this.name, namespace: ns.namespace }, 'watching ConfigMaps'));

    logger.info(
      { source: this.name, namespace: ns.namespace, namespaceFrom: ns.from, labelSelector, kubeconfig: from, server: kubeConfig.getCurrentCluster()?.server },
      `reading posts from ConfigMaps labelled ${labelSelector} in namespace ${ns.namespace}`,
    );
    const timeout = this.options.syncTimeoutSeconds;
    if (timeout > 0) {
      this.syncTimer = setTimeout(() => {
        if (this.synced || this.stopped) return;
        const error = new Error(
          `no complete list of ConfigMaps in namespace "${ns.namespace}" within ${timeout} s (KUBE_SYNC_TIMEOUT_SECONDS)` +
            (this.lastError ? `; last error: ${this.lastError}` : ''),
        );
        this.firstSync.reject(error);
        void this.stop();
      }, timeout * 1000);
    }
    void this.run();
    await this.firstSync.promise;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.flushTimer);
    clearTimeout(this.retryTimer);
    clearTimeout(this.syncTimer);
    if (!this.synced) this.firstSync.reject(new Error('the Kubernetes content source was stopped before its first list'));
    await this.informer?.stop();
  }

  /** Starts (or restarts) the informer; a restart resumes from the last resourceVersion. */
  private async run(): Promise<void> {
    const informer = this.informer;
    if (!informer || this.stopped) return;
    const errorsBefore = this.errors;
    try {
      await informer.start();
    } catch (error) {
      this.failed(error);
      return;
    }
    if (this.stopped) {
      // stop() ran while the watch was being opened; close the one that just opened.
      await informer.stop();
      return;
    }
    if (this.errors === errorsBefore) this.connected();
  }

  /** The list the informer runs first and after a 410; it also hands the result to the store. */
  private async list(core: CoreV1Api) {
    const { logger, labelSelector } = this.options;
    // The informer lists only at first and when its resourceVersion is gone (410): after a good list, this is a relist.
    if (this.listedOnce) {
      logger.info({ source: this.name, namespace: this.namespaceName }, 'relisting ConfigMaps: the watch position expired (410 Gone)');
    }
    const list = await core.listNamespacedConfigMap({ namespace: this.namespaceName, labelSelector });
    // Do not let the informer open a watch for a source that has been stopped meanwhile.
    if (this.stopped) throw new Error('stopped');
    this.listedOnce = true;
    this.options.metrics.lastSync.setToCurrentTime();
    // The informer updates its cache right after this promise resolves; hand the set over after that.
    this.schedule(0);
    return list;
  }

  private observed(type: 'added' | 'modified' | 'deleted'): void {
    this.options.metrics.events.inc({ type });
    this.options.metrics.lastSync.setToCurrentTime();
    this.schedule();
  }

  private connected(): void {
    const { metrics, logger } = this.options;
    metrics.watchUp.set(1);
    metrics.lastSync.setToCurrentTime();
    if (this.watchDown) {
      logger.info({ source: this.name, namespace: this.namespaceName, failures: this.failuresInARow }, 'Kubernetes API reachable again: the ConfigMap watch resumed');
    }
    this.watchDown = false;
    this.failuresInARow = 0;
  }

  private failed(error: unknown): void {
    if (this.stopped) return;
    const { metrics, logger, store } = this.options;
    this.errors += 1;
    this.failuresInARow += 1;
    this.watchDown = true;
    metrics.watchUp.set(0);
    metrics.watchRestarts.inc();
    const failure = apiFailure(error);
    const what =
      failure.status !== undefined
        ? `HTTP ${failure.status}${failure.reason ? ` ${failure.reason}` : ''}: ${failure.message}`
        : `${failure.reason && !failure.message.includes(failure.reason) ? `${failure.reason}: ` : ''}${failure.message}`;
    this.lastError = what;
    const delay = backoffDelay(this.failuresInARow, this.options.backoff ?? DEFAULT_BACKOFF);
    const consequence = this.synced ? 'serving the last good posts' : 'not ready until the first list succeeds';
    logger.warn(
      { source: this.name, namespace: this.namespaceName, status: failure.status, reason: failure.reason, failures: this.failuresInARow, retryInMs: delay },
      `Kubernetes API: listing/watching ConfigMaps failed (${what}); ${consequence}; retrying in ${(delay / 1000).toFixed(1)} s`,
    );
    store.reportFailure(this.name, new Error(what));
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.run(), delay);
  }

  /** Batches events: the first one starts a short timer, later ones join the same hand-over. */
  private schedule(delay = this.options.debounceMs ?? 50): void {
    if (this.stopped) return;
    if (this.flushTimer !== undefined && delay > 0) return;
    clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, delay);
  }

  /** Hands the complete set of posts in the informer's cache to the store. */
  private flush(): void {
    const informer = this.informer;
    if (this.stopped || !informer || !this.listedOnce) return;
    const { store, logger, metrics } = this.options;
    const configMaps = [...informer.list(this.namespaceName)].sort(compareConfigMaps);
    const posts: Post[] = [];
    const problems: PostError[] = [];
    const keys: string[] = [];
    const seen = new Set<string>();
    for (const cm of configMaps) {
      const name = cm.metadata?.name ?? '';
      const resourceVersion = cm.metadata?.resourceVersion ?? '';
      seen.add(name);
      let cached = this.parsed.get(name);
      if (!cached || cached.resourceVersion !== resourceVersion || resourceVersion === '') {
        cached = {
          resourceVersion,
          result: postsFromConfigMap(cm, {
            timezone: this.options.timezone,
            postMaxBytes: this.options.postMaxBytes,
            frontMatterMaxBytes: this.options.frontMatterMaxBytes,
            excerptSeparator: this.options.excerptSeparator,
            ...(this.options.postUrl ? { postUrl: this.options.postUrl } : {}),
            maxBytes: this.options.maxConfigMapBytes,
          }),
        };
        this.parsed.set(name, cached);
        for (const problem of cached.result.problems) {
          const hash = problem.origin.indexOf('#');
          logger.warn(
            {
              source: this.name,
              configMap: `${this.namespaceName}/${name}`,
              key: hash >= 0 ? problem.origin.slice(hash + 1) : undefined,
              reason: problem.reason,
            },
            `post skipped: ${problem.message}`,
          );
        }
      }
      posts.push(...cached.result.posts);
      problems.push(...cached.result.problems);
      const dataKeys = [...Object.keys(cm.data ?? {}), ...Object.keys(cm.binaryData ?? {})].sort().join(',');
      keys.push(`${name}@${resourceVersion}:${dataKeys}`);
    }
    for (const name of this.parsed.keys()) if (!seen.has(name)) this.parsed.delete(name);
    metrics.objects.set(configMaps.length);
    const fingerprint = keys.join('\n');
    const before = store.fingerprintOf(this.name);
    store.replace(this.name, posts, problems, fingerprint);
    if (before !== fingerprint) {
      logger.info(
        { source: this.name, namespace: this.namespaceName, configMaps: configMaps.length, posts: posts.length, skipped: problems.length },
        'posts loaded',
      );
    }
    if (!this.synced) {
      this.synced = true;
      clearTimeout(this.syncTimer);
      this.firstSync.resolve();
    }
  }
}

export interface KubernetesSourceDeps {
  store: ContentStore;
  metrics: Metrics;
  logger: Logger;
}

/** The Kubernetes content source when CONTENT_SOURCES includes `kubernetes`, else nothing. */
export function createKubernetesSources(
  config: Config,
  deps: KubernetesSourceDeps,
  overrides: Partial<Pick<KubernetesSourceOptions, 'backoff' | 'debounceMs' | 'serviceAccountDir' | 'home' | 'kubeConfig'>> = {},
): ContentSource[] {
  if (!config.contentSources.includes('kubernetes')) return [];
  return [
    new KubernetesSource({
      store: deps.store,
      logger: deps.logger,
      metrics: new KubeMetrics(deps.metrics.registry),
      namespace: config.kubeNamespace,
      labelSelector: config.kubeLabelSelector,
      kubeconfig: config.kubeconfig,
      timezone: config.timezone,
      postMaxBytes: config.postMaxBytes,
      frontMatterMaxBytes: config.frontMatterMaxBytes,
      excerptSeparator: config.excerptSeparator,
      ...(config.permalink === undefined ? {} : { postUrl: permalinkPostUrls(config.permalink, config.timezone) }),
      maxConfigMapBytes: config.kubeMaxConfigMapBytes,
      syncTimeoutSeconds: config.kubeSyncTimeoutSeconds,
      ...overrides,
    }),
  ];
}
