import { corpusPost } from './corpus.js';
import { createMarkdown } from '../src/rendering/markdown.js';
import { GFM_SETTINGS, markdownSettings } from '../src/rendering/markdown-settings.js';

/**
 * What the kramdown dialect costs over GitHub's flavour, per post: the CPU time of rendering the same
 * Markdown both ways, quickest of several rounds taken in turn. Two posts: a long one of plain prose,
 * lists and code (corpus posts joined), and the same with the kramdown a Jekyll post carries (a TOC,
 * IALs on paragraphs, images and headers, a definition list, abbreviations, a comment).
 * Run: npx tsc -p tsconfig.json && node dist/bench/markdown-dialects.js
 */

function body(text: string): string {
  return text.slice(text.indexOf('\n---\n', 4) + 5);
}

const plain = Array.from({ length: 10 }, (_, i) => body(corpusPost(i).text)).join('\n\n');

const KRAMDOWN_EXTRAS = `
* TOC
{:toc}

A notice before the details.
{: .notice--info}

![A diagram](/assets/diagram.png){: .align-center}

## Settings {#settings}

Probe
: How the kubelet asks a container whether it is alive.

Readiness
: Whether it takes traffic.

{::comment}
Written before the 1.29 upgrade.
{:/comment}

*[HTML]: Hyper Text Markup Language
*[API]: Application Programming Interface
`;

const sections = plain.split('\n## ');
const withKramdown = [KRAMDOWN_EXTRAS, ...sections.map((section, i) => (i === 0 ? section : `## ${section}\n{: .section-${i}}\n\nThe API serves HTML.`))].join('\n\n## ');

function cpuMs(run: () => unknown): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

const limits = { maxNesting: 32 };
const gfm = createMarkdown(GFM_SETTINGS, limits);
const kramdown = createMarkdown(markdownSettings('kramdown', {}), limits);

for (const [name, text] of [['plain post', plain], ['post with kramdown syntax', withKramdown]] as const) {
  let gfmMs = Infinity;
  let kramdownMs = Infinity;
  for (let round = 0; round < 30; round++) {
    gfmMs = Math.min(gfmMs, cpuMs(() => { for (let i = 0; i < 10; i++) gfm.toHtml(text); }) / 10);
    kramdownMs = Math.min(kramdownMs, cpuMs(() => { for (let i = 0; i < 10; i++) kramdown.toHtml(text); }) / 10);
  }
  const ratio = kramdownMs / gfmMs;
  console.log(`${name} (${(text.length / 1024).toFixed(0)} KB): GFM ${gfmMs.toFixed(2)} ms, kramdown ${kramdownMs.toFixed(2)} ms, ${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(0)} %`);
}
