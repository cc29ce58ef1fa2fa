import { describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { startBlogProcess } from '../support/process.js';

const POSTS = fileURLToPath(new URL('../../../posts', import.meta.url));

describe('starting the real process', () => {
  it('stops at once on a bad setting, naming the variable and what it accepts', async () => {
    const proc = await startBlogProcess({ POSTS_DIR: POSTS, POSTS_PER_PAGE: 'lots' }, false);
    const { code } = await proc.exited;
    expect(code).toBe(2);
    expect(proc.output()).toContain('kubeblog: bad setting POSTS_PER_PAGE: "lots" is not a whole number from 1 to 1000');
  });

  it('stops when the posts folder is missing, saying so in a JSON log line', async () => {
    const proc = await startBlogProcess({ POSTS_DIR: '/nonexistent/posts' }, false);
    const { code } = await proc.exited;
    expect(code).toBe(1);
    const fatal = proc.output().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.level === 'fatal');
    expect(fatal?.msg).toBe('cannot start: POSTS_DIR: posts folder "/nonexistent/posts" cannot be read: ENOENT');
  });

  it('serves the seed post on the public port and probes on both ports', async () => {
    const proc = await startBlogProcess({ POSTS_DIR: POSTS, SHUTDOWN_DELAY_SECONDS: '0' });
    try {
      const post = await fetch(`${proc.url}/posts/kubecon-was-nice`);
      expect(post.status).toBe(200);
      expect(await post.text()).toContain('<h1 class="p-name">KubeCon was nice!</h1>');
      for (const port of [proc.port, proc.metricsPort]) {
        for (const probe of ['/livez', '/healthz', '/readyz']) expect((await fetch(`http://127.0.0.1:${port}${probe}`)).status).toBe(200);
      }
      expect((await fetch(`${proc.url}/metrics`)).status).toBe(404);
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
  });
});
