/** CPU milliseconds a render takes: wall time would measure the other processes sharing the machine. */
export function cpuMs(run: () => unknown): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/**
 * The CPU time of the quickest of up to three runs, stopping at the first under `bound`: on a machine
 * busy with other work one run can take twice its time, while a quadratic input takes ten times longer
 * every time.
 */
export function quickestCpuMs(run: () => unknown, bound: number): number {
  let quickest = Infinity;
  for (let attempt = 0; attempt < 3 && quickest >= bound; attempt++) quickest = Math.min(quickest, cpuMs(run));
  return quickest;
}
