import { describe, expect, it } from '@jest/globals';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startBlogProcess } from '../support/process.js';

const POSTS = fileURLToPath(new URL('../../../posts', import.meta.url));

interface Outcome {
  ok: number;
  refused: number;
  failed: string[];
}

function get(url: string, agent: Agent): Promise<'ok' | 'refused' | string> {
  return new Promise((resolve) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? 'ok' : `status ${res.statusCode}`));
      res.on('error', (e) => resolve(`response error ${e.message}`));
    });
    // A connection that was never made is not a dropped request: the listener is gone.
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED' ? 'refused' : `request error ${e.code ?? e.message}`));
    req.end();
  });
}

/** One keep-alive client that sends requests back to back until `until` or the server is gone. */
async function client(url: string, until: number, outcome: Outcome): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    while (Date.now() < until) {
      const result = await get(url, agent);
      if (result === 'ok') outcome.ok += 1;
      else if (result === 'refused') {
        outcome.refused += 1;
        return;
      } else outcome.failed.push(result);
    }
  } finally {
    agent.destroy();
  }
}

describe('graceful shutdown', () => {
  it('fails readiness at once on SIGTERM, keeps serving through the delay, drops no request and exits 0', async () => {
    const proc = await startBlogProcess({ POSTS_DIR: POSTS, SHUTDOWN_DELAY_SECONDS: '1', SHUTDOWN_TIMEOUT_SECONDS: '5', REQUEST_LOG_LEVEL: 'silent' });
    // Rendered once before the load: this test is about shutdown, not about a first render.
    expect((await fetch(`${proc.url}/posts/kubecon-was-nice`)).status).toBe(200);
    const outcome: Outcome = { ok: 0, refused: 0, failed: [] };
    const until = Date.now() + 8_000;
    const clients = Array.from({ length: 8 }, () => client(`${proc.url}/posts/kubecon-was-nice`, until, outcome));

    await new Promise((r) => setTimeout(r, 500));
    const beforeSignal = outcome.ok;
    const signalledAt = Date.now();
    proc.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    const ready = await fetch(`http://127.0.0.1:${proc.metricsPort}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not ready', reasons: ['shutting down'] });

    const { code } = await proc.exited;
    const exitedAfter = Date.now() - signalledAt;
    await Promise.all(clients);

    expect(code).toBe(0);
    expect(outcome.failed).toEqual([]);
    expect(beforeSignal).toBeGreaterThan(50);
    // Served through the delay: more requests succeeded after the signal than before it.
    expect(outcome.ok - beforeSignal).toBeGreaterThan(beforeSignal);
    expect(exitedAfter).toBeGreaterThanOrEqual(1000);
    expect(exitedAfter).toBeLessThan(6000);
    expect(proc.output()).toContain('"msg":"shutdown complete"');
  });

  it('ends an idle keep-alive connection about a second into the drain, without waiting for the timeout', async () => {
    const proc = await startBlogProcess({ POSTS_DIR: POSTS, SHUTDOWN_DELAY_SECONDS: '1', SHUTDOWN_TIMEOUT_SECONDS: '20', REQUEST_LOG_LEVEL: 'silent' });
    // An ingress keeps upstream connections open between requests, like this one.
    const socket = connect(proc.port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const endedByServer = new Promise<number>((resolve) => socket.once('end', () => resolve(Date.now())));
    socket.write('GET /posts/kubecon-was-nice HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    while (!received.includes('</html>')) await new Promise((r) => setTimeout(r, 20));
    expect(received).toMatch(/^HTTP\/1\.1 200 /);

    const signalledAt = Date.now();
    proc.child.kill('SIGTERM');
    const endedAt = await endedByServer;
    const { code } = await proc.exited;
    socket.destroy();

    expect(code).toBe(0);
    // The delay (1 s) serves on; then idle connections get a second's grace and are ended.
    expect(endedAt - signalledAt).toBeGreaterThanOrEqual(2000);
    expect(endedAt - signalledAt).toBeLessThan(4000);
    expect(proc.output()).toContain('"clean":true');
  });

  it('exits at once on a second signal', async () => {
    const proc = await startBlogProcess({ POSTS_DIR: POSTS, SHUTDOWN_DELAY_SECONDS: '30' });
    proc.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    const signalledAt = Date.now();
    proc.child.kill('SIGINT');
    const { code } = await proc.exited;
    expect(code).toBe(1);
    expect(Date.now() - signalledAt).toBeLessThan(2000);
  });
});
