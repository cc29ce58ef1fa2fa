import { describe, expect, it } from '@jest/globals';
import { parsePost } from '../../src/content/parse.js';
import { ContentStore } from '../../src/content/store.js';
import { createRenderEngines } from '../../src/rendering/engines.js';
import { GFM_SETTINGS } from '../../src/rendering/markdown-settings.js';
import { renderFragment } from '../../src/rendering/fragment.js';
import type { SiteContext } from '../../src/rendering/pages.js';
import { jobFor } from '../../src/rendering/post-renderer.js';

const site: SiteContext = {
  title: 'Test blog',
  description: 'Tests',
  author: 'Ada',
  language: 'en',
  timezone: 'UTC',
  preview: false,
  basePath: '/blog',
  origin: 'https://blog.example.com',
};

function render(body: string, others: string[] = []): { html: string; liquidErrors: string[] } {
  const engines = createRenderEngines({ markdown: GFM_SETTINGS, markdownMaxNesting: 32, liquidRenderLimitMs: 500, liquidMemoryLimit: 10_000_000, liquidParseLimit: 1_048_576 });
  const store = new ContentStore(['directory'], { showDrafts: false, showFuture: false, timezone: 'UTC' });
  const main = parsePost('2020-01-02-main.md', 'main', Buffer.from(`---\ntitle: Main\n---\n${body}`), { timezone: 'UTC' });
  const rest = others.map((name) => parsePost(name, name, Buffer.from('---\n---\nx'), { timezone: 'UTC' }));
  store.replace('directory', [main, ...rest], [], 'v');
  const result = renderFragment(jobFor(main, main.body(), store.catalog(), site), engines);
  return { html: result.html, liquidErrors: (result.liquidProblems ?? []).map((problem) => problem.message) };
}

describe('Markdown rendering', () => {
  it('renders GitHub-flavoured tables and task lists', () => {
    const { html } = render('| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n');
    expect(html).toContain('<table>');
    expect(html).toContain('<td>1</td>');
    expect(html).toMatch(/<input checked="" disabled="" type="checkbox"[^>]*> done/);
  });

  it('gives headings ids for anchors', () => {
    expect(render('## Getting started\n\ntext').html).toContain('<h2 id="getting-started">Getting started</h2>');
  });

  it('highlights fenced code with a language on the server and escapes code without one', () => {
    const { html } = render('```go\nfunc main() {}\n```\n\n```\n<b>raw</b>\n```\n');
    expect(html).toMatch(/<code class="hljs language-go">.*<span class="hljs-keyword">func<\/span>/);
    expect(html).toContain('&lt;b&gt;raw&lt;/b&gt;');
  });

  it('highlights languages beyond the common set too (Dockerfile, Haskell, by alias)', () => {
    const { html } = render('```dockerfile\nFROM node:24\n```\n\n```hs\nmain = putStrLn "hi"\n```\n\n```nosuchlang\nx\n```\n');
    expect(html).toMatch(/<code class="hljs language-dockerfile"><span class="hljs-keyword">FROM<\/span>/);
    expect(html).toMatch(/<code class="hljs language-hs">.*<span class="hljs-string">&quot;hi&quot;<\/span>/);
    expect(html).toContain('<code class="hljs language-nosuchlang">x');
  });

  it('marks external links noopener noreferrer and leaves internal links alone', () => {
    const { html } = render('[out](https://istio.io/) and [in](/blog/posts/x)');
    expect(html).toContain('<a href="https://istio.io/" rel="noopener noreferrer">out</a>');
    expect(html).toContain('<a href="/blog/posts/x">in</a>');
  });

  it('passes raw HTML through, as authors are trusted', () => {
    expect(render('<div class="note">Hi <em>there</em></div>\n').html).toContain('<div class="note">Hi <em>there</em></div>');
  });
});

describe('Jekyll Liquid in posts', () => {
  it('renders {% highlight %} blocks as highlighted code, blank lines included', () => {
    const { html, liquidErrors } = render('{% highlight ruby %}\ndef hello\n\n  puts "hi"\nend\n{% endhighlight %}\n');
    expect(liquidErrors).toEqual([]);
    expect(html).toContain('<code class="hljs language-ruby"><span class="hljs-keyword">def</span>');
    expect(html).not.toContain('{%');
    expect(html).not.toContain('endhighlight');
  });

  it('resolves {% post_url %} and {% link %} to the post address under the base path', () => {
    const { html } = render('[a]({% post_url 2019-05-01-earlier %}) [b]({% link _posts/2019-05-01-earlier.md %})', ['2019-05-01-earlier.md']);
    expect(html).toContain('<a href="/blog/posts/earlier">a</a>');
    expect(html).toContain('<a href="/blog/posts/earlier">b</a>');
  });

  it('keeps {% raw %} content literally and fills {{ site.url }} and page variables', () => {
    const { html } = render('{% raw %}`{{ not.liquid }}`{% endraw %} at {{ site.url }}{{ site.baseurl }} in "{{ page.title }}"');
    expect(html).toContain('<code>{{ not.liquid }}</code>');
    expect(html).toContain('at <a href="https://blog.example.com/blog" rel="noopener noreferrer">https://blog.example.com/blog</a> in &quot;Main&quot;');
  });

  it('leaves out a tag that cannot run instead of showing it, reports why, and renders the others', () => {
    const { html, liquidErrors } = render('Before {% post_url 2000-01-01-missing %} after {{ site.title }}.');
    expect(html).toContain('Before  after Test blog.');
    expect(html).not.toContain('{%');
    expect(liquidErrors[0]).toMatch(/names no post/);
  });
});
