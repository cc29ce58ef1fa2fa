import { Router } from 'express';
import type { ContentStore } from '../content/store.js';

/** Liveness and readiness, shared by both ports. */
export class Health {
  private shuttingDown = false;
  private draining = false;
  private readonly startedAt = Date.now();

  constructor(private readonly store: ContentStore) {}

  beginShutdown(): void {
    this.shuttingDown = true;
  }

  /** The listener is closed: answers should close their connections so clients go elsewhere. */
  beginDrain(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  liveness(): { status: 'ok'; uptimeSeconds: number } {
    return { status: 'ok', uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000) };
  }

  readiness(): { ready: boolean; body: Record<string, unknown> } {
    const reasons: string[] = [];
    if (this.shuttingDown) reasons.push('shutting down');
    const pending = this.store.pendingSources();
    if (pending.length > 0) reasons.push(`content not loaded yet from: ${pending.join(', ')}`);
    for (const { source, reason } of this.store.unreadableSources()) {
      reasons.push(`content source ${source} cannot be read (${reason}); its last good posts are still served`);
    }
    const ready = reasons.length === 0;
    return {
      ready,
      body: { status: ready ? 'ready' : 'not ready', reasons, posts: this.store.catalog().posts.length },
    };
  }
}

/** `/livez`, `/healthz` (its alias) and `/readyz` with JSON bodies that say why they fail. */
export function probeRouter(health: Health): Router {
  const router = Router();
  const live = (_req: unknown, res: import('express').Response) => {
    res.set('Cache-Control', 'no-store').json(health.liveness());
  };
  router.get('/livez', live);
  router.get('/healthz', live);
  router.get('/readyz', (_req, res) => {
    const { ready, body } = health.readiness();
    res.status(ready ? 200 : 503).set('Cache-Control', 'no-store').json(body);
  });
  return router;
}
