/**
 * What Node itself costs: `node:http` answering with one recorded kubeblog response (its bytes and
 * headers, plain and gzip, a fresh X-Request-Id each time as kubeblog sends), and nothing else: no
 * routing, page cache, metrics or logs. The bench compares kubeblog with it to separate kubeblog's own
 * cost from Node's. Usage: node plain-node.js <recording.json> <port>
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

/** A response as kubeblog sent it, without the headers that differ per request or that Node adds. */
export interface RecordedResponse {
  headers: string[];
  bodyBase64: string;
}

export interface Recording {
  identity: RecordedResponse;
  gzip: RecordedResponse;
}

function serve(recording: Recording, port: number): void {
  const plain = { headers: recording.identity.headers, body: Buffer.from(recording.identity.bodyBase64, 'base64') };
  const gzip = { headers: recording.gzip.headers, body: Buffer.from(recording.gzip.bodyBase64, 'base64') };
  createServer((req, res) => {
    const answer = req.headers['accept-encoding']?.includes('gzip') ? gzip : plain;
    res.writeHead(200, [...answer.headers, 'X-Request-Id', randomUUID(), 'Content-Length', String(answer.body.length)]);
    res.end(answer.body);
  }).listen(port, '127.0.0.1');
}

const [recordingFile, port] = process.argv.slice(2);
if (!recordingFile || !port) throw new Error('usage: plain-node.js <recording.json> <port>');
serve(JSON.parse(readFileSync(recordingFile, 'utf8')) as Recording, Number(port));
