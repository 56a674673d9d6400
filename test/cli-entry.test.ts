import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { exampleProject, readTree, REPO, runMain, tempDir, withCompileCache, writeFile } from './helpers';

/**
 * One run of main.ts on a copy of the example, made once for this file: its input is never changed
 * after it (tests that change it work on a copy). Node's compile cache is on for every process this
 * file starts: how they load their code is not what it checks.
 */
let firstRun: { project: string; run: SpawnSyncReturns<string> } | undefined;
function mainRun(): { project: string; run: SpawnSyncReturns<string> } {
  if (firstRun === undefined) {
    const project = exampleProject();
    firstRun = { project, run: runMain(project, withCompileCache({}) as Record<string, string>) };
  }
  return firstRun;
}

test('npm run synth (main.ts) writes dist/ for every environment and says so', () => {
  const { project, run } = mainRun();
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/wrote \d+ files to dist\/ \(dev, staging, prod\)/);
  expect(fs.readdirSync(path.join(project, 'dist')).sort()).toEqual(['dev', 'prod', 'staging']);
});

test('main.ts exits non-zero on a bad tenant file, names file and field, and keeps dist/', () => {
  // A copy of the project main.ts ran in: this test changes its tenants.
  const ran = mainRun();
  expect(ran.run.status).toBe(0);
  const project = tempDir('stoa-project-');
  fs.cpSync(ran.project, project, { recursive: true });
  const before = readTree(path.join(project, 'dist'));
  writeFile(project, 'tenants/globex.yaml', 'name: globex\ntier: silver\nowners: {groups: [g]}\nenvironments: [staging]\n');

  const run = runMain(project, withCompileCache({}) as Record<string, string>);
  expect(run.status).toBe(3);
  expect(run.stderr).toContain('synth failed; dist/ was not changed');
  expect(run.stderr).toContain('tenants/globex.yaml:4: environments[0]: "staging" requires "dev" first');
  expect(readTree(path.join(project, 'dist'))).toEqual(before);
});

// cdk8s deletes its output folder before it runs the app; dist/ must survive a failure anyway.
test('npx cdk8s synth keeps dist/ when the input is bad', () => {
  // The good run is in the project main.ts rendered (its render cache: the same input is not rendered
  // again); the bad input goes into a copy of it.
  const ran = mainRun();
  expect(ran.run.status).toBe(0);
  let project = ran.project;
  const loader = path.join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs');
  writeFile(project, 'cdk8s.yaml', `app: "${process.execPath} --import file://${loader} ${path.join(REPO, 'main.ts')}"\noutput: .cdk8s.out\n`);
  const cdk8s = (): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [path.join(REPO, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s'), 'synth', '--no-check-upgrade'], {
    cwd: project, encoding: 'utf8', env: withCompileCache(),
  });

  const ok = cdk8s();
  expect(ok.status).toBe(0);
  const before = readTree(path.join(project, 'dist'));
  expect(before.size).toBeGreaterThan(100);
  expect(readTree(path.join(project, '.cdk8s.out'))).toEqual(before);

  const bad = tempDir('stoa-project-');
  fs.cpSync(project, bad, { recursive: true });
  project = bad;
  writeFile(project, 'tenants/acme.yaml', 'name: acme\n');
  const failed = cdk8s();
  expect(failed.status).not.toBe(0);
  expect(String(failed.stderr)).toContain('tenants/acme.yaml:1: tier: is required: one of "bronze", "silver", "gold"');
  expect(readTree(path.join(project, 'dist'))).toEqual(before);
});
