// npm run bench: every figure of the README's Performance table, in one run.
//
// 1. The everyday loop: `npm run synth` and `npm run check` of the bundled example, end to end
//    (npm and node start included), each run 5 times.
// 2. Full synth at 100, 1,000 and 10,000 tenants (no cache, default workers) against the floor:
//    the same objects serialized with the yaml library and written one file each, in another
//    process. Each synth runs in its own process, so its peak resident memory is its own.
// 3. Incremental at 1,000 tenants: after a change to one tenant file (a tenant in all three
//    environments), `stoa-manifests synth` and `stoa-manifests synth --check` with the cache,
//    end to end as processes.
// 4. diff HEAD~1..HEAD at 1,000 tenants after a version bump in dev.
//
// Projects and outputs live on tmpfs (/dev/shm) when there is one, to take the disk's noise out.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { makeProject } from './project';

const REPO = path.resolve(__dirname, '..');
const sizes = (process.env.BENCH_SIZES ?? '100,1000,10000').split(',').filter(Boolean).map(Number);
const INCREMENTAL_SIZE = Number(process.env.BENCH_INCREMENTAL ?? 1000);
const tmpRoot = fs.existsSync('/dev/shm') && fs.statSync('/dev/shm').isDirectory() ? '/dev/shm' : os.tmpdir();
const work = fs.mkdtempSync(path.join(tmpRoot, 'stoa-bench-'));
const tsx = `file://${path.join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')}`;
const cliMain = path.join(REPO, 'build', 'lib', 'cli', 'main.js');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function seconds(ms: number): string {
  return (ms / 1000).toFixed(2);
}

/** Wall time of a process, in ms; throws when it fails. */
function timed(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): number {
  const start = performance.now();
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return ms;
}

/** Wall time of a process that may exit 1 (a check of a stale output); throws when it crashes or cannot run. */
function timedAnyExit(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): number {
  const start = performance.now();
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = performance.now() - start;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return ms;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function node(script: string, ...args: string[]): any {
  return JSON.parse(execFileSync(process.execPath, ['--import', tsx, path.join(__dirname, script), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 }));
}

try {
  if (!fs.existsSync(cliMain)) execFileSync(npm, ['run', 'build'], { cwd: REPO, stdio: 'inherit' });
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`stoa-manifests benchmark: Node ${process.version}, ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, output on ${tmpRoot}\n`);

  // 1. The everyday loop, as a user runs it in this repository (the bundled example).
  const loop = ['synth', 'check'].map((script) => {
    timed(npm, ['run', '--silent', script], REPO); // warm the OS file cache and the render cache
    return { script, runs: Array.from({ length: 5 }, () => timed(npm, ['run', '--silent', script], REPO)) };
  });
  // The same loop after an edit: a copy of the example, one tenant file changed before each run.
  const copy = path.join(work, 'example');
  for (const folder of ['environments', 'tenants', 'dist']) fs.cpSync(path.join(REPO, folder), path.join(copy, folder), { recursive: true });
  const copyEnv = { ...process.env, XDG_CACHE_HOME: path.join(work, 'cache') };
  const acme = path.join(copy, 'tenants', 'acme.yaml');
  const original = fs.readFileSync(acme, 'utf8');
  timed(npm, ['run', '--silent', 'cli', '--', 'synth', '--project', copy], REPO, copyEnv);
  const edited = Array.from({ length: 5 }, (_, i) => {
    fs.writeFileSync(acme, original.replace(/^displayName: .*$/m, `displayName: Acme ${i}`));
    return timed(npm, ['run', '--silent', 'cli', '--', 'synth', '--project', copy], REPO, copyEnv);
  });
  console.log('| everyday loop (bundled example, 3 tenants × 3 environments) | median (s) | fastest (s) |');
  console.log('|---|--:|--:|');
  for (const l of loop) console.log(`| \`npm run ${l.script}\`, inputs unchanged (end to end, npm and node start included) | ${seconds(median(l.runs))} | ${seconds(Math.min(...l.runs))} |`);
  console.log(`| \`npm run cli -- synth\` after a change to one tenant file (its three units rendered again) | ${seconds(median(edited))} | ${seconds(Math.min(...edited))} |`);

  // 2. Full synth against the floor.
  console.log('\n| tenants | objects written | synth (s) | floor: yaml + write (s) | synth / floor | peak RSS (MiB) |');
  console.log('|--:|--:|--:|--:|--:|--:|');
  for (const n of sizes) {
    const dir = path.join(work, `n${n}`);
    makeProject(dir, n, REPO);
    const run = node('run-one.ts', dir, path.join(dir, 'dist'));
    const floor = node('floor.ts', path.join(dir, 'dist'), work);
    console.log(`| ${n} | ${run.objects} | ${seconds(run.ms)} | ${seconds(floor.ms)} | ${(run.ms / floor.ms).toFixed(2)}× | ${run.peakRssMb} |`);
    if (n !== INCREMENTAL_SIZE) fs.rmSync(dir, { recursive: true, force: true });
  }

  // 3. Incremental: one tenant changes, synth and check with the cache, as processes.
  const dir = path.join(work, `n${INCREMENTAL_SIZE}`);
  if (!fs.existsSync(dir)) makeProject(dir, INCREMENTAL_SIZE, REPO);
  const env = { ...process.env, XDG_CACHE_HOME: path.join(work, 'cache') };
  timed(process.execPath, [cliMain, 'synth', '--project', dir], REPO, env); // fills the cache
  // Each timed command runs right after its own change (the check would otherwise find what the
  // synth before it rendered and validated). A check after a change fails (dist/ is stale): its
  // exit code is not the point, its time is.
  const tenant = path.join(dir, 'tenants', 'tenant-0006.yaml'); // in dev, staging and prod
  const base = fs.readFileSync(tenant, 'utf8');
  const rename = (name: string) => fs.writeFileSync(tenant, `${base}displayName: ${name}\n`);
  rename('Tenant six, first change');
  const incSynth = timed(process.execPath, [cliMain, 'synth', '--project', dir], REPO, env);
  rename('Tenant six, second change');
  const incCheck = timedAnyExit(process.execPath, [cliMain, 'synth', '--check', '--project', dir], REPO, env);
  rename('Tenant six, first change'); // dist/ is current again for the diff below
  console.log(`\n| after a change to one tenant file, ${INCREMENTAL_SIZE} tenants (end to end, process start included) | s |`);
  console.log('|---|--:|');
  console.log(`| \`stoa-manifests synth\` (cache) | ${seconds(incSynth)} |`);
  console.log(`| \`stoa-manifests synth --check\` (never reads a cache; after another change, so it finds dist/ stale) | ${seconds(incCheck)} |`);

  // 4. diff at the same size.
  const diff = node('run-diff.ts', dir);
  console.log(`\ndiff HEAD~1..HEAD at ${INCREMENTAL_SIZE} tenants (stoa-gateway bumped in dev; the head's sources rendered cold): ${diff.files} files changed, ${seconds(diff.ms)} s, report ${diff.reportKb} KiB`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
