#!/usr/bin/env node
// The `kubeblog` command (package.json "bin"): publish, retract and list posts stored as ConfigMaps.
import { runCli } from './run.js';

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
});
// Pipes and files are written synchronously on Linux; exit now rather than wait for idle keep-alive sockets.
process.exit(code);
