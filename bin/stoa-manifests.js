#!/usr/bin/env node
// Entry of the `stoa-manifests` command: the compiled CLI (build/, what the package ships and
// `npm ci` builds), started in well under a second. In a checkout whose lib/ changed since the
// last build, the TypeScript sources run through tsx instead (slower, never stale), with a note.
const path = require('path');
const { buildIsCurrent } = require('../scripts/build-stamp');

if (buildIsCurrent()) {
  require(path.join(__dirname, '..', 'build', 'lib', 'cli', 'main.js'));
} else {
  process.stderr.write('stoa-manifests: build/ is not compiled from the current lib/ sources; running them through tsx (run `npm run build` for fast starts)\n');
  require('tsx/cjs');
  require('../lib/cli/main.ts');
}
