/**
 * values.schema.json and the chart's own checks refuse bad values with Helm 3 and Helm 4; every value is
 * documented in values.yaml and in the chart README's table.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { chartDir, ensureHelm, helmTemplate, helms, only, removeTempDirs, run, templateArgs } from '../support/helm.js';

beforeAll(() => {
  ensureHelm();
}, 10 * 60_000);
afterAll(removeTempDirs);

function render(bin: string, set: string[], setString: string[] = []) {
  const r = run(bin, templateArgs({ set, setString }));
  return { status: r.status, message: r.stderr };
}

describe.each(helms())('$label refuses bad values', (tool) => {
  it('accepts the defaults (control case)', () => {
    expect(render(tool.bin, []).status).toBe(0);
  });

  it.each([
    ['a misspelled top-level key', ['ingres.enabled=true'], /ingres/],
    ['a misspelled nested key', ['ingress.classname=nginx'], /classname/],
    ['a misspelled key deep down', ['metrics.serviceMonitor.enabeld=true'], /enabeld/],
    ['a misspelled content key', ['content.gitsync.repo=https://example.com/x.git'], /gitsync/],
    ['a string for a number', ['replicaCount=two'], /replicaCount/],
    ['a string for a boolean', ['ingress.enabled=yes'], /enabled/],
    ['a number for a boolean', ['autoscaling.enabled=1'], /enabled/],
    ['an unknown log level', ['config.logLevel=loud'], /logLevel/],
    ['an unknown content mode', ['content.mode=s3'], /mode/],
    ['a port out of range', ['service.port=70000'], /port/],
    ['an unknown Service type', ['service.type=ExternalName'], /type/],
    ['a bad duration', ['metrics.serviceMonitor.interval=30 seconds'], /interval/],
    ['a probe on a port that does not exist', ['readinessProbe.port=admin'], /port/],
    ['an error ratio above 1', ['metrics.prometheusRule.errorRatio.threshold=5'], /threshold/],
  ])('%s', (_what, set, mention) => {
    const r = render(tool.bin, set);
    expect(r.status).not.toBe(0);
    expect(r.message).toMatch(mention);
  });

  it('a string where a port number belongs', () => {
    const r = render(tool.bin, [], ['containerPorts.http=8080']);
    expect(r.status).not.toBe(0);
    expect(r.message).toMatch(/http/);
  });

  it.each([
    ['a grace period not above shutdown delay + timeout', ['terminationGracePeriodSeconds=15'], /terminationGracePeriodSeconds \(15\) must be greater than .* \(15\)/],
    ['a grace period too short for a longer drain', ['config.shutdownTimeoutSeconds=40', 'terminationGracePeriodSeconds=30'], /must be greater/],
    ['gitSync without a repository', ['content.mode=gitSync'], /content\.gitSync\.repo is required/],
    ['configMap mode without posts', ['content.mode=configMap'], /needs posts/],
    ['a Jekyll site from a ConfigMap', ['content.mode=configMap', 'content.jekyllSite=true', 'content.configMap.files.a=b'], /jekyllSite needs a folder tree/],
    ['the same port for the blog and metrics', ['containerPorts.metrics=8080'], /must differ/],
    ['an Ingress path outside the base path', ['config.basePath=/blog', 'ingress.enabled=true', 'ingress.hosts[0].host=a.example', 'ingress.hosts[0].paths[0].path=/shop'], /base path|basePath/],
    ['an HTTPRoute path outside the base path', ['config.basePath=/blog', 'httpRoute.enabled=true', 'httpRoute.rules[0].matches[0].path.type=PathPrefix', 'httpRoute.rules[0].matches[0].path.value=/shop'], /basePath/],
  ])('%s', (_what, set, mention) => {
    const r = render(tool.bin, set);
    expect(r.status).not.toBe(0);
    expect(r.message).toMatch(mention);
  });

  it('accepts a grace period just above delay + timeout', () => {
    expect(render(tool.bin, ['terminationGracePeriodSeconds=16']).status).toBe(0);
  });
});

describe.each(helms())('$label: where the content is read', (tool) => {
  const settings = (set: string[]) => only(helmTemplate(tool.bin, { set }), 'ConfigMap').data as Record<string, string>;

  it('is a posts folder, or with jekyllSite the root of a Jekyll site, in the image or the git checkout', () => {
    expect(settings([])).toMatchObject({ POSTS_DIR: '/app/posts' });
    expect(settings(['content.jekyllSite=true', 'content.image.postsDir=/app/site'])).toMatchObject({ SITE_DIR: '/app/site' });
    const fromGit = settings(['content.mode=gitSync', 'content.jekyllSite=true', 'content.gitSync.repo=https://example.com/site.git', 'content.gitSync.subPath=docs']);
    expect(fromGit).toMatchObject({ SITE_DIR: '/git/current/docs' });
    expect(fromGit.POSTS_DIR).toBeUndefined();
  });
});

describe.each(helms())('$label: the hosts whose requests shape absolute URLs', (tool) => {
  const allowedHosts = (set: string[]) => (only(helmTemplate(tool.bin, { set }), 'ConfigMap').data as Record<string, string>).ALLOWED_HOSTS;

  it('come from the Ingress and HTTPRoute hosts, without wildcards', () => {
    const set = [
      'ingress.enabled=true',
      'ingress.hosts[0].host=Blog.Example.com',
      'ingress.hosts[0].paths[0].path=/',
      'httpRoute.enabled=true',
      'httpRoute.hostnames[0]=*.example.com',
      'httpRoute.hostnames[1]=www.example.com',
    ];
    expect(allowedHosts(set)).toBe('blog.example.com,www.example.com');
  });

  it('are config.allowedHosts when given, and not set at all with a siteUrl', () => {
    expect(allowedHosts(['config.allowedHosts[0]=a.example:8443', 'ingress.enabled=true', 'ingress.hosts[0].host=b.example', 'ingress.hosts[0].paths[0].path=/'])).toBe('a.example:8443');
    expect(allowedHosts(['config.siteUrl=https://blog.example.com', 'config.allowedHosts[0]=a.example'])).toBeUndefined();
  });

  it('refuse a URL where a host belongs', () => {
    const r = render(tool.bin, ['config.allowedHosts[0]=https://blog.example.com']);
    expect(r.status).not.toBe(0);
    expect(r.message).toMatch(/allowedHosts/);
  });
});

// ---- documentation ----

/**
 * Every key in values.yaml (as a dotted path) with the comment block right above it. Keys inside list items
 * (example entries such as ingress.hosts[0]) are part of their list's value and not listed.
 */
