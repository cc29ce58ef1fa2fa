// A local Kubernetes control plane for tests, in the spirit of controller-runtime's envtest:
// etcd and kube-apiserver run as child processes on 127.0.0.1, with RBAC on, service-account
// token signing, a static admin token and a self-signed serving certificate. No kubelet,
// controller-manager or scheduler runs: objects are stored and validated, pods never start.
//
//   const cp = await startControlPlane();
//   const core = cp.kubeConfig.makeApiClient(CoreV1Api);      // admin
//   process.env.KUBECONFIG = cp.kubeconfigPath;                // for kubectl, helm, the blog
//   const saKubeconfig = await cp.serviceAccountKubeconfig('blog', 'kubeblog');
//   await cp.stopApiServer(); await cp.startApiServer();       // an API outage; etcd keeps the data
//   await cp.compactEtcd();                                    // older resourceVersions -> 410 Gone
//   await cp.stop();
//
// The binaries come from scripts/ensure-envtest.sh (built from the Go module proxy and cached
// outside the repo; the first build takes many minutes), or from KUBEBLOG_ENVTEST_BIN / the
// binDir option. Set KUBEBLOG_ENVTEST_KEEP=1 to keep the temp dir (logs, etcd data) after stop().
//
// Choices worth knowing:
// - The watch cache is off by default (--watch-cache=false), so every list and watch is served
//   by etcd. That makes compactEtcd() exact: a watch resuming from any resourceVersion observed
//   before the call gets an ERROR event with a 410 (Expired) Status, just as a real cluster
//   answers a watch whose resourceVersion has fallen out of its window. With the watch cache on,
//   the API server would keep serving old resourceVersions from its in-memory window after an
//   etcd compaction (and would answer 410 only for versions older than its last relist, e.g.
//   after a restart). Pass { watchCache: true } to get the default API server behaviour.
// - The API server's own periodic etcd compaction is off (--etcd-compaction-interval=0), so
//   410s happen only when a test asks for them.
// - The ServiceAccount admission plugin is disabled, as in envtest: nothing creates the
//   `default` ServiceAccount in new namespaces here, and no pod ever runs. TokenRequest (and so
//   serviceAccountKubeconfig) works without it.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';

export interface ControlPlaneOptions {
  /** Directory holding `kube-apiserver` and `etcd`; default: $KUBEBLOG_ENVTEST_BIN, else built/cached by scripts/ensure-envtest.sh. */
  binDir?: string;
  /** Serve lists and watches from the API server's watch cache (the API server default). Default false: see the file comment. */
  watchCache?: boolean;
  /** Extra kube-apiserver flags, e.g. ['--min-request-timeout=5'] (later flags win). */
  apiServerFlags?: string[];
  /** How long to wait for etcd and for the API server's /readyz, in ms. Default 120000. */
  startTimeoutMs?: number;
  /** Keep the temp dir (logs, etcd data, kubeconfigs) after stop(). Default: $KUBEBLOG_ENVTEST_KEEP === '1'. */
  keepTempDir?: boolean;
}

export interface ControlPlane {
  /** Admin kubeconfig file (static token in system:masters); also fine for kubectl and helm. */
  readonly kubeconfigPath: string;
  /** https://127.0.0.1:PORT — stays the same across stopApiServer()/startApiServer(). */
  readonly server: string;
  /** Admin KubeConfig loaded from kubeconfigPath. */
  readonly kubeConfig: KubeConfig;
  /** The static admin bearer token. */
  readonly adminToken: string;
  /** PEM of the CA that signed the API server's serving certificate. */
  readonly caPem: string;
  /** http://127.0.0.1:PORT of etcd (plain HTTP, loopback only). */
  readonly etcdUrl: string;
  /** Temp dir holding logs (etcd.log, kube-apiserver.log), keys, certs, kubeconfigs and etcd data. */
  readonly dir: string;
  /** Is the API server process running? */
  readonly apiServerRunning: boolean;
  /** Stops kube-apiserver (SIGTERM, then SIGKILL after 15 s); etcd and all data stay. */
  stopApiServer(): Promise<void>;
  /** Starts kube-apiserver again on the same port, with the same certificates, keys and etcd; resolves when /readyz is ok. */
  startApiServer(): Promise<void>;
  /**
   * Compacts etcd so that every resourceVersion observed before this call is gone: it writes a
   * marker key (outside the API server's /registry prefix) twice and compacts at the newest
   * revision. Returns that revision. A watch that (re)starts from an older resourceVersion
   * then gets 410 Gone (an ERROR event with a Status of code 410, reason Expired).
   */
  compactEtcd(): Promise<number>;
  /**
   * Writes a kubeconfig that authenticates as the ServiceAccount `namespace/name`, with a token
   * from the TokenRequest API (creating the ServiceAccount if it does not exist) and the
   * context's namespace set to `namespace`. Returns the file's path.
   */
  serviceAccountKubeconfig(namespace: string, name: string, options?: { expirationSeconds?: number }): Promise<string>;
  /** Kills kube-apiserver and etcd and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The repository root: the nearest ancestor of this file holding scripts/ensure-envtest.sh (works from test/ and dist/test/). */
function repoRoot(): string {
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'scripts', 'ensure-envtest.sh'))) return dir;
    if (dirname(dir) === dir) throw new Error(`control-plane: cannot find scripts/ensure-envtest.sh above ${here}`);
  }
}

