import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../test/support/process.js';

const run = promisify(execFile);

export const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
export const MAIN = path.join(ROOT, 'dist/src/main.js');

/** The core the server under test runs on; the load generator gets the other. */
export const SERVER_CORE = '0';
export const LOAD_CORE = '1';

export async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface Server {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * A memory cgroup with a limit, as a pod's container gets from `resources.limits.memory`: Node sizes its
 * heap from that limit, so memory measured outside one says little about a pod. cgroup v2 or v1; needs
 * root. Undefined when the machine offers neither.
 */
export interface MemoryCgroup {
  limitBytes: number;
  /** The file a process writes its pid into to join. */
  procsFile: string;
  /** The most it has held (the process's memory and the page cache charged to it) and how often it reached its limit. */
  pressure(): Promise<CgroupPressure>;
  remove(): Promise<void>;
}

export interface CgroupPressure {
  /** Undefined where the kernel does not record a peak (cgroup v2 before Linux 5.19). */
  peakMb: number | undefined;
  limitReached: number;
}

async function readNumber(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : Number(text.trim());
}

const megabytes = (bytes: number | undefined) => (bytes === undefined ? undefined : Math.round(bytes / 1024 ** 2));

export async function memoryCgroup(name: string, limitBytes: number): Promise<MemoryCgroup | undefined> {
  const attempt = async (dir: string, limitFile: string, setup: () => Promise<void>, pressure: () => Promise<CgroupPressure>) => {
    await mkdir(dir, { recursive: true });
    await setup();
    await writeFile(path.join(dir, limitFile), String(limitBytes));
    return { limitBytes, procsFile: path.join(dir, 'cgroup.procs'), pressure, remove: () => rmdir(dir).catch(() => undefined) };
  };
  try {
    if (existsSync('/sys/fs/cgroup/cgroup.controllers')) {
      const dir = `/sys/fs/cgroup/${name}`;
      return await attempt(
        dir,
        'memory.max',
        async () => {
          await writeFile('/sys/fs/cgroup/cgroup.subtree_control', '+memory').catch(() => undefined);
          await writeFile(`${dir}/memory.swap.max`, '0').catch(() => undefined);
        },
        async () => ({
          peakMb: megabytes(await readNumber(`${dir}/memory.peak`)),
          limitReached: Number(/^max (\d+)$/m.exec(await readFile(`${dir}/memory.events`, 'utf8'))?.[1] ?? 0),
        }),
      );
    }
    if (existsSync('/sys/fs/cgroup/memory/cgroup.procs')) {
      const dir = `/sys/fs/cgroup/memory/${name}`;
      return await attempt(
        dir,
        'memory.limit_in_bytes',
        async () => undefined,
        async () => ({
          peakMb: megabytes(await readNumber(`${dir}/memory.max_usage_in_bytes`)),
          limitReached: (await readNumber(`${dir}/memory.failcnt`)) ?? 0,
        }),
      );
    }
  } catch {
    // Not root, or cgroups are read-only here.
  }
  return undefined;
}

/**
 * kubeblog pinned to the server core, as `npm start` runs it (in `cgroup` when given, joined before
 * Node starts so it sizes its heap from the limit); resolves when /readyz is 200.
 */
export async function startKubeblog(env: Record<string, string>, cgroup?: MemoryCgroup): Promise<Server & { readyMs: number }> {
  const port = await freePort();
  const metricsPort = await freePort();
  const started = performance.now();
  const command = ['taskset', '-c', SERVER_CORE, process.execPath, MAIN];
  const [file, args] = cgroup
    ? ['sh', ['-c', 'echo $$ > "$0" && exec "$@"', cgroup.procsFile, ...command]]
    : [command[0] as string, command.slice(1)];
  const child = spawn(file, args, {
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      SITE_URL: `http://127.0.0.1:${port}`,
      SHUTDOWN_DELAY_SECONDS: '0',
      WATCH_POLL_SECONDS: '0',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`kubeblog exited before it was ready (${signal ?? code})`))),
  );
  // The same promise rejects again when stop() ends the child: only an exit before ready is an error.
  exited.catch(() => undefined);
  await Promise.race([waitFor(`http://127.0.0.1:${metricsPort}/readyz`, 120_000), exited]);
  const readyMs = performance.now() - started;
  return { url: `http://127.0.0.1:${port}`, pid: child.pid ?? 0, readyMs, stop: () => stopChild(child) };
}

