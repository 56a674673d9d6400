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
    expect(result).toEqual({ name: 'globex', removedFrom: ['staging'], remaining: ['dev'], file: path.join(repo, 'tenants/globex.yaml'), deleted: false });
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
      .toThrow(/removing tenant "acme" from prod \(read-only\) makes Argo CD prune its namespace, gateway and everything in them there: confirm with --allow-prod-removal/);
    expect(() => removeTenant({ projectDir: repo, name: 'acme' })).toThrow(/--allow-prod-removal/);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
    expect(removeTenant({ projectDir: repo, name: 'acme', environments: ['prod'], allowProdRemoval: true }))
      .toMatchObject({ removedFrom: ['prod'], remaining: ['dev', 'staging'], deleted: false });
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

  test('the CLI prints what it did, and exits 1 with the reason when refused', () => {
    const repo = exampleRepo();
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    expect(tenantRemoveCommand('globex', { project: repo, env: ['staging'] }, io)).toBe(0);
    expect(out.join('\n')).toMatch(/removed tenant globex from staging \(still in dev\): .*tenants\/globex\.yaml; run synth to render it/);
    expect(tenantRemoveCommand('acme', { project: repo }, io)).toBe(1);
    expect(err.join('\n')).toMatch(/tenant remove refused\.[\s\S]*--allow-prod-removal/);
  });
});
