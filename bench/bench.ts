// npm run bench: synth at N = 10, 100, 1000 tenants against the floor (serializing
// the same objects with the yaml library and writing one file each), then diff at 1000.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { diffRefs, formatDiff, setImage } from '../lib/cli';
import { git } from '../lib/git/git';
import { synth } from '../lib';
import { makeProject } from './project';

const REPO = path.resolve(__dirname, '..');
const sizes = (process.env.BENCH_SIZES ?? '10,100,1000').split(',').map(Number);
const loader = `file://${path.join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')}`;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stoa-bench-'));

interface Point { n: number; objects: number; synthMs: number; floorMs: number; peakRssMb: number }
const points: Point[] = [];
try {
  for (const n of sizes) {
    const dir = path.join(work, `n${n}`);
    makeProject(dir, n, REPO);
    const out = execFileSync(process.execPath, ['--import', loader, path.join(__dirname, 'run-one.ts'), dir], { encoding: 'utf8', maxBuffer: 1 << 26 });
    points.push({ n, ...JSON.parse(out) });
  }

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`stoa-manifests benchmark: Node ${process.version}, ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB\n`);
  console.log('| tenants | objects written | synth (s) | floor: yaml + write (s) | synth / floor | peak RSS (MiB) |');
  console.log('|--:|--:|--:|--:|--:|--:|');
  for (const p of points) {
    console.log(`| ${p.n} | ${p.objects} | ${(p.synthMs / 1000).toFixed(2)} | ${(p.floorMs / 1000).toFixed(2)} | ${(p.synthMs / p.floorMs).toFixed(1)}× | ${p.peakRssMb} |`);
  }

  const largest = sizes[sizes.length - 1];
  const dir = path.join(work, `n${largest}`);
  git(dir, ['init', '--quiet', '--initial-branch=main']);
  const identity = ['-c', 'user.name=bench', '-c', 'user.email=bench@stoa.example'];
  git(dir, ['add', '--all']);
  git(dir, [...identity, 'commit', '--quiet', '-m', 'base']);
  setImage({ projectDir: dir, environment: 'dev', component: 'stoa-gateway', version: '9.9.9' });
  synth({ projectDir: dir });
  git(dir, ['add', '--all']);
  git(dir, [...identity, 'commit', '--quiet', '-m', 'bump stoa-gateway in dev']);
  const start = performance.now();
  const result = diffRefs({ projectDir: dir, base: 'HEAD~1', head: 'HEAD' });
  const report = formatDiff(result, 'markdown');
  const ms = performance.now() - start;
  console.log(`\ndiff HEAD~1..HEAD at ${largest} tenants (stoa-gateway bumped in dev): ${result.files} files changed, ${(ms / 1000).toFixed(2)} s, report ${Math.round(report.length / 1024)} KiB`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
