import { describe, expect, it } from '@jest/globals';
import { parsePost } from '../../src/content/parse.js';
import { ContentStore } from '../../src/content/store.js';

const post = (name: string, fm = '') => parsePost(name, name, Buffer.from(`---\n${fm}\n---\nBody of ${name}.`), { timezone: 'UTC' });
const visibility = { showDrafts: false, showFuture: false, timezone: 'UTC' };

describe('the catalog readers see', () => {
  it('hides drafts and future posts, and shows a future post once its time has come without a reload', () => {
    let now = Date.parse('2024-05-01T12:00:00Z');
    const store = new ContentStore(['directory'], visibility, () => now);
    store.replace('directory', [post('2024-04-01-old.md'), post('2024-05-02-soon.md', 'date: 2024-05-02 08:00:00'), post('2024-03-01-draft.md', 'published: false')], [], 'v1');
    expect(store.catalog().posts.map((p) => p.slug)).toEqual(['old']);
    expect(store.counts()).toEqual({ published: 1, hidden: 2, invalid: 0 });
    const before = store.catalog().version;
    now = Date.parse('2024-05-02T08:00:00Z');
    expect(store.catalog().posts.map((p) => p.slug)).toEqual(['soon', 'old']);
    expect(store.catalog().version).toBeGreaterThan(before);
  });

  it('shows drafts and future posts when the settings ask for a preview', () => {
    const store = new ContentStore(['directory'], { ...visibility, showDrafts: true, showFuture: true }, () => Date.parse('2024-05-01T00:00:00Z'));
    store.replace('directory', [post('2030-01-01-future.md'), post('2024-03-01-draft.md', 'published: false')], [], 'v1');
    expect(store.catalog().posts.map((p) => p.slug)).toEqual(['future', 'draft']);
  });

  it('indexes tags case-insensitively, years, neighbours and Jekyll-era URLs', () => {
    const store = new ContentStore(['directory'], visibility);
    store.replace(
      'directory',
      [
        post('2017-12-15-kubecon.md', 'tags: [Kubernetes, events]\ncategories: [conf]'),
        post('2018-01-02-helm.md', 'tags: kubernetes\npermalink: /blog/:year/:title/'),
        post('2016-06-01-first.md'),
      ],
      [],
      'v1',
    );
    const catalog = store.catalog();
    expect(catalog.posts.map((p) => p.slug)).toEqual(['helm', 'kubecon', 'first']);
    expect(catalog.tag('kubernetes')?.posts.map((p) => p.slug)).toEqual(['helm', 'kubecon']);
    expect(catalog.tags.map((t) => t.slug)).toEqual(['kubernetes', 'events']);
    expect(catalog.years.map((y) => y.year)).toEqual(['2018', '2017', '2016']);
    expect(catalog.neighbours(catalog.post('kubecon')!)).toEqual({ newer: catalog.post('helm'), older: catalog.post('first') });
    expect(catalog.legacyTarget('/2017/12/15/kubecon.html')?.url).toBe('/posts/kubecon');
    expect(catalog.legacyTarget('/conf/2017/12/15/kubecon.html')?.url).toBe('/posts/kubecon');
    expect(catalog.legacyTarget('/blog/2018/helm/')?.url).toBe('/posts/helm');
    expect(catalog.legacyTarget('/2017/12/16/kubecon.html')).toBeUndefined();
    expect(catalog.postByStem('2016-06-01-first')?.slug).toBe('first');
  });

  it('keeps one post per URL: the first source wins and the loser is reported', () => {
    const store = new ContentStore(['directory', 'other'], visibility);
    const conflicts: string[] = [];
    store.on('conflict', (c) => conflicts.push(`${c.winner} over ${c.loser}`));
    store.replace('other', [post('2020-01-01-same.md', 'title: From other')], [], 'o1');
    store.replace('directory', [post('2019-01-01-same.md', 'title: From directory')], [], 'd1');
    expect(store.catalog().post('same')?.title).toBe('From directory');
    expect(conflicts).toEqual(['2019-01-01-same.md over 2020-01-01-same.md']);
  });

  it('is ready only when every source delivered, and an unchanged set does not make a new version', () => {
    const store = new ContentStore(['directory', 'other'], visibility);
    store.replace('directory', [post('2020-01-01-a.md')], [], 'same');
    expect(store.isReady()).toBe(false);
    expect(store.pendingSources()).toEqual(['other']);
    const version = store.catalog().version;
    store.replace('directory', [post('2020-01-01-a.md')], [], 'same');
    expect(store.catalog().version).toBe(version);
    store.replace('other', [], [], 'x');
    expect(store.isReady()).toBe(true);
  });
});
