// Bakes the version and git revision into dist/build-info.json so /version and
// kubeblog_build_info report what was built, even where no .git exists (containers).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

function gitRevision() {
  if (process.env.GIT_REVISION) return process.env.GIT_REVISION;
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
}

const dist = new URL('../dist/', import.meta.url);
mkdirSync(dist, { recursive: true });
writeFileSync(new URL('build-info.json', dist), JSON.stringify({ version: pkg.version, revision: gitRevision() }) + '\n');
