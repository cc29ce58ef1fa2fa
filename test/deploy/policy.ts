/**
 * Policy checks over rendered manifests (the Helm chart's and kustomize's). Each check returns a list of
 * problems, so a test reads `expect(check(objs)).toEqual([])` and a failure names every offending object.
 */
import type { K8sObject } from '../support/helm.js';
import { isTestHook } from '../support/helm.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Container = any;
type PodSpec = any;

const ref = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;

/** The app's defaults (see the contract): used when the manifests leave a setting unset. */
export const APP_DEFAULTS: Record<string, string> = {
  PORT: '8080',
  METRICS_PORT: '9464',
  SHUTDOWN_DELAY_SECONDS: '5',
  SHUTDOWN_TIMEOUT_SECONDS: '10',
  CONTENT_SOURCES: 'directory',
};

/** Endpoints the app serves on both of its ports (contract: probes on http and metrics). */
export const PROBE_PATHS = { liveness: ['/livez', '/healthz'], readiness: ['/readyz'], startup: ['/livez', '/healthz', '/readyz'] };

export interface Workload {
  owner: K8sObject;
  spec: PodSpec;
  labels: Record<string, string>;
}

/** Pod templates of Deployments plus bare Pods (the helm test hooks). */
export function workloads(objs: K8sObject[]): Workload[] {
  const out: Workload[] = [];
  for (const o of objs) {
    if (o.kind === 'Deployment') out.push({ owner: o, spec: o.spec.template.spec, labels: o.spec.template.metadata?.labels ?? {} });
    if (o.kind === 'Pod') out.push({ owner: o, spec: o.spec, labels: o.metadata.labels ?? {} });
  }
  return out;
}

export function deployment(objs: K8sObject[]): K8sObject {
  const ds = objs.filter((o) => o.kind === 'Deployment');
  if (ds.length !== 1) throw new Error(`expected one Deployment, found ${ds.length}`);
  return ds[0]!;
}

export function kubeblogContainer(objs: K8sObject[]): Container {
  const c = (deployment(objs).spec.template.spec.containers as Container[]).find((x) => x.name === 'kubeblog');
  if (!c) throw new Error('the Deployment has no container named kubeblog');
  return c;
}

/** The kubeblog container's environment: envFrom ConfigMaps, then env (valueFrom shown as `<from:...>`). */
export function containerEnv(objs: K8sObject[], c: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const name = from.configMapRef?.name;
    if (!name) continue;
    const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
    if (!cm) throw new Error(`envFrom names ConfigMap ${name}, which is not rendered`);
    Object.assign(env, cm.data ?? {});
  }
  for (const e of c.env ?? []) {
    env[e.name] = e.value ?? `<from:${JSON.stringify(e.valueFrom)}>`;
  }
  return env;
}

export function appSetting(env: Record<string, string>, name: string): string {
  return env[name] ?? APP_DEFAULTS[name] ?? '';
}