/** nginx from Debian, one worker on the server core, `sendfile` and `gzip_static`, serving `root`. */
export async function startNginx(root: string, workDir: string, options: { accessLog: boolean }): Promise<Server> {
  const port = await freePort();
  await mkdir(workDir, { recursive: true });
  // An access log line a request in nginx's default format, written where kubeblog's stdout goes here.
  const conf = `
worker_processes 1;
daemon off;
pid ${workDir}/nginx.pid;
error_log ${workDir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log ${options.accessLog ? '/dev/null combined' : 'off'};
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  keepalive_timeout 65;
  client_body_temp_path ${workDir}/body;
  proxy_temp_path ${workDir}/proxy;
  fastcgi_temp_path ${workDir}/fastcgi;
  uwsgi_temp_path ${workDir}/uwsgi;
  scgi_temp_path ${workDir}/scgi;
  types { text/html html; application/atom+xml xml; image/png png; }
  default_type text/html;
  gzip_static on;
  gzip_vary on;
  etag on;
  server {
    listen 127.0.0.1:${port};
    root ${root};
  }
}
`;
  await writeFile(path.join(workDir, 'nginx.conf'), conf);
  const child = spawn('taskset', ['-c', SERVER_CORE, 'nginx', '-c', path.join(workDir, 'nginx.conf'), '-p', workDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/`, 10_000).catch(async () => {
    // No index is fine: any answer means nginx is up.
    await fetch(`${url}/`);
  });
  return { url, pid: child.pid ?? 0, stop: () => stopChild(child) };
}

/** bench/static-server.js on the server core, serving the static files of the site folder `root`. */
export async function startStaticServer(root: string, probePath: string, mode: 'express' | 'direct'): Promise<Server> {
  const port = await freePort();
  const script = path.join(ROOT, 'dist/bench/static-server.js');
  const child = spawn('taskset', ['-c', SERVER_CORE, process.execPath, script, root, String(port), mode], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}${probePath}`, 10_000);
  return { url, pid: child.pid ?? 0, stop: () => stopChild(child) };
}

/** bench/plain-node.js on the server core, answering with the recorded response in `recordingFile`. */
export async function startPlainNode(recordingFile: string): Promise<Server> {
  const port = await freePort();
  const script = path.join(ROOT, 'dist/bench/plain-node.js');
  const child = spawn('taskset', ['-c', SERVER_CORE, process.execPath, script, recordingFile, String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/`, 10_000);
  return { url, pid: child.pid ?? 0, stop: () => stopChild(child) };
}

export interface WrkResult {
  rps: number;
  p50ms: number;
  p99ms: number;
  errors: number;
}

function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

/** A keep-alive load with wrk on the load core, bounded by `seconds`. */
export async function wrk(url: string, options: { seconds: number; connections?: number; headers?: Record<string, string>; script?: string }): Promise<WrkResult> {
  const args = ['-c', LOAD_CORE, 'wrk', '-t1', `-c${options.connections ?? 32}`, `-d${options.seconds}s`, '--latency'];
  for (const [k, v] of Object.entries(options.headers ?? {})) args.push('-H', `${k}: ${v}`);
  if (options.script) args.push('-s', options.script);
  args.push(url);
  const { stdout } = await run('taskset', args, { timeout: (options.seconds + 30) * 1000 });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const p50 = /^\s+50%\s+(\S+)/m.exec(stdout)?.[1] ?? '';
  const p99 = /^\s+99%\s+(\S+)/m.exec(stdout)?.[1] ?? '';
  const errors = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0) + Number(/Socket errors:.*?(\d+)/.exec(stdout)?.[1] ?? 0);
  return { rps, p50ms: toMs(p50), p99ms: toMs(p99), errors };
}

/** Resident memory of a process, from /proc. */
export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return Math.round(kb / 1024);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}


/**
 * A load at a fixed rate: wrk with every connection pausing `pauseMs` between requests, and as many
 * connections as that rate needs. A Node client cannot send ten thousand requests a second from one core
 * without becoming the bottleneck; wrk can.
 */
export async function wrkAtRate(url: string, options: { rate: number; seconds: number; workDir: string }): Promise<WrkResult & { connections: number }> {
  const pauseMs = 4;
  const connections = Math.max(1, Math.round((options.rate * pauseMs) / 1000));
  const script = path.join(options.workDir, 'paced.lua');
  await writeFile(script, `function delay() return ${pauseMs} end\n`);
  const result = await wrk(url, { seconds: options.seconds, connections, script });
  return { ...result, connections };
}
