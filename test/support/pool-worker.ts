import { parentPort } from 'node:worker_threads';

// A render thread stand-in for RenderPool's tests: each message says how the job behaves.
const port = parentPort;
if (!port) throw new Error('pool-worker runs as a worker thread');
/** The last shared value the pool sent, and how many it sent this thread. */
let shared: unknown;
let sharedMessages = 0;
port.on('message', (job: { shared?: unknown; sharedSeen?: boolean; busyMs?: number; allocateMb?: number; exit?: boolean; fail?: string; value?: unknown }) => {
  if ('shared' in job) {
    shared = job.shared;
    sharedMessages += 1;
    return;
  }
  if (job.sharedSeen) {
    port.postMessage({ ok: true, value: { shared, sharedMessages } });
    return;
  }
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
