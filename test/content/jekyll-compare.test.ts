import { beforeAll, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { compareSite, diffExcerpt, type DocumentResult, type SiteResult } from '../../bench/jekyll-compare/compare.js';
import { parseHtml, visibleText } from '../../bench/jekyll-compare/html-text.js';

const SITE = fileURLToPath(new URL('../../../test/fixtures/jekyll-sites/org-blog', import.meta.url));

/*
 * What kubeblog already does as Jekyll does on this site. Each is a floor: raise it when a change makes
 * kubeblog match Jekyll on more of the site; the test fails if a change takes any of them back.
 */
const TEXT_IDENTICAL_AT_LEAST = 14;
const IDENTICAL_BUT_TYPOGRAPHY_AT_LEAST = 14;
const SERVED_AT_LEAST = 15;
const URL_IDENTICAL_AT_LEAST = 15;
const STATIC_FILES_OK_AT_LEAST = 6;
const LEAKED_SYNTAX_AT_MOST = 0;

/** Passages of Jekyll's output that kubeblog's text of the same post already contains, construct by construct. */
const MATCHING_NOW: Array<{ source: string; construct: string; text: string }> = [
  {
    source: 'engineering/_posts/2023-09-05-postmortem-dns.md',
    construct: 'headings and a list with strong text',
    text: 'Timeline 09:12 — a resolver configuration change is rolled out. 09:20 — error rates climb; the pager fires.',
  },
  { source: 'engineering/_posts/2024-01-17-moving-to-arm.md', construct: 'a fenced code block', text: 'nodeSelector: kubernetes.io/arch: arm64' },
  {
    source: 'engineering/_posts/2023-03-14-cutting-p99-latency.md',
    construct: 'images between paragraphs',
    text: 'Two changes brought it to 410 ms. The first was connection reuse',
  },
];

let result: SiteResult;
const doc = (source: string): DocumentResult => {
  const found = result.documents.find((d) => d.source === source);
  if (!found) throw new Error(`Jekyll wrote no document from ${source}`);
  return found;
};

describe('kubeblog against Jekyll 4.3 on the organisation blog fixture', () => {
  beforeAll(async () => {
    // Fails with the way to install Jekyll when this machine has none.
    result = await compareSite(SITE, { keepTexts: true, jekyllTimeoutMs: 40_000, kubeblogStartTimeoutMs: 15_000 });
  }, 60_000);

  it('has Jekyll build every post and page at the URLs its permalink setting gives', () => {
    expect(result.jekyll).toEqual({ seconds: expect.any(Number), adjustments: ['plugins not installed, dropped: jekyll-sitemap'] });
    expect(result.documents.map((d) => [d.source, d.jekyllUrl])).toEqual([
      ['404.html', '/404.html'],
      ['_posts/2023-01-09-welcome-to-the-new-blog.md', '/blog/2023/welcome-to-the-new-blog/'],
      ['_posts/2023-02-20-meet-the-team.md', '/blog/2023/meet-the-team/'],
      ['_posts/2024-04-30-one-year-of-the-blog.md', '/blog/2024/one-year-of-the-blog/'],
      ['about.md', '/about/'],
      ['community/_posts/2023-05-11-hackathon-recap.md', '/blog/2023/hackathon-recap/'],
      ['community/_posts/2023-10-30-open-sourcing-lighthouse.md', '/blog/2023/open-sourcing-lighthouse/'],
      ['community/_posts/2024-02-14-speaking-at-conferences.md', '/blog/2024/speaking-at-conferences/'],
      ['engineering/_posts/2023-03-14-cutting-p99-latency.md', '/blog/2023/cutting-p99-latency/'],
      ['engineering/_posts/2023-04-02-our-architecture.md', '/blog/2023/our-architecture/'],
      ['engineering/_posts/2023-06-21-the-on-call-handbook.md', '/blog/2023/the-on-call-handbook/'],
      ['engineering/_posts/2023-09-05-postmortem-dns.md', '/blog/2023/postmortem-dns/'],
      ['engineering/_posts/2024-01-17-moving-to-arm.md', '/blog/2024/moving-to-arm/'],
      ['engineering/_posts/2024-03-08-secrets-rotation.md', '/blog/2024/secrets-rotation/'],
      ['index.html', '/'],
    ]);
  });

  it('reads the text of Jekyll\'s rendering exactly: includes with parameters, data loops, typography', () => {
    expect(doc('engineering/_posts/2023-03-14-cutting-p99-latency.md').texts?.jekyll).toBe(
      'Our p99 for the checkout API sat at 840 ms for months. Two changes brought it to 410 ms. The first was connection reuse between the ingress and the pods. The second was moving TLS termination to the edge. Measure first. We kept a week of histograms before touching anything.',
    );
    expect(doc('_posts/2023-02-20-meet-the-team.md').texts?.jekyll).toBe(
      'The platform team is small. Here is who answers the pager: Ines Okafor, Platform lead Tomasz Wierzba, Site reliability Mei Lin Ho, Developer experience Our offsite in Gdańsk.',
    );
    expect(doc('engineering/_posts/2023-09-05-postmortem-dns.md').texts?.jekyll).toContain('failed to resolve our API’s name.');
  });

  it('keeps every construct kubeblog already renders as Jekyll does', () => {
    for (const { source, construct, text } of MATCHING_NOW) {
      const { texts } = doc(source);
      expect({ construct, inJekyll: texts?.jekyll.includes(text) }).toEqual({ construct, inJekyll: true });
      expect({ construct, inKubeblog: texts?.kubeblog.includes(text) }).toEqual({ construct, inKubeblog: true });
    }
  });

  it('matches Jekyll on at least as much of the site as it did', () => {
    const { summary } = result;
    expect(summary.textIdentical).toBeGreaterThanOrEqual(TEXT_IDENTICAL_AT_LEAST);
    expect(summary.textIdenticalButTypography).toBeGreaterThanOrEqual(IDENTICAL_BUT_TYPOGRAPHY_AT_LEAST);
    expect(summary.served).toBeGreaterThanOrEqual(SERVED_AT_LEAST);
    expect(summary.urlIdentical).toBeGreaterThanOrEqual(URL_IDENTICAL_AT_LEAST);
    expect(summary.staticLinksOk).toBeGreaterThanOrEqual(STATIC_FILES_OK_AT_LEAST);
    expect(summary.documentsWithLeaks).toBeLessThanOrEqual(LEAKED_SYNTAX_AT_MOST);
  });
});

describe('the text the comparison reads from a page', () => {
  const text = (html: string) => visibleText(parseHtml(html).root);

  it('joins inline elements without a space and separates blocks with one, as a reader sees them', () => {
    expect(text('<p>Mar<em>ked</em> <a href="#">up</a></p><ul><li>one</li><li>two</li></ul><p>x<br>y</p>')).toBe('Marked up one two x y');
  });

  it('decodes entities and keeps typography and non-breaking spaces as whitespace', () => {
    expect(text('<p>It&rsquo;s &ldquo;quoted&rdquo; &ndash; 5&nbsp;%&hellip;</p>')).toBe('It’s “quoted” – 5 %…');
  });

  it('leaves out what is never shown: scripts, styles and templates', () => {
    expect(text('<p>shown</p><script>var hidden = 1;</script><style>p{}</style><template><p>later</p></template>')).toBe('shown');
  });

  it('marks where two texts first differ', () => {
    expect(diffExcerpt('I can’t stop', "I can't stop", 4)).toEqual({ jekyll: '… can⟦’t stop', kubeblog: "… can⟦'t stop" });
  });
});
