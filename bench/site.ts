/**
 * A Jekyll site for the bench, made the way such sites are written: posts in `_posts` folders nested by
 * year and under category folders, a `permalink` in `_config.yml` with front matter defaults, kramdown's
 * Markdown (attribute lists, footnotes, tables, `{% highlight %}`), Liquid that reads `site.data` and
 * `_includes`, pages in folders, and images of random bytes. Deterministic: every run measures the same
 * site.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { random } from './corpus.js';

export interface SiteShape {
  posts: number;
  pages: number;
  /** Images of 5-50 KB. */
  images: number;
  /** Images of 1-5 MB, on top of `images`. */
  largeImages: number;
}

const WORDS =
  'cluster pod node service ingress gateway deployment replica rollout helm chart probe readiness metrics scrape label namespace secret volume container image registry layer cache latency throughput memory operator controller reconcile watch event signal connection proxy header kernel scheduler quota budget tenant mesh sidecar certificate'.split(
    ' ',
  );
/** Category folders holding a `_posts` folder of their own (`kubernetes/_posts/...`). */
const CATEGORY_FOLDERS = ['kubernetes', 'ops/networking', 'releases'];
const TAGS = WORDS.slice(0, 40);
const AUTHORS = ['ada', 'grace', 'linus', 'barbara', 'ken'];
const PAGE_FOLDERS = ['docs', 'docs/guides', 'docs/reference', 'about', 'projects', 'talks'];

function words(next: () => number, count: number): string {
  return Array.from({ length: count }, () => WORDS[Math.floor(next() * WORDS.length)] ?? 'pod').join(' ');
}

function sentence(next: () => number, count: number): string {
  const text = words(next, count);
  return text.charAt(0).toUpperCase() + text.slice(1) + '.';
}

function paragraph(next: () => number): string {
  // Inline Markdown as kramdown writers use it: emphasis, code spans, links with titles.
  const parts = Array.from({ length: 3 + Math.floor(next() * 4) }, () => sentence(next, 8 + Math.floor(next() * 10)));
  parts[1] = `Set **${words(next, 2)}** and \`${WORDS[Math.floor(next() * WORDS.length)]}\` with [the docs](https://kubernetes.io/docs/ "Kubernetes docs") in mind.`;
  return parts.join(' ');
}

const two = (n: number) => String(n).padStart(2, '0');

export interface SitePostFile {
  rel: string;
  text: string;
}

/** Post `index`: about 4.5 KB of kramdown Markdown and Liquid, in a year folder or a category's `_posts`. */
export function sitePost(index: number, shape: SiteShape): SitePostFile {
  const next = random(index + 7);
  const day = new Date(Date.UTC(2012, 0, 1) + Math.floor((index * 14 * 365 * 86_400_000) / shape.posts));
  const date = `${day.getUTCFullYear()}-${two(day.getUTCMonth() + 1)}-${two(day.getUTCDate())}`;
  const slug = `${WORDS[index % WORDS.length]}-${words(next, 2).replace(' ', '-')}-${index}`;
  const category = index % 5 === 0 ? CATEGORY_FOLDERS[index % CATEGORY_FOLDERS.length] : undefined;
  const rel = category ? `${category}/_posts/${date}-${slug}.md` : `_posts/${day.getUTCFullYear()}/${date}-${slug}.md`;
  const tags = [...new Set([TAGS[index % TAGS.length], TAGS[(index * 7) % TAGS.length]])];
  const image = `/assets/img/${index % shape.images}.${index % 2 ? 'jpg' : 'png'}`;
  const text = `---
title: "${sentence(next, 5).slice(0, -1)}"
date: ${date} ${two(index % 24)}:${two((index * 7) % 60)}:00 +0100
tags: [${tags.join(', ')}]
author: ${AUTHORS[index % AUTHORS.length]}
description: ${sentence(next, 12)}
---

${paragraph(next)}

<!--more-->

## What we ran into {#problem}

${paragraph(next)}[^1]

![A diagram of the ${words(next, 2)}]({{ "${image}" | relative_url }}){: .diagram width="640"}

${paragraph(next)}

{% include note.html text="${sentence(next, 8)}" %}

| Setting | Before | After |
|---------|-------:|------:|
| ${WORDS[index % WORDS.length]} | ${index % 97} ms | ${index % 41} ms |
| replicas | ${1 + (index % 5)} | ${2 + (index % 7)} |

{% highlight yaml %}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${slug}
spec:
  replicas: ${1 + (index % 5)}
{% endhighlight %}

### How it ended
{: .outcome}

${paragraph(next)}

* ${sentence(next, 6)}
* ${sentence(next, 6)}
* Written by {{ site.data.authors.${AUTHORS[index % AUTHORS.length]}.name }} for {{ site.title }}.

${paragraph(next)}

[^1]: ${sentence(next, 10)}
`;
  return { rel, text };
}

