/**
 * Helpers for the deploy tests: the Helm/kubectl binaries (from scripts/ensure-helm.sh), promtool (from
 * scripts/ensure-promtool.sh), rendering the chart and the kustomize manifests, and parsing the output.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** The repository root: the nearest ancestor of this file with the kubeblog package.json. */
export const repoRoot: string = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'kubeblog') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the kubeblog repository root');
    dir = parent;
  }
})();

export const chartDir = path.join(repoRoot, 'helm', 'kubeblog');
export const k8sDir = path.join(repoRoot, 'k8s');
/** The chart's test values files (helm/kubeblog/ci/*-values.yaml), by short name (e.g. "gitsync"). */
export const ciValues: Record<string, string> = Object.fromEntries(
  readdirSync(path.join(chartDir, 'ci'))
    .filter((f) => f.endsWith('-values.yaml'))
    .sort()
    .map((f) => [f.replace(/-values\.yaml$/, ''), path.join(chartDir, 'ci', f)]),
);

/** A rendered Kubernetes object. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [key: string]: any;
}

export interface Tools {
  helm3: string;
  kubectl131: string;
  helm4: string;
  kubectl135: string;
}

/** Parses `NAME='value'` lines as printed by the ensure-*.sh scripts. */
function parseAssignments(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)='([^']*)'$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

let tools: Tools | undefined;
/** Runs scripts/ensure-helm.sh once per test file (downloads ~70 MB the first time, then a no-op). */
export function ensureHelm(): Tools {
  if (tools) return tools;
  const out = execFileSync('bash', [path.join(repoRoot, 'scripts', 'ensure-helm.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 10 * 60_000,
  });
  const env = parseAssignments(out);
  const need = (k: string) => {
    const v = env[k];
    if (!v || !existsSync(v)) throw new Error(`ensure-helm.sh did not provide ${k}: ${out}`);
    return v;
  };
  tools = {
    helm3: need('KUBEBLOG_HELM3'),
    kubectl131: need('KUBEBLOG_KUBECTL_V31'),
    helm4: need('KUBEBLOG_HELM4'),
    kubectl135: need('KUBEBLOG_KUBECTL_V35'),
  };
  return tools;
}

/**
 * Both Helm majors, labelled for test names. `bin` is resolved on first use (inside a test or hook), so a
 * describe.each over this list does not download anything while Jest collects the tests.
 */
export function helms(): { label: string; major: 3 | 4; readonly bin: string }[] {
  return [
    { label: 'helm 3', major: 3, get bin() { return ensureHelm().helm3; } },
    { label: 'helm 4', major: 4, get bin() { return ensureHelm().helm4; } },
  ];
}

/** Both kubectl versions (each with its bundled kustomize), labelled for test names; `bin` resolved lazily. */
export function kubectls(): { label: string; readonly bin: string }[] {
  return [
    { label: 'kubectl 1.31', get bin() { return ensureHelm().kubectl131; } },
    { label: 'kubectl 1.35', get bin() { return ensureHelm().kubectl135; } },
  ];
}

let promtool: string | undefined;
/** Runs scripts/ensure-promtool.sh once per test file (apt-get installs Debian's prometheus when needed). */
export function ensurePromtool(): string {
  if (promtool) return promtool;
  const out = execFileSync('bash', [path.join(repoRoot, 'scripts', 'ensure-promtool.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 10 * 60_000,
  });
  const p = parseAssignments(out).KUBEBLOG_PROMTOOL;
  if (!p || !existsSync(p)) throw new Error(`ensure-promtool.sh did not provide promtool: ${out}`);
  promtool = p;
  return p;
}

const tempDirs: string[] = [];
/** A fresh temporary directory, removed by removeTempDirs() (call it in afterAll). */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `kubeblog-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}
export function removeTempDirs(): void {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
  helmHomeDir = undefined;
}

let helmHomeDir: string | undefined;
function helmHome(kind: string): string {
  helmHomeDir ??= makeTempDir('helm-home');
  return path.join(helmHomeDir, kind);
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without a shell; never throws on a non-zero exit. */
export function run(bin: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(bin, args, {
    cwd: opts.cwd ?? repoRoot,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
    // Keep the user's Helm repositories, plugins and caches out of the tests.
    env: { ...process.env, HELM_CONFIG_HOME: helmHome('config'), HELM_DATA_HOME: helmHome('data'), HELM_CACHE_HOME: helmHome('cache') },
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Parses a multi-document YAML stream into objects (empty documents dropped). */
export function parseManifests(text: string): K8sObject[] {
  const docs = parseAllDocuments(text);
  const out: K8sObject[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML in rendered manifests: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as K8sObject | null;
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

export interface TemplateOptions {
  values?: string[];
  set?: string[];
  setString?: string[];
  release?: string;
  namespace?: string;
  chart?: string;
  extraArgs?: string[];
}

export function templateArgs(o: TemplateOptions = {}): string[] {
  const args = ['template', o.release ?? 'kubeblog', o.chart ?? chartDir, '--namespace', o.namespace ?? 'default'];
  for (const v of o.values ?? []) args.push('--values', v);
  for (const s of o.set ?? []) args.push('--set', s);
  for (const s of o.setString ?? []) args.push('--set-string', s);
  args.push(...(o.extraArgs ?? []));
  return args;
}

/** `helm template` including the test hooks; throws with Helm's message when rendering fails. */
export function helmTemplate(helm: string, o: TemplateOptions = {}): K8sObject[] {
  const r = run(helm, templateArgs(o));
  if (r.status !== 0) throw new Error(`helm template failed (${r.status}): ${r.stderr}`);
  return parseManifests(r.stdout);
}

/** `kubectl kustomize DIR`. */
export function kustomize(kubectl: string, dir: string): K8sObject[] {
  const r = run(kubectl, ['kustomize', dir]);
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed (${r.status}): ${r.stderr}`);
  return parseManifests(r.stdout);
}

/** The one object of a kind (and name, when given); throws when there is not exactly one. */
export function only(objs: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}: ${objs.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  }
  return found[0]!;
}

export function ofKind(objs: K8sObject[], kind: string): K8sObject[] {
  return objs.filter((o) => o.kind === kind);
}

/** Objects that are `helm test` hooks. */
export function isTestHook(o: K8sObject): boolean {
  return (o.metadata.annotations?.['helm.sh/hook'] ?? '').split(',').includes('test');
}

/** The package.json version (the chart's appVersion must equal it). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
}
