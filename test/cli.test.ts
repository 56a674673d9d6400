import * as fs from 'fs';
import * as path from 'path';
import { synth } from '../lib';
import { POLICY_RULES } from '../lib/validate/rules';
import { bareRemote, exampleRepo } from './git-helpers';
import { cli, exampleProject, synthesizedExample, writeFile } from './helpers';

describe('synth --check', () => {
  test('passes when dist/ is what the sources produce', () => {
    const project = synthesizedExample();
    const run = cli('synth', '--check', '--project', project);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/dist\/ is up to date/);
  });

  test('fails listing missing, extra and changed files, and writes nothing', () => {
    const project = synthesizedExample();
    const out = path.join(project, 'dist');
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
    const project = synthesizedExample();
    writeFile(project, 'tenants/umbrella.yaml', 'name: umbrella\ntier: bronze\nowners: {users: [ada]}\nenvironments: [dev]\n');
    const run = cli('synth', '--check', '--project', project);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('missing  dist/dev/tenants/umbrella/deployment-gateway.yaml');
  });
});

describe('validate', () => {
  test('a folder without environment files is taken to target the oldest Kubernetes unless --kubernetes-version says otherwise', () => {
    const project = synthesizedExample();
    const elsewhere = path.join(project, '..', `${path.basename(project)}-dist-only`);
    fs.cpSync(path.join(project, 'dist'), elsewhere, { recursive: true });
    try {
      // A project folder without environment files (the current folder, this repository, has them).
      const bare = ['--project', path.join(elsewhere, 'dev')];
      const oldest = cli('validate', ...bare, elsewhere);
      expect(oldest.code).toBe(1);
      expect(oldest.stderr).toMatch(/\[api-version-served\] ValidatingAdmissionPolicy .* served from Kubernetes 1\.30 only.*targets Kubernetes 1\.28/);
      expect(cli('validate', ...bare, '--kubernetes-version', '1.30', elsewhere)).toMatchObject({ code: 0 });
      expect(cli('validate', ...bare, '--kubernetes-version', '1.3', elsewhere).stderr).toMatch(/--kubernetes-version must be a minor version such as 1\.30/);
      // With environment files, they say each cluster's version.
      expect(cli('validate', '--kubernetes-version', '1.30', '--project', project).stderr).toMatch(/--kubernetes-version is for a folder without environment files/);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  test('passes on the example and says what it checked', () => {
    const project = synthesizedExample();
    const run = cli('validate', '--project', project);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^\\d+ objects valid: schemas and ${POLICY_RULES.length} policy rules pass`));
  });

  test('fails on a broken folder with located messages, as text and as JSON', () => {
    const project = synthesizedExample();
    const out = path.join(project, 'dist');
    const file = path.join(out, 'prod/apps/application-prod-stoa-portal.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('  syncPolicy:\n', '  syncPolicy:\n    automated: {prune: true}\n'));

    const text = cli('validate', out, '--project', project);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/1 violation in 1 file/);
    expect(text.stderr).toMatch(/prod\/apps\/application-prod-stoa-portal\.yaml: \[read-only-manual-sync\] Application "prod-stoa-portal" in read-only environment "prod" has automated sync/);
    expect(text.stderr).toMatch(/read-only-manual-sync: Applications of read-only environments/);

    const json = cli('validate', out, '--project', project, '--format', 'json');
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout);
    expect(json.stderr).toBe('');
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
  const project = synthesizedExample();
  const before = fs.readFileSync(path.join(project, 'dist/dev/apps/application-dev-tenant-acme.yaml'), 'utf8');
  writeFile(project, 'tenants/acme.yaml', 'name: acme\ntier: gold\nowners: {users: [a]}\nenvironments: [dev]\nextra: 1\n');
  const run = cli('synth', '--project', project);
  expect(run.code).toBe(3);
  expect(run.stderr).toContain('tenants/acme.yaml:5: extra: unknown field');
  expect(fs.readFileSync(path.join(project, 'dist/dev/apps/application-dev-tenant-acme.yaml'), 'utf8')).toBe(before);
});

describe('workflow verbs', () => {
  test('set-image refuses prod with exit 3 and points to promote', () => {
    const repo = exampleRepo();
    const run = cli('set-image', 'stoa-gateway', '2.0.0', '--env', 'prod', '--project', repo);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('set-image refused.');
    expect(run.stderr).toContain('stoa-manifests promote staging prod');
  });

  test('promote in the wrong order exits 3; nothing to promote exits 0 with a message', () => {
    const repo = exampleRepo();
    expect(cli('promote', 'dev', 'prod', '--project', repo)).toMatchObject({ code: 3 });
    const first = cli('promote', 'dev', 'staging', '--project', repo);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('stoa-gateway: 1.8.2 -> 1.9.0');
    const again = cli('promote', 'dev', 'staging', '--project', repo);
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toContain('nothing to promote: staging already has every version and tenant of dev');
  });

  test('tenant add takes users and group: owners; diff prints markdown; publish prints the commit', () => {
    const repo = exampleRepo();
    const add = cli('tenant', 'add', 'umbrella', '--owner', 'ada@umbrella.example', 'group:umbrella-team', '--tier', 'bronze', '--project', repo);
    expect(add.code).toBe(0);
    expect(fs.readFileSync(path.join(repo, 'tenants/umbrella.yaml'), 'utf8')).toContain('groups:\n    - umbrella-team');
    expect(cli('tenant', 'add', 'umbrella', '--owner', 'x', '--tier', 'bronze', '--project', repo).stderr).toContain('already exists');
    expect(cli('synth', '--project', repo).code).toBe(0);

    const diff = cli('diff', '--base', 'HEAD', '--project', repo);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('| 🟢 dev | dev-tenant-umbrella | 18 | 0 | 0 |');
    expect(diff.stdout).toContain('### 🟢 dev');

    const { clone } = bareRemote();
    expect(cli('publish', '--repo', clone, '--project', repo).stderr).toContain('uncommitted changes');
  });

  test('check-promotions exits 1 naming the version that skipped staging', () => {
    const repo = exampleRepo();
    fs.writeFileSync(path.join(repo, 'environments/prod.yaml'),
      fs.readFileSync(path.join(repo, 'environments/prod.yaml'), 'utf8').replace('stoa-portal: 1.3.2', 'stoa-portal: 7.0.0'));
    const run = cli('check-promotions', '--project', repo);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('prod: stoa-portal 7.0.0 was never in staging; bring it to staging first (by promotion, or a hotfix there), commit, then run promote staging prod in a later commit');
  });
});

describe('for bots and scripts', () => {
  test('--version prints the package version', () => {
    const run = cli('--version');
    expect(run.stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version);
  });

  test('diff --format json lists every changed file per environment and Application', () => {
    const repo = exampleRepo();
    fs.rmSync(path.join(repo, 'tenants/initech.yaml'));
    const acme = path.join(repo, 'tenants/acme.yaml');
    fs.writeFileSync(acme, fs.readFileSync(acme, 'utf8').replace(/^environments: .*$/m, 'environments: [dev, staging]'));
    synth({ projectDir: repo });
    const run = cli('diff', '--base', 'HEAD', '--project', repo, '--format', 'json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.head).toBeNull();
    expect(report.environments.map((e: any) => [e.environment, e.readOnly])).toEqual([['dev', false], ['prod', true]]);
    expect(report.environments[1].applications.map((a: any) => a.application)).toContain('prod-tenant-acme');
    const dev = report.environments[0].applications.find((a: any) => a.application === 'dev-tenant-initech');
    expect(dev).toMatchObject({ folder: 'dev/tenants/initech', added: 0, changed: 0 });
    expect(dev.removed).toBeGreaterThan(5);
    expect(dev.files).toContainEqual({ path: 'dev/tenants/initech/deployment-gateway.yaml', status: 'removed' });
    expect(report.files).toBe(report.environments.flatMap((e: any) => e.applications.flatMap((a: any) => a.files)).length);
  });

  test('tenant list prints a table, or JSON, of the validated tenants; a broken tenant file fails naming it', () => {
    const project = exampleProject();
    const table = cli('tenant', 'list', '--project', project);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+TIER\s+ENVIRONMENTS\s+OWNERS\s+DISPLAY NAME$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['acme', 'globex', 'initech']);
    expect(lines.find((l) => l.startsWith('acme'))).toMatch(/^acme\s+gold\s+dev,staging,prod\s+\S*group:acme-platform-team/);
    const json = JSON.parse(cli('tenant', 'list', '--project', project, '--format', 'json').stdout);
    expect(json[0]).toMatchObject({ name: 'acme', tier: 'gold', environments: ['dev', 'staging', 'prod'], owners: { groups: ['acme-platform-team'] } });
    writeFile(project, 'tenants/globex.yaml', 'name: globex\ntier: platinum\n');
    const broken = cli('tenant', 'list', '--project', project);
    expect(broken.code).toBe(3);
    expect(broken.stderr).toMatch(/tenants\/globex\.yaml:\d+: tier: must be one of/);
  });
});
