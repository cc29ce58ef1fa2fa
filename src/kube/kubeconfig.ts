import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

/** Where a pod finds its ServiceAccount token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** No usable Kubernetes configuration: the message says what was looked for. */
export class KubeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeConfigError';
  }
}

export interface LoadedKubeConfig {
  kubeConfig: KubeConfig;
  /** Where the configuration came from, for messages: a file path or "in-cluster ServiceAccount". */
  from: string;
  inCluster: boolean;
}

export interface KubeConfigLookup {
  /** The value of KUBECONFIG (a path list); undefined or empty means not set. */
  kubeconfigEnv: string | undefined;
  /** Defaults to os.homedir(). */
  home?: string;
  /** Defaults to SERVICE_ACCOUNT_DIR. */
  serviceAccountDir?: string;
}

/**
 * Loads the Kubernetes client configuration the way kubectl does: the files in KUBECONFIG (merged, the
 * first one's current context wins), else ~/.kube/config, else the pod's ServiceAccount. Unlike
 * client-node's loadFromDefault, it never falls back silently to http://localhost:8080: no configuration
 * is an error that says what was looked for.
 */
export function loadKubeConfig(lookup: KubeConfigLookup): LoadedKubeConfig {
  const kubeConfig = new KubeConfig();
  const env = process.env; // client-node's loadFromCluster reads KUBERNETES_SERVICE_HOST/PORT from here
  const files = (lookup.kubeconfigEnv ?? '').split(path.delimiter).filter((f) => f.trim() !== '');
  if (files.length > 0) {
    const present = files.filter((f) => existsSync(f));
    if (present.length === 0) {
      throw new KubeConfigError(`KUBECONFIG names ${files.join(path.delimiter)}, which does not exist`);
    }
    // kubectl skips missing files in the list; so do we, as long as one exists.
    loadFile(kubeConfig, present[0]!);
    for (const file of present.slice(1)) {
      const other = new KubeConfig();
      loadFile(other, file);
      kubeConfig.mergeConfig(other, true);
    }
    checkContext(kubeConfig, present.join(path.delimiter));
    return { kubeConfig, from: present.join(path.delimiter), inCluster: false };
  }
  const home = lookup.home ?? homedir();
  const userConfig = path.join(home, '.kube', 'config');
  if (home && existsSync(userConfig)) {
    loadFile(kubeConfig, userConfig);
    checkContext(kubeConfig, userConfig);
    return { kubeConfig, from: userConfig, inCluster: false };
  }
  const saDir = lookup.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  if (existsSync(path.join(saDir, 'token'))) {
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT;
    if (!host || !port) {
      throw new KubeConfigError(
        `a ServiceAccount token is mounted at ${saDir} but KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set, so the API server's address is unknown`,
      );
    }
    if (!saDir.endsWith(SERVICE_ACCOUNT_DIR)) throw new KubeConfigError(`ServiceAccount directory ${saDir} must end with ${SERVICE_ACCOUNT_DIR}`);
    kubeConfig.loadFromCluster(saDir.slice(0, saDir.length - SERVICE_ACCOUNT_DIR.length));
    return { kubeConfig, from: `in-cluster ServiceAccount (${saDir})`, inCluster: true };
  }
  throw new KubeConfigError(
    `no Kubernetes configuration found: KUBECONFIG is not set, ${userConfig} does not exist, and no ServiceAccount token is mounted at ${saDir}`,
  );
}

function loadFile(kubeConfig: KubeConfig, file: string): void {
  try {
    kubeConfig.loadFromFile(file);
  } catch (error) {
    throw new KubeConfigError(`cannot read kubeconfig ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
}

function checkContext(kubeConfig: KubeConfig, from: string): void {
  const context = kubeConfig.getCurrentContext();
  if (!context) throw new KubeConfigError(`kubeconfig ${from} has no current-context`);
  if (!kubeConfig.getContextObject(context)) throw new KubeConfigError(`kubeconfig ${from}: current-context "${context}" is not defined`);
  if (!kubeConfig.getCurrentCluster()) throw new KubeConfigError(`kubeconfig ${from}: context "${context}" names no known cluster`);
}

/**
 * The namespace to read posts from: the explicit setting, else the pod's namespace (the ServiceAccount's
 * namespace file), else the kubeconfig context's namespace, else "default".
 */
export function resolveNamespace(
  explicit: string | undefined,
  kubeConfig: KubeConfig,
  serviceAccountDir: string = SERVICE_ACCOUNT_DIR,
): { namespace: string; from: string } {
  if (explicit) return { namespace: explicit, from: 'setting' };
  const file = path.join(serviceAccountDir, 'namespace');
  try {
    const fromFile = readFileSync(file, 'utf8').trim();
    if (fromFile) return { namespace: fromFile, from: file };
  } catch {
    // not in a pod
  }
  const context = kubeConfig.getContextObject(kubeConfig.getCurrentContext());
  if (context?.namespace) return { namespace: context.namespace, from: `kubeconfig context "${context.name}"` };
  return { namespace: 'default', from: 'default' };
}

/** The parts of a failed API call worth showing: HTTP status, the Status reason and message. */
export interface ApiFailure {
  status: number | undefined;
  reason: string | undefined;
  message: string;
}

/** Reads client-node's ApiException (code, body as JSON text or object) and network errors alike. */
export function apiFailure(error: unknown): ApiFailure {
  const e = error as { code?: unknown; statusCode?: unknown; body?: unknown; message?: string; cause?: { code?: string; message?: string } };
  const status = typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  let body: unknown = e.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // plain text
    }
  }
  const statusObject = typeof body === 'object' && body !== null ? (body as { reason?: string; message?: string }) : undefined;
  if (status !== undefined) {
    const message = statusObject?.message ?? (typeof body === 'string' && body.trim() !== '' ? body.trim() : (e.message ?? '').split('\n')[0] ?? '');
    return { status, reason: statusObject?.reason, message: message || `HTTP ${status}` };
  }
  // undici's fetch (client-node 2.x) throws TypeError "fetch failed" and says why in .cause:
  // code ECONNREFUSED, message "connect ECONNREFUSED 10.0.0.1:6443"; other errors may carry .code themselves.
  const code = typeof e.code === 'string' ? e.code : e.cause?.code;
  const message = (e.message === 'fetch failed' && e.cause?.message) || e.message || String(error);
  return { status: undefined, reason: code, message };
}