function valuesKeys(): { key: string; comment: string[] }[] {
  const lines = readFileSync(path.join(chartDir, 'values.yaml'), 'utf8').split('\n');
  const stack: { indent: number; key: string }[] = [];
  const out: { key: string; comment: string[] }[] = [];
  let listIndent = -1;
  lines.forEach((line, i) => {
    const item = /^( *)- /.exec(line);
    if (item) {
      if (listIndent < 0 || item[1]!.length < listIndent) listIndent = item[1]!.length;
      return;
    }
    const m = /^( *)([A-Za-z0-9_.-]+):( |$)/.exec(line);
    if (!m) return;
    const indent = m[1]!.length;
    if (listIndent >= 0 && indent > listIndent) return;
    listIndent = -1;
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const key = [...stack.map((s) => s.key), m[2]!].join('.');
    stack.push({ indent, key: m[2]! });
    const comment: string[] = [];
    for (let j = i - 1; j >= 0 && lines[j]!.trim().startsWith('#'); j--) comment.unshift(lines[j]!.trim());
    out.push({ key, comment });
  });
  return out;
}

describe('documentation', () => {
  const values = parseYaml(readFileSync(path.join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  const schema = JSON.parse(readFileSync(path.join(chartDir, 'values.schema.json'), 'utf8')) as { properties: Record<string, unknown> };
  const readme = readFileSync(path.join(chartDir, 'README.md'), 'utf8');

  it('every key in values.yaml has a comment above it', () => {
    const keys = valuesKeys();
    expect(keys.length).toBeGreaterThan(150);
    expect(keys.filter((k) => k.comment.length === 0).map((k) => k.key)).toEqual([]);
  });

  it('the schema covers every top-level value', () => {
    expect(Object.keys(values).filter((k) => !(k in schema.properties))).toEqual([]);
  });

  it('the README values table lists every value described with "# --"', () => {
    const described = valuesKeys().filter((k) => k.comment.some((c) => c.startsWith('# --')));
    expect(described.length).toBeGreaterThan(150);
    expect(described.filter((k) => !readme.includes(`| \`${k.key}\` |`)).map((k) => k.key)).toEqual([]);
  });

  it('the README shows install examples for Ingress with TLS, Gateway API, Prometheus Operator, ConfigMap posts and git-sync', () => {
    for (const needle of ['ingress.tls', 'httpRoute.enabled=true', 'metrics.serviceMonitor.enabled=true', 'content.mode=configMap', 'content.mode=gitSync']) {
      expect(readme).toContain(needle);
    }
  });
});
