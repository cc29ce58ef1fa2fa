import type { RenderEngines } from './fragment.js';
import { createLiquid } from './liquid.js';
import { createMarkdown } from './markdown.js';
import type { MarkdownSettings } from './markdown-settings.js';

/** How posts are rendered and the limits that runs under; plain data, handed to each render thread. */
export interface RenderSettings {
  markdown: MarkdownSettings;
  markdownMaxNesting: number;
  liquidRenderLimitMs: number;
  liquidMemoryLimit: number;
  /** Longest template Liquid parses, in characters. */
  liquidParseLimit: number;
}

/** The Markdown and Liquid engines a post is rendered with, configured with its limits. */
export function createRenderEngines(limits: RenderSettings): RenderEngines {
  return {
    markdown: createMarkdown(limits.markdown, { maxNesting: limits.markdownMaxNesting }),
    liquid: createLiquid({ renderLimitMs: limits.liquidRenderLimitMs, memoryLimit: limits.liquidMemoryLimit, parseLimit: limits.liquidParseLimit }),
  };
}
