// Helpers for the Kubernetes content source tests: a blog with the Kubernetes source, served over real
// HTTP (public and ops apps), bounded polling, a TCP proxy that can cut the blog off the API server, and
// small API helpers.
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, connect, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import { createBlog, type Blog } from '../../src/blog.js';
import { createKubernetesSources, KubernetesSource } from '../../src/kube/kubernetes-source.js';
import { loadConfig, type Config } from '../../src/ops/config.js';
import { createLogger } from '../../src/ops/logger.js';
import { LogCapture } from '../support/blog.js';

export interface KubeBlog {
  blog: Blog;
  config: Config;
  logs: LogCapture;
  /** The Kubernetes source, when CONTENT_SOURCES includes kubernetes. */
  source: KubernetesSource | undefined;
  /** http://127.0.0.1:PORT of the public app. */
  url: string;
  /** http://127.0.0.1:PORT of the ops app (/readyz, /metrics). */
  opsUrl: string;
  /** Resolves when blog.start() has finished (rejects with its reason). */
  started: Promise<void>;
  stop(): Promise<void>;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

/** Retry quickly in tests (the production default backs off up to 30 s). */
export const TEST_BACKOFF = { initialMs: 200, maxMs: 2000 };

/**
 * A blog configured from `env` (as from the environment), with the Kubernetes source wired exactly as
 * main.ts wires it. Both apps listen before the content has loaded, so /readyz can be seen waiting.
 * With `wait: false` it returns without waiting for start(); `started` settles later.
 */
export async function startKubeBlog(
  env: Record<string, string>,
  options: { wait?: boolean; sourceOverrides?: Parameters<typeof createKubernetesSources>[2] } = {},
): Promise<KubeBlog> {
  const config = loadConfig({ HOST: '127.0.0.1', WATCH_POLL_SECONDS: '0', ...env });
  const logs = new LogCapture();
  const logger = createLogger('debug', logs);
  let source: KubernetesSource | undefined;
  const blog = createBlog(config, {
    logger,
    extraSources: (store, metrics) => {
      const sources = createKubernetesSources(config, { store, metrics, logger }, { backoff: TEST_BACKOFF, ...options.sourceOverrides });
      source = sources.find((s): s is KubernetesSource => s instanceof KubernetesSource);
      return sources;
    },
  });
  const web = createServer(blog.webApp);
  const ops = createServer(blog.opsApp);
  const [url, opsUrl] = await Promise.all([listen(web), listen(ops)]);
  const started = blog.start();
  started.catch(() => undefined);
  const stop = async () => {
    await blog.stop();
    for (const server of [web, ops]) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  };
  if (options.wait !== false) {
    try {
      await started;
    } catch (error) {
      await stop();
      throw error;
    }
  }
  return { blog, config, logs, source, url, opsUrl, started, stop };
}

export interface HttpAnswer {
  status: number;
  body: string;
}

export async function get(url: string): Promise<HttpAnswer> {
  const res = await fetch(url, { headers: { accept: 'text/html' } });
  return { status: res.status, body: await res.text() };
}

/**
 * Polls `check` (every 50 ms) until it returns a value other than undefined, or fails after `timeoutMs`
 * with `what` and the last value seen. Never a fixed sleep: it returns as soon as the condition holds.
 */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until GET url answers `status` (and, when given, its body contains `text`); returns the answer. */
export function waitForPage(url: string, status: number, text?: string, timeoutMs = 20_000): Promise<HttpAnswer> {
  return waitUntil(`GET ${url} -> ${status}${text ? ` containing "${text}"` : ''}`, async () => {
    const answer = await get(url);
    return answer.status === status && (text === undefined || answer.body.includes(text)) ? answer : undefined;
  }, timeoutMs);
}

/** The value of one sample in a Prometheus text exposition, e.g. metric('kubeblog_kube_events_total{type="added"}'). */
export async function metric(opsUrl: string, sample: string): Promise<number | undefined> {
  const text = await (await fetch(`${opsUrl}/metrics`)).text();
  for (const line of text.split('\n')) {
    if (line.startsWith(`${sample} `)) return Number(line.slice(sample.length + 1));
  }
  return undefined;
}

export async function readyz(opsUrl: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${opsUrl}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A post file's text. */
export function postText(title: string, body = `Text of ${title}.`, extra: Record<string, string> = {}): string {
  const lines = Object.entries({ title: JSON.stringify(title), ...extra }).map(([k, v]) => `${k}: ${v}`);
  return `---\n${lines.join('\n')}\n---\n${body}\n`;
}

export const POST_LABEL = 'kubeblog.dev/post';

/** A ConfigMap labelled as posts (label value "" unless given). */
export function postConfigMap(name: string, data: Record<string, string>, extra: Partial<V1ConfigMap> = {}, label = ''): V1ConfigMap {
  return { metadata: { name, labels: { [POST_LABEL]: label } }, data, ...extra };
}

export async function createNamespace(core: CoreV1Api, name: string): Promise<void> {
  await core.createNamespace({ body: { metadata: { name } } });
}

/**
 * A TCP proxy on 127.0.0.1 in front of the API server. cut() drops every connection and refuses new
 * ones (resets them), as a network partition between one blog and the API server would; heal() lets
 * connections through again. TLS passes through untouched.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private blocked = false;
  private constructor(
    private readonly server: TcpServer,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createTcpServer((client) => {
      if (!proxy || proxy.blocked) {
        client.resetAndDestroy();
        return;
      }
      const upstream = connect(targetPort, '127.0.0.1');
      proxy.sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        proxy?.sockets.delete(client);
        proxy?.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(server, (server.address() as AddressInfo).port);
    return proxy;
  }

  cut(): void {
    this.blocked = true;
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
  }

  heal(): void {
    this.blocked = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** A copy of a kubeconfig file whose server is https://127.0.0.1:PORT (e.g. a TcpProxy). */
export function kubeconfigVia(kubeconfigPath: string, port: number, outPath: string): string {
  const config = JSON.parse(readFileSync(kubeconfigPath, 'utf8')) as { clusters: Array<{ cluster: { server: string } }> };
  for (const c of config.clusters) c.cluster.server = `https://127.0.0.1:${port}`;
  writeFileSync(outPath, JSON.stringify(config, null, 2), { mode: 0o600 });
  return outPath;
}

/** The HTTP status of a failed Kubernetes API call, or 'ok'. */
export async function statusOf(call: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw error;
  }
}
