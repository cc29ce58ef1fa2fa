// kubeblog: publish, retract and list posts stored as ConfigMaps, which the blog's Kubernetes content
// source (CONTENT_SOURCES=directory,kubernetes) serves within a second. Talks to the API server like
// kubectl: KUBECONFIG, else ~/.kube/config, else the pod's ServiceAccount.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, type KubeConfig, PatchStrategy, type V1ConfigMap, setHeaderOptions } from '@kubernetes/client-node';
import { decodePostText, parsePost } from '../content/parse.js';
import { PostError, parsePostFileName } from '../content/post.js';
import {
  FIELD_MANAGER,
  POST_LABEL,
  SLUG_ANNOTATION,
  configMapBytes,
  configMapNameFor,
  configMapOrigin,
  labelValueFor,
  postsFromConfigMap,
} from '../kube/configmap-posts.js';
import { KubeConfigError, apiFailure, loadKubeConfig, resolveNamespace } from '../kube/kubeconfig.js';
import { readBuildInfo } from '../ops/build-info.js';

const USAGE = `Usage: kubeblog <command> [options]

Publishes Markdown posts as ConfigMaps that kubeblog serves when CONTENT_SOURCES includes kubernetes.

Commands:
  publish FILE...   Check every FILE is a valid post (named YYYY-MM-DD-slug.md or .markdown, front matter
                    that parses), then create or update one ConfigMap per post with server-side apply:
                    named post-<slug>, labelled ${POST_LABEL}=<slug>, the file name as its data key.
                    Nothing is sent when any file is invalid.
  retract SLUG...   Delete the ConfigMap that \`publish\` wrote for each post.
  list              List the posts in the namespace's ConfigMaps labelled ${POST_LABEL}.

Options:
  -n, --namespace NAME   Namespace (default: $KUBE_NAMESPACE, else the kubeconfig context's namespace,
                         else "default")
  -h, --help             Show this help
  -v, --version          Show kubeblog's version

Connects like kubectl: $KUBECONFIG, else ~/.kube/config, else the pod's ServiceAccount.
Needs get and patch (publish), get and delete (retract), list (list) on configmaps in the namespace.
Exit status: 0 done, 1 failed (nothing sent for invalid files), 2 wrong usage.
`;

/** Everything a run needs from the outside world, so it can run in-process too. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
}

/** A failure with a one-line message for the user and an exit status. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** The API server's limit on a ConfigMap's content. */
const API_CONFIGMAP_LIMIT = 1024 * 1024;

interface Connection {
  core: CoreV1Api;
  kubeConfig: KubeConfig;
  namespace: string;
  server: string;
  from: string;
}

function connect(io: CliIo, namespaceOption: string | undefined): Connection {
  let loaded;
  try {
    loaded = loadKubeConfig({ kubeconfigEnv: io.env.KUBECONFIG });
  } catch (error) {
    if (error instanceof KubeConfigError) throw new CliError(error.message);
    throw error;
  }
  const { namespace } = resolveNamespace(namespaceOption ?? (io.env.KUBE_NAMESPACE?.trim() || undefined), loaded.kubeConfig);
  if (!NAMESPACE.test(namespace)) throw new CliError(`"${namespace}" is not a valid namespace name`, 2);
  return {
    core: loaded.kubeConfig.makeApiClient(CoreV1Api),
    kubeConfig: loaded.kubeConfig,
    namespace,
    server: loaded.kubeConfig.getCurrentCluster()?.server ?? '(unknown server)',
    from: loaded.from,
  };
}

/** Turns a failed API call into one line that says what was attempted and why it failed. */
function apiError(error: unknown, conn: Connection, verb: string, target: string): CliError {
  const failure = apiFailure(error);
  const ns = `namespace "${conn.namespace}"`;
  switch (failure.status) {
    case undefined:
      return new CliError(`cannot reach the Kubernetes API server at ${conn.server} (${failure.reason ?? failure.message}); kubeconfig: ${conn.from}`);
    case 401:
      return new CliError(`unauthorized: the API server at ${conn.server} rejected the credentials from ${conn.from}`);
    case 403:
      return new CliError(`forbidden: not allowed to ${verb} configmaps in ${ns} (${failure.message})`);
    case 404:
      if (/namespaces? "[^"]*" not found/.test(failure.message)) return new CliError(`namespace "${conn.namespace}" does not exist`);
      return new CliError(`${target} not found in ${ns}`);
    default:
      return new CliError(`${verb} ${target} in ${ns} failed: HTTP ${failure.status}${failure.reason ? ` ${failure.reason}` : ''}: ${failure.message}`);
  }
}

