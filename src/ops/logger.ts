import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type DestinationStream, type Logger } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';
import type { LogLevel } from './config.js';

/**
 * Log lines handed to `target` once an event-loop turn rather than once a line. pino's default stdout
 * hands every line to libuv's thread pool (a hand-off, a wake-up and a callback a line); under load a
 * turn answers several requests, and one synchronous write a turn made cached pages 8–13 % faster with
 * `gzip`. The turn's lines are written before the process waits for I/O again, so none wait in memory
 * while it is idle, and none are in flight when it exits.
 */
export class TurnBatchedDestination implements DestinationStream {
  private pending = '';

  constructor(private readonly target: DestinationStream) {}

  write(line: string): void {
    if (this.pending === '') setImmediate(this.flushSync);
    this.pending += line;
  }

  readonly flushSync = (): void => {
    if (this.pending === '') return;
    const lines = this.pending;
    this.pending = '';
    this.target.write(lines);
  };

  /** What pino's `logger.flush` calls. */
  flush(done?: (error?: Error) => void): void {
    this.flushSync();
    done?.();
  }
}

/**
 * stdout for log lines, written once a turn. Lines logged in the turn that calls `process.exit` are
 * written on the way out (pino writes fatal lines at once itself).
 */
export function stdoutDestination(): TurnBatchedDestination {
  const stdout = new TurnBatchedDestination(pino.destination({ dest: 1, sync: true }));
  process.on('exit', stdout.flushSync);
  return stdout;
}

/**
 * pino's ISO `time` field, formatted once a millisecond: a loaded blog logs a dozen lines a millisecond,
 * and formatting the date for each was a fortieth of the time of answering a cached page.
 */
export function isoTimeOncePerMillisecond(now: () => number = Date.now): () => string {
  let formattedAt = Number.NaN;
  let field = '';
  return () => {
    const millis = now();
    if (millis !== formattedAt) {
      formattedAt = millis;
      field = `,"time":"${new Date(millis).toISOString()}"`;
    }
    return field;
  };
}

/** One JSON object a line, ISO timestamps, level names rather than numbers. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'kubeblog' },
      timestamp: isoTimeOncePerMillisecond(),
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

const REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/** The caller's X-Request-Id when it is sane, else a new one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** The request's id, echoed in the response. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const id = requestIdOf(req);
  res.setHeader('X-Request-Id', id);
  return id;
}

const QUIET_PATHS = /^\/(livez|readyz|healthz|metrics)(\?|$)/;

/**
 * The request fields of a request log line, the same whichever path answered the request. Named headers
 * only: serialising every header cost a third of the throughput, and cookies and credentials stay out.
 */
export function requestLogFields(req: { id?: unknown; method?: string; url?: string; headers: IncomingMessage['headers']; remoteAddress?: string }) {
  return {
    id: req.id,
    method: req.method,
    url: req.url,
    remoteAddress: req.remoteAddress,
    userAgent: req.headers['user-agent'],
    referer: req.headers.referer,
    forwardedFor: req.headers['x-forwarded-for'],
  };
}

/** The level of a request's log line: errors always, probes quietly, the rest at the configured level. */
export function requestLogLevel(url: string | undefined, statusCode: number, level: LogLevel): LogLevel {
  if (statusCode >= 500) return 'error';
  if (QUIET_PATHS.test(url ?? '')) return 'debug';
  return level;
}

/**
 * Request logging. Probes and scrapes log at debug only; server errors at error. `level` sets the level
 * of ordinary request lines, so an operator can turn them down without losing warnings.
 */
export function createHttpLogger(logger: Logger, level: LogLevel): HttpLogger {
  return pinoHttp({
    logger,
    genReqId: requestId,
    customLogLevel: (req, res, error) => (error ? 'error' : requestLogLevel(req.url, res.statusCode, level)),
    serializers: {
      req: requestLogFields,
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customSuccessMessage: (req, res) => `${req.method} ${req.url} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${req.url} ${res.statusCode}`,
  });
}
