import { Server as NetServer, type Socket } from 'node:net';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Health } from './health.js';

export interface ShutdownOptions {
  /** The trackers of the servers to drain (see drainableServer). */
  connections: ConnectionTracker[];
  health: Health;
  logger: Logger;
  delaySeconds: number;
  timeoutSeconds: number;
  /** Stops content sources and the like once no request is left. */
  release(): Promise<void>;
  exit(code: number): void;
}

/** A keep-alive connection idle this long is closed while draining; a busier one gets `Connection: close`. */
const IDLE_CLOSE_MS = 1000;

interface ConnectionState {
  /** The latest response on the connection: responses on one connection finish in order. */
  response: ServerResponse | undefined;
  requests: number;
  /** When a sweep first found the connection with nothing to send, and how many requests it had had. */
  quiet: { since: number; requests: number } | undefined;
}

/**
 * Knows every connection of a server and whether it is busy, so a drain closes only connections that
 * have been idle for a while. Closing a connection the instant it turns idle races with a client that
 * is sending its next request on it, and that request fails. Idleness is observed by the sweeps of a
 * drain rather than timed per response: a listener on every response cost 3 % of the throughput.
 */
export class ConnectionTracker {
  private readonly connections = new Map<Socket, ConnectionState>();

  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.connections.set(socket, { response: undefined, requests: 0, quiet: undefined });
      socket.once('close', () => this.connections.delete(socket));
    });
  }

  /** Notes a request as it arrives; called by the server's one request listener. */
  noteRequest(req: IncomingMessage, res: ServerResponse): void {
    const state = this.connections.get(req.socket);
    if (!state) return;
    state.response = res;
    state.requests += 1;
  }

  /**
   * Stops accepting connections and resolves once every connection has ended. Unlike http.Server#close,
   * idle keep-alive connections are not cut at once: `sweep` ends them after they stay idle.
   */
  stopAccepting(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      NetServer.prototype.close.call(this.server, () => resolve());
    });
  }

  /** Ends connections that two sweeps at least IDLE_CLOSE_MS apart found idle, with no request between. */
  sweep(now = Date.now()): void {
    for (const [socket, state] of this.connections) {
      if (state.response && !state.response.writableFinished) state.quiet = undefined;
      else if (!state.quiet || state.quiet.requests !== state.requests) state.quiet = { since: now, requests: state.requests };
      else if (now - state.quiet.since >= IDLE_CLOSE_MS) socket.end();
    }
  }

  closeAll(): void {
    for (const socket of this.connections.keys()) socket.destroy();
  }
}

/** An HTTP server with the tracker a graceful shutdown drains it by. */
export interface DrainableServer {
  server: Server;
  connections: ConnectionTracker;
}

/**
 * An HTTP server for `handler` whose connections are tracked for draining. The tracker is told of each
 * request by the same listener that answers it: a second `request` listener cost 1 % of the throughput.
 */
export function drainableServer(handler: RequestListener): DrainableServer {
  const server = createServer();
  const connections = new ConnectionTracker(server);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    connections.noteRequest(req, res);
    handler(req, res);
  });
  return { server, connections };
}

/**
 * Graceful shutdown for a rolling update. On the first signal readiness fails at once, and the server
 * keeps serving for the delay so endpoints can be withdrawn; then it stops accepting connections, answers
 * with `Connection: close`, ends idle keep-alive connections, lets in-flight requests finish within the
 * timeout and exits 0. A second signal exits at once.
 */
export function gracefulShutdown(options: ShutdownOptions): (signal: string) => void {
  const { connections: trackers, health, logger } = options;
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
      health.beginDrain();
      const drained = Promise.all(trackers.map((t) => t.stopAccepting()));
      const sweeper = setInterval(() => trackers.forEach((t) => t.sweep()), 100);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), options.timeoutSeconds * 1000);
      });
      void Promise.race([drained.then(() => false), timedOut]).then(async (late) => {
        clearInterval(sweeper);
        clearTimeout(timer);
        if (late) {
          logger.warn('shutdown timeout reached: closing the connections still open');
          trackers.forEach((t) => t.closeAll());
        }
        await options.release().catch((error: unknown) => logger.error({ err: error }, 'error while releasing resources'));
        logger.info({ clean: !late }, 'shutdown complete');
        options.exit(late ? 1 : 0);
      });
    }, options.delaySeconds * 1000);
  };
}
