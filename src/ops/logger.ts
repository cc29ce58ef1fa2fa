import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type DestinationStream, type Logger } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';
import type { LogLevel } from './config.js';

/** One JSON object a line, ISO timestamps, level names rather than numbers. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'kubeblog' },
      timestamp: pino.stdTimeFunctions.isoTime,
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
