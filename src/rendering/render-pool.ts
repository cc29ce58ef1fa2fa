import { Worker } from 'node:worker_threads';

/** A job that ran past its time and had its thread stopped. */
export class RenderTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`rendering took longer than ${timeoutMs} ms (RENDER_TIMEOUT_MS) and was stopped`);
    this.name = 'RenderTimeoutError';
  }
}

export interface RenderPoolOptions {
  /** The worker module. */
  script: URL;
  /** Handed to every worker as `workerData`. */
  workerData: unknown;
  threads: number;
  /** How long one job may run once a thread has it; queueing time does not count. */
  timeoutMs: number;
  /** Heap of one thread: a job that needs more fails alone instead of taking the process down. */
  maxHeapMb: number;
}

interface Job {
  message: unknown;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Thread {
  worker: Worker;
  /** It has loaded its modules: its start-up must not count against a job's time. */
  ready: boolean;
  job: Job | undefined;
  timer: NodeJS.Timeout | undefined;
  /** The version of the shared data it was sent; 0 for none. */
  sharedVersion: number;
}

/**
 * The protocol: a worker posts `{ ready: true }` once it can take jobs, then answers each message with
 * `{ ok: true, value }` or `{ ok: false, error }`, except `{ shared }` messages (see share), which it
 * keeps and does not answer.
 *
 * A few worker threads that run jobs one at a time each, first come first served, so a slow or hostile
 * post can only ever hold one thread, never the event loop. A job that runs past the time limit, throws
 * the thread out of memory or crashes it is rejected alone, and the thread is replaced.
 *
 * piscina was measured against this first: it has no limit on a task's running time, only an abort
 * signal whose clock would include the time spent waiting in the queue, so one slow post would make the
 * posts queued behind it time out too.
 */
export class RenderPool {
  private readonly threads: Thread[] = [];
  private readonly queue: Job[] = [];
  private closed = false;
  private readonly started: Promise<void>;
  private markStarted!: () => void;
  private failStart!: (error: Error) => void;
  private shared: { message: { shared: unknown }; version: number } | undefined;
  /** Threads replaced after a time-out or a crash, for metrics. */
  restarts = 0;

  constructor(private readonly options: RenderPoolOptions) {
    this.started = new Promise<void>((resolve, reject) => {
      this.markStarted = resolve;
      this.failStart = reject;
    });
    // Whoever never asks must not see an unhandled rejection.
    this.started.catch(() => undefined);
  }

  /**
   * Starts the threads (at the first call) and resolves once each has loaded its modules; rejects when
   * one could not start at all (a missing or broken module), which no restart would mend. Nothing starts
   * before: a blog that is made but never started holds no thread.
   */
  ready(): Promise<void> {
    if (this.threads.length === 0 && !this.closed) {
      for (let i = 0; i < this.options.threads; i++) this.threads.push(this.spawn());
    }
    return this.started;
  }

  /** Runs one job; resolves with the worker's answer, rejects when it timed out or the thread failed. */
  run<T>(message: unknown): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the render pool is closed'));
    void this.ready();
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ message, resolve: resolve as (value: unknown) => void, reject });
      this.dispatch();
    });
  }

  /**
   * Data every job may use (a site's `site.data`, `_config.yml` and `_includes`), sent to each thread once
   * as `{ shared: value }` before the next job it runs, and again to threads started later, rather than
   * with every job. A job dispatched after this call sees this value. Its time-out includes the time the
   * thread takes to read the new value, once.
   */
  share(value: unknown): void {
    this.shared = { message: { shared: value }, version: (this.shared?.version ?? 0) + 1 };
  }

  /** Jobs waiting for a thread. */
  get waiting(): number {
    return this.queue.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the render pool is closed'));
    await Promise.all(
      this.threads.map(async (thread) => {
        clearTimeout(thread.timer);
        thread.job?.reject(new Error('the render pool is closed'));
        thread.job = undefined;
        await thread.worker.terminate();
      }),
    );
  }

  private spawn(): Thread {
    const worker = new Worker(this.options.script, {
      workerData: this.options.workerData,
      resourceLimits: { maxOldGenerationSizeMb: this.options.maxHeapMb },
      stdout: false,
      stderr: false,
    });
    // An idle thread must not keep a stopping process alive.
    worker.unref();
    const thread: Thread = { worker, ready: false, job: undefined, timer: undefined, sharedVersion: 0 };
    worker.on('message', (answer: { ready?: true; ok?: boolean; value?: unknown; error?: string }) => {
      if (answer.ready) {
        thread.ready = true;
        if (this.threads.every((t) => t.ready)) this.markStarted();
        this.dispatch();
        return;
      }
      const job = thread.job;
      if (!job) return;
      clearTimeout(thread.timer);
      thread.job = undefined;
      if (answer.ok) job.resolve(answer.value);
      else job.reject(new Error(answer.error));
      this.dispatch();
    });
    worker.on('error', (error) => this.replace(thread, error));
    worker.on('exit', (code) => this.replace(thread, new Error(`the render thread exited with code ${code}`)));
    return thread;
  }

  /** Fails the thread's job with `error` and puts a new thread in its place. */
  private replace(thread: Thread, error: Error): void {
    const index = this.threads.indexOf(thread);
    if (index === -1) return;
    if (!thread.ready) {
      // A thread that dies before it is ready would die again: stop here rather than respawn for ever.
      this.closed = true;
      this.failStart(new Error(`a render thread could not start: ${error.message}`));
      for (const job of this.queue.splice(0)) job.reject(error);
      return;
    }
    clearTimeout(thread.timer);
    const job = thread.job;
    thread.job = undefined;
    this.threads.splice(index, 1);
    thread.worker.removeAllListeners();
    // Its 'exit' may still come; it must find nothing to do.
    thread.worker.on('error', () => undefined);
    void thread.worker.terminate();
    job?.reject(/out of memory|heap/i.test(error.message) ? new Error(`rendering ran out of memory: ${error.message}`) : error);
    if (this.closed) return;
    this.restarts += 1;
    this.threads.push(this.spawn());
    this.dispatch();
  }

  private dispatch(): void {
    for (const thread of this.threads) {
      if (thread.job || !thread.ready) continue;
      const job = this.queue.shift();
      if (!job) return;
      thread.job = job;
      thread.timer = setTimeout(() => this.replace(thread, new RenderTimeoutError(this.options.timeoutMs)), this.options.timeoutMs);
      if (this.shared && thread.sharedVersion !== this.shared.version) {
        thread.worker.postMessage(this.shared.message);
        thread.sharedVersion = this.shared.version;
      }
      thread.worker.postMessage(job.message);
    }
  }
}
