import { readFileSync } from 'node:fs';
import { createMarkdown } from '../src/rendering/markdown.js';
import { markdownSettings } from '../src/rendering/markdown-settings.js';

/**
 * The cost of the kramdown dialect over GitHub's flavour: one realistic Jekyll post (quotes, dashes,
 * links, code, a table, footnotes) rendered by both in interleaved rounds, on CPU time, as the median of
 * the rounds' ratios (the machine's speed drifts between rounds). Run: node dist/bench/dialect.js [post.md]
 */
const post = readFileSync(process.argv[2] ?? new URL('../../bench/posts/jekyll-post.md', import.meta.url), 'utf8');
const limits = { maxNesting: 32 };
const gfm = createMarkdown(markdownSettings('gfm', {}), limits);
const kramdown = createMarkdown(markdownSettings('kramdown', {}), limits);

function cpuMicrosEach(render: () => unknown, times: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < times; i++) render();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / times;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

for (let i = 0; i < 500; i++) {
  gfm.toHtml(post);
  kramdown.toHtml(post);
}
const rounds = Array.from({ length: 21 }, () => {
  const gfmMicros = cpuMicrosEach(() => gfm.toHtml(post), 100);
  const kramdownMicros = cpuMicrosEach(() => kramdown.toHtml(post), 100);
  return { gfmMicros, kramdownMicros, ratio: kramdownMicros / gfmMicros };
});
console.log(
  `${(post.length / 1024).toFixed(1)} KB post: GFM ${median(rounds.map((r) => r.gfmMicros)).toFixed(0)} µs, ` +
    `kramdown ${median(rounds.map((r) => r.kramdownMicros)).toFixed(0)} µs, ratio ${median(rounds.map((r) => r.ratio)).toFixed(3)}`,
);
