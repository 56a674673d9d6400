#!/usr/bin/env node
// Entry of the `stoa-manifests` command. An installed package runs its compiled build/ (the package
// ships no lib/ sources). In a checkout of this repository it runs the TypeScript sources through
// tsx, so what runs is always what lib/ says: there is no build to go stale (0.29 s against 0.12 s
// for the everyday synth of the example, measured: README, "How synth works").
'use strict';
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`stoa-manifests: needs Node.js 22.12 or newer (this is ${process.version}); install Node 24, or run it with npx -y node@24 ${process.argv.slice(1).join(' ')}\n`);
  process.exit(2);
}
const fs = require('fs');
const path = require('path');
const Module = require('module');

// The verbs whose answer is trusted (synth --check, validate, diff) read no cache of compiled code:
// neither Node's compile cache nor tsx's (a forged entry there would be code run by the check).
const verb = process.argv.slice(2).find((a) => !a.startsWith('-'));
const trusted = verb === 'validate' || verb === 'diff' || (verb === 'synth' && process.argv.includes('--check'));
if (!trusted) Module.enableCompileCache();

const root = path.join(__dirname, '..');
const sources = path.join(root, 'lib', 'cli', 'main.ts');
if (fs.existsSync(sources)) {
  if (trusted) process.env.TSX_DISABLE_CACHE = '1';
  try {
    require.resolve('tsx/cjs');
  } catch {
    process.stderr.write('stoa-manifests: this checkout runs its TypeScript sources through tsx, which is not installed: run npm ci\n');
    process.exit(2);
  }
  require('tsx/cjs');
  require(sources);
} else {
  require(path.join(root, 'build', 'lib', 'cli', 'main.js'));
}
