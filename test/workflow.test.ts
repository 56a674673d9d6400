import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { addTenant, checkPromotions, diffRefs, formatDiff, promote, setImage, WorkflowError } from '../lib/cli';
import { git } from '../lib/git/git';
import { synth } from '../lib';
import { commitAll, exampleRepo, read } from './git-helpers';

describe('set-image', () => {
  test('changes one version in a full environment, keeping the comments of the file', () => {
    const repo = exampleRepo();
    const result = setImage({ projectDir: repo, environment: 'dev', component: 'stoa-gateway', version: '1.9.1' });
    expect(result).toMatchObject({ environment: 'dev', component: 'stoa-gateway', from: '1.9.0', to: '1.9.1', changed: true });
    const text = read(repo, 'environments/dev.yaml');
    expect(text).toContain('# Development: unrestricted');
    expect(parse(text).components).toEqual({ 'stoa-gateway': '1.9.1', 'control-plane-api': '2.5.0', 'control-plane-ui': '2.5.0', 'stoa-portal': '1.4.0' });
    expect(git(repo, ['diff', '--stat']).trim()).toMatch(/environments\/dev\.yaml \| 2 \+-/);
  });

  test('refuses prod with a message that points to promote, and writes nothing', () => {
    const repo = exampleRepo();
    expect(() => setImage({ projectDir: repo, environment: 'prod', component: 'stoa-gateway', version: '9.9.9' }))
      .toThrow('prod is read-only: its versions change only by promotion. Bring the version to staging first (stoa-manifests set-image stoa-gateway 9.9.9 --env dev, commit, stoa-manifests promote dev staging; a fix that cannot wait: stoa-manifests set-image stoa-gateway 9.9.9 --env staging --hotfix "<reason>"), commit, then run stoa-manifests promote staging prod in a later commit');
    expect(git(repo, ['status', '--porcelain'])).toBe('');
  });

  test('refuses latest, unknown components and unknown environments', () => {
    const repo = exampleRepo();
    expect(() => setImage({ projectDir: repo, environment: 'dev', component: 'stoa-gateway', version: 'latest' })).toThrow(/"latest" is not pinned/);
    expect(() => setImage({ projectDir: repo, environment: 'dev', component: 'portal', version: '1.0.0' })).toThrow(/unknown component "portal": dev runs stoa-gateway, control-plane-api/);
    expect(() => setImage({ projectDir: repo, environment: 'qa', component: 'stoa-portal', version: '1.0.0' })).toThrow(/unknown environment "qa": one of dev, staging, prod/);
  });

  test('the same version again changes nothing', () => {
    const repo = exampleRepo();
    expect(setImage({ projectDir: repo, environment: 'dev', component: 'stoa-portal', version: '1.4.0' }).changed).toBe(false);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
  });
});

