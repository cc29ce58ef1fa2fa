import type { Post } from '../../src/content/post.js';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A throw-away posts folder for one test file. */
export class PostsFolder {
  private constructor(readonly root: string, readonly dir: string) {}

  static async create(files: Record<string, string | Buffer> = {}): Promise<PostsFolder> {
    const root = await mkdtemp(path.join(tmpdir(), 'kubeblog-test-'));
    const dir = path.join(root, 'posts');
    await mkdir(dir);
    const folder = new PostsFolder(root, dir);
    for (const [name, content] of Object.entries(files)) await folder.write(name, content);
    return folder;
  }

  async write(name: string, content: string | Buffer): Promise<void> {
    await writeFile(path.join(this.dir, name), content);
  }

  async remove(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

/** A post file's text from front matter fields and a body. */
export function post(frontMatter: Record<string, string>, body: string): string {
  const lines = Object.entries(frontMatter).map(([k, v]) => `${k}: ${v}`);
  return `---\n${lines.join('\n')}\n---\n${body}\n`;
}

/** A post made in memory, for tests of what is built from posts: every field defaulted, `fields` win. */
export function memoryPost(fields: Partial<Post> & { slug: string }): Post {
  return {
    url: `/posts/${fields.slug}`,
    origin: `${fields.slug}.md`,
    stem: fields.slug,
    title: fields.slug,
    date: new Date('2024-05-01T10:00:00Z'),
    updated: undefined,
    tags: [],
    categories: [],
    description: undefined,
    excerptMarkdown: '',
    author: undefined,
    published: true,
    permalink: undefined,
    image: undefined,
    body: () => '',
    wordCount: () => 0,
    frontMatter: {},
    ...fields,
  };
}
