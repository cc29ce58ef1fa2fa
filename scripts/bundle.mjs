// Writes dist/src/main.js, the entry point (and the render threads' module), as one file holding its modules and their dependencies, in
// place of the one tsc wrote. Node then resolves, reads and compiles a few files instead of ~500: the
// imports before main() runs take ~280 ms instead of ~540 ms on the bench machine. The other compiled
// modules stay where tsc put them, for the CLI and the tests.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
// The oldest Node the package runs on (package.json `engines`, ">=24"): esbuild lowers nothing it supports.
const engines = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).engines.node;
const nodeMajor = /^>=\s*(\d+)/.exec(engines)?.[1];
if (!nodeMajor) throw new Error(`bundle: package.json engines.node is "${engines}", not ">=N"`);

// Chunk names carry a content hash: the last build's must not linger.
rmSync(path.join(root, 'dist/src/chunks'), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  // The render threads' module is bundled too: each thread that starts (again) loads one file.
  entryPoints: { main: 'src/main.ts', 'rendering/render-worker': 'src/rendering/render-worker.ts' },
  tsconfig: 'tsconfig.build.json',
  outdir: 'dist/src',
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: `node${nodeMajor}`,
  // The Kubernetes client loads only for blogs that read ConfigMaps: its import stays a separate chunk.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  external: [
    // Large, and loaded lazily or not at all.
    '@kubernetes/client-node',
    // Grammars beyond the common ones register into this same instance when first needed
    // (createRequire in rendering/markdown.ts), so it must be the one in node_modules.
    'highlight.js',
    // They find their files next to themselves (import.meta.url): kept as the modules tsc compiled.
    './ops/build-info.js',
    './rendering/assets.js',
    './rendering/render-worker-script.js',
  ],
  // Bundled CommonJS packages call require() for Node's built-ins.
  banner: { js: "import { createRequire as kubeblogCreateRequire } from 'node:module'; const require = kubeblogCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