/** The chart's rules for the blog (get/list/watch on configmaps) in a Role bound to a ServiceAccount. */
export async function grantConfigMapRead(kubeConfig: KubeConfig, namespace: string, serviceAccount: string): Promise<void> {
  const rbac = kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({
    namespace,
    body: { metadata: { name: 'configmap-reader' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }] },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: `configmap-reader-${serviceAccount}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-reader' },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
    },
  });
}

/** Runs scripts/ensure-envtest.sh (a no-op when the binaries are cached) and returns the directory it prints. */
export async function ensureEnvtestBinaries(): Promise<string> {
  const fromEnv = process.env.KUBEBLOG_ENVTEST_BIN;
  if (fromEnv) return resolve(fromEnv);
  const script = join(repoRoot(), 'scripts', 'ensure-envtest.sh');
  return new Promise<string>((resolvePromise, reject) => {
    // stderr is inherited so that a first, slow build shows its progress.
    const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const dir = out.trim().split('\n').pop() ?? '';
      if (code === 0 && dir) resolvePromise(dir);
      else reject(new Error(`control-plane: ${script} exited with ${code}`));
    });
  });
}

/**
 * `count` distinct free TCP ports on 127.0.0.1: the kernel picks them while all are held open,
 * then they are released for the caller to bind (a small race remains, as with any such helper).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolvePromise, reject) => {
          const server = createServer();
          server.unref();
          server.on('error', reject);
          server.listen(0, '127.0.0.1', () => resolvePromise(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === 'object' && address ? address.port : 0;
  });
  await Promise.all(servers.map((server) => new Promise<void>((r) => server.close(() => r()))));
  if (ports.some((port) => port === 0)) throw new Error('control-plane: could not get free ports');
  return ports;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface HttpResult {
  status: number;
  body: string;
}

function httpCall(
  url: string,
  options: { method?: string; body?: string; headers?: Record<string, string>; ca?: string; insecure?: boolean; timeoutMs?: number } = {},
): Promise<HttpResult> {
  return new Promise<HttpResult>((resolvePromise, reject) => {
    const u = new URL(url);
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      headers['content-length'] = String(Buffer.byteLength(options.body));
    }
    const common = { method: options.method ?? 'GET', headers, timeout: options.timeoutMs ?? 5000 };
    const req =
      u.protocol === 'https:'
        ? httpsRequest(u, { ...common, agent: false, ...(options.ca ? { ca: options.ca } : {}), rejectUnauthorized: !options.insecure })
        : httpRequest(u, { ...common, agent: false });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${options.method ?? 'GET'} ${url}`)));
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.end(options.body);
  });
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------------------------
// Cleanup when the test process goes away, even on failure. The guarantee is a small reaper
// process (one per control plane) that holds the read end of a pipe from us: when this process
// exits in any way (normal exit, uncaught error, SIGTERM from Jest, SIGKILL) the pipe closes and
// the reaper SIGKILLs etcd and kube-apiserver and removes the temp dir; stop() disarms it.
// (An 'exit' hook alone would not do: Jest gives test code a copy of `process` whose events
// never fire.) The 'exit' hook below still kills the children synchronously where it can.

interface Live {
  cleanupSync(): void;
}
const live = new Set<Live>();
let exitHookInstalled = false;

function cleanupAllSync(): void {
  for (const entry of live) {
    try {
      entry.cleanupSync();
    } catch {
      // best effort while exiting
    }
  }
  live.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', cleanupAllSync);
}

// The reaper ignores INT/TERM/HUP (a Ctrl-C reaches the whole process group) and acts only
// when its stdin reaches EOF, i.e. when the process that started it is gone.
const REAPER = `
trap '' INT TERM HUP
pids_file=$1; dir=$2; keep=$3
if IFS= read -r line && [ "$line" = disarm ]; then exit 0; fi
for p in $(cat "$pids_file" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
[ "$keep" = 1 ] || rm -rf "$dir"
`;

