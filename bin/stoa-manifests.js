#!/usr/bin/env node
// Installed package: the compiled CLI. Checkout without a build: the TypeScript sources through tsx.
const fs = require('fs');
const path = require('path');
const compiled = path.join(__dirname, '..', 'build', 'lib', 'cli', 'main.js');
if (fs.existsSync(compiled)) {
  require(compiled);
} else {
  require('tsx/cjs');
  require('../lib/cli/main.ts');
}
