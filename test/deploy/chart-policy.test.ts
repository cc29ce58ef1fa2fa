/**
 * Policy assertions over the chart's rendered objects: security posture, probes, ports, selectors, routing,
 * RBAC, graceful shutdown, labels, and the content modes' wiring. Helm 3 and Helm 4 render the same chart, so
 * each scenario is checked with both.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { K8sObject } from '../support/helm.js';
import { chartDir, ciValues, ensureHelm, helmTemplate, helms, isTestHook, makeTempDir, ofKind, only, packageVersion, removeTempDirs } from '../support/helm.js';
import { loadConfig } from '../../src/ops/config.js';
import { allPolicies, containerEnv, deployment, kubeblogContainer } from './policy.js';

beforeAll(() => {
  ensureHelm();
}, 10 * 60_000);
afterAll(removeTempDirs);

const version = packageVersion();
const podAnnotations = (objs: K8sObject[]) => deployment(objs).spec.template.metadata.annotations as Record<string, string>;
const env = (objs: K8sObject[]) => containerEnv(objs, kubeblogContainer(objs));

describe.each(helms())('$label', (tool) => {
  const render = (values: string[] = [], set: string[] = [], release = 'kubeblog') => helmTemplate(tool.bin, { values, set, release });

  describe.each(Object.keys(ciValues))('%s values', (scenario) => {
    let objs: K8sObject[];
    beforeAll(() => {
      objs = render([ciValues[scenario]!]);
    });
    // One test per policy, so a failure names the policy and lists every offending object.
    it.each(['security', 'probes', 'containerPorts', 'services', 'selectors', 'serviceMonitors', 'routing', 'rbacAndToken', 'shutdownAndRollout', 'labels'])(
      'policy %s holds',
      (policy) => {
        expect(allPolicies(objs, { helm: true, version })[policy]).toEqual([]);
      },
    );
  });

  describe.each(Object.keys(ciValues))('%s values and the app', (scenario) => {
    it('kubeblog accepts every setting the chart passes, and listens where the pod spec says', () => {
      const objs = render([ciValues[scenario]!]);
      // Values the kubelet fills in (downward API) get a realistic stand-in.
      const e = Object.fromEntries(Object.entries(env(objs)).map(([k, v]) => [k, v.startsWith('<from:') ? 'default' : v]));
      const config = loadConfig(e);
      const ports = Object.fromEntries(kubeblogContainer(objs).ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]));
      expect({ port: config.port, metricsPort: config.metricsPort, host: config.host }).toEqual({ port: ports.http, metricsPort: ports.metrics, host: '0.0.0.0' });
      const grace = deployment(objs).spec.template.spec.terminationGracePeriodSeconds;
      expect(grace).toBeGreaterThan(config.shutdownDelaySeconds + config.shutdownTimeoutSeconds);
      for (const ing of ofKind(objs, 'Ingress')) {
        for (const p of ing.spec.rules[0].http.paths) expect(p.path).toBe(config.basePath || '/');
      }
    });
  });

  describe('defaults', () => {
    const objs = (): K8sObject[] => render();

    it('run uid 1000, non-root, read-only root, no privilege escalation, drop ALL, RuntimeDefault seccomp', () => {
      const spec = deployment(objs()).spec.template.spec;
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      expect(spec.containers[0].securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(spec.automountServiceAccountToken).toBe(false);
      expect(spec.enableServiceLinks).toBe(false);
    });

    it('serve the blog on 8080 ("http") and metrics and probes on 9464 ("metrics")', () => {
      const o = objs();
      const c = kubeblogContainer(o);
      expect(c.ports).toEqual([
        { name: 'http', containerPort: 8080, protocol: 'TCP' },
        { name: 'metrics', containerPort: 9464, protocol: 'TCP' },
      ]);
      expect(c.livenessProbe.httpGet).toEqual({ path: '/livez', port: 'metrics' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
      expect(c.startupProbe.httpGet).toEqual({ path: '/livez', port: 'metrics' });
      expect(only(o, 'Service').spec.ports).toEqual([
        { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
        { name: 'metrics', port: 9464, targetPort: 'metrics', protocol: 'TCP' },
      ]);
    });

    it('pass the settings as environment variables, with posts baked into the image', () => {
      expect(env(objs())).toMatchObject({
        PORT: '8080',
        METRICS_PORT: '9464',
        POSTS_DIR: '/app/posts',
        SITE_TITLE: 'kubeblog',
        SHUTDOWN_DELAY_SECONDS: '5',
        SHUTDOWN_TIMEOUT_SECONDS: '10',
        CONTENT_SOURCES: 'directory',
      });
      expect(env(objs()).BASE_PATH).toBeUndefined();
    });

    it('use the appVersion image and a 25 s grace period (5 s delay + 10 s drain + 10)', () => {
      const d = deployment(objs());
      expect(kubeblogContainer(objs()).image).toBe(`ghcr.io/kubeblog/kubeblog:${version}`);
      expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(25);
      expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } });
    });

    it('add prometheus.io scrape annotations (no ServiceMonitor)', () => {
      expect(podAnnotations(objs())).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9464', 'prometheus.io/path': '/metrics' });
    });
  });

  it('the grace period follows longer shutdown settings', () => {
    const objs = render([], ['config.shutdownDelaySeconds=20', 'config.shutdownTimeoutSeconds=30']);
    expect(deployment(objs).spec.template.spec.terminationGracePeriodSeconds).toBe(60);
    expect(env(objs)).toMatchObject({ SHUTDOWN_DELAY_SECONDS: '20', SHUTDOWN_TIMEOUT_SECONDS: '30' });
  });

  it('a ServiceMonitor replaces the scrape annotations and scrapes the metrics port', () => {
    const objs = render([], ['metrics.serviceMonitor.enabled=true']);
    expect(Object.keys(podAnnotations(objs)).filter((k) => k.startsWith('prometheus.io/'))).toEqual([]);
    const sm = only(objs, 'ServiceMonitor');
    expect(sm.spec.endpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics' });
    expect(sm.spec.namespaceSelector).toEqual({ matchNames: ['default'] });
  });

  it('metrics.enabled=false drops the metrics Service port, annotations and metrics test', () => {
    const objs = render([], ['metrics.enabled=false']);
    expect(only(objs, 'Service').spec.ports.map((p: { name: string }) => p.name)).toEqual(['http']);
    expect(Object.keys(podAnnotations(objs)).filter((k) => k.startsWith('prometheus.io/'))).toEqual([]);
    expect(ofKind(objs, 'Pod').map((p) => p.metadata.name)).not.toContain('kubeblog-test-metrics');
  });

  describe('checksum annotations roll the pods on changes', () => {
    const sum = (set: string[], key: string) => podAnnotations(render([ciValues.configmap!], set))[key];

    it('checksum/posts changes when a post changes, and only then', () => {
      const base = sum([], 'checksum/posts');
      expect(base).toMatch(/^[0-9a-f]{64}$/);
      expect(sum(['content.configMap.files.2024-05-02-second\\.md=edited'], 'checksum/posts')).not.toBe(base);
      expect(sum(['content.configMap.files.2024-06-01-new\\.md=new post'], 'checksum/posts')).not.toBe(base);
      expect(sum(['config.siteTitle=Other'], 'checksum/posts')).toBe(base);
      expect(sum(['replicaCount=3'], 'checksum/posts')).toBe(base);
    });

    it('checksum/config changes when a setting changes, and only then', () => {
      const base = sum([], 'checksum/config');
      expect(base).toMatch(/^[0-9a-f]{64}$/);
      expect(sum(['config.siteTitle=Other'], 'checksum/config')).not.toBe(base);
      expect(sum(['content.configMap.files.2024-05-02-second\\.md=edited'], 'checksum/config')).toBe(base);
      expect(sum(['replicaCount=3'], 'checksum/config')).toBe(base);
    });

    it('rollOnChange=false leaves post changes to the running pods', () => {
      expect(sum(['content.configMap.rollOnChange=false'], 'checksum/posts')).toBeUndefined();
    });
  });

  it('ConfigMap posts: a read-only ConfigMap volume at POSTS_DIR holding the posts', () => {
    const objs = render([ciValues.configmap!]);
    const cm = only(objs, 'ConfigMap', 'kubeblog-posts');
    expect(Object.keys(cm.data).sort()).toEqual(['2024-05-01-hello-kubernetes.md', '2024-05-02-second.md']);
    expect(cm.data['2024-05-01-hello-kubernetes.md']).toContain('title: Hello, Kubernetes');
    const spec = deployment(objs).spec.template.spec;
    expect(spec.volumes).toContainEqual({ name: 'posts', configMap: { name: 'kubeblog-posts' } });
    expect(kubeblogContainer(objs).volumeMounts).toContainEqual({ name: 'posts', mountPath: '/content/posts', readOnly: true });
    expect(env(objs).POSTS_DIR).toBe('/content/posts');
  });

  it('ConfigMap posts from chart files (filesGlob, a vendored chart) and inline files together', () => {
    const vendored = path.join(makeTempDir('chart'), 'kubeblog');
    cpSync(chartDir, vendored, { recursive: true });
    mkdirSync(path.join(vendored, 'posts'));
    writeFileSync(path.join(vendored, 'posts', '2024-02-02-from-a-file.md'), '---\ntitle: From a file\n---\nHello\n');
    writeFileSync(path.join(vendored, 'posts', 'notes.txt'), 'not a post');
    const objs = helmTemplate(tool.bin, {
      chart: vendored,
      set: ['content.mode=configMap', 'content.configMap.filesGlob=posts/*.md', 'content.configMap.files.2024-01-01-inline\\.md=inline'],
    });
    const data = only(objs, 'ConfigMap', 'kubeblog-posts').data;
    expect(Object.keys(data).sort()).toEqual(['2024-01-01-inline.md', '2024-02-02-from-a-file.md']);
    expect(data['2024-02-02-from-a-file.md']).toBe('---\ntitle: From a file\n---\nHello\n');
  });

  it('git-sync: a one-time init clone, then a syncing sidecar, sharing an emptyDir that kubeblog reads', () => {
    const objs = render([ciValues.gitsync!]);
    const spec = deployment(objs).spec.template.spec;
    const init = spec.initContainers.find((c: { name: string }) => c.name === 'git-sync-init');
    const side = spec.containers.find((c: { name: string }) => c.name === 'git-sync');
    for (const c of [init, side]) {
      expect(c.image).toMatch(/^registry\.k8s\.io\/git-sync\/git-sync:v4\.\d+\.\d+$/);
      expect(c.args).toEqual(expect.arrayContaining(['--repo=https://github.com/example/blog.git', '--ref=main', '--root=/git', '--link=current']));
      expect(c.volumeMounts).toContainEqual({ name: 'content', mountPath: '/git' });
      expect(c.env).toContainEqual({ name: 'GITSYNC_PASSWORD', valueFrom: { secretKeyRef: { name: 'blog-git-credentials', key: 'password' } } });
    }
    expect(init.args).toContain('--one-time');
    expect(side.args).not.toContain('--one-time');
    expect(side.args).toContain('--period=2m');
    expect(spec.volumes).toContainEqual({ name: 'content', emptyDir: {} });
    expect(kubeblogContainer(objs).volumeMounts).toContainEqual({ name: 'content', mountPath: '/git', readOnly: true });
    expect(env(objs)).toMatchObject({ POSTS_DIR: '/git/current/_posts', WATCH_POLL_SECONDS: '15' });
    expect(deployment(objs).spec.template.metadata.annotations['kubectl.kubernetes.io/default-container']).toBe('kubeblog');
  });

  it('Kubernetes content source: Role on configmaps only, RoleBinding, token, namespace from the downward API', () => {
    const objs = render([ciValues['kubernetes-source']!]);
    const role = only(objs, 'Role');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }]);
    const rb = only(objs, 'RoleBinding');
    expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kubeblog' });
    expect(rb.subjects).toEqual([{ kind: 'ServiceAccount', name: 'kubeblog', namespace: 'default' }]);
    expect(deployment(objs).spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(only(objs, 'ServiceAccount').automountServiceAccountToken).toBe(false);
    expect(kubeblogContainer(objs).env).toContainEqual({ name: 'KUBE_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
    expect(env(objs)).toMatchObject({ CONTENT_SOURCES: 'directory,kubernetes', KUBE_LABEL_SELECTOR: 'kubeblog.dev/post' });
  });

  it('Ingress with TLS under a path prefix routes /blog to the http port and sets BASE_PATH=/blog', () => {
    const objs = render([ciValues['ingress-tls']!]);
    const ing = only(objs, 'Ingress');
    expect(ing.spec.ingressClassName).toBe('nginx');
    expect(ing.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt' });
    expect(ing.spec.tls).toEqual([{ hosts: ['www.example.com'], secretName: 'www-example-com-tls' }]);
    expect(ing.spec.rules).toEqual([
      { host: 'www.example.com', http: { paths: [{ path: '/blog', pathType: 'Prefix', backend: { service: { name: 'kubeblog', port: { name: 'http' } } } }] } },
    ]);
    expect(env(objs)).toMatchObject({ BASE_PATH: '/blog', SITE_URL: 'https://www.example.com', TRUST_PROXY: 'uniquelocal' });
  });

  it('base paths are normalized like the app does (blog/ -> /blog)', () => {
    const objs = render([], ['config.basePath=blog/', 'ingress.enabled=true']);
    expect(env(objs).BASE_PATH).toBe('/blog');
    expect(only(objs, 'Ingress').spec.rules[0].http.paths[0].path).toBe('/blog');
  });

  it('HTTPRoute: attaches to the Gateway, matches the base path, backs onto the Service http port', () => {
    const objs = render([], ['httpRoute.enabled=true', 'config.basePath=/blog', 'httpRoute.parentRefs[0].name=public', 'httpRoute.parentRefs[0].namespace=gw']);
    const route = only(objs, 'HTTPRoute');
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.spec.parentRefs).toEqual([{ name: 'public', namespace: 'gw' }]); // --set replaces the default list
    expect(route.spec.rules).toEqual([{ matches: [{ path: { type: 'PathPrefix', value: '/blog' } }], backendRefs: [{ name: 'kubeblog', port: 80 }] }]);
  });

  it('HPA replaces the replica count; PDB and NetworkPolicy select the pods', () => {
    const objs = render([ciValues['all-features']!]);
    expect(deployment(objs).spec.replicas).toBeUndefined();
    const hpa = only(objs, 'HorizontalPodAutoscaler');
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 5, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'blog' } });
    expect(hpa.spec.metrics.map((m: { resource: { name: string } }) => m.resource.name)).toEqual(['cpu', 'memory']);
    expect(only(objs, 'PodDisruptionBudget').spec.minAvailable).toBe(1);
  });

  it('NetworkPolicy: metrics only from the configured scrapers, http from anywhere or only from selected peers', () => {
    const open = only(render([], ['networkPolicy.enabled=true']), 'NetworkPolicy');
    expect(open.spec.policyTypes).toEqual(['Ingress']);
    expect(open.spec.ingress[0]).toEqual({ ports: [{ port: 'http', protocol: 'TCP' }] });
    expect(open.spec.ingress[1]).toEqual({
      ports: [{ port: 'metrics', protocol: 'TCP' }],
      from: [
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } },
        { podSelector: { matchLabels: { 'kubeblog-client': 'true' } } },
      ],
    });
    const closed = only(render([ciValues['all-features']!]), 'NetworkPolicy');
    expect(closed.spec.ingress[0].from).toEqual([
      { podSelector: { matchLabels: { 'blog-client': 'true' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
    ]);
  });

  it('helm test hooks fetch /readyz, a post under the base path and /metrics through the Service', () => {
    const objs = render([ciValues['all-features']!]);
    const hooks = objs.filter(isTestHook);
    const scripts = Object.fromEntries(hooks.map((p) => [p.metadata.name, p.spec.containers[0].command.join(' ')]));
    expect(Object.keys(scripts).sort()).toEqual(['blog-test-metrics', 'blog-test-post', 'blog-test-readyz']);
    expect(scripts['blog-test-readyz']).toContain("url='http://blog.default.svc:9464/readyz'");
    expect(scripts['blog-test-post']).toContain("url='http://blog.default.svc:80/blog/posts/hello-kubernetes'");
    expect(scripts['blog-test-metrics']).toContain("url='http://blog.default.svc:9464/metrics'");
    for (const p of hooks) {
      expect(p.metadata.labels!['blog-client']).toBe('true'); // let through the NetworkPolicy
      expect(p.metadata.labels!['app.kubernetes.io/component']).toBe('test'); // not selected by the Service
      expect(p.spec.restartPolicy).toBe('Never');
      expect(p.spec.containers[0].image).toBe('docker.io/library/busybox:1.37');
    }
  });

  it('extraEnv, extraVolumes and extraVolumeMounts reach the pod', () => {
    const objs = render([ciValues['all-features']!], [], 'kb');
    expect(kubeblogContainer(objs).env).toContainEqual({ name: 'EXTRA_SETTING', value: 'kb' });
    expect(deployment(objs).spec.template.spec.volumes).toContainEqual({ name: 'site-config', configMap: { name: 'blog-jekyll-config' } });
    expect(kubeblogContainer(objs).volumeMounts).toContainEqual({ name: 'site-config', mountPath: '/etc/kubeblog', readOnly: true });
  });

  it('topologySpreadConstraints without a labelSelector get the pods selector', () => {
    const objs = render([ciValues['all-features']!]);
    expect(deployment(objs).spec.template.spec.topologySpreadConstraints[0].labelSelector).toEqual({
      matchLabels: { 'app.kubernetes.io/name': 'kubeblog', 'app.kubernetes.io/instance': 'kubeblog', 'app.kubernetes.io/component': 'server' },
    });
  });
});

describe('values.yaml defaults', () => {
  const values = parseYaml(readFileSync(path.join(chartDir, 'values.yaml'), 'utf8')) as Record<string, any>;
  it('request CPU and memory and set a memory limit', () => {
    expect(values.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(values.resources.limits.memory).toEqual(expect.any(String));
  });
});
