#!/usr/bin/env node
// In a checkout the CLI runs from its TypeScript sources through tsx.
require('tsx/cjs');
require('../lib/cli/main.ts');
