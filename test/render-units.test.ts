import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { makeProject } from '../bench/project';
import { buildPlatform } from '../lib/project/build-platform';
import { projectInput, projectOf } from '../lib/project/project';
import { planUnits } from '../lib/project/render-units';
import { mergeShards, synthShard } from '../lib/project/shards';
import { checkOutput, renderProject, synth } from '../lib/project/synth-project';
import { ConstructValidationError, renderUnvalidated } from '../lib/render/render';
import { mergeReports, validateObjects, ValidationFailedError } from '../lib/validate/validate';
import { environmentValidationOf } from '../lib/app/environment-facts';
import { cacheEntries, cacheWarningsOf } from './cache-entries';
import { EXAMPLE, exampleProject, readTree, tempDir } from './helpers';
import { rendersEveryTime } from './render-memo';

// Its claims compare renders (units, whole, workers, shards, cache): each one is real.
rendersEveryTime();

/** A generated project large enough for several units per environment (dev: 30 tenants, 2 buckets). */
function largeProject(n = 30): string {
  const dir = tempDir('stoa-units-');
  makeProject(dir, n, EXAMPLE);
  return dir;
}

function wholeRender(projectDir: string): Map<string, string> {
  const project = projectOf({ projectDir });
  const files = renderUnvalidated(buildPlatform(projectInput(project), project.catalog));
  return new Map(files.map((f) => [f.path, f.content]));
}

function asMap(files: ReadonlyArray<{ path: string; content: string }>): Map<string, string> {
  return new Map(files.map((f) => [f.path, f.content]));
}

/** A project of `n` generated tenants whose dev environment has one ApplicationSet over uniform tenants. */
function applicationSetProject(n = 30): string {
  const dir = tempDir('stoa-appset-');
  makeProject(dir, n, EXAMPLE);
  const devFile = path.join(dir, 'environments', 'dev.yaml');
  fs.writeFileSync(devFile, `${fs.readFileSync(devFile, 'utf8')}tenantApplications: applicationset\n`);
  // Uniform tenants: bronze, no gateway options, no secrets.
  for (const f of fs.readdirSync(path.join(dir, 'tenants'))) {
    const file = path.join(dir, 'tenants', f);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^gateway:[\s\S]*?(?=^\S)/m, '').replace(/^secrets:[\s\S]*$/m, '').replace(/^tier: .*/m, 'tier: bronze'));
  }
  return dir;
}

/** Makes a tenant of the last dev unit gold: its Application differs (autoscaled replicas), so the ApplicationSet cannot serve it. */
function breakUniformity(dir: string): void {
  const units = planUnits(projectInput(projectOf({ projectDir: dir }))).filter((u) => u.environment.name === 'dev');
  const file = path.join(dir, 'tenants', `${units[units.length - 1].tenants[0].name}.yaml`);
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^tier: .*/m, 'tier: gold'));
}

let large: string;
let largeWhole: Map<string, string>;
beforeAll(() => {
  large = largeProject();
  largeWhole = wholeRender(large);
});