function isNotFound(error: unknown): boolean {
  return apiFailure(error).status === 404;
}

interface CheckedPost {
  file: string;
  fileName: string;
  slug: string;
  text: string;
}

/** Reads and parses every file; throws one CliError listing every problem, before anything is sent. */
async function checkFiles(files: string[], env: CliIo['env']): Promise<CheckedPost[]> {
  const problems: string[] = [];
  const checked: CheckedPost[] = [];
  const limit = Math.min(API_CONFIGMAP_LIMIT, Number(env.KUBE_MAX_CONFIGMAP_BYTES) > 0 ? Number(env.KUBE_MAX_CONFIGMAP_BYTES) : API_CONFIGMAP_LIMIT);
  for (const file of files) {
    const fileName = path.basename(file);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      problems.push(`${file}: cannot read: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : (error as Error).message}`);
      continue;
    }
    try {
      const post = parsePost(fileName, file, bytes, { timezone: 'UTC' });
      const text = decodePostText(file, bytes);
      const size = configMapBytes({ data: { [fileName]: text } });
      if (size > limit) throw new PostError(file, `is ${size} bytes, more than a post ConfigMap may hold (${limit} bytes)`);
      checked.push({ file, fileName, slug: post.slug, text });
    } catch (error) {
      problems.push(error instanceof PostError ? error.message : `${file}: ${(error as Error).message}`);
    }
  }
  const bySlug = new Map<string, string>();
  for (const post of checked) {
    const other = bySlug.get(post.slug);
    if (other) problems.push(`${post.file}: has the same slug "${post.slug}" as ${other}; publish one of them`);
    else bySlug.set(post.slug, post.file);
  }
  if (problems.length > 0) {
    const summary = problems.length === 1 ? 'not a valid post' : `${problems.length} problems`;
    throw new CliError(`${problems.join('\nkubeblog: ')}\nkubeblog: nothing published (${summary})`);
  }
  return checked;
}

/** The ConfigMap, or undefined when there is none (a missing namespace is an error, not an absence). */
async function readConfigMap(conn: Connection, name: string, target: string): Promise<V1ConfigMap | undefined> {
  try {
    return await conn.core.readNamespacedConfigMap({ name, namespace: conn.namespace });
  } catch (error) {
    if (!isNotFound(error) || /namespaces? "[^"]*" not found/.test(apiFailure(error).message)) throw apiError(error, conn, 'get', target);
    return undefined;
  }
}

async function publish(files: string[], namespaceOption: string | undefined, io: CliIo): Promise<void> {
  if (files.length === 0) throw new CliError('publish needs at least one FILE (kubeblog --help)', 2);
  const posts = await checkFiles(files, io.env);
  const conn = connect(io, namespaceOption);
  for (const post of posts) {
    const name = configMapNameFor(post.slug);
    const target = `configmap/${name}`;
    const existing = await readConfigMap(conn, name, target);
    if (existing && existing.metadata?.labels?.[POST_LABEL] === undefined) {
      throw new CliError(`ConfigMap ${name} in namespace "${conn.namespace}" exists and is not a kubeblog post (no ${POST_LABEL} label); not overwriting it`);
    }
    const body: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name,
        namespace: conn.namespace,
        labels: { [POST_LABEL]: labelValueFor(post.slug), 'app.kubernetes.io/managed-by': 'kubeblog' },
        annotations: { [SLUG_ANNOTATION]: post.slug },
      },
      data: { [post.fileName]: post.text },
    };
    try {
      await conn.core.patchNamespacedConfigMap(
        { name, namespace: conn.namespace, body, fieldManager: FIELD_MANAGER, force: true },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      );
    } catch (error) {
      throw apiError(error, conn, 'patch', target);
    }
    io.stdout(`${existing ? 'updated' : 'published'} ${post.slug}: ${configMapOrigin(conn.namespace, name, post.fileName)}\n`);
  }
}

