// One full synth of a generated project (no render cache, default workers) with the compiled
// library, in its own process so peak RSS is its own: prints the time, the files written and the
// peak resident memory as JSON. The validators load through their code cache, as the CLI's synth
// loads them (the library leaves it off unless asked).
import * as path from 'path';
import { performance } from 'perf_hooks';
import type * as Lib from '../lib';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { synth } = require(path.join(__dirname, '..', 'build', 'lib')) as typeof Lib;
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(path.join(__dirname, '..', 'build', 'lib', 'validate', 'code-cache')).enableCodeCache();
const [projectDir, outDir] = process.argv.slice(2);
const start = performance.now();
const result = synth({ projectDir, outDir });
const ms = performance.now() - start;
process.stdout.write(JSON.stringify({
  objects: result.files.length,
  ms: Math.round(ms),
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
}));