describe('rendering unit by unit', () => {
  test('a generated project has several units per environment, each tenant in exactly one unit of each of its environments', () => {
    const input = projectInput(projectOf({ projectDir: large }));
    const units = planUnits(input);
    expect(units.filter((u) => u.environment.name === 'dev').length).toBeGreaterThan(1);
    for (const env of input.environments) {
      const placed = units.filter((u) => u.environment.name === env.name).flatMap((u) => u.tenants.map((t) => t.name)).sort();
      expect(placed).toEqual(input.tenants.filter((t) => t.environments.includes(env.name)).map((t) => t.name).sort());
    }
  });

  test('gives byte for byte the output of rendering the whole tree at once (example and 30 tenants)', () => {
    const example = exampleProject();
    expect(asMap(renderProject({ projectDir: example }).files)).toEqual(wholeRender(example));
    expect(asMap(renderProject({ projectDir: large }).files)).toEqual(largeWhole);
  });

  test('worker threads give the same bytes, and a model error in a worker is the same error on the main thread', () => {
    const outDir = path.join(tempDir('stoa-workers-'), 'dist');
    const result = synth({ projectDir: large, outDir, workers: 2 });
    expect(result.files.length).toBe(largeWhole.size);
    expect(readTree(outDir)).toEqual(largeWhole);

    // Small: a worker renders it cold, and the error is the point, not the size (the ApplicationSet test below has 30).
    const broken = applicationSetProject(4);
    breakUniformity(broken);
    let single: unknown;
    try { renderProject({ projectDir: broken, workers: 0 }); } catch (e) { single = e; }
    expect(single).toBeInstanceOf(ConstructValidationError);
    let threaded: unknown;
    try { renderProject({ projectDir: broken, workers: 1 }); } catch (e) { threaded = e; }
    expect(threaded).toBeInstanceOf(ConstructValidationError);
    expect((threaded as Error).message).toBe((single as Error).message);
  });

  test('ApplicationSet mode: every unit renders the same ApplicationSet; a tenant that breaks uniformity fails as the whole render does', () => {
    const dir = applicationSetProject();
    const files = asMap(renderProject({ projectDir: dir }).files);
    expect([...files.keys()].filter((p) => p.startsWith('dev/apps/applicationset-'))).toEqual(['dev/apps/applicationset-dev-tenants.yaml']);
    expect(files).toEqual(wholeRender(dir));

    breakUniformity(dir);
    expect(() => renderProject({ projectDir: dir })).toThrow(/ApplicationSet mode needs every tenant's Application to differ only by the tenant name/);
  });
});

describe('validation environment by environment', () => {
  test('gives the report of validating everything at once, violations included', () => {
    const project = projectOf({ projectDir: exampleProject() });
    const app = buildPlatform(projectInput(project), project.catalog);
    const facts = environmentValidationOf(app);
    const files = renderUnvalidated(app).map((f) => {
      // Break rules in two environments: unpinned images, no resources, automated sync in prod.
      const o = JSON.parse(JSON.stringify(f.object));
      if (o.kind === 'Deployment') {
        o.spec.template.spec.containers[0].image = 'nginx:latest';
        delete o.spec.template.spec.containers[0].resources;
      }
      if (o.kind === 'Application' && f.path.startsWith('prod/')) o.spec.syncPolicy = { automated: { prune: true } };
      return { path: f.path, object: o };
    });
    const whole = validateObjects(files, facts);
    const parts = ['dev', 'staging', 'prod'].map((env) => validateObjects(files.filter((f) => f.path.startsWith(`${env}/`)), {
      readOnlyEnvironments: facts.readOnlyEnvironments, environments: { [env]: facts.environments![env] },
    }));
    expect(whole.ok).toBe(false);
    expect([...new Set(whole.violations.map((v) => v.rule))]).toEqual(expect.arrayContaining(['image-pinned', 'container-resources', 'read-only-manual-sync']));
    expect(mergeReports(parts)).toEqual(whole);
  });
});

describe('the render cache', () => {
  test('reuses units whose inputs did not change, re-renders the changed tenant\'s, and writes what a synth without cache writes', () => {
    const cacheDir = tempDir('stoa-cache-');
    const projectDir = largeProject();
    const first = synth({ projectDir, cache: cacheDir });
    const units = planUnits(projectInput(projectOf({ projectDir })));
    expect(first.cache).toEqual({ hits: 0, misses: units.length, reports: 0 });
    expect(readTree(path.join(projectDir, 'dist'))).toEqual(largeWhole);

    // Nothing changed: every unit and every environment's report from the cache.
    expect(synth({ projectDir, cache: cacheDir }).cache).toEqual({ hits: units.length, misses: 0, reports: 3 });
    expect(readTree(path.join(projectDir, 'dist'))).toEqual(largeWhole);

    // A tenant in all three environments changes: one unit per environment renders again.
    const changed = 'tenant-0006';
    fs.appendFileSync(path.join(projectDir, 'tenants', `${changed}.yaml`), 'displayName: Six\n');
    expect(synth({ projectDir, cache: cacheDir }).cache).toEqual({ hits: units.length - 3, misses: 3, reports: 0 });
    const after = readTree(path.join(projectDir, 'dist'));
    expect(after).toEqual(wholeRender(projectDir));
    expect(after).not.toEqual(largeWhole);
    expect(checkOutput({ projectDir }).upToDate).toBe(true);

    // A tenant only in dev: staging's and prod's reports still stand, dev is validated again.
    fs.appendFileSync(path.join(projectDir, 'tenants', 'tenant-0000.yaml'), 'displayName: Zero\n');
    expect(synth({ projectDir, cache: cacheDir }).cache).toEqual({ hits: units.length - 1, misses: 1, reports: 2 });
    expect(readTree(path.join(projectDir, 'dist'))).toEqual(wholeRender(projectDir));
  });

  test('an entry cut short or swapped with another is a warning and a miss, never output', () => {
    const cacheDir = tempDir('stoa-cache-');
    const projectDir = exampleProject();
    synth({ projectDir, cache: cacheDir });
    const expected = readTree(path.join(projectDir, 'dist'));
    // The units' entries (besides them: each environment's report and the input snapshot).
    const units = cacheEntries(cacheDir).filter((e) => e.kind === 'unit');
    expect(units.length).toBe(3);
    fs.truncateSync(units[0].file, Math.floor(fs.statSync(units[0].file).size / 2));
    fs.copyFileSync(units[2].file, units[1].file);
    // Rendered again, the same bytes: the environments' reports still apply.
    const { result, warnings } = cacheWarningsOf(() => synth({ projectDir, cache: cacheDir }));
    expect(result.cache).toEqual({ hits: 1, misses: 2, reports: 3 });
    expect(warnings).toEqual(expect.arrayContaining([
      expect.stringContaining(`${units[0].file} is not used: it is cut short`),
      expect.stringContaining(`${units[1].file} is not used: it holds another entry`),
    ]));
    expect(warnings).toHaveLength(2);
    expect(readTree(path.join(projectDir, 'dist'))).toEqual(expected);
  });

  test('entries no unit uses any more are pruned after a synth', () => {
    const cacheDir = tempDir('stoa-cache-');
    const projectDir = exampleProject();
    synth({ projectDir, cache: cacheDir });
    fs.writeFileSync(path.join(projectDir, 'tenants', 'acme.yaml'), fs.readFileSync(path.join(projectDir, 'tenants', 'acme.yaml'), 'utf8').replace(/^displayName: .*/m, 'displayName: Acme Two'));
    synth({ projectDir, cache: cacheDir });
    // Three units, three environment reports, one input snapshot and what it remembers of each input file: the previous run's are gone.
    expect(fs.readdirSync(cacheDir).filter((f) => f.endsWith('.json')).length).toBe(8);
  });
});

describe('the input snapshot', () => {
  test('unchanged input files are not parsed again; any change, and a bad file, go through the loader', () => {
    const cacheDir = tempDir('stoa-cache-');
    const projectDir = exampleProject();
    synth({ projectDir, cache: cacheDir });
    const acme = path.join(projectDir, 'tenants', 'acme.yaml');
    // A change the loader refuses: the snapshot of the earlier bytes never stands in for it.
    fs.writeFileSync(acme, `${fs.readFileSync(acme, 'utf8')}unknownField: 1\n`);
    expect(() => synth({ projectDir, cache: cacheDir })).toThrow(/tenants\/acme\.yaml.*unknownField|unknownField/s);
    fs.writeFileSync(acme, fs.readFileSync(acme, 'utf8').replace('unknownField: 1\n', '').replace(/^displayName: .*/m, 'displayName: Acme Again'));
    synth({ projectDir, cache: cacheDir });
    expect(readTree(path.join(projectDir, 'dist'))).toEqual(wholeRender(projectDir));
    expect(fs.readFileSync(path.join(projectDir, 'dist/dev/tenants/acme/namespace-tenant-acme.yaml'), 'utf8')).toContain('Acme Again');
  });
});

describe('writing only what changed', () => {
  test('an output that would not change is left in place (not even swapped); an extra file or folder in it makes synth replace it', () => {
    const projectDir = exampleProject();
    const dist = path.join(projectDir, 'dist');
    synth({ projectDir });
    const folder = fs.statSync(dist).ino;
    const before = readTree(dist);
    synth({ projectDir });
    expect(fs.statSync(dist).ino).toBe(folder);
    expect(readTree(dist)).toEqual(before);
    fs.mkdirSync(path.join(dist, 'dev', 'stray'));
    synth({ projectDir });
    expect(fs.statSync(dist).ino).not.toBe(folder);
    expect(fs.existsSync(path.join(dist, 'dev', 'stray'))).toBe(false);
    expect(readTree(dist)).toEqual(before);
  });

  test('a file with the same bytes is linked from the previous output, a changed one written anew; the output is exactly the render', () => {
    const projectDir = exampleProject();
    const dist = path.join(projectDir, 'dist');
    synth({ projectDir });
    const same = path.join(dist, 'prod/platform/stoa-portal/service-stoa-portal.yaml');
    const changed = path.join(dist, 'dev/platform/stoa-portal/service-stoa-portal.yaml');
    const modeChanged = path.join(dist, 'staging/platform/stoa-portal/service-stoa-portal.yaml');
    fs.chmodSync(modeChanged, 0o600);
    const inode = (f: string) => fs.statSync(f).ino;
    const before = { same: inode(same), changed: inode(changed), modeChanged: inode(modeChanged) };
    const acme = path.join(projectDir, 'tenants', 'acme.yaml');
    fs.writeFileSync(acme, fs.readFileSync(acme, 'utf8').replace(/^displayName: .*/m, 'displayName: Acme Two'));
    const renamed = [...readTree(dist).keys()].filter((p) => p.includes('/acme/'));
    fs.writeFileSync(changed, 'edited by hand\n');
    synth({ projectDir });
    expect(inode(same)).toBe(before.same);
    expect(inode(changed)).not.toBe(before.changed);
    expect(inode(modeChanged)).not.toBe(before.modeChanged);
    expect(fs.statSync(modeChanged).mode & 0o777).toBe(0o666 & ~process.umask());
    expect(fs.statSync(same).nlink).toBe(1); // the previous output is gone
    expect(readTree(dist)).toEqual(wholeRender(projectDir));
    expect(renamed.some((p) => readTree(dist).get(p)?.includes('Acme Two'))).toBe(true);
  });
});

describe('shards', () => {
  test('three shards merged give exactly what synth writes, validated as a whole', () => {
    const projectDir = largeProject();
    const shardDirs = [1, 2, 3].map((index) => {
      const outDir = path.join(projectDir, `shard-${index}`);
      const result = synthShard({ projectDir, outDir, shard: { index, count: 3 } });
      expect(result.units.length).toBeGreaterThan(0);
      return outDir;
    });
    const report = mergeShards({ projectDir, shardDirs: [...shardDirs].reverse() });
    expect(report.ok).toBe(true);
    expect(readTree(path.join(projectDir, 'dist'))).toEqual(largeWhole);
  });

  test('a missing shard, a shard of other input, or a shard with a violation leaves the output as it was', () => {
    const projectDir = exampleProject();
    synth({ projectDir });
    const before = readTree(path.join(projectDir, 'dist'));
    const shardDirs = [1, 2].map((index) => {
      const outDir = path.join(projectDir, `shard-${index}`);
      synthShard({ projectDir, outDir, shard: { index, count: 2 } });
      return outDir;
    });
    expect(() => mergeShards({ projectDir, shardDirs: [shardDirs[0]] })).toThrow(/shard 2\/2 missing/);

    const tampered = readTree(shardDirs[0]);
    const deployment = [...tampered.keys()].find((p) => p.endsWith('deployment-gateway.yaml'))!;
    fs.writeFileSync(path.join(shardDirs[0], deployment), tampered.get(deployment)!.replace(/image: .*/, 'image: nginx:latest'));
    expect(() => mergeShards({ projectDir, shardDirs })).toThrow(ValidationFailedError);
    expect(readTree(path.join(projectDir, 'dist'))).toEqual(before);

    fs.writeFileSync(path.join(projectDir, 'tenants', 'acme.yaml'), fs.readFileSync(path.join(projectDir, 'tenants', 'acme.yaml'), 'utf8').replace(/^displayName: .*/m, 'displayName: Acme Two'));
    expect(() => mergeShards({ projectDir, shardDirs })).toThrow(/rendered from other input/);
    expect(readTree(path.join(projectDir, 'dist'))).toEqual(before);
  });
});

test('a write error in the middle of a synth on worker threads ends the workers: the process exits instead of hanging', () => {
  const dir = tempDir('stoa-units-');
  makeProject(dir, 12, EXAMPLE);
  const script = `const fs = require('fs');
const write = fs.writeFileSync;
let n = 0;
fs.writeFileSync = function (...a) { if (String(a[0]).includes('.dist-next') && ++n === 10) throw new Error('disk full'); return write.apply(this, a); };
const { synth } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'project', 'synth-project.ts'))});
try { synth({ projectDir: ${JSON.stringify(dir)}, workers: 1 }); } catch (e) { console.log(e.message); }`;
  const file = path.join(tempDir(), 'write-error.js');
  fs.writeFileSync(file, script);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: path.join(__dirname, '..'), encoding: 'utf8', timeout: 60_000 });
  expect(r.signal).toBeNull();
  expect(r.stdout).toBe('disk full\n');
  expect(r.status).toBe(0);
  expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
});
