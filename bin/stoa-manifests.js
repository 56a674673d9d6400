#!/usr/bin/env node
// Entry of the `stoa-manifests` command. An installed package runs its compiled build/ (the package
// ships no lib/ sources). In a checkout of this repository it runs the TypeScript sources through
// tsx, so what runs is always what lib/ says: there is no build to go stale (README, "How synth works").
'use strict';
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`stoa-manifests: needs Node.js 22.12 or newer (this is ${process.version}); install Node 24, or run it with npx -y node@24 ${process.argv.slice(1).join(' ')}\n`);
  process.exit(4); // the environment: see docs/cli.md
}
const fs = require('fs');
const path = require('path');
const Module = require('module');

// Only synth reads caches of compiled code (Node's compile cache, in the user's cache folder): every
// other verb decides something (synth --check, validate, diff, publish, merge-shards...) and a forged
// entry there would be code run by it. tsx's cache is read by synth only, and only when its folder
// in the shared temp folder is this user's own and writable by no one else.
const verb = process.argv.slice(2).find((a) => !a.startsWith('-'));
const cached = verb === 'synth' && !process.argv.includes('--check');
if (!cached && process.env.NODE_COMPILE_CACHE && !process.env.NODE_DISABLE_COMPILE_CACHE) {
  // Node turned its compile cache on at start: run again without it.
  const env = { ...process.env, NODE_DISABLE_COMPILE_CACHE: '1' };
  delete env.NODE_COMPILE_CACHE;
  const r = require('child_process').spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env });
  process.exit(r.status ?? 1);
}
if (cached) {
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(require('os').homedir(), '.cache');
  Module.enableCompileCache(path.join(cacheHome, 'stoa-manifests', 'node-compile-cache'));
}

const root = path.join(__dirname, '..');
const sources = path.join(root, 'lib', 'cli', 'main.ts');
if (fs.existsSync(sources)) {
  if (!cached || !ownPrivateFolder(path.join(require('os').tmpdir(), `tsx-${process.getuid?.() ?? ''}`))) process.env.TSX_DISABLE_CACHE = '1';
  try {
    require.resolve('tsx/cjs');
  } catch {
    process.stderr.write('stoa-manifests: this checkout runs its TypeScript sources through tsx, which is not installed: run npm ci\n');
    process.exit(4);
  }
  require('tsx/cjs');
  require(sources);
} else {
  require(path.join(root, 'build', 'lib', 'cli', 'main.js'));
}

/** Whether `dir` is missing (it will be made with this user's umask) or a folder of this user's that no one else can write. */
function ownPrivateFolder(dir) {
  const stat = fs.lstatSync(dir, { throwIfNoEntry: false });
  return stat === undefined || (stat.isDirectory() && stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0);
}
