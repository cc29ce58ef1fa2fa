import { parentPort, workerData } from 'node:worker_threads';
import { type FragmentJob, renderFragment } from './fragment.js';
import { type RenderSettings, createRenderEngines } from './engines.js';

// One render thread: the Markdown and Liquid engines, fed one fragment at a time by the RenderPool.
const engines = createRenderEngines(workerData as RenderSettings);
const port = parentPort;
if (!port) throw new Error('render-worker runs as a worker thread');
port.on('message', (job: FragmentJob) => {
  try {
    port.postMessage({ ok: true, value: renderFragment(job, engines) });
  } catch (error) {
    port.postMessage({ ok: false, error: (error as Error).message });
  }
});
// A first render compiles the engines' hot code: the first reader after a start or a restart would wait for it.
renderFragment({ text: '# Warm\n\nSome *text* with `code`, a [link](/x) and\n\n```js\nconst x = 1;\n```\n\n- a\n- b\n' }, engines);
port.postMessage({ ready: true });