describe('diff', () => {
  test('a bump in dev shows as a change to that component in dev only', () => {
    const repo = exampleRepo();
    setImage({ projectDir: repo, environment: 'dev', component: 'control-plane-api', version: '2.6.0' });
    synth({ projectDir: repo });

    const result = diffRefs({ projectDir: repo, base: 'HEAD' });
    expect(result.environments.map((e) => e.environment)).toEqual(['dev']);
    expect(result.environments[0].applications.map((a) => [a.application, a.added, a.removed, a.changed])).toEqual([
      ['dev-control-plane-api', 0, 0, 4],
    ]);
    const markdown = formatDiff(result, 'markdown');
    expect(markdown).toContain('| dev | dev-control-plane-api | 0 | 0 | 4 |');
    expect(markdown).toContain('-          image: ghcr.io/stoa-platform/control-plane-api:2.5.0');
    expect(markdown).toContain('+          image: ghcr.io/stoa-platform/control-plane-api:2.6.0');
    expect(markdown).toMatch(/<details><summary><code>dev\/platform\/control-plane-api\/deployment-control-plane-api\.yaml<\/code> changed \(\+3 −3\)<\/summary>/);
    expect(markdown).not.toContain('[!WARNING]');
  });

  test('between two commits: prod changes are flagged first; added and removed files are counted', () => {
    const repo = exampleRepo();
    const base = git(repo, ['rev-parse', 'HEAD']).trim();
    promote({ projectDir: repo, from: 'staging', to: 'prod' });
    fs.rmSync(path.join(repo, 'tenants/initech.yaml'));
    synth({ projectDir: repo });
    commitAll(repo, 'promote staging to prod, remove initech');

    const result = diffRefs({ projectDir: repo, base, head: 'HEAD' });
    const prod = result.environments.find((e) => e.environment === 'prod')!;
    expect(prod.readOnly).toBe(true);
    const globex = prod.applications.find((a) => a.application === 'prod-tenant-globex')!;
    expect(globex.added).toBeGreaterThan(5);
    const initech = result.environments.find((e) => e.environment === 'dev')!.applications.find((a) => a.application === 'dev-tenant-initech')!;
    expect([initech.added, initech.removed, initech.changed]).toEqual([0, 18, 0]);

    const markdown = formatDiff(result, 'markdown');
    const warning = markdown.indexOf('> [!WARNING]');
    expect(warning).toBeGreaterThan(0);
    expect(warning).toBeLessThan(markdown.indexOf('| Environment |'));
    expect(markdown).toMatch(/prod changes: \d+ files in \d+ Applications \([^)]*prod-tenant-globex[^)]*\)\. prod syncs manually/);
    const text = formatDiff(result, 'text');
    expect(text).toMatch(/^!! prod changes:/m);
    expect(text).not.toContain('<details>');
  });

  test('very large diffs are truncated with a note', () => {
    const repo = exampleRepo();
    for (const env of ['dev']) setImage({ projectDir: repo, environment: env, component: 'stoa-gateway', version: '2.0.0' });
    synth({ projectDir: repo });
    const report = formatDiff(diffRefs({ projectDir: repo, base: 'HEAD' }), 'markdown', { maxLinesPerFile: 5, maxDiffChars: 600 });
    expect(report).toContain('more lines not shown');
    expect(report).toMatch(/\d+ diffs? omitted to keep this report readable; run `stoa-manifests diff --base HEAD` locally/);
  });

  test('no change says so', () => {
    const repo = exampleRepo();
    expect(formatDiff(diffRefs({ projectDir: repo, base: 'HEAD' }), 'markdown')).toContain('No changes to the rendered manifests.');
  });
});

describe('promote', () => {
  test('only dev -> staging and staging -> prod; any other pair is refused', () => {
    const repo = exampleRepo();
    expect(() => promote({ projectDir: repo, from: 'dev', to: 'prod' })).toThrow(/prod is promoted from staging, not from dev \(order: dev → staging → prod\)/);
    expect(() => promote({ projectDir: repo, from: 'prod', to: 'staging' })).toThrow(/staging is promoted from dev, not from prod/);
    expect(() => promote({ projectDir: repo, from: 'staging', to: 'dev' })).toThrow(/dev is not promoted from another environment/);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
  });

  test('copies every version and tenant of the source, says what changed, and a second run has nothing to do', () => {
    const repo = exampleRepo();
    const result = promote({ projectDir: repo, from: 'dev', to: 'staging' });
    expect(result.versions).toEqual([
      { component: 'stoa-gateway', from: '1.8.2', to: '1.9.0' },
      { component: 'control-plane-api', from: '2.4.1', to: '2.5.0' },
      { component: 'control-plane-ui', from: '2.4.1', to: '2.5.0' },
    ]);
    expect(result.tenants).toEqual(['initech']);
    expect(parse(read(repo, 'tenants/initech.yaml')).environments).toEqual(['dev', 'staging']);
    expect(read(repo, 'tenants/acme.yaml')).toContain('environments: [dev, staging, prod]');
    expect(git(repo, ['diff', '--', 'tenants/initech.yaml'])).toContain('-environments: [dev]\n+environments: [dev, staging]');
    expect(parse(read(repo, 'environments/staging.yaml')).components['stoa-gateway']).toBe('1.9.0');
    expect(read(repo, 'environments/staging.yaml')).toContain('# Staging: pre-production validation');

    expect(promote({ projectDir: repo, from: 'dev', to: 'staging' })).toMatchObject({ changed: false, versions: [], tenants: [] });
  });

  test('--no-tenants promotes versions only', () => {
    const repo = exampleRepo();
    const result = promote({ projectDir: repo, from: 'staging', to: 'prod', tenants: false });
    expect(result.tenants).toEqual([]);
    expect(result.versions).toEqual([{ component: 'stoa-portal', from: '1.3.2', to: '1.4.0' }]);
    expect(parse(read(repo, 'tenants/globex.yaml')).environments).toEqual(['dev', 'staging']);
  });
});

