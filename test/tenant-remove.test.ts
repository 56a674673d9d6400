import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { git, tryGit } from '../lib/git/git';
import { removeTenant, tenantRemoveCommand } from '../lib/cli';
import { synth } from '../lib';
import { exampleRepo, read } from './git-helpers';

describe('tenant remove', () => {
  test('from one environment: edits the list in place, keeps the file\'s comments and style', () => {
    const repo = exampleRepo();
    const before = read(repo, 'tenants/globex.yaml');
    const result = removeTenant({ projectDir: repo, name: 'globex', environments: ['staging'] });
    expect(result).toEqual({
      name: 'globex', removedFrom: ['staging'], remaining: ['dev'], keptForDeprovision: [], finished: [], file: path.join(repo, 'tenants/globex.yaml'), deleted: false,
      leaving: [{ environment: 'staging', automatic: 'Argo CD prunes Application staging-tenant-globex, which deletes its namespace and everything in it', kept: [], steps: [] }],
    });
    const after = read(repo, 'tenants/globex.yaml');
    expect(parse(after).environments).toEqual(['dev']);
    expect(git(repo, ['diff', '--numstat', '--', 'tenants/globex.yaml']).trim()).toMatch(/^1\t1\t/);
    expect(after.split('\n').filter((l) => l.startsWith('#'))).toEqual(before.split('\n').filter((l) => l.startsWith('#')));

    synth({ projectDir: repo });
    expect(fs.existsSync(path.join(repo, 'dist/staging/tenants/globex'))).toBe(false);
    expect(fs.existsSync(path.join(repo, 'dist/dev/tenants/globex'))).toBe(true);
  });

  test('from everywhere: deletes the file; synth leaves nothing of the tenant', () => {
    const repo = exampleRepo();
    const result = removeTenant({ projectDir: repo, name: 'globex' });
    expect(result).toMatchObject({ removedFrom: ['dev', 'staging'], remaining: [], deleted: true });
    expect(fs.existsSync(path.join(repo, 'tenants/globex.yaml'))).toBe(false);
    synth({ projectDir: repo });
    // git grep exits 1 when nothing matches (untracked files included).
    expect(tryGit(repo, ['grep', '--untracked', '-l', 'globex', '--', 'dist'])).toBeUndefined();
    expect(tryGit(repo, ['grep', '--untracked', '-l', 'acme', '--', 'dist'])).toBeDefined();
  });

  test('staging cannot lose a tenant prod still has: remove it from prod first, or from both at once', () => {
    const repo = exampleRepo();
    expect(() => removeTenant({ projectDir: repo, name: 'acme', environments: ['staging'] }))
      .toThrow('tenant "acme" would stay in prod, which is promoted from staging: remove it from prod first, or from both at once (--env staging prod)');
    expect(git(repo, ['status', '--porcelain'])).toBe('');
  });

  test('prod needs --allow-prod-removal; with it the tenant leaves prod only', () => {
    const repo = exampleRepo();
    expect(() => removeTenant({ projectDir: repo, name: 'acme', environments: ['prod'] }))
      .toThrow(/removing tenant "acme" from prod \(read-only\) takes its gateway out once a person deletes its Application there \(its namespace is kept\): confirm with --allow-prod-removal/);
    expect(() => removeTenant({ projectDir: repo, name: 'acme' })).toThrow(/--allow-prod-removal/);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
    expect(removeTenant({ projectDir: repo, name: 'acme', environments: ['prod'], allowProdRemoval: true }))
      .toMatchObject({ removedFrom: ['prod'], remaining: ['dev', 'staging'], deleted: false });
  });

  test('a tenant with a deprovision hook leaves in two steps: it stays leaving (its Application syncs only the hook), then goes; each step says what happens', () => {
    const repo = exampleRepo();
    const hooks = 'https://awx.stoa.example.com/api/v2/job_templates';
    const acme = read(repo, 'tenants/acme.yaml');
    fs.writeFileSync(path.join(repo, 'tenants/acme.yaml'), acme.replace(/^hooks:\n/m, `hooks:\n  postDelete: ${hooks}/14/launch/\n`));
    const r = removeTenant({ projectDir: repo, name: 'acme', allowProdRemoval: true });
    expect(r).toMatchObject({ removedFrom: ['dev', 'staging', 'prod'], remaining: [], keptForDeprovision: ['dev', 'staging', 'prod'], finished: [], deleted: false });
    const file = parse(read(repo, 'tenants/acme.yaml'));
    expect(file.environments).toEqual([]);
    expect(file.leaving).toEqual(['dev', 'staging', 'prod']);
    const [dev, , prod] = r.leaving;
    expect(dev).toEqual({
      environment: 'dev',
      automatic: `Argo CD syncs Application dev-tenant-acme, which now holds only the deprovision hook: it prunes its namespace and everything in it, then runs the deprovision hook (${hooks}/14/launch/)`,
      kept: ['Application dev-tenant-acme and its files in git (leaving: [dev]), until tenant remove runs again'],
      steps: ['once the deprovision hook has succeeded (argocd app get dev-tenant-acme), run tenant remove acme --env dev again: the Application and its files leave git'],
    });
    expect(prod.automatic).toBe('nothing until a person syncs Application prod-tenant-acme, which now holds only the deprovision hook');
    expect(prod.kept).toEqual(['Application prod-tenant-acme and its files in git (leaving: [prod]), until tenant remove runs again', 'namespace tenant-acme (Delete=false)']);
    expect(prod.steps).toEqual([
      `after the sync of the root, sync the Application: argocd app sync prod-tenant-acme --prune (it prunes its workloads (the namespace stays: Delete=false), then runs the deprovision hook (${hooks}/14/launch/))`,
      'once the deprovision hook has succeeded (argocd app get prod-tenant-acme), run tenant remove acme --env prod again: the Application and its files leave git',
      'after that change is synced, delete the Application: argocd app delete prod-tenant-acme',
      'when nothing in it is needed any more: kubectl delete namespace tenant-acme',
    ]);
    // Where it is leaving, its folder holds only the deprovision hook, synced by its Application.
    synth({ projectDir: repo });
    expect(fs.readdirSync(path.join(repo, 'dist/prod/tenants/acme'))).toEqual(['job-acme-deprovision.yaml']);
    expect(fs.existsSync(path.join(repo, 'dist/prod/apps/application-prod-tenant-acme.yaml'))).toBe(true);
    // Second step: naming an environment again removes it there; the last one deletes the file.
    expect(removeTenant({ projectDir: repo, name: 'acme', environments: ['prod'] }))
      .toMatchObject({ removedFrom: [], finished: ['prod'], keptForDeprovision: ['dev', 'staging'], deleted: false, leaving: [] });
    expect(parse(read(repo, 'tenants/acme.yaml')).leaving).toEqual(['dev', 'staging']);
    expect(removeTenant({ projectDir: repo, name: 'acme' })).toMatchObject({ finished: ['dev', 'staging'], keptForDeprovision: [], deleted: true });
    expect(fs.existsSync(path.join(repo, 'tenants/acme.yaml'))).toBe(false);
  });

  test('without a deprovision hook, what provisioning made outside the cluster is said to stay; an ApplicationSet never cascades', () => {
    const repo = exampleRepo();
    const dev = path.join(repo, 'environments/dev.yaml');
    fs.writeFileSync(dev, `${read(repo, 'environments/dev.yaml')}tenantApplications: applicationset\n`);
    // ApplicationSet mode needs uniform tenants: all three alike here.
    for (const t of ['acme', 'globex']) {
      const text = read(repo, `tenants/${t}.yaml`).replace(/^tier: \w+$/m, 'tier: bronze').replace(/^gateway:\n(  .*\n)+/m, '');
      fs.writeFileSync(path.join(repo, `tenants/${t}.yaml`), text);
    }
    fs.writeFileSync(path.join(repo, 'tenants/initech.yaml'), `${read(repo, 'tenants/initech.yaml')}hooks:\n  preSync: https://awx.stoa.example.com/api/v2/job_templates/12/launch/\n`);
    const r = removeTenant({ projectDir: repo, name: 'initech' });
    expect(r.leaving).toEqual([{
      environment: 'dev',
      automatic: 'the ApplicationSet deletes Application dev-tenant-initech; it has no resources finalizer, so its objects stay',
      kept: [
        'what its provisioning hook (https://awx.stoa.example.com/api/v2/job_templates/12/launch/) made outside the cluster: the tenant has no hooks.postDelete to undo it',
        'namespace tenant-initech and everything in it',
      ],
      steps: ['when nothing in it is needed any more: kubectl delete namespace tenant-initech'],
    }]);
  });

  test('refuses unknown tenants and environments, environments it is not in, and names that are not tenant names', () => {
    const repo = exampleRepo();
    expect(() => removeTenant({ projectDir: repo, name: 'nobody' })).toThrow(/unknown tenant "nobody": one of acme, globex, initech/);
    expect(() => removeTenant({ projectDir: repo, name: 'initech', environments: ['qa'] })).toThrow(/unknown environment "qa": one of dev, staging, prod/);
    expect(() => removeTenant({ projectDir: repo, name: 'initech', environments: ['staging'] })).toThrow('tenant "initech" is not in staging (it is in dev)');
    expect(() => removeTenant({ projectDir: repo, name: '../environments/dev' })).toThrow(/tenant name "\.\.\/environments\/dev"/);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
  });

  test('a project that does not validate is refused before anything is written', () => {
    const repo = exampleRepo();
    fs.chmodSync(path.join(repo, 'tenants/initech.yaml'), 0o640);
    const original = read(repo, 'tenants/initech.yaml');
    fs.writeFileSync(path.join(repo, 'tenants/broken.yaml'), 'name: [\n');
    expect(() => removeTenant({ projectDir: repo, name: 'initech' })).toThrow(/broken\.yaml/);
    expect(read(repo, 'tenants/initech.yaml')).toBe(original);
    expect(fs.statSync(path.join(repo, 'tenants/initech.yaml')).mode & 0o777).toBe(0o640);
  });

  test('the CLI prints what it did, and exits 3 with the reason when refused', () => {
    const repo = exampleRepo();
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    expect(tenantRemoveCommand('globex', { project: repo, env: ['staging'] }, io)).toBe(0);
    expect(out.join('\n')).toMatch(/removed tenant globex from staging \(still in dev\): .*tenants\/globex\.yaml; run synth to render it/);
    expect(tenantRemoveCommand('acme', { project: repo }, io)).toBe(3);
    expect(err.join('\n')).toMatch(/tenant remove refused\.[\s\S]*--allow-prod-removal/);
    out.length = 0;
    expect(tenantRemoveCommand('acme', { project: repo, env: ['prod'], allowProdRemoval: true }, io)).toBe(0);
    expect(out.slice(1)).toEqual([
      'prod: nothing: Argo CD keeps Application prod-tenant-acme (Prune=false) until a person deletes it',
      '  kept: what its provisioning hook (https://awx.stoa.example.com/api/v2/job_templates/12/launch/) made outside the cluster: the tenant has no hooks.postDelete to undo it',
      '  kept: Application prod-tenant-acme',
      '  kept: namespace tenant-acme (Delete=false)',
      '  1. after the sync, delete the Application: argocd app delete prod-tenant-acme (its workloads go; the namespace stays)',
      '  2. when nothing in it is needed any more: kubectl delete namespace tenant-acme',
    ]);
  });
});
