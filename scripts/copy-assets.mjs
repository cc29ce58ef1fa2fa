// tsc compiles only TypeScript; the theme's static files are copied next to the compiled modules.
import { cpSync } from 'node:fs';

cpSync(new URL('../src/rendering/theme/', import.meta.url), new URL('../dist/src/rendering/theme/', import.meta.url), {
  recursive: true,
});
