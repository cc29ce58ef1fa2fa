// The project runs the Node the container image ships: the Dockerfile pins one exact version, and
// `npm start` and `npm test` run it (scripts/node.sh) even on a machine whose own Node is older.
import { describe, expect, it } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, startBlogProcess } from '../support/process.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const POSTS = fileURLToPath(new URL('../../../posts', import.meta.url));
/** The exact version of the Dockerfile's `FROM node:<x.y.z>-...` lines. */
const PINNED = execFileSync('bash', ['scripts/ensure-image-node.sh', '--version'], { cwd: REPO, encoding: 'utf8' }).trim();
const PINNED_MAJOR = Number(PINNED.split('.')[0]);

async function nodeOfBlog(metricsPort: number): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${metricsPort}/version`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { nodejs?: unknown }).nodejs;
}

describe('the Node.js the project runs', () => {
  it('is the one the Dockerfile pins, for the suite and the blogs it starts', async () => {
    expect(PINNED).toMatch(/^24\.\d+\.\d+$/);
    // `npm test` runs Jest on it (scripts/node.sh --image); a failure here means Jest was started another way.
    expect(process.version).toBe(`v${PINNED}`);
    const proc = await startBlogProcess({ POSTS_DIR: POSTS, SHUTDOWN_DELAY_SECONDS: '0' });
    try {
      expect(await nodeOfBlog(proc.metricsPort)).toBe(`v${PINNED}`);
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
  });

  it('is named by package.json engines, which npm shows to users of an older Node', () => {
    const pkg = JSON.parse(readFileSync(`${REPO}/package.json`, 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${PINNED_MAJOR}`);
  });

  it('runs `npm start` on this machine’s Node when it is new enough, else on the pinned one, saying so', async () => {
    // The Node a user's shell finds (the suite itself runs on the pinned one).
    const machine = execFileSync('node', ['--version'], { encoding: 'utf8' }).trim();
    const expected = Number(/^v(\d+)\./.exec(machine)?.[1]) >= PINNED_MAJOR ? machine : `v${PINNED}`;
    const port = await freePort();
    const metricsPort = await freePort();
    const env: Record<string, string | undefined> = { ...process.env, HOST: '127.0.0.1', PORT: String(port), METRICS_PORT: String(metricsPort) };
    env.POSTS_DIR = POSTS;
    env.SHUTDOWN_DELAY_SECONDS = '0';
    delete env.KUBEBLOG_NODE;
    // --ignore-scripts skips prestart (a build, which would rewrite dist/ under the other tests): the rest is `npm start`.
    const child = spawn('npm', ['start', '--ignore-scripts'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    // 'close': npm has exited and so has every process that held its output (the blog).
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 25_000;
      let ready = false;
      while (!ready && Date.now() < deadline && child.exitCode === null) {
        ready = await fetch(`http://127.0.0.1:${metricsPort}/readyz`).then((r) => r.status === 200, () => false);
        if (!ready) await new Promise((r) => setTimeout(r, 100));
      }
      expect({ ready, output: ready ? '' : output }).toEqual({ ready: true, output: '' });
      expect(await nodeOfBlog(metricsPort)).toBe(expected);
      if (expected !== machine) {
        expect(output).toContain(`kubeblog: this machine has Node ${machine.slice(1)}, kubeblog needs Node ${PINNED_MAJOR} or newer: running Node ${PINNED} from `);
      } else {
        expect(output).not.toContain('kubeblog needs Node');
      }
    } finally {
      // npm, its shell and the blog: the whole process group.
      if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      await exited;
    }
  });
});