async function retract(slugs: string[], namespaceOption: string | undefined, io: CliIo): Promise<void> {
  if (slugs.length === 0) throw new CliError('retract needs the SLUG of a post (kubeblog --help)', 2);
  const conn = connect(io, namespaceOption);
  for (const slug of slugs) {
    const name = configMapNameFor(slug);
    const target = `configmap/${name}`;
    const existing = await readConfigMap(conn, name, target);
    if (!existing) {
      // Perhaps the post is in a ConfigMap someone wrote with kubectl: say where, do not delete other posts.
      let list;
      try {
        list = await conn.core.listNamespacedConfigMap({ namespace: conn.namespace, labelSelector: POST_LABEL });
      } catch {
        list = undefined;
      }
      for (const cm of list?.items ?? []) {
        for (const key of Object.keys(cm.data ?? {})) {
          if (parsePostFileName(key)?.slug === slug) {
            throw new CliError(
              `post "${slug}" is in ${configMapOrigin(conn.namespace, cm.metadata?.name ?? '?', key)}, which \`kubeblog publish\` did not write; remove that key with kubectl`,
            );
          }
        }
      }
      throw new CliError(`no post "${slug}" in namespace "${conn.namespace}" (no ConfigMap ${name})`);
    }
    if (existing.metadata?.labels?.[POST_LABEL] === undefined) {
      throw new CliError(`ConfigMap ${name} in namespace "${conn.namespace}" is not a kubeblog post (no ${POST_LABEL} label); not deleting it`);
    }
    try {
      await conn.core.deleteNamespacedConfigMap({
        name,
        namespace: conn.namespace,
        body: { preconditions: { uid: existing.metadata?.uid } },
      });
    } catch (error) {
      throw apiError(error, conn, 'delete', target);
    }
    io.stdout(`retracted ${slug}: deleted configmap/${conn.namespace}/${name}\n`);
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

async function list(args: string[], namespaceOption: string | undefined, io: CliIo): Promise<void> {
  if (args.length > 0) throw new CliError(`list takes no arguments (got ${args.join(' ')})`, 2);
  const conn = connect(io, namespaceOption);
  const selector = io.env.KUBE_LABEL_SELECTOR?.trim() || POST_LABEL;
  let items: V1ConfigMap[];
  try {
    items = (await conn.core.listNamespacedConfigMap({ namespace: conn.namespace, labelSelector: selector })).items;
  } catch (error) {
    throw apiError(error, conn, 'list', 'configmaps');
  }
  const rows: Array<{ sort: string; cells: string[] }> = [];
  for (const cm of items) {
    const name = cm.metadata?.name ?? '';
    const { posts, problems } = postsFromConfigMap(
      { ...cm, metadata: { ...cm.metadata, namespace: conn.namespace } },
      { timezone: io.env.SITE_TIMEZONE?.trim() || 'UTC', maxBytes: Number(io.env.KUBE_MAX_CONFIGMAP_BYTES) > 0 ? Number(io.env.KUBE_MAX_CONFIGMAP_BYTES) : API_CONFIGMAP_LIMIT },
    );
    for (const post of posts) {
      const state = post.published ? 'published' : 'unpublished';
      const key = post.origin.slice(post.origin.indexOf('#') + 1);
      rows.push({ sort: post.date.toISOString(), cells: [post.date.toISOString().slice(0, 10), post.slug, state, `${name}#${key}`, post.title] });
    }
    for (const problem of problems) {
      const hash = problem.origin.indexOf('#');
      const where = hash >= 0 ? `${name}#${problem.origin.slice(hash + 1)}` : name;
      rows.push({ sort: '', cells: ['-', '-', 'invalid', where, problem.reason] });
    }
  }
  if (rows.length === 0) {
    io.stdout(`no posts in namespace "${conn.namespace}" (ConfigMaps labelled ${selector})\n`);
    return;
  }
  rows.sort((a, b) => (a.sort < b.sort ? 1 : a.sort > b.sort ? -1 : 0));
  io.stdout(table([['DATE', 'SLUG', 'STATE', 'CONFIGMAP', 'TITLE'], ...rows.map((r) => r.cells)]));
}

/** Runs the CLI and returns the exit status. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        namespace: { type: 'string', short: 'n' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    io.stderr(`kubeblog: ${(error as Error).message.split(/\.( |$)/)[0]} (kubeblog --help)\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.help || command === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  if (values.version) {
    io.stdout(`kubeblog ${readBuildInfo().version}\n`);
    return 0;
  }
  try {
    if (values.namespace !== undefined && !NAMESPACE.test(values.namespace)) {
      throw new CliError(`--namespace "${values.namespace}" is not a valid namespace name`, 2);
    }
    switch (command) {
      case 'publish':
        await publish(args, values.namespace, io);
        break;
      case 'retract':
        await retract(args, values.namespace, io);
        break;
      case 'list':
        await list(args, values.namespace, io);
        break;
      case undefined:
        io.stderr(USAGE);
        return 2;
      default:
        throw new CliError(`unknown command "${command}" (commands: publish, retract, list; kubeblog --help)`, 2);
    }
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`kubeblog: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr(`kubeblog: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}
