// Builds the real Dockerfile with buildah and runs the image with podman, hardened the way the chart
// runs it (read-only root, all capabilities dropped, no-new-privileges, loopback ports), through
// test/container/build-and-run.sh. That script prints a JSON summary of what it measured; these tests
// assert on it, so a failure names the behaviour an operator would notice.
//
// Needs root (buildah/podman/debootstrap); installs them when missing. A cold run (base image
// stand-in + npm ci) takes a few minutes, a warm one (cached base image and layers) well under one.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT_TIMEOUT_MS = 20 * 60 * 1000;

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

interface Summary {
  ok: boolean;
  revision: string;
  image_size_bytes: number | null;
  readyz_status: number | null;
  post_status: number | null;
  post_title: string | null;
  version_revision: string | null;
  node_version: string | null;
  uid: number | null;
  gid: number | null;
  cap_eff: string | null;
  no_new_privs: number | null;
  pid1_cmdline: string | null;
  readyz_during_shutdown: number | null;
  post_during_shutdown: number | null;
  stop_seconds: number | null;
  exit_code: number | null;
  log_lines: number | null;
  log_non_json_lines: number | null;
  checks: Check[];
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  output: string;
  /** The script's whole output; kept when a check failed, removed otherwise. */
  logFile: string;
  dir: string;
  summary: Summary | null;
}

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'test', 'container', 'build-and-run.sh')) && existsSync(join(dir, 'Dockerfile'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root (Dockerfile + test/container/build-and-run.sh)');
    dir = parent;
  }
}

const repo = findRepoRoot();

function expectedRevision(): string {
  if (process.env.GIT_REVISION) return process.env.GIT_REVISION;
  try {
    return execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
}

function runScript(): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'kubeblog-container-test-'));
  const summaryFile = join(dir, 'summary.json');
  const logFile = join(dir, 'build-and-run.log');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const child = spawn('bash', [join(repo, 'test', 'container', 'build-and-run.sh')], {
      cwd: repo,
      env: { ...process.env, KB_CT_SUMMARY_FILE: summaryFile },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a timeout ends buildah/podman too
    });
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }, SCRIPT_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const output = Buffer.concat(chunks).toString('utf8');
      writeFileSync(logFile, output);
      let summary: Summary | null = null;
      if (existsSync(summaryFile)) summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as Summary;
      rmSync(summaryFile, { force: true });
      resolve({ code, signal, timedOut, output, logFile, dir, summary });
    });
  });
}

function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}

describe('container image (Dockerfile built with buildah, run with podman)', () => {
  let run: RunResult;
  let summary: Summary;
  const revision = expectedRevision();

  // Every check the script made, by name: shown whole when one fails.
  function check(name: string): Check {
    return summary.checks.find((c) => c.name === name) ?? { name, ok: false, detail: 'check not run (an earlier step failed)' };
  }
  function expectCheck(name: string): void {
    expect(check(name)).toEqual({ name, ok: true, detail: expect.any(String) });
  }

  beforeAll(async () => {
    run = await runScript();
    if (!run.summary) {
      throw new Error(
        `build-and-run.sh printed no summary (exit ${run.code}, signal ${run.signal}, timed out: ${run.timedOut}); ` +
          `full output in ${run.logFile}; last lines:\n${tail(run.output, 80)}`,
      );
    }
    summary = run.summary;
  }, SCRIPT_TIMEOUT_MS + 60_000);

  afterAll(() => {
    if (run?.code === 0 && run.summary?.ok) rmSync(run.dir, { recursive: true, force: true });
    else if (run) console.log(`container test output kept in ${run.logFile}`);
  });

  it('builds the Dockerfile unchanged and every check of the script passes', () => {
    const failed = summary.checks.filter((c) => !c.ok);
    const outputTail = failed.length || run.code !== 0 ? `${run.logFile}:\n${tail(run.output, 60)}` : '';
    expect({ exitCode: run.code, timedOut: run.timedOut, failed, outputTail }).toEqual({
      exitCode: 0,
      timedOut: false,
      failed: [],
      outputTail: '',
    });
    expect(summary.ok).toBe(true);
    expectCheck('build');
  });

  it('describes itself: numeric non-root USER, exec-form ENTRYPOINT starting node, OCI labels, production dependencies only', () => {
    for (const name of ['image_user', 'image_entrypoint', 'image_workdir', 'image_ports', 'image_node_env', 'image_labels', 'image_contents']) {
      expectCheck(name);
    }
    expect(check('image_labels').detail).toContain(`revision=${revision}`);
    // Base (~190-230 MB) + app with production dependencies; dev tooling (typescript, jest) would blow this.
    expect(summary.image_size_bytes).toBeGreaterThan(50_000_000);
    expect(summary.image_size_bytes).toBeLessThan(400_000_000);
  });

  it('becomes ready on the metrics port and serves the seed post with its title', () => {
    expect(summary.readyz_status).toBe(200);
    expect(summary.post_status).toBe(200);
    expect(summary.post_title).toContain('KubeCon was nice!');
    expectCheck('readyz');
    expectCheck('post');
  });

  it('reports the git revision it was built from on /version and in kubeblog build info', () => {
    expect(summary.version_revision).toBe(revision);
    expectCheck('version');
    expectCheck('metrics_build_info');
  });

  it('runs the Node version its Dockerfile names', () => {
    const named = /^FROM\s+node:(\d+\.\d+\.\d+)/im.exec(readFileSync(join(repo, 'Dockerfile'), 'utf8'))?.[1];
    expect(named).toBeDefined();
    expect(summary.node_version).toBe(`v${named}`);
    expectCheck('node_version');
  });

  it('runs node itself as PID 1 with uid/gid 1000, no capabilities, no new privileges, on a read-only root', () => {
    expect(summary.uid).toBe(1000);
    expect(summary.gid).toBe(1000);
    expect(summary.cap_eff).toBe('0000000000000000');
    expect(summary.no_new_privs).toBe(1);
    expect(summary.pid1_cmdline).toBe('node dist/src/main.js');
    expectCheck('process_user');
    expectCheck('process_privileges');
    expectCheck('filesystem');
  });

  it('stops gracefully on SIGTERM: readiness fails first, pages keep coming, exit 0 well before the kill timeout', () => {
    expect(summary.readyz_during_shutdown).toBe(503);
    expect(summary.post_during_shutdown).toBe(200);
    expect(summary.exit_code).toBe(0);
    // SHUTDOWN_DELAY_SECONDS=2 in the run; podman would SIGKILL after 30 s (exit code 137).
    expect(summary.stop_seconds).toBeGreaterThanOrEqual(1.5);
    expect(summary.stop_seconds).toBeLessThan(15);
    expectCheck('graceful_stop');
  });

  it('logs JSON lines on stdout', () => {
    expect(summary.log_lines).toBeGreaterThan(0);
    expect(summary.log_non_json_lines).toBe(0);
    expectCheck('logs');
  });
});
