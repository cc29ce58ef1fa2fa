import { Counter, Gauge, type Registry } from 'prom-client';

/** The Kubernetes content source's metrics, registered on the blog's own registry. */
export class KubeMetrics {
  readonly watchRestarts: Counter;
  readonly events: Counter<'type'>;
  readonly lastSync: Gauge;
  readonly objects: Gauge;
  readonly watchUp: Gauge;

  constructor(registry: Registry) {
    this.watchRestarts = new Counter({
      name: 'kubeblog_kube_watch_restarts_total',
      help: 'Times the ConfigMap list/watch failed (API server unreachable, forbidden, ...) and was restarted after a backoff.',
      registers: [registry],
    });
    this.events = new Counter({
      name: 'kubeblog_kube_events_total',
      help: 'ConfigMap changes seen by the Kubernetes content source, by type (added, modified, deleted); a relist counts its differences.',
      labelNames: ['type'] as const,
      registers: [registry],
    });
    this.lastSync = new Gauge({
      name: 'kubeblog_kube_last_sync_timestamp_seconds',
      help: 'Unix time the Kubernetes content source last heard from the API server: a complete list, a watch connection or a watch event.',
      registers: [registry],
    });
    this.objects = new Gauge({
      name: 'kubeblog_kube_objects',
      help: 'Post ConfigMaps (matching KUBE_LABEL_SELECTOR) the Kubernetes content source holds.',
      registers: [registry],
    });
    this.watchUp = new Gauge({
      name: 'kubeblog_kube_watch_up',
      help: '1 while the ConfigMap watch is connected, 0 while it is failing and being retried (the last good posts are served).',
      registers: [registry],
    });
    for (const type of ['added', 'modified', 'deleted']) this.events.inc({ type }, 0);
  }
}
