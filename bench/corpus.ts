import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

const WORDS =
  'kubernetes cluster pod node service ingress gateway route deployment replica rollout helm chart values template probe readiness liveness metrics prometheus scrape label selector namespace configmap secret volume container image registry build layer cache latency throughput memory budget operator controller reconcile watch informer event shutdown graceful signal connection keepalive proxy header'.split(
    ' ',
  );
const TAGS = Array.from({ length: 60 }, (_, i) => `${WORDS[i % WORDS.length]}${i >= WORDS.length ? '-2' : ''}`);

/** A small deterministic generator, so every run measures the same corpus. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function sentence(next: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(next() * WORDS.length)] ?? 'kube');
  const text = out.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1) + '.';
}

/** One post of about 5 KB: front matter, tags, prose, a heading, a list and a fenced code block. */
export function corpusPost(index: number): { name: string; slug: string; text: string } {
  const next = random(index + 1);
  const day = new Date(Date.UTC(2010, 0, 1) + index * 3_600_000);
  const date = day.toISOString().slice(0, 10);
  const time = day.toISOString().slice(11, 19);
  const slug = `post-${index}-${WORDS[index % WORDS.length]}`;
  const tags = [TAGS[index % TAGS.length], TAGS[(index * 7) % TAGS.length], TAGS[(index * 13) % TAGS.length]];
  const paragraphs: string[] = [];
  while (paragraphs.join('\n\n').length < 3800) {
    const sentences = Array.from({ length: 4 + Math.floor(next() * 4) }, () => sentence(next, 8 + Math.floor(next() * 10)));
    paragraphs.push(sentences.join(' '));
  }
  const text = `---
layout: post
title: "Post ${index}: ${sentence(next, 5).slice(0, -1)}"
date: ${date} ${time} +0000
tags: [${[...new Set(tags)].join(', ')}]
description: ${sentence(next, 12)}
---

${paragraphs[0]}

<!--more-->

## Details

${paragraphs.slice(1, -1).join('\n\n')}

- ${sentence(next, 6)}
- ${sentence(next, 6)}

\`\`\`yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${slug}
spec:
  replicas: ${1 + (index % 5)}
\`\`\`

${paragraphs.at(-1)}
`;
  return { name: `${date}-${slug}.md`, slug, text };
}

/** Writes `count` posts into `dir` (emptied first) and returns their slugs. */
export async function writeCorpus(dir: string, count: number): Promise<string[]> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const slugs: string[] = [];
  const batch = 500;
  for (let start = 0; start < count; start += batch) {
    const posts = Array.from({ length: Math.min(batch, count - start) }, (_, i) => corpusPost(start + i));
    await Promise.all(posts.map((p) => writeFile(path.join(dir, p.name), p.text)));
    slugs.push(...posts.map((p) => p.slug));
  }
  return slugs;
}
