// One benchmark point, in its own process so peak RSS is its own:
// synth of a generated project, then the floor (serialize and write the same objects).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { stringify } from 'yaml';
import { synth } from '../lib';

const projectDir = process.argv[2];
const start = performance.now();
const result = synth({ projectDir });
const synthMs = performance.now() - start;

const floorDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stoa-floor-'));
const floorStart = performance.now();
const folders = new Set(result.files.map((f) => path.dirname(path.join(floorDir, f.path))));
for (const d of folders) fs.mkdirSync(d, { recursive: true });
for (const f of result.files) fs.writeFileSync(path.join(floorDir, f.path), stringify(f.object));
const floorMs = performance.now() - floorStart;
fs.rmSync(floorDir, { recursive: true, force: true });

process.stdout.write(JSON.stringify({
  objects: result.files.length,
  synthMs: Math.round(synthMs),
  floorMs: Math.round(floorMs),
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
}));
