/**
 * Where the render thread's module is: next to this one, in the source tree and in dist alike. Its own
 * module, kept out of the bundle, so the address does not move with the code that starts the threads.
 */
export const renderWorkerScript = new URL('./render-worker.js', import.meta.url);
