import * as fs from 'fs';
import * as path from 'path';
import { buildProgram, synth } from '../lib';
import { exampleProject, writeFile } from './helpers';

/** Runs the CLI in-process, capturing what it prints and the exit code. */
function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  let code = 0;
  const program = buildProgram({ out: (t) => out.push(t), err: (t) => err.push(t) }, (c) => { code = c; });
  for (const cmd of [program, ...program.commands]) {
    cmd.exitOverride().configureOutput({ writeOut: (t) => out.push(t), writeErr: (t) => err.push(t) });
  }
  try {
    program.parse(['node', 'stoa-manifests', ...args]);
  } catch (e: any) {
    code = e.exitCode ?? 1;
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('synth --check', () => {
  test('passes when dist/ is what the sources produce', () => {
    const project = exampleProject();
    synth({ projectDir: project });
    const run = cli('synth', '--check', '--project', project);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/dist\/ is up to date/);
  });

  test('fails listing missing, extra and changed files, and writes nothing', () => {
    const project = exampleProject();
    const out = synth({ projectDir: project }).outDir;
    fs.rmSync(path.join(out, 'dev/tenants/acme/service-gateway.yaml'));
    writeFile(out, 'dev/tenants/acme/configmap-hand-made.yaml', 'x: 1\n');
    fs.appendFileSync(path.join(out, 'prod/apps/application-prod-tenant-acme.yaml'), '# edited by hand\n');

    const run = cli('synth', '--check', '--project', project);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('is not what the sources produce (3 files)');
    expect(run.stderr).toContain('missing  dist/dev/tenants/acme/service-gateway.yaml');
    expect(run.stderr).toContain('extra    dist/dev/tenants/acme/configmap-hand-made.yaml');
    expect(run.stderr).toContain('changed  dist/prod/apps/application-prod-tenant-acme.yaml');
    expect(fs.existsSync(path.join(out, 'dev/tenants/acme/service-gateway.yaml'))).toBe(false);
  });

  test('a new tenant file not yet synthesized makes the check fail', () => {
    const project = exampleProject();
    synth({ projectDir: project });
    writeFile(project, 'tenants/umbrella.yaml', 'name: umbrella\ntier: bronze\nowners: {users: [ada]}\nenvironments: [dev]\n');
    const run = cli('synth', '--check', '--project', project);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('missing  dist/dev/tenants/umbrella/deployment-gateway.yaml');
  });
});

describe('validate', () => {
  test('passes on the example and says what it checked', () => {
    const project = exampleProject();
    synth({ projectDir: project });
    const run = cli('validate', '--project', project);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\d+ objects valid: schemas and 9 policy rules pass/);
  });

  test('fails on a broken folder with located messages, as text and as JSON', () => {
    const project = exampleProject();
    const out = synth({ projectDir: project }).outDir;
    const file = path.join(out, 'prod/apps/application-prod-stoa-portal.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('  syncPolicy:\n', '  syncPolicy:\n    automated: {prune: true}\n'));

    const text = cli('validate', out, '--project', project);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/1 violation in 1 file/);
    expect(text.stderr).toMatch(/prod\/apps\/application-prod-stoa-portal\.yaml: \[read-only-manual-sync\] Application "prod-stoa-portal" in read-only environment "prod" has automated sync/);
    expect(text.stderr).toMatch(/read-only-manual-sync: Applications of read-only environments/);

    const json = cli('validate', out, '--project', project, '--format', 'json');
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stderr);
    expect(parsed.ok).toBe(false);
    expect(parsed.violations).toHaveLength(1);
    expect(parsed.violations[0]).toMatchObject({ rule: 'read-only-manual-sync', reason: expect.stringContaining('never automatically') });
    expect(parsed.violations[0].file).toMatch(/prod\/apps\/application-prod-stoa-portal\.yaml$/);
  });

  test('an unknown format is a usage error', () => {
    const run = cli('validate', '--format', 'xml');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/Allowed choices are text, json/);
  });
});

test('synth through the CLI reports bad input and keeps dist/', () => {
  const project = exampleProject();
  synth({ projectDir: project });
  const before = fs.readFileSync(path.join(project, 'dist/dev/apps/application-dev-tenant-acme.yaml'), 'utf8');
  writeFile(project, 'tenants/acme.yaml', 'name: acme\ntier: gold\nowners: {users: [a]}\nenvironments: [dev]\nextra: 1\n');
  const run = cli('synth', '--project', project);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain('tenants/acme.yaml:5: extra: unknown field');
  expect(fs.readFileSync(path.join(project, 'dist/dev/apps/application-dev-tenant-acme.yaml'), 'utf8')).toBe(before);
});
