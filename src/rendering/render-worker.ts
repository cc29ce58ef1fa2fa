import { parentPort, workerData } from 'node:worker_threads';
import { type FragmentJob, NO_SHARED_SITE, type SharedSite, renderFragment } from './fragment.js';
import { type RenderSettings, createRenderEngines } from './engines.js';

// One render thread: the Markdown and Liquid engines, fed one fragment at a time by the RenderPool.
const engines = createRenderEngines(workerData as RenderSettings);
const port = parentPort;
if (!port) throw new Error('render-worker runs as a worker thread');
/** The site's shared part, as the pool last sent it: it comes before any job that needs it. */
let shared: SharedSite = NO_SHARED_SITE;
port.on('message', (message: FragmentJob | { shared: SharedSite }) => {
  if ('shared' in message) {
    shared = message.shared;
    return;
  }
  try {
    port.postMessage({ ok: true, value: renderFragment(message, engines, shared) });
  } catch (error) {
    port.postMessage({ ok: false, error: (error as Error).message });
  }
});
// A first render compiles the engines' hot code: the first reader after a start or a restart would wait for it.
renderFragment({ text: '# Warm\n\nSome *text* with `code`, a [link](/x) and\n\n```js\nconst x = 1;\n```\n\n- a\n- b\n' }, engines);
port.postMessage({ ready: true });