/** Page `index`: Markdown or HTML with front matter, in a folder, some as the folder's `index`. */
function sitePage(index: number): SitePostFile {
  const next = random(1_000_000 + index);
  const folder = PAGE_FOLDERS[index % PAGE_FOLDERS.length] ?? 'docs';
  const html = index % 4 === 3;
  const name = index < PAGE_FOLDERS.length ? 'index' : `${words(next, 1)}-${index}`;
  const rel = `${folder}/${name}.${html ? 'html' : 'md'}`;
  const title = sentence(next, 3).slice(0, -1);
  const body = html
    ? `<section class="page">\n  <p>${sentence(next, 20)}</p>\n  <p>{{ page.title }} on {{ site.title }}: ${sentence(next, 30)}</p>\n  {% include note.html text="${sentence(next, 6)}" %}\n</section>\n`
    : `${paragraph(next)}\n\n## Overview\n\n${paragraph(next)}\n\n- ${sentence(next, 6)}\n- ${sentence(next, 6)}\n\n${paragraph(next)}\n`;
  return { rel, text: `---\ntitle: "${title}"\ndescription: ${sentence(next, 10)}\n---\n${body}` };
}

/** Bytes for an image; random, so neither server gains from compression. */
function imageBytes(next: () => number, size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i += 4) bytes.writeUInt32LE(Math.floor(next() * 2 ** 32), Math.min(i, size - 4));
  return bytes;
}

/** The path of a 5-50 KB image of the site, for a static-file load. */
export function siteImage(index: number): string {
  return `assets/img/${index}.${index % 2 ? 'jpg' : 'png'}`;
}

async function writeAll(root: string, files: Iterable<{ rel: string; bytes: string | Buffer }>): Promise<void> {
  const made = new Set<string>();
  let batch: Array<Promise<void>> = [];
  for (const file of files) {
    const full = path.join(root, file.rel);
    const dir = path.dirname(full);
    if (!made.has(dir)) {
      await mkdir(dir, { recursive: true });
      made.add(dir);
    }
    batch.push(writeFile(full, file.bytes));
    if (batch.length === 200) {
      await Promise.all(batch);
      batch = [];
    }
  }
  await Promise.all(batch);
}

/** Writes the site into `root` (emptied first). */
export async function writeSite(root: string, shape: SiteShape): Promise<void> {
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  const config = `title: Cluster Notes
description: Notes from running Kubernetes in production
url: https://notes.example.com
permalink: /:categories/:year/:month/:title/
markdown: kramdown
kramdown:
  input: GFM
header_pages: [${PAGE_FOLDERS.slice(0, 3).map((f) => `${f}/index.md`).join(', ')}]
exclude: [README.md, Gemfile, Gemfile.lock, vendor]
defaults:
  - scope: { path: "", type: posts }
    values: { layout: post, comments: true }
  - scope: { path: docs }
    values: { layout: doc }
`;
  const authors = AUTHORS.map((a) => `${a}:\n  name: ${a.charAt(0).toUpperCase() + a.slice(1)}\n  twitter: ${a}_ops\n`).join('');
  const navigation = PAGE_FOLDERS.map((f) => `- title: ${f}\n  url: /${f}/\n`).join('');
  const next = random(99);
  function* files(): Generator<{ rel: string; bytes: string | Buffer }> {
    yield { rel: '_config.yml', bytes: config };
    yield { rel: 'README.md', bytes: 'The source of the site.\n' };
    yield { rel: '_data/authors.yml', bytes: authors };
    yield { rel: '_data/navigation.yml', bytes: navigation };
    yield { rel: '_includes/note.html', bytes: '<aside class="note">{{ include.text }}</aside>\n' };
    yield { rel: '_includes/footer.html', bytes: '<footer>{{ site.title }}</footer>\n' };
    yield { rel: 'index.html', bytes: '---\ntitle: Home\n---\n<h1>{{ site.title }}</h1>\n' };
    for (let i = 0; i < shape.posts; i++) {
      const post = sitePost(i, shape);
      yield { rel: post.rel, bytes: post.text };
    }
    for (let i = 0; i < shape.pages; i++) {
      const page = sitePage(i);
      yield { rel: page.rel, bytes: page.text };
    }
    for (let i = 0; i < shape.images; i++) yield { rel: siteImage(i), bytes: imageBytes(next, 5 * 1024 + Math.floor(next() * 45 * 1024)) };
    for (let i = 0; i < shape.largeImages; i++) yield { rel: `assets/photos/large-${i}.jpg`, bytes: imageBytes(next, 1024 ** 2 + Math.floor(next() * 4 * 1024 ** 2)) };
  }
  await writeAll(root, files());
}
