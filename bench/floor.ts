// The floor, in its own process: serialize the objects of an output folder with the yaml library
// and write them one file each. Objects are read from the folder in batches, untimed; only
// stringify + write are timed.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { parse, stringify } from 'yaml';
import { listFiles } from '../lib/files';

const [outDir, tmpRoot] = process.argv.slice(2);
const files = listFiles(outDir);
const floorDir = fs.mkdtempSync(path.join(tmpRoot ?? os.tmpdir(), 'stoa-floor-'));
let ms = 0;
const BATCH = 5000;
for (let i = 0; i < files.length; i += BATCH) {
  const batch = files.slice(i, i + BATCH).map((f) => ({ path: f, object: parse(fs.readFileSync(path.join(outDir, f), 'utf8')) }));
  const start = performance.now();
  const folders = new Set(batch.map((f) => path.dirname(path.join(floorDir, f.path))));
  for (const d of folders) fs.mkdirSync(d, { recursive: true });
  for (const f of batch) fs.writeFileSync(path.join(floorDir, f.path), stringify(f.object));
  ms += performance.now() - start;
}
fs.rmSync(floorDir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ ms: Math.round(ms) }));