// ---------------------------------------------------------------------------------------------

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binDir = options.binDir ?? (await ensureEnvtestBinaries());
  const etcdBin = join(binDir, 'etcd');
  const apiServerBin = join(binDir, 'kube-apiserver');
  for (const bin of [etcdBin, apiServerBin]) {
    if (!existsSync(bin)) throw new Error(`control-plane: ${bin} is missing (run scripts/ensure-envtest.sh)`);
  }
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const keep = options.keepTempDir ?? process.env.KUBEBLOG_ENVTEST_KEEP === '1';

  const dir = mkdtempSync(join(tmpdir(), 'kubeblog-envtest-'));
  const certDir = join(dir, 'certs');
  const pidsFile = join(dir, 'pids');
  const children = new Set<ChildProcess>();
  let stopped = false;

  const writePids = () => {
    try {
      writeFileSync(pidsFile, [...children].map((c) => c.pid).filter((p) => p !== undefined).join('\n') + '\n');
    } catch {
      // the temp dir is gone: we are stopping
    }
  };
  writePids();

  const reaper = spawn('bash', ['-c', REAPER, 'reaper', pidsFile, dir, keep ? '1' : '0'], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  reaper.on('error', () => undefined);
  reaper.stdin?.on('error', () => undefined);
  reaper.unref();
  (reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.();

  const entry: Live = {
    cleanupSync() {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      children.clear();
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
  live.add(entry);
  installExitHook();

  function spawnLogged(bin: string, args: string[], logName: string): ChildProcess {
    const log = join(dir, logName);
    const fd = openSync(log, 'a');
    try {
      const child = spawn(bin, args, { stdio: ['ignore', fd, fd], cwd: dir });
      children.add(child);
      child.on('error', () => undefined);
      child.on('exit', () => {
        children.delete(child);
        if (!stopped) writePids();
      });
      writePids();
      return child;
    } finally {
      closeSync(fd);
    }
  }

  async function waitFor(
    what: string,
    child: ChildProcess,
    log: string,
    probe: () => Promise<boolean>,
  ): Promise<void> {
    const deadline = Date.now() + startTimeoutMs;
    let lastError = '';
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`control-plane: ${what} exited (${child.exitCode ?? child.signalCode}) while starting; last log lines:\n${tail(log)}`);
      }
      try {
        if (await probe()) return;
      } catch (err) {
        lastError = String(err);
      }
      if (Date.now() > deadline) {
        throw new Error(`control-plane: ${what} not ready after ${startTimeoutMs} ms (${lastError}); last log lines:\n${tail(log)}`);
      }
      await sleep(100);
    }
  }

  async function killChild(child: ChildProcess, graceMs: number): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  try {
    const [etcdPort, etcdPeerPort, apiPort] = (await freePorts(3)) as [number, number, number];
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    const server = `https://127.0.0.1:${apiPort}`;

    // --- etcd
    const etcd = spawnLogged(
      etcdBin,
      [
        '--name=envtest',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=envtest=${peerUrl}`,
        '--unsafe-no-fsync=true', // test data: speed over durability
        '--logger=zap',
        '--log-level=warn',
      ],
      'etcd.log',
    );
    await waitFor('etcd', etcd, join(dir, 'etcd.log'), async () => {
      const res = await httpCall(`${etcdUrl}/health`, { timeoutMs: 2000 });
      return res.status === 200 && /"health":\s*"true"/.test(res.body);
    });

    // --- credentials for kube-apiserver
    const adminToken = randomBytes(24).toString('hex');
    const tokenFile = join(dir, 'tokens.csv');
    writeFileSync(tokenFile, `${adminToken},admin,kubeblog-envtest-admin,"system:masters"\n`, { mode: 0o600 });
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const saKey = join(dir, 'sa.key');
    const saPub = join(dir, 'sa.pub');
    writeFileSync(saKey, privateKey, { mode: 0o600 });
    writeFileSync(saPub, publicKey);

    const apiServerArgs = [
      `--etcd-servers=${etcdUrl}`,
      '--etcd-compaction-interval=0', // only compactEtcd() compacts
      `--watch-cache=${options.watchCache ? 'true' : 'false'}`,
      `--cert-dir=${certDir}`, // a self-signed serving cert (and its CA) is generated here once and reused on restart
      `--secure-port=${apiPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // The `kubernetes` Service's endpoints cannot be a loopback address; do not keep retrying.
      '--endpoint-reconciler-type=none',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      '--authorization-mode=RBAC,Node',
      `--token-auth-file=${tokenFile}`,
      `--service-account-issuer=${server}`,
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      '--disable-admission-plugins=ServiceAccount',
      '--profiling=false',
      ...(options.apiServerFlags ?? []),
    ];
    const apiLog = join(dir, 'kube-apiserver.log');
    let apiServer: ChildProcess | undefined;

    async function startApiServer(): Promise<void> {
      if (stopped) throw new Error('control-plane: stopped');
      if (apiServer && apiServer.exitCode === null && apiServer.signalCode === null) return;
      const child = spawnLogged(apiServerBin, apiServerArgs, 'kube-apiserver.log');
      apiServer = child;
      await waitFor('kube-apiserver', child, apiLog, async () => {
        const res = await httpCall(`${server}/readyz`, {
          insecure: true, // the serving cert may not exist yet; the kubeconfig pins it below
          headers: { authorization: `Bearer ${adminToken}` },
          timeoutMs: 5000,
        });
        return res.status === 200;
      });
    }

    async function stopApiServer(): Promise<void> {
      const child = apiServer;
      apiServer = undefined;
      if (child) await killChild(child, 15_000);
    }

    await startApiServer();

    // apiserver.crt holds the serving certificate followed by the self-signed CA that issued it.
    const caPem = readFileSync(join(certDir, 'apiserver.crt'), 'utf8');
    // Check that the pinned CA really verifies the server (not only the insecure probe above).
    const verified = await httpCall(`${server}/readyz`, { ca: caPem, headers: { authorization: `Bearer ${adminToken}` } });
    if (verified.status !== 200) throw new Error(`control-plane: /readyz with the CA answered ${verified.status}`);

    const writeKubeconfig = (file: string, user: string, token: string, namespace?: string) => {
      const config = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'envtest', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
        users: [{ name: user, user: { token } }],
        contexts: [{ name: user, context: { cluster: 'envtest', user, ...(namespace ? { namespace } : {}) } }],
        'current-context': user,
        preferences: {},
      };
      writeFileSync(file, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
    };

    const kubeconfigPath = join(dir, 'admin.kubeconfig');
    writeKubeconfig(kubeconfigPath, 'admin', adminToken);
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);

    async function compactEtcd(): Promise<number> {
      const b64 = (s: string) => Buffer.from(s).toString('base64');
      let revision = 0;
      for (let i = 0; i < 2; i++) {
        const res = await httpCall(`${etcdUrl}/v3/kv/put`, {
          method: 'POST',
          body: JSON.stringify({ key: b64('/kubeblog-envtest/compaction-marker'), value: b64(String(Date.now())) }),
        });
        if (res.status !== 200) throw new Error(`control-plane: etcd put answered ${res.status}: ${res.body}`);
        revision = Number((JSON.parse(res.body) as { header?: { revision?: string } }).header?.revision);
      }
      if (!Number.isSafeInteger(revision) || revision <= 0) throw new Error(`control-plane: no etcd revision`);
      const res = await httpCall(`${etcdUrl}/v3/kv/compaction`, {
        method: 'POST',
        body: JSON.stringify({ revision: String(revision), physical: true }),
        timeoutMs: 30_000,
      });
      if (res.status !== 200) throw new Error(`control-plane: etcd compaction answered ${res.status}: ${res.body}`);
      return revision;
    }

    async function serviceAccountKubeconfig(
      namespace: string,
      name: string,
      opts: { expirationSeconds?: number } = {},
    ): Promise<string> {
      const core = kubeConfig.makeApiClient(CoreV1Api);
      try {
        await core.readNamespacedServiceAccount({ namespace, name });
      } catch (err) {
        if ((err as { code?: number }).code !== 404) throw err;
        await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name, namespace } } });
      }
      const tokenRequest = await core.createNamespacedServiceAccountToken({
        namespace,
        name,
        body: { spec: { audiences: [], expirationSeconds: opts.expirationSeconds ?? 3600 } },
      });
      const token = tokenRequest.status?.token;
      if (!token) throw new Error(`control-plane: TokenRequest for ${namespace}/${name} returned no token`);
      const file = join(dir, `sa-${namespace}-${name}.kubeconfig`);
      writeKubeconfig(file, `system:serviceaccount:${namespace}:${name}`, token, namespace);
      return file;
    }

    async function stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      // The API server first: it shuts down promptly only while etcd still answers.
      await stopApiServer();
      await Promise.all([...children].map((c) => killChild(c, 5_000)));
      live.delete(entry);
      // Disarm the reaper: everything is already stopped.
      try {
        reaper.stdin?.end('disarm\n');
      } catch {
        // it may be gone already
      }
      if (!keep) rmSync(dir, { recursive: true, force: true });
    }

    return {
      kubeconfigPath,
      server,
      kubeConfig,
      adminToken,
      caPem,
      etcdUrl,
      dir,
      get apiServerRunning() {
        return apiServer !== undefined && apiServer.exitCode === null && apiServer.signalCode === null;
      },
      stopApiServer,
      startApiServer,
      compactEtcd,
      serviceAccountKubeconfig,
      stop,
    };
  } catch (err) {
    // Do not leave half a control plane behind.
    stopped = true;
    entry.cleanupSync();
    live.delete(entry);
    try {
      reaper.stdin?.end('disarm\n');
    } catch {
      // ignore
    }
    throw err;
  }
}
