import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createBlog, type Blog } from '../../src/blog.js';
import { loadConfig, type Config } from '../../src/ops/config.js';
import { createLogger } from '../../src/ops/logger.js';
import { freePort } from './process.js';

/** Log lines a test can read back, as JSON objects. */
export class LogCapture extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
  messages(): string[] {
    return this.lines.map((l) => String(l.msg));
  }
}

export interface TestBlog {
  blog: Blog;
  config: Config;
  logs: LogCapture;
  /** `http://127.0.0.1:PORT` of the public app, listening for real. */
  url: string;
  /** Stops the content sources and closes the server. */
  stop(): Promise<void>;
}

function listen(server: Server, port: number): Promise<string> {
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET whose body is returned as sent: no decompression, unlike supertest's. */
export function rawGet(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    httpRequest(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

/** A blog over a posts folder, configured as from the environment, started (content loaded). */
export async function startTestBlog(env: Record<string, string>): Promise<TestBlog> {
  // The blog's own port, as in production, so the default ALLOWED_HOSTS name the address tests use.
  const port = await freePort();
  const config = loadConfig({ HOST: '127.0.0.1', PORT: String(port), WATCH_POLL_SECONDS: '0', ...env });
  const logs = new LogCapture();
  const blog = createBlog(config, { logger: createLogger('debug', logs) });
  try {
    await blog.start();
  } catch (error) {
    // A blog that failed to start still has its render threads: left running they keep Jest from exiting.
    await blog.stop();
    throw error;
  }
  const server = createServer(blog.webHandler);
  const url = await listen(server, port);
  return {
    blog,
    config,
    logs,
    url,
    stop: async () => {
      await blog.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