export function matches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return false; // an empty selector selects everything: never intended
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** LabelSelector (matchLabels + matchExpressions In/NotIn/Exists/DoesNotExist) against labels. */
export function selectorMatches(sel: any, labels: Record<string, string>): boolean {
  if (!sel) return false;
  const ml: Record<string, string> = sel.matchLabels ?? {};
  const exprs: any[] = sel.matchExpressions ?? [];
  if (Object.keys(ml).length === 0 && exprs.length === 0) return false;
  if (!Object.entries(ml).every(([k, v]) => labels[k] === v)) return false;
  return exprs.every((e) => {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In':
        return has && e.values.includes(labels[e.key]);
      case 'NotIn':
        return !has || !e.values.includes(labels[e.key]);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
}

function allContainers(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

/** runAsNonRoot, no privilege escalation, read-only root, drop ALL, RuntimeDefault seccomp, requests, /tmp emptyDir. */
export function checkSecurity(objs: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const w of workloads(objs)) {
    const where = ref(w.owner);
    const psc = w.spec.securityContext ?? {};
    if (psc.runAsNonRoot !== true) problems.push(`${where}: pod securityContext.runAsNonRoot is not true`);
    if (psc.runAsUser === 0) problems.push(`${where}: pod runs as uid 0`);
    if (w.spec.hostNetwork || w.spec.hostPID || w.spec.hostIPC) problems.push(`${where}: uses host namespaces`);
    for (const c of allContainers(w.spec)) {
      const at = `${where} container ${c.name}`;
      const sc = c.securityContext ?? {};
      if (sc.readOnlyRootFilesystem !== true) problems.push(`${at}: readOnlyRootFilesystem is not true`);
      if (sc.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation is not false`);
      if (sc.privileged === true) problems.push(`${at}: privileged`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${at}: capabilities.drop lacks ALL`);
      if ((sc.capabilities?.add ?? []).length > 0) problems.push(`${at}: adds capabilities ${sc.capabilities.add}`);
      if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) problems.push(`${at}: may run as root`);
      if ((sc.runAsUser ?? psc.runAsUser) === 0) problems.push(`${at}: runs as uid 0`);
      const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${at}: seccompProfile is ${seccomp ?? 'unset'}`);
      if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory) problems.push(`${at}: cpu and memory requests are not both set`);
      if (!c.resources?.limits?.memory) problems.push(`${at}: no memory limit`);
    }
    if (w.owner.kind === 'Deployment') {
      const kb = (w.spec.containers as Container[]).find((c) => c.name === 'kubeblog');
      const tmp = (kb?.volumeMounts ?? []).find((m: any) => m.mountPath === '/tmp');
      const vol = tmp && (w.spec.volumes ?? []).find((v: any) => v.name === tmp.name);
      if (!vol?.emptyDir) problems.push(`${where}: kubeblog has no emptyDir at /tmp (its root filesystem is read-only)`);
      if (tmp?.readOnly) problems.push(`${where}: /tmp is mounted read-only`);
    }
  }
  return problems;
}

/** Probes hit /livez and /readyz on a named container port that is one the app listens on. */
export function checkProbes(objs: K8sObject[]): string[] {
  const problems: string[] = [];
  const c = kubeblogContainer(objs);
  const env = containerEnv(objs, c);
  const listening = new Set([Number(appSetting(env, 'PORT')), Number(appSetting(env, 'METRICS_PORT'))]);
  const ports: any[] = c.ports ?? [];
  for (const kind of ['liveness', 'readiness', 'startup'] as const) {
    const probe = c[`${kind}Probe`];
    if (!probe) {
      problems.push(`kubeblog has no ${kind} probe`);
      continue;
    }
    const get = probe.httpGet;
    if (!get) {
      problems.push(`${kind} probe is not an httpGet`);
      continue;
    }
    if (!PROBE_PATHS[kind].includes(get.path)) problems.push(`${kind} probe path ${get.path} is not one of ${PROBE_PATHS[kind].join(', ')}`);
    if (typeof get.port !== 'string') problems.push(`${kind} probe port ${get.port} is not a port name`);
    const named = ports.find((p) => p.name === get.port);
    if (!named) problems.push(`${kind} probe port ${get.port} names no container port (${ports.map((p) => p.name).join(', ')})`);
    else if (!listening.has(named.containerPort)) problems.push(`${kind} probe port ${get.port}=${named.containerPort} is not PORT or METRICS_PORT (${[...listening].join(', ')})`);
  }
  return problems;
}

/** The container ports are named http and metrics and are exactly PORT and METRICS_PORT. */
export function checkContainerPorts(objs: K8sObject[]): string[] {
  const problems: string[] = [];
  const c = kubeblogContainer(objs);
  const env = containerEnv(objs, c);
  const byName = Object.fromEntries((c.ports ?? []).map((p: any) => [p.name, p.containerPort]));
  if (byName.http !== Number(appSetting(env, 'PORT'))) problems.push(`container port http=${byName.http} but PORT=${appSetting(env, 'PORT')}`);
  if (byName.metrics !== Number(appSetting(env, 'METRICS_PORT'))) problems.push(`container port metrics=${byName.metrics} but METRICS_PORT=${appSetting(env, 'METRICS_PORT')}`);
  return problems;
}

/** Services select the kubeblog pods (and not the test pods) and target named container ports. */
export function checkServices(objs: K8sObject[]): string[] {
  const problems: string[] = [];
  const dep = deployment(objs);
  const podLabels = dep.spec.template.metadata.labels ?? {};
  const ports: any[] = dep.spec.template.spec.containers.flatMap((c: Container) => c.ports ?? []);
  for (const svc of objs.filter((o) => o.kind === 'Service')) {
    if (!matches(svc.spec.selector, podLabels)) problems.push(`${ref(svc)}: selector ${JSON.stringify(svc.spec.selector)} does not match the pods`);
    for (const w of workloads(objs).filter((x) => x.owner.kind === 'Pod')) {
      if (matches(svc.spec.selector, w.labels)) problems.push(`${ref(svc)}: also selects ${ref(w.owner)}`);
    }
    for (const p of svc.spec.ports ?? []) {
      if (typeof p.targetPort !== 'string') problems.push(`${ref(svc)} port ${p.name}: targetPort ${p.targetPort} is not a container port name`);
      else if (!ports.some((cp) => cp.name === p.targetPort)) problems.push(`${ref(svc)} port ${p.name}: targetPort ${p.targetPort} names no container port`);
    }
  }
  if (!selectorMatches(dep.spec.selector, podLabels)) problems.push(`${ref(dep)}: selector does not match its pod template`);
  return problems;
}

/** PDB, NetworkPolicy and topology spread select the pods; the HPA targets the Deployment. */
export function checkSelectors(objs: K8sObject[]): string[] {
  const problems: string[] = [];
  const dep = deployment(objs);
  const podLabels = dep.spec.template.metadata.labels ?? {};
  const portNames = new Set(dep.spec.template.spec.containers.flatMap((c: Container) => (c.ports ?? []).map((p: any) => p.name)));
  for (const o of objs) {
    if (o.kind === 'PodDisruptionBudget' && !selectorMatches(o.spec.selector, podLabels)) problems.push(`${ref(o)}: selector does not match the pods`);
    if (o.kind === 'HorizontalPodAutoscaler') {
      const t = o.spec.scaleTargetRef;
      if (t.kind !== 'Deployment' || t.name !== dep.metadata.name || t.apiVersion !== 'apps/v1') problems.push(`${ref(o)}: targets ${t.kind}/${t.name}`);
      if (o.spec.minReplicas > o.spec.maxReplicas) problems.push(`${ref(o)}: minReplicas > maxReplicas`);
    }
    if (o.kind === 'NetworkPolicy') {
      if (!selectorMatches(o.spec.podSelector, podLabels)) problems.push(`${ref(o)}: podSelector does not match the pods`);
      for (const rule of o.spec.ingress ?? []) {
        for (const p of rule.ports ?? []) {
          if (typeof p.port === 'string' && !portNames.has(p.port)) problems.push(`${ref(o)}: port ${p.port} names no container port`);
        }
        const names = (rule.ports ?? []).map((p: any) => p.port);
        if (names.includes('metrics') && (!rule.from || rule.from.length === 0)) problems.push(`${ref(o)}: the metrics port is open to everyone`);
      }
    }
  }
  for (const tsc of dep.spec.template.spec.topologySpreadConstraints ?? []) {
    if (!selectorMatches(tsc.labelSelector, podLabels)) problems.push(`${ref(dep)}: topologySpreadConstraint on ${tsc.topologyKey} does not select the pods`);
  }
  return problems;
}

/** ServiceMonitors select a Service whose port names they scrape. */
export function checkServiceMonitors(objs: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const sm of objs.filter((o) => o.kind === 'ServiceMonitor')) {
    const nsNames: string[] | undefined = sm.spec.namespaceSelector?.matchNames;
    const svcs = objs.filter(
      (o) =>
        o.kind === 'Service' &&
        selectorMatches(sm.spec.selector, o.metadata.labels ?? {}) &&
        (nsNames ? nsNames.includes(o.metadata.namespace ?? 'default') : (o.metadata.namespace ?? 'default') === (sm.metadata.namespace ?? 'default')),
    );
    if (svcs.length === 0) {
      problems.push(`${ref(sm)}: selects no Service`);
      continue;
    }
    for (const ep of sm.spec.endpoints ?? []) {
      for (const svc of svcs) {
        if (!(svc.spec.ports ?? []).some((p: any) => p.name === ep.port)) problems.push(`${ref(sm)}: endpoint port ${ep.port} is not a port of ${ref(svc)}`);
      }
      if (ep.path && ep.path !== '/metrics') problems.push(`${ref(sm)}: scrapes ${ep.path}, not /metrics`);
    }
  }
  return problems;
}

/** Ingress and HTTPRoute backends exist, and their paths fit the app's BASE_PATH. */
export function checkRouting(objs: K8sObject[]): string[] {
  const problems: string[] = [];
  const env = containerEnv(objs, kubeblogContainer(objs));
  const base = (env.BASE_PATH ?? '').replace(/\/+$/, '');
  const fits = (p: string) => {
    const path = p.replace(/\/+$/, '');
    return base === '' || path === '' || path === base || base.startsWith(`${path}/`) || path.startsWith(`${base}/`);
  };
  const services = objs.filter((o) => o.kind === 'Service');
  for (const ing of objs.filter((o) => o.kind === 'Ingress')) {
    for (const rule of ing.spec.rules ?? []) {
      for (const p of rule.http?.paths ?? []) {
        const b = p.backend.service;
        const svc = services.find((s) => s.metadata.name === b.name);
        if (!svc) problems.push(`${ref(ing)}: backend Service ${b.name} is not rendered`);
        else if (!(svc.spec.ports ?? []).some((sp: any) => (b.port.name ? sp.name === b.port.name : sp.port === b.port.number))) problems.push(`${ref(ing)}: backend port ${JSON.stringify(b.port)} is not on ${ref(svc)}`);
        else if (b.port.name && b.port.name !== 'http') problems.push(`${ref(ing)}: routes to port ${b.port.name}, not http`);
        if (!fits(p.path)) problems.push(`${ref(ing)}: path ${p.path} does not fit BASE_PATH ${base}`);
      }
    }
    const tlsHosts = (ing.spec.tls ?? []).flatMap((t: any) => t.hosts ?? []);
    for (const t of ing.spec.tls ?? []) if (!t.secretName) problems.push(`${ref(ing)}: a TLS entry has no secretName`);
    for (const h of tlsHosts) if (!(ing.spec.rules ?? []).some((r: any) => r.host === h)) problems.push(`${ref(ing)}: TLS host ${h} has no rule`);
  }
  for (const route of objs.filter((o) => o.kind === 'HTTPRoute')) {
    for (const rule of route.spec.rules ?? []) {
      for (const b of rule.backendRefs ?? []) {
        const svc = services.find((s) => s.metadata.name === b.name);
        if (!svc) problems.push(`${ref(route)}: backend ${b.name} is not rendered`);
        else if (!(svc.spec.ports ?? []).some((sp: any) => sp.port === b.port && sp.name === 'http')) problems.push(`${ref(route)}: backend port ${b.port} is not the http port of ${ref(svc)}`);
      }
      for (const m of rule.matches ?? []) if (m.path?.value && !fits(m.path.value)) problems.push(`${ref(route)}: path ${m.path.value} does not fit BASE_PATH ${base}`);
    }
  }
  return problems;
}

/** Roles may only get/list/watch configmaps; the token is mounted only with the Kubernetes content source. */
export function checkRbacAndToken(objs: K8sObject[]): string[] {
  const problems: string[] = [];
  const dep = deployment(objs);
  const spec = dep.spec.template.spec;
  const env = containerEnv(objs, kubeblogContainer(objs));
  const sources = appSetting(env, 'CONTENT_SOURCES').split(',').map((s) => s.trim());
  const kube = sources.includes('kubernetes');
  const saName = spec.serviceAccountName ?? 'default';
  const sa = objs.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === saName);
  const mounted = spec.automountServiceAccountToken ?? sa?.automountServiceAccountToken ?? true;
  if (kube && mounted !== true) problems.push('the Kubernetes content source is on but the ServiceAccount token is not mounted');
  if (!kube && mounted !== false) problems.push('the ServiceAccount token is mounted although nothing needs the API');
  if (sa && sa.automountServiceAccountToken !== false) problems.push(`${ref(sa)}: automountServiceAccountToken is not false (pods opt in)`);
  if (kube && !/^<from:.*metadata\.namespace/.test(env.KUBE_NAMESPACE ?? '')) problems.push('KUBE_NAMESPACE does not come from the downward API');
  const roles = objs.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole');
  if (kube && roles.length === 0) problems.push('the Kubernetes content source is on but no Role grants it configmaps');
  if (!kube && roles.length > 0) problems.push('a Role is rendered although the Kubernetes content source is off');
  for (const r of roles) {
    if (r.kind === 'ClusterRole') problems.push(`${ref(r)}: cluster-wide rights are not needed`);
    for (const rule of r.rules ?? []) {
      if (JSON.stringify(rule.apiGroups) !== '[""]') problems.push(`${ref(r)}: apiGroups ${JSON.stringify(rule.apiGroups)}`);
      if (JSON.stringify(rule.resources) !== '["configmaps"]') problems.push(`${ref(r)}: resources ${JSON.stringify(rule.resources)}`);
      const extra = (rule.verbs ?? []).filter((v: string) => !['get', 'list', 'watch'].includes(v));
      if (extra.length > 0 || (rule.verbs ?? []).length === 0) problems.push(`${ref(r)}: verbs ${JSON.stringify(rule.verbs)}`);
      if (rule.resourceNames) problems.push(`${ref(r)}: resourceNames would hide post ConfigMaps`);
    }
  }
  for (const rb of objs.filter((o) => o.kind === 'RoleBinding')) {
    if (!roles.some((r) => r.kind === rb.roleRef.kind && r.metadata.name === rb.roleRef.name)) problems.push(`${ref(rb)}: binds ${rb.roleRef.kind}/${rb.roleRef.name}, which is not rendered`);
    if (!(rb.subjects ?? []).some((s: any) => s.kind === 'ServiceAccount' && s.name === saName)) problems.push(`${ref(rb)}: does not bind the pods' ServiceAccount ${saName}`);
  }
  if (kube && roles.length > 0 && objs.filter((o) => o.kind === 'RoleBinding').length === 0) problems.push('a Role without a RoleBinding');
  return problems;
}

/** Graceful shutdown fits: grace period > delay + timeout; rolling updates keep every pod until a new one is ready. */
export function checkShutdownAndRollout(objs: K8sObject[]): string[] {
  const problems: string[] = [];
  const dep = deployment(objs);
  const env = containerEnv(objs, kubeblogContainer(objs));
  const need = Number(appSetting(env, 'SHUTDOWN_DELAY_SECONDS')) + Number(appSetting(env, 'SHUTDOWN_TIMEOUT_SECONDS'));
  const grace = dep.spec.template.spec.terminationGracePeriodSeconds ?? 30;
  if (!(grace > need)) problems.push(`terminationGracePeriodSeconds ${grace} is not above SHUTDOWN_DELAY_SECONDS + SHUTDOWN_TIMEOUT_SECONDS = ${need}`);
  const s = dep.spec.strategy ?? {};
  if (s.type !== 'RollingUpdate') problems.push(`strategy is ${s.type}`);
  if (s.rollingUpdate?.maxUnavailable !== 0) problems.push(`rollingUpdate.maxUnavailable is ${s.rollingUpdate?.maxUnavailable}, not 0`);
  return problems;
}

export const STANDARD_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
  'app.kubernetes.io/component',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
];

/** Every object carries the standard labels (and helm.sh/chart when rendered by Helm). */
export function checkLabels(objs: K8sObject[], opts: { helm: boolean; version: string }): string[] {
  const problems: string[] = [];
  const want = opts.helm ? [...STANDARD_LABELS, 'helm.sh/chart'] : STANDARD_LABELS;
  for (const o of objs) {
    const labels = o.metadata.labels ?? {};
    for (const l of want) if (!labels[l]) problems.push(`${ref(o)}: label ${l} missing`);
    if (labels['app.kubernetes.io/version'] && labels['app.kubernetes.io/version'] !== opts.version) problems.push(`${ref(o)}: version label ${labels['app.kubernetes.io/version']} is not ${opts.version}`);
    if (o.kind === 'Deployment') {
      const podLabels = o.spec.template.metadata.labels ?? {};
      for (const l of want) if (!podLabels[l]) problems.push(`${ref(o)} pod template: label ${l} missing`);
    }
  }
  return problems;
}

/** All of the above for one set of manifests. */
export function allPolicies(objs: K8sObject[], opts: { helm: boolean; version: string }): Record<string, string[]> {
  return {
    security: checkSecurity(objs),
    probes: checkProbes(objs),
    containerPorts: checkContainerPorts(objs),
    services: checkServices(objs),
    selectors: checkSelectors(objs),
    serviceMonitors: checkServiceMonitors(objs),
    routing: checkRouting(objs),
    rbacAndToken: checkRbacAndToken(objs),
    shutdownAndRollout: checkShutdownAndRollout(objs),
    labels: checkLabels(objs, opts),
  };
}

export { isTestHook };
