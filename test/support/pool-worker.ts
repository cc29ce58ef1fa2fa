import { parentPort } from 'node:worker_threads';

// A render thread stand-in for RenderPool's tests: each message says how the job behaves.
const port = parentPort;
if (!port) throw new Error('pool-worker runs as a worker thread');
port.on('message', (job: { busyMs?: number; allocateMb?: number; exit?: boolean; fail?: string; value?: unknown }) => {
  if (job.exit) process.exit(3);
  if (job.fail) {
    port.postMessage({ ok: false, error: job.fail });
    return;
  }
  const until = Date.now() + (job.busyMs ?? 0);
  while (Date.now() < until) {
    // Spins, as a hostile render would.
  }
  const kept: number[][] = [];
  for (let mb = 0; mb < (job.allocateMb ?? 0); mb++) kept.push(new Array(131072).fill(mb));
  port.postMessage({ ok: true, value: job.value });
});
port.postMessage({ ready: true });
