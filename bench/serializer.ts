// The YAML serializer alone: every object of the bundled example output (each dist/ file parsed
// once), serialized N times by yaml.stringify and by the project's emitter (toYaml); objects/s of
// each. The first pass of each is reported apart: it includes JIT warm-up and, for the emitter,
// filling its per-string cache of yaml's own scalar text.
//   node --import tsx bench/serializer.ts [passes=20]
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { parse, stringify } from 'yaml';
import { listFiles } from '../lib/files';
import { toYaml } from '../lib/render/to-yaml';
import { YAML_OPTIONS } from '../lib/render/yaml-emitter';

const dist = path.resolve(__dirname, '..', 'dist');
const texts = listFiles(dist).map((f) => fs.readFileSync(path.join(dist, f), 'utf8'));
const objects: unknown[] = texts.map((t) => parse(t));
const passes = Number(process.argv[2] ?? 20);

function run(name: string, serialize: (o: unknown) => string): number {
  let sink = 0;
  const first = performance.now();
  for (const o of objects) sink += serialize(o).length;
  const firstMs = performance.now() - first;
  const start = performance.now();
  for (let i = 0; i < passes; i++) for (const o of objects) sink += serialize(o).length;
  const ms = performance.now() - start;
  const rate = (objects.length * passes) / (ms / 1000);
  console.log(`${name.padEnd(16)} first pass ${firstMs.toFixed(1).padStart(7)} ms   then ${Math.round(rate).toLocaleString('en-US').padStart(10)} objects/s  (${passes} x ${objects.length} objects, ${(sink / 1e6).toFixed(1)} MB)`);
  return rate;
}

const lib = run('yaml.stringify', (o) => stringify(o, YAML_OPTIONS));
const ours = run('toYaml (emitter)', toYaml);
// The same bytes, or the figures mean nothing.
texts.forEach((t, i) => {
  if (toYaml(objects[i]) !== t) throw new Error(`toYaml differs from dist/ on object ${i}`);
});
console.log(`speedup: ${(ours / lib).toFixed(1)}x`);
