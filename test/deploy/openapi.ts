/**
 * Validation of rendered objects against the Kubernetes OpenAPI schema:
 *  - the JSON-schema validators of the `kubernetes-models` package (generated from a current Kubernetes
 *    release's OpenAPI spec) and of `@kubernetes-models/prometheus-operator` and `@kubernetes-models/gateway-api`
 *    (generated from those projects' CRDs) check types, enums, formats and required fields;
 *  - because those schemas allow unknown fields (as the API server does when it prunes them), unknown fields of
 *    built-in kinds are caught separately with the field lists of `@kubernetes/client-node`'s models, the way
 *    `kubectl apply --validate=strict` would reject them;
 *  - apiVersions must be ones a current API server still serves.
 */
import * as k8s from '@kubernetes/client-node';
import * as gatewayApi from '@kubernetes-models/gateway-api';
import * as prometheusOperator from '@kubernetes-models/prometheus-operator';
import * as kubernetesModels from 'kubernetes-models';
import type { K8sObject } from '../support/helm.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
interface ModelClass {
  apiVersion: string;
  kind: string;
  new (data: any): { validate(): void };
}

const registry = new Map<string, ModelClass>();
function collect(ns: unknown, depth = 0): void {
  if (!ns || typeof ns !== 'object' || depth > 3) return;
  for (const v of Object.values(ns as Record<string, unknown>)) {
    if (typeof v === 'function' && typeof (v as any).apiVersion === 'string' && typeof (v as any).kind === 'string') {
      registry.set(`${(v as any).apiVersion}/${(v as any).kind}`, v as unknown as ModelClass);
    } else {
      collect(v, depth + 1);
    }
  }
}
collect(kubernetesModels);
collect(prometheusOperator);
collect(gatewayApi);

/** API groups/versions served by current Kubernetes (1.31–1.35) for the kinds kubeblog uses, plus its CRDs. */
export const SERVED_API_VERSIONS = new Set([
  'v1',
  'apps/v1',
  'autoscaling/v2',
  'policy/v1',
  'networking.k8s.io/v1',
  'rbac.authorization.k8s.io/v1',
  'monitoring.coreos.com/v1',
  'gateway.networking.k8s.io/v1',
]);

export function knownKinds(): string[] {
  return [...registry.keys()];
}

/** Schema problems of one object (empty when it is valid). */
export function schemaProblems(obj: K8sObject): string[] {
  const where = `${obj.kind}/${obj.metadata?.name}`;
  const key = `${obj.apiVersion}/${obj.kind}`;
  if (!SERVED_API_VERSIONS.has(obj.apiVersion)) return [`${where}: apiVersion ${obj.apiVersion} is not served by current Kubernetes`];
  const Model = registry.get(key);
  if (!Model) return [`${where}: no schema for ${key}`];
  const problems: string[] = [];
  try {
    new Model(obj).validate();
  } catch (error) {
    problems.push(`${where}: ${(error as Error).message}`);
  }
  problems.push(...unknownFields(obj).map((p) => `${where}: unknown field ${p}`));
  return problems;
}

// ---- unknown fields of built-in kinds, from @kubernetes/client-node's generated models ----

interface Attr {
  name: string;
  baseName: string;
  type: string;
}

function modelClass(type: string): { getAttributeTypeMap(): Attr[] } | undefined {
  const c = (k8s as Record<string, unknown>)[type];
  return typeof c === 'function' && typeof (c as any).getAttributeTypeMap === 'function' ? (c as any) : undefined;
}

function walk(value: unknown, type: string, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  const arr = /^Array<(.+)>$/.exec(type);
  if (arr) {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, arr[1]!, `${path}[${i}]`, out));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === 'object') for (const [k, v] of Object.entries(value as object)) walk(v, map[1]!, `${path}.${k}`, out);
    return;
  }
  const cls = modelClass(type);
  if (!cls || typeof value !== 'object' || Array.isArray(value)) return;
  const attrs = cls.getAttributeTypeMap();
  for (const [k, v] of Object.entries(value as object)) {
    const a = attrs.find((x) => x.baseName === k);
    if (!a) {
      out.push(`${path ? `${path}.` : ''}${k}`);
      continue;
    }
    walk(v, a.type, `${path ? `${path}.` : ''}${k}`, out);
  }
}

/** Field paths of `obj` that its built-in kind does not have (CRD kinds: none checked here). */
export function unknownFields(obj: K8sObject): string[] {
  const version = obj.apiVersion.split('/').pop()!;
  const className = `${version.charAt(0).toUpperCase()}${version.slice(1)}${obj.kind}`;
  if (!modelClass(className)) return [];
  const out: string[] = [];
  walk(obj, className, '', out);
  return out;
}

/** Whether strict unknown-field checking covers this object's kind. */
export function strictlyChecked(obj: K8sObject): boolean {
  const version = obj.apiVersion.split('/').pop()!;
  return modelClass(`${version.charAt(0).toUpperCase()}${version.slice(1)}${obj.kind}`) !== undefined;
}