describe('check-promotions', () => {
  test('passes when every version ran in its source in an earlier commit, also one the source has since left', () => {
    const repo = exampleRepo();
    setImage({ projectDir: repo, environment: 'dev', component: 'stoa-gateway', version: '1.9.1' });
    commitAll(repo, 'dev 1.9.1');
    promote({ projectDir: repo, from: 'dev', to: 'staging' });
    commitAll(repo, 'staging takes 1.9.1');
    setImage({ projectDir: repo, environment: 'dev', component: 'stoa-gateway', version: '1.9.2' });
    commitAll(repo, 'dev moves on to 1.9.2');
    promote({ projectDir: repo, from: 'staging', to: 'prod' });
    commitAll(repo, 'prod takes 1.9.1');
    expect(checkPromotions({ projectDir: repo })).toEqual({ ok: true, problems: [], hotfixes: [], downgrades: [] });
  });

  test('fails a prod version that staging never had, naming it', () => {
    const repo = exampleRepo();
    const file = path.join(repo, 'environments/prod.yaml');
    fs.writeFileSync(file, read(repo, 'environments/prod.yaml').replace('stoa-gateway: 1.8.2', 'stoa-gateway: 9.9.9'));
    const check = checkPromotions({ projectDir: repo });
    expect(check.ok).toBe(false);
    expect(check.problems).toContainEqual({ environment: 'prod', source: 'staging', component: 'stoa-gateway', version: '9.9.9', reason: 'never-in-source' });
  });
});

describe('tenant add', () => {
  test('writes a validated tenant file that synth renders in dev', () => {
    const repo = exampleRepo();
    const result = addTenant({ projectDir: repo, name: 'umbrella', tier: 'silver', users: ['ada@umbrella.example'], groups: ['umbrella-team'] });
    expect(path.relative(repo, result.file)).toBe('tenants/umbrella.yaml');
    expect(parse(read(repo, 'tenants/umbrella.yaml'))).toEqual({
      name: 'umbrella', tier: 'silver', owners: { users: ['ada@umbrella.example'], groups: ['umbrella-team'] }, environments: ['dev'],
    });
    synth({ projectDir: repo });
    expect(fs.existsSync(path.join(repo, 'dist/dev/tenants/umbrella/deployment-gateway.yaml'))).toBe(true);
    expect(fs.existsSync(path.join(repo, 'dist/staging/tenants/umbrella'))).toBe(false);
  });

  test('refuses duplicates, invalid names, unknown tiers and prod before staging, leaving no file', () => {
    const repo = exampleRepo();
    expect(() => addTenant({ projectDir: repo, name: 'acme', tier: 'gold', users: ['a'] })).toThrow(/tenant "acme" already exists: tenants\/acme\.yaml/);
    expect(() => addTenant({ projectDir: repo, name: 'Bad_Name', tier: 'gold', users: ['a'] })).toThrow(/name: must be a DNS label/);
    expect(() => addTenant({ projectDir: repo, name: 'ok', tier: 'platinum', users: ['a'] })).toThrow(WorkflowError);
    expect(() => addTenant({ projectDir: repo, name: 'ok', tier: 'gold' })).toThrow(/owners: must list at least one user or group/);
    expect(() => addTenant({ projectDir: repo, name: 'early', tier: 'gold', users: ['a'], environments: ['dev', 'prod'] }))
      .toThrow(/tenant "early" was not added:[\s\S]*"prod" requires "staging" first/);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
  });
});
