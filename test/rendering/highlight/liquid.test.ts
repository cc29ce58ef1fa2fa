import { describe, expect, it } from '@jest/globals';
import { createLiquid } from '../../../src/rendering/liquid.js';
import { createMarkdown } from '../../../src/rendering/markdown.js';
import { markdownSettings } from '../../../src/rendering/markdown-settings.js';
import { quickestCpuMs } from '../../support/cpu-time.js';

const limits = { maxNesting: 32 };
const markdown = createMarkdown(markdownSettings('kramdown', {}), limits);
const fenced = (code: string): string => markdown.toHtml('```liquid\n' + code + '\n```\n');

describe('Liquid highlighting', () => {
  // Rouge's Liquid lexer reads tags, filters, strings, numbers and comments where these spans are.
  it('marks tags, variables, filters and the HTML around them', () => {
    expect(fenced('{% for post in site.posts limit: 3 %}<a href="{{ post.url | relative_url }}">{{ post.title | escape }}</a>{% endfor %}')).toBe(
      '<pre><code class="hljs language-liquid">' +
        '<span class="hljs-template-tag">{% <span class="hljs-name">for</span> post <span class="hljs-keyword">in</span> site.posts <span class="hljs-keyword">limit</span>: <span class="hljs-number">3</span> %}</span>' +
        '<span class="language-xml"><span class="hljs-tag">&lt;<span class="hljs-name">a</span> <span class="hljs-attr">href</span>=<span class="hljs-string">&quot;</span></span></span>' +
        '<span class="hljs-template-variable">{{ post.url | <span class="hljs-built_in">relative_url</span> }}</span>' +
        '<span class="language-xml"><span class="hljs-tag"><span class="hljs-string">&quot;</span>&gt;</span></span>' +
        '<span class="hljs-template-variable">{{ post.title | <span class="hljs-built_in">escape</span> }}</span>' +
        '<span class="language-xml"><span class="hljs-tag">&lt;/<span class="hljs-name">a</span>&gt;</span></span>' +
        '<span class="hljs-template-tag">{% <span class="hljs-name">endfor</span> %}</span>\n</code></pre>',
    );
  });

  it('marks strings, operators and whitespace control', () => {
    expect(fenced('{%- if a == "x" and b > 1.5 -%}')).toBe(
      '<pre><code class="hljs language-liquid"><span class="hljs-template-tag">{%- <span class="hljs-name">if</span> a <span class="hljs-operator">==</span> ' +
        '<span class="hljs-string">&quot;x&quot;</span> <span class="hljs-keyword">and</span> b <span class="hljs-operator">&gt;</span> <span class="hljs-number">1.5</span> -%}</span>\n</code></pre>',
    );
  });

  it('leaves comments and raw blocks unparsed', () => {
    expect(fenced('{% comment %} {{ x }} {% endcomment %}{% raw %}{{ not liquid }}{% endraw %}')).toBe(
      '<pre><code class="hljs language-liquid"><span class="hljs-comment">{% comment %} {{ x }} {% endcomment %}</span>' +
        '<span class="hljs-template-tag">{% raw %}</span>{{ not liquid }}<span class="hljs-template-tag">{% endraw %}</span>\n</code></pre>',
    );
  });

  it('highlights {% highlight liquid %} blocks, whose Liquid is shown, not run', () => {
    const liquid = createLiquid({ renderLimitMs: 1000, memoryLimit: 1e6, parseLimit: 1e6 });
    const scope = { site: { url: '', baseurl: '', title: 'Site', description: '', author: '' }, page: { title: 'Post' }, postUrl: () => undefined };
    const { text } = liquid.render('{% highlight liquid %}\n{{ page.title | upcase }}\n{% endhighlight %}\n', scope);
    expect(markdown.toHtml(text)).toBe(
      '<pre><code class="hljs language-liquid"><span class="hljs-template-variable">{{ page.title | <span class="hljs-built_in">upcase</span> }}</span>\n</code></pre>',
    );
  });

  it.each([
    ['unclosed outputs', '{{ a '.repeat(20_000)],
    ['unclosed tags', '{% if '.repeat(16_000)],
    ['filter chains', '{{ a ' + '| f '.repeat(25_000) + '}}'],
    ['unclosed raw blocks', '{% raw %}'.repeat(11_000)],
  ])('highlights 100 KB of %s in linear time', (_name, code) => {
    expect(quickestCpuMs(() => fenced(code), 1000)).toBeLessThan(1000);
  });
});
