import { afterEach, describe, expect, it } from '@jest/globals';
import { RenderPool, RenderTimeoutError } from '../../src/rendering/render-pool.js';

const script = new URL('../support/pool-worker.js', import.meta.url);
let pool: RenderPool | undefined;

function startPool(threads: number, timeoutMs: number): RenderPool {
  pool = new RenderPool({ script, workerData: undefined, threads, timeoutMs, maxHeapMb: 32 });
  return pool;
}
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('RenderPool', () => {
  it('runs jobs on its threads and answers each with its own result', async () => {
    const p = startPool(2, 1000);
    await p.ready();
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => p.run<number>({ value: n })));
    expect(answers).toEqual([1, 2, 3, 4, 5]);
    await expect(p.run({ fail: 'bad input' })).rejects.toThrow('bad input');
  });

  it('stops a job that runs too long, replaces its thread, and keeps serving the next jobs', async () => {
    const p = startPool(1, 300);
    await p.ready();
    const started = Date.now();
    const slow = p.run({ busyMs: 60_000 });
    await expect(slow).rejects.toBeInstanceOf(RenderTimeoutError);
    expect(Date.now() - started).toBeLessThan(3000);
    await expect(p.run<string>({ value: 'after' })).resolves.toBe('after');
    expect(p.restarts).toBe(1);
  });

  it('does not count time spent waiting in the queue against a job', async () => {
    const p = startPool(1, 600);
    await p.ready();
    // Each takes about half the limit; queued behind one another, the last waits far longer than the limit.
    const jobs = [1, 2, 3, 4].map((n) => p.run<number>({ busyMs: 300, value: n }));
    await expect(Promise.all(jobs)).resolves.toEqual([1, 2, 3, 4]);
  });

  it('fails only the job whose thread ran out of memory or exited', async () => {
    const p = startPool(1, 10_000);
    await p.ready();
    await expect(p.run({ allocateMb: 512 })).rejects.toThrow(/memory/);
    await expect(p.run({ exit: true })).rejects.toThrow(/exited with code 3/);
    await expect(p.run<string>({ value: 'still here' })).resolves.toBe('still here');
  });

  it('sends shared data to each thread once per change, and to a thread that replaced one', async () => {
    const p = startPool(2, 1000);
    await p.ready();
    p.share({ site: 1 });
    const seen = () => p.run<{ shared: unknown; sharedMessages: number }>({ sharedSeen: true });
    // Enough jobs at once that both threads take some.
    const first = await Promise.all(Array.from({ length: 6 }, seen));
    expect(new Set(first.map((answer) => JSON.stringify(answer)))).toEqual(new Set([JSON.stringify({ shared: { site: 1 }, sharedMessages: 1 })]));
    p.share({ site: 2 });
    const second = await Promise.all(Array.from({ length: 6 }, seen));
    for (const answer of second) expect(answer).toEqual({ shared: { site: 2 }, sharedMessages: 2 });
  });

  it('sends the shared data to a thread that replaced one before its first job', async () => {
    const p = startPool(1, 1000);
    await p.ready();
    p.share({ site: 1 });
    await expect(p.run({ exit: true })).rejects.toThrow(/exited/);
    await expect(p.run({ sharedSeen: true })).resolves.toEqual({ shared: { site: 1 }, sharedMessages: 1 });
  });

  it('rejects at start when its module cannot be loaded', async () => {
    pool = new RenderPool({ script: new URL('./no-such-worker.js', import.meta.url), workerData: undefined, threads: 1, timeoutMs: 1000, maxHeapMb: 32 });
    await expect(pool.ready()).rejects.toThrow(/could not start/);
  });
});
