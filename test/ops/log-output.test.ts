import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createLogger, isoTimeOncePerMillisecond, TurnBatchedDestination } from '../../src/ops/logger.js';

const LOGGER_MODULE = new URL('../../src/ops/logger.js', import.meta.url).href;

describe('log output', () => {
  it('writes the lines of one event-loop turn together, in order, by the next turn', async () => {
    const writes: string[] = [];
    const logger = createLogger('info', new TurnBatchedDestination({ write: (lines: string) => void writes.push(lines) }));
    for (const msg of ['first', 'second', 'third']) logger.info(msg);
    await nextTurn();
    expect(writes).toHaveLength(1);
    expect(writes[0]?.trimEnd().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['first', 'second', 'third']);

    logger.info('fourth');
    await nextTurn();
    expect(writes).toHaveLength(2);
    expect(writes[1]).toContain('"msg":"fourth"');
  });

  it('writes a line logged in the same turn as process.exit', async () => {
    // pino writes fatal lines at once itself; this is any other level.
    const script = `const { createLogger, stdoutDestination } = await import(${JSON.stringify(LOGGER_MODULE)});
createLogger('info', stdoutDestination()).error('last words');
process.exit(1);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ level: 'error', msg: 'last words' });
  });

  it('stamps each line with the ISO time of its millisecond', () => {
    let clock = Date.UTC(2017, 11, 15, 9, 30, 0, 123);
    const time = isoTimeOncePerMillisecond(() => clock);
    expect(time()).toBe(',"time":"2017-12-15T09:30:00.123Z"');
    expect(time()).toBe(',"time":"2017-12-15T09:30:00.123Z"');
    clock += 1;
    expect(time()).toBe(',"time":"2017-12-15T09:30:00.124Z"');
  });
});
