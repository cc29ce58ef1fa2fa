import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ciValues, ensureHelm, helmTemplate, type K8sObject, only } from '../support/helm.js';
import { type BlogProcess, freePort, startBlogProcess } from '../support/process.js';
import { containerEnv, kubeblogContainer } from './policy.js';

const POSTS = fileURLToPath(new URL('../../../posts', import.meta.url));

interface IngressPath {
  host: string;
  path: string;
  pathType: string;
  tls: boolean;
}

/** The host/path rules of a rendered Ingress, as an Ingress controller reads them. */
function ingressPaths(ingress: K8sObject): IngressPath[] {
  const tlsHosts = new Set<string>((ingress.spec.tls ?? []).flatMap((t: { hosts?: string[] }) => t.hosts ?? []));
  return (ingress.spec.rules as Array<{ host: string; http: { paths: Array<{ path: string; pathType: string }> } }>).flatMap((rule) =>
    rule.http.paths.map((p) => ({ host: rule.host, path: p.path, pathType: p.pathType, tls: tlsHosts.has(rule.host) })),
  );
}

/**
 * nginx configured as ingress-nginx would be from these rules: Prefix paths match the path and below,
 * the Host is kept, X-Forwarded-* are set, and TLS (terminated at the controller) shows as https.
 */
function nginxConfig(paths: IngressPath[], port: number, upstream: string, dir: string): string {
  const servers = new Map<string, IngressPath[]>();
  for (const p of paths) servers.set(p.host, [...(servers.get(p.host) ?? []), p]);
  const proxy = (tls: boolean) => `
      proxy_pass ${upstream};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Forwarded-Proto ${tls ? 'https' : '$scheme'};
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`;
  const blocks = [...servers.entries()].map(
    ([host, rules]) => `
  server {
    listen 127.0.0.1:${port};
    server_name ${host};
    ${rules
      .map((r) =>
        r.pathType === 'Exact'
          ? `location = ${r.path} {${proxy(r.tls)} }`
          : `location = ${r.path} {${proxy(r.tls)} }
    location ${r.path.replace(/\/$/, '')}/ {${proxy(r.tls)} }`,
      )
      .join('\n    ')}
    location / { return 404; }
  }`,
  );
  return `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} default_server;
    return 404;
  }
  ${blocks.join('\n')}
}`;
}

let blog: BlogProcess;
let nginx: ChildProcess;
let dir: string;
let base: string;
let host: string;
let rules: IngressPath[];

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text(): Promise<string>;
}

/** A GET through the Ingress stand-in with the Ingress host (fetch cannot set Host). */
function viaIngress(urlPath: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    request(`${base}${urlPath}`, { headers: { Host: host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: async () => body });
      });
    })
      .on('error', reject)
      .end();
  });
}

beforeAll(async () => {
  const { helm3 } = ensureHelm();
  // The chart's Ingress with TLS under /blog; no SITE_URL, so absolute URLs come from the forwarded headers.
  const objects = helmTemplate(helm3, { values: [ciValues['ingress-tls'] ?? ''], set: ['config.siteUrl=', 'config.trustProxy=loopback'] });
  rules = ingressPaths(only(objects, 'Ingress'));
  host = rules[0]?.host ?? '';
  // The pod's settings, except where it listens: here that is loopback ports of the test's choosing.
  const env = Object.fromEntries(
    Object.entries(containerEnv(objects, kubeblogContainer(objects))).filter(([k, v]) => !v.startsWith('<from:') && !['PORT', 'METRICS_PORT', 'HOST'].includes(k)),
  );
  blog = await startBlogProcess({ ...env, POSTS_DIR: POSTS, SHUTDOWN_DELAY_SECONDS: '0' });
  dir = await mkdtemp(path.join(tmpdir(), 'kubeblog-ingress-'));
  const port = await freePort();
  await writeFile(path.join(dir, 'nginx.conf'), nginxConfig(rules, port, blog.url, dir));
  nginx = spawn('nginx', ['-c', path.join(dir, 'nginx.conf'), '-p', dir], { stdio: 'inherit' });
  base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(base);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('nginx did not start');
}, 120_000);

afterAll(async () => {
  nginx?.kill('SIGTERM');
  blog?.child.kill('SIGTERM');
  await blog?.exited;
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the chart behind a real nginx configured from its Ingress (TLS, /blog prefix)', () => {
  it('renders an Ingress routing the base path of the TLS host to the blog', () => {
    expect(rules).toEqual([{ host: 'www.example.com', path: '/blog', pathType: 'Prefix', tls: true }]);
  });

  it('serves pages whose links, canonical URL and stylesheet stay under the prefix with the forwarded host and scheme', async () => {
    const home = await viaIngress('/blog/');
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain('<link rel="canonical" href="https://www.example.com/blog/">');
    const links = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1] ?? '');
    const local = links.filter((l) => l.startsWith('/'));
    expect(local.length).toBeGreaterThan(5);
    expect(local.filter((l) => !l.startsWith('/blog/'))).toEqual([]);
    for (const link of local) expect((await viaIngress(link)).status).toBe(200);
    const absolute = links.filter((l) => /^https?:/.test(l));
    expect(absolute.every((l) => l.startsWith('https://www.example.com/blog/'))).toBe(true);
  });

  it('serves the post, feed and sitemap with absolute URLs of the public address', async () => {
    const post = await viaIngress('/blog/posts/kubecon-was-nice');
    expect(post.status).toBe(200);
    expect(await post.text()).toContain('<meta property="og:url" content="https://www.example.com/blog/posts/kubecon-was-nice">');
    const feed = await (await viaIngress('/blog/feed.xml')).text();
    expect(feed).toContain('<link href="https://www.example.com/blog/posts/kubecon-was-nice"/>');
    expect(feed).toContain('<link rel="self" href="https://www.example.com/blog/feed.xml"');
    const sitemap = await (await viaIngress('/blog/sitemap.xml')).text();
    expect(sitemap).toContain('<loc>https://www.example.com/blog/posts/kubecon-was-nice</loc>');
    const robots = await (await viaIngress('/blog/robots.txt')).text();
    expect(robots).toContain('Sitemap: https://www.example.com/blog/sitemap.xml');
  });

  it('redirects Jekyll URLs within the prefix and exposes neither metrics nor anything outside it', async () => {
    const moved = await viaIngress('/blog/2017/12/15/kubecon-was-nice.html');
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe('/blog/posts/kubecon-was-nice');
    expect((await viaIngress('/blog/metrics')).status).toBe(404);
    expect((await viaIngress('/metrics')).status).toBe(404);
    expect((await viaIngress('/posts/kubecon-was-nice')).status).toBe(404);
  });
});
