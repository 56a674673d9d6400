// One synth of a generated project, in its own process so peak RSS is its own:
// prints the time, the files written and the peak resident memory as JSON.
import { performance } from 'perf_hooks';
import { synth } from '../lib';

const [projectDir, outDir, cache] = process.argv.slice(2);
const start = performance.now();
const result = synth({ projectDir, outDir, cache: cache === 'cache' ? true : false });
const ms = performance.now() - start;
process.stdout.write(JSON.stringify({
  objects: result.files.length,
  ms: Math.round(ms),
  hits: result.cache.hits,
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
}));
