import type { RenderEngines } from './fragment.js';
import { createLiquid } from './liquid.js';
import { createMarkdown } from './markdown.js';

/** The limits a post's rendering runs under; plain data, handed to each render thread. */
export interface RenderLimits {
  markdownMaxNesting: number;
  liquidRenderLimitMs: number;
  liquidMemoryLimit: number;
  /** Longest template Liquid parses, in characters. */
  liquidParseLimit: number;
}

/** The Markdown and Liquid engines a post is rendered with, configured with its limits. */
export function createRenderEngines(limits: RenderLimits): RenderEngines {
  return {
    markdown: createMarkdown({ maxNesting: limits.markdownMaxNesting }),
    liquid: createLiquid({ renderLimitMs: limits.liquidRenderLimitMs, memoryLimit: limits.liquidMemoryLimit, parseLimit: limits.liquidParseLimit }),
  };
}
