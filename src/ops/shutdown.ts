import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Health } from './health.js';

export interface ShutdownOptions {
  servers: Server[];
  health: Health;
  logger: Logger;
  delaySeconds: number;
  timeoutSeconds: number;
  /** Stops content sources and the like once no request is left. */
  release(): Promise<void>;
  exit(code: number): void;
}

function closed(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) resolve();
    else server.close(() => resolve());
  });
}

/**
 * Graceful shutdown for a rolling update. On the first signal readiness fails at once, and the server
 * keeps serving for the delay so endpoints can be withdrawn; then it stops accepting connections, closes
 * idle keep-alive connections, lets in-flight requests finish within the timeout and exits 0. A second
 * signal exits at once.
 */
export function gracefulShutdown(options: ShutdownOptions): (signal: string) => void {
  const { servers, health, logger } = options;
  let started = false;
  return (signal) => {
    if (started) {
      logger.warn({ signal }, 'second signal: exiting now');
      options.exit(1);
      return;
    }
    started = true;
    health.beginShutdown();
    logger.info({ signal, delaySeconds: options.delaySeconds, timeoutSeconds: options.timeoutSeconds }, 'shutting down: readiness is now failing');
    setTimeout(() => {
      logger.info('no longer accepting connections; draining in-flight requests');
      const drained = Promise.all(servers.map(closed));
      const idleSweep = setInterval(() => servers.forEach((s) => s.closeIdleConnections()), 100);
      servers.forEach((s) => s.closeIdleConnections());
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), options.timeoutSeconds * 1000);
      });
      void Promise.race([drained.then(() => false), timedOut]).then(async (late) => {
        clearInterval(idleSweep);
        clearTimeout(timer);
        if (late) {
          logger.warn('shutdown timeout reached: closing the connections still open');
          servers.forEach((s) => s.closeAllConnections());
        }
        await options.release().catch((error: unknown) => logger.error({ err: error }, 'error while releasing resources'));
        logger.info({ clean: !late }, 'shutdown complete');
        options.exit(late ? 1 : 0);
      });
    }, options.delaySeconds * 1000);
  };
}
