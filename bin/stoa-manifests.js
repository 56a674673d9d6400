#!/usr/bin/env node
// Entry of the `stoa-manifests` command: the compiled CLI (build/, what the package ships and
// `npm ci` builds), started in well under a second. In a checkout whose lib/ changed since the
// last build, the changed sources are compiled into build/ first (JavaScript only, in a fraction of
// a second, said on stderr); when that cannot be done (a compiler setting changed, a syntax error),
// the TypeScript sources run through tsx instead (slower, never stale), with a note.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`stoa-manifests: needs Node.js 22.12 or newer (this is ${process.version}); install Node 24, or run it with npx -y node@24 ${process.argv.slice(1).join(' ')}\n`);
  process.exit(2);
}
const path = require('path');
const Module = require('module');
const { buildIsCurrent } = require('../scripts/build-stamp');

// Node keeps V8's compiled code of the modules between runs (module.enableCompileCache, Node 22.1+),
// except for the verbs whose answer is trusted (synth --check, validate, diff): they read no cache.
const verb = process.argv.slice(2).find((a) => !a.startsWith('-'));
const trusted = verb === 'validate' || verb === 'diff' || (verb === 'synth' && process.argv.includes('--check'));
if (!trusted) Module.enableCompileCache();

function compileChanges() {
  try {
    const updated = require('../scripts/transpile-build').update();
    if (!updated) return false;
    process.stderr.write(`stoa-manifests: build/ updated for ${updated.length === 1 ? updated[0] : `${updated.length} changed sources`} (compiled without type checking: npm test checks types)\n`);
    return true;
  } catch {
    return false;
  }
}

if (buildIsCurrent() || compileChanges()) {
  require(path.join(__dirname, '..', 'build', 'lib', 'cli', 'main.js'));
} else {
  process.stderr.write('stoa-manifests: build/ is not compiled from the current lib/ sources and cannot be updated in place; running them through tsx (run `npm run build` for fast starts)\n');
  require('tsx/cjs');
  require('../lib/cli/main.ts');
}
