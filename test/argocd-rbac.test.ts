import * as fs from 'fs';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { renderProject, validateObjects } from '../lib';
import { ArgoProject } from '../lib/argocd/argo-project';
import { rbacSubjectProblem, SHARED_RBAC_SETTINGS } from '../lib/argocd/argocd-rbac';
import { parsePolicyCsv } from '../lib/validate/rules/argocd-rbac';
import { tenantFileSchema } from '../lib/config/tenant-config';
import { clustersOf, editYaml, exampleProject, RenderedObject, writeFile } from './helpers';

// A project of our own: the example's environment files (dev and staging full, prod read-only), with
// prod's access groups renamed and dev's removed, and two tenants written here.
const project = exampleProject();
for (const f of fs.readdirSync(path.join(project, 'tenants'))) fs.rmSync(path.join(project, 'tenants', f));
writeFile(project, 'tenants/acme.yaml', [
  'name: acme', 'tier: bronze', 'owners:', '  groups: [acme-team]', '  users: [ann@acme.example]', 'environments: [dev, staging, prod]', '',
].join('\n'));
writeFile(project, 'tenants/globex.yaml', ['name: globex', 'tier: bronze', 'owners:', '  groups: [globex-ops]', 'environments: [dev]', ''].join('\n'));
editYaml(project, 'environments/prod.yaml', (e) => { e.access = { viewers: ['ops-viewers'], releasers: ['ops-release'] }; });
editYaml(project, 'environments/dev.yaml', (e) => { delete e.access; });
editYaml(project, 'environments/staging.yaml', (e) => { delete e.access; });

const rendered: readonly RenderedObject[] = renderProject({ projectDir: project }).files.map((f) => ({ path: f.path, object: f.object as any }));
const clusters = clustersOf(project);
const copy = (): RenderedObject[] => JSON.parse(JSON.stringify(rendered));
const at = (objects: readonly RenderedObject[], file: string) => {
  const o = objects.find((x) => x.path === file);
  if (!o) throw new Error(`no ${file}`);
  return o.object;
};
const RBAC = (env: string) => `${env}/argocd-config/configmap-argocd-rbac-cm.yaml`;
/** The policy lines of an environment's CSV, without its comments. */
const policyLines = (objects: readonly RenderedObject[], env: string) =>
  String(at(objects, RBAC(env)).data[`policy.${env}.csv`]).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
const rbacRules = ['argocd-rbac-settings', 'argocd-rbac-lines', 'argocd-rbac-agrees'];
const violations = (objects: readonly RenderedObject[]) => validateObjects(objects as any, { ...clusters, readOnlyEnvironments: ['prod'] })
  .violations.filter((v) => rbacRules.includes(v.rule)).map((v) => `${v.rule} ${v.file}: ${v.message}`);
/** The example with one more line in prod's CSV. */
const withProdLine = (line: string) => {
  const objects = copy();
  at(objects, RBAC('prod')).data['policy.prod.csv'] += `${line}\n`;
  return objects;
};

const ROLLOUT = ['resume', 'promote-full', 'abort', 'retry'].map((a) => `action/argoproj.io/Rollout/${a}`);

describe('argocd-rbac-cm, rendered from the environment and tenant files', () => {
  test('argocd-config/ of every environment holds the rbac patch next to argocd-cm and argocd-notifications-cm', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      const files = rendered.filter((f) => f.path.startsWith(`${env}/argocd-config/`)).map((f) => f.path).sort();
      expect(files).toContain(RBAC(env));
      expect(files).toContain(`${env}/argocd-config/configmap-argocd-cm.yaml`);
      const cm = at(rendered, RBAC(env));
      expect(cm.metadata).toEqual({ name: 'argocd-rbac-cm', namespace: 'argocd', labels: { 'app.kubernetes.io/managed-by': 'stoa-manifests', 'app.kubernetes.io/part-of': 'argocd' } });
      expect(Object.keys(cm.data).sort()).toEqual([`policy.${env}.csv`, 'policy.default', 'policy.matchMode', 'scopes'].sort());
      expect(cm.data['policy.csv']).toBeUndefined();
    }
  });

  test('the keys every environment shares are identical in every patch; each environment\'s policy is in its own key', () => {
    const shared = (env: string) => Object.fromEntries(Object.entries(at(rendered, RBAC(env)).data).filter(([k]) => !k.endsWith('.csv')));
    expect(shared('dev')).toEqual({ 'policy.default': 'role:stoa-default', 'policy.matchMode': 'glob', 'scopes': '[groups, email]' });
    expect(shared('staging')).toEqual(shared('dev'));
    expect(shared('prod')).toEqual(shared('dev'));
    expect(shared('dev')).toEqual(SHARED_RBAC_SETTINGS);
    // Merged the way kubectl patch --type merge merges them, in any order: every environment's policy survives.
    const merged = Object.assign({}, ...['prod', 'dev', 'staging'].map((env) => at(rendered, RBAC(env)).data));
    for (const env of ['dev', 'staging', 'prod']) expect(merged[`policy.${env}.csv`]).toBe(at(rendered, RBAC(env)).data[`policy.${env}.csv`]);
  });

  test('dev: tenant owners see, sync and read the logs of their own tenant, and run the named Rollout actions; no access groups', () => {
    const owner = (tenant: string) => [
      `p, role:dev-tenant-${tenant}:owner, applications, get, dev-tenant-${tenant}/*, allow`,
      `p, role:dev-tenant-${tenant}:owner, logs, get, dev-tenant-${tenant}/*, allow`,
      `p, role:dev-tenant-${tenant}:owner, applications, sync, dev-tenant-${tenant}/*, allow`,
      ...ROLLOUT.map((a) => `p, role:dev-tenant-${tenant}:owner, applications, ${a}, dev-tenant-${tenant}/*, allow`),
    ];
    expect(policyLines(rendered, 'dev')).toEqual([
      ...owner('acme'), 'g, acme-team, role:dev-tenant-acme:owner', 'g, ann@acme.example, role:dev-tenant-acme:owner',
      ...owner('globex'), 'g, globex-ops, role:dev-tenant-globex:owner',
    ]);
    expect(String(at(rendered, RBAC('dev')).data['policy.dev.csv'])).toMatch(/^# dev: generated by stoa-manifests/);
  });

  test('prod: owners only see their tenant and its logs; only the releasers sync; viewers see; nobody overrides, deletes or execs', () => {
    const access = (project: string) => [
      `p, role:${project}:read-only, applications, get, ${project}/*, allow`,
      `g, ops-viewers, role:${project}:read-only`,
      `p, role:${project}:release, applications, get, ${project}/*, allow`,
      `p, role:${project}:release, applications, sync, ${project}/*, allow`,
      ...ROLLOUT.map((a) => `p, role:${project}:release, applications, ${a}, ${project}/*, allow`),
      `g, ops-release, role:${project}:release`,
    ];
    expect(policyLines(rendered, 'prod')).toEqual([
      ...access('prod-bootstrap'),
      ...access('prod-platform'),
      ...access('prod-tenant-acme'),
      'p, role:prod-tenant-acme:owner, applications, get, prod-tenant-acme/*, allow',
      'p, role:prod-tenant-acme:owner, logs, get, prod-tenant-acme/*, allow',
      'g, acme-team, role:prod-tenant-acme:owner',
      'g, ann@acme.example, role:prod-tenant-acme:owner',
    ]);
    const actions = policyLines(rendered, 'prod').filter((l) => l.startsWith('p,')).map((l) => l.split(', ')[3]);
    expect(actions.filter((a) => ['create', 'update', 'delete', 'override', '*'].includes(a) || a.includes('*'))).toEqual([]);
    // Sync in prod: the release roles only.
    expect(policyLines(rendered, 'prod').filter((l) => l.includes(', sync, ')).every((l) => l.includes(':release,'))).toBe(true);
  });

  test('dev and prod differ: owners sync in dev, not in prod', () => {
    expect(policyLines(rendered, 'dev')).toContain('p, role:dev-tenant-acme:owner, applications, sync, dev-tenant-acme/*, allow');
    expect(policyLines(rendered, 'prod').some((l) => l.startsWith('p, role:prod-tenant-acme:owner, applications, sync'))).toBe(false);
  });

  test('each tenant AppProject has an owner role saying what the CSV says', () => {
    expect(at(rendered, 'prod/apps/appproject-prod-tenant-acme.yaml').spec.roles.map((r: any) => [r.name, r.groups])).toEqual([
      ['read-only', ['ops-viewers']], ['release', ['ops-release']], ['owner', ['acme-team', 'ann@acme.example']],
    ]);
    expect(at(rendered, 'prod/apps/appproject-prod-tenant-acme.yaml').spec.roles[2].policies).toEqual([
      'p, proj:prod-tenant-acme:owner, applications, get, prod-tenant-acme/*, allow',
      'p, proj:prod-tenant-acme:owner, logs, get, prod-tenant-acme/*, allow',
    ]);
    expect(at(rendered, 'dev/apps/appproject-dev-tenant-acme.yaml').spec.roles.map((r: any) => r.name)).toEqual(['owner']);
    expect(at(rendered, 'dev/apps/appproject-dev-platform.yaml').spec.roles).toBeUndefined();
  });

  test('the rendered output satisfies the rules', () => {
    expect(violations(rendered)).toEqual([]);
  });
});

describe('parsing a policy as Argo CD does', () => {
  test('comments and blank lines are skipped after trimming; fields lose leading spaces only; quotes and bad shapes are refused', () => {
    const lines = parsePolicyCsv('# a comment\n\n   # an indented comment\n  p, role:x, applications, get, dev-a/*, allow  \ng,a,role:x\np, role:x, applications, get , dev-a/*, allow\np, "a,b", x\ng, a\n');
    expect(lines.map((l) => [l.line, l.fields, l.invalid === undefined])).toEqual([
      [4, ['p', 'role:x', 'applications', 'get', 'dev-a/*', 'allow'], true],
      [5, ['g', 'a', 'role:x'], true],
      [6, ['p', 'role:x', 'applications', 'get ', 'dev-a/*', 'allow'], true],
      [7, undefined, false],
      [8, undefined, false],
    ]);
  });
});

describe('the rules refuse', () => {
  const RBAC_PROD = RBAC('prod');

  test('a wildcard subject', () => {
    expect(violations(withProdLine('g, *, role:prod-tenant-acme:owner'))).toEqual(expect.arrayContaining([
      expect.stringMatching(/^argocd-rbac-lines prod\/argocd-config\/configmap-argocd-rbac-cm\.yaml: policy\.prod\.csv line \d+ \("g, \*, role:prod-tenant-acme:owner"\) binds subject "\*", which contains "\*"/),
    ]));
    expect(violations(withProdLine('p, *, applications, get, prod-tenant-acme/*, allow'))).toEqual(expect.arrayContaining([
      expect.stringMatching(/policy\.prod\.csv line \d+ \("p, \*, applications, get, prod-tenant-acme\/\*, allow"\) has a wildcard subject/),
    ]));
  });

  test('a * action and a */* object in prod', () => {
    const star = violations(withProdLine('p, role:prod-tenant-acme:owner, applications, *, prod-tenant-acme/*, allow'));
    expect(star).toEqual(expect.arrayContaining([
      expect.stringMatching(/argocd-rbac-lines .*line \d+ .* grants every action matching "\*"/),
      expect.stringMatching(/argocd-rbac-lines .*line \d+ .* grants "\*" \(create\): in read-only environment prod/),
      expect.stringMatching(/argocd-rbac-agrees .*ann@acme\.example may \* prod-tenant-acme\/\*, which no role of an AppProject of prod grants/),
    ]));
    const everything = violations(withProdLine('p, role:prod-tenant-acme:owner, applications, get, */*, allow'));
    expect(everything).toEqual(expect.arrayContaining([
      expect.stringMatching(/argocd-rbac-lines .*reaches "\*\/\*", not the Applications of one of prod's AppProjects/),
    ]));
    expect(violations(withProdLine('p, role:prod-tenant-acme:owner, *, get, prod-tenant-acme/*, allow'))).toEqual(expect.arrayContaining([
      expect.stringMatching(/grants every resource matching "\*"/),
    ]));
  });

  test('override and delete in prod, even where a project role grants them too', () => {
    const objects = withProdLine('p, role:prod-tenant-acme:owner, applications, override, prod-tenant-acme/*, allow\np, role:prod-tenant-acme:owner, applications, delete, prod-tenant-acme/*, allow');
    const roles = at(objects, 'prod/apps/appproject-prod-tenant-acme.yaml').spec.roles;
    roles[2].policies.push('p, proj:prod-tenant-acme:owner, applications, override, prod-tenant-acme/*, allow', 'p, proj:prod-tenant-acme:owner, applications, delete, prod-tenant-acme/*, allow');
    const found = violations(objects);
    expect(found.filter((v) => v.startsWith('argocd-rbac-lines'))).toEqual([
      expect.stringMatching(/line \d+ \("p, role:prod-tenant-acme:owner, applications, override, prod-tenant-acme\/\*, allow"\) grants override: in read-only environment prod/),
      expect.stringMatching(/line \d+ \("p, role:prod-tenant-acme:owner, applications, delete, prod-tenant-acme\/\*, allow"\) grants delete: in read-only environment prod/),
    ]);
    // Both sides agree, so the agreement rule is quiet; read-only-project-roles refuses the project's side.
    expect(found.filter((v) => v.startsWith('argocd-rbac-agrees'))).toEqual([]);
    // The same in dev is a matter of the two sides agreeing only.
    const dev = copy();
    at(dev, RBAC('dev')).data['policy.dev.csv'] += 'p, role:dev-tenant-acme:owner, applications, override, dev-tenant-acme/*, allow\n';
    at(dev, 'dev/apps/appproject-dev-tenant-acme.yaml').spec.roles[0].policies.push('p, proj:dev-tenant-acme:owner, applications, override, dev-tenant-acme/*, allow');
    expect(violations(dev)).toEqual([]);
  });

  test('a CSV grant that no project role has, naming the file and the line', () => {
    const text = String(at(rendered, RBAC('prod')).data['policy.prod.csv']);
    const line = text.split('\n').length; // the line appended after the rendered text's last line break
    const sync = 'p, role:prod-tenant-acme:release, applications, sync, prod-tenant-acme/*, allow';
    const syncLine = text.split('\n').indexOf(sync) + 1;
    const found = violations(withProdLine('g, acme-team, role:prod-tenant-acme:release'));
    // acme-team may already get (as owner): sync and the four Rollout actions are new.
    expect(found).toHaveLength(1 + ROLLOUT.length);
    expect(found[0]).toBe(`argocd-rbac-agrees ${RBAC_PROD}: policy.prod.csv line ${line} ("g, acme-team, role:prod-tenant-acme:release" with line ${syncLine} "${sync}"): `
      + 'acme-team may sync prod-tenant-acme/*, which no role of an AppProject of prod grants (the AppProject roles and policy.prod.csv are rendered from one model)');
    // A grant to a subject directly, without a role.
    expect(violations(withProdLine('p, acme-team, logs, get, prod-platform/*, allow'))).toEqual([
      expect.stringMatching(/^argocd-rbac-agrees .*\("p, acme-team, logs, get, prod-platform\/\*, allow"\): acme-team may logs get prod-platform\/\*, which no role/),
    ]);
  });

  test('a project role the CSV lacks, naming the AppProject', () => {
    const objects = copy();
    at(objects, 'prod/apps/appproject-prod-tenant-acme.yaml').spec.roles[2].groups.push('acme-contractors');
    expect(violations(objects)).toEqual([
      'argocd-rbac-agrees prod/apps/appproject-prod-tenant-acme.yaml: AppProject "prod-tenant-acme" role "owner": acme-contractors may get prod-tenant-acme/*, which policy.prod.csv of prod/argocd-config/configmap-argocd-rbac-cm.yaml does not grant (the AppProject roles and policy.prod.csv are rendered from one model)',
      'argocd-rbac-agrees prod/apps/appproject-prod-tenant-acme.yaml: AppProject "prod-tenant-acme" role "owner": acme-contractors may logs get prod-tenant-acme/*, which policy.prod.csv of prod/argocd-config/configmap-argocd-rbac-cm.yaml does not grant (the AppProject roles and policy.prod.csv are rendered from one model)',
    ]);
    const without = copy().filter((o) => o.path !== RBAC('dev'));
    expect(violations(without)[0]).toMatch(/^argocd-rbac-agrees dev\/apps\/appproject-dev-tenant-acme\.yaml: AppProject "dev-tenant-acme" role "owner": acme-team may get dev-tenant-acme\/\*, but dev\/argocd-config\/ has no argocd-rbac-cm whose policy\.dev\.csv mirrors it/);
  });

  test('a line reaching another environment\'s project, a binding to a built-in role or a reserved subject, and a line Argo CD cannot read', () => {
    const found = violations(withProdLine('p, role:prod-tenant-acme:owner, applications, get, dev-tenant-acme/*, allow\ng, acme-team, role:admin\ng, role:readonly, role:prod-tenant-acme:owner\np, role:x, applications, get\n'));
    expect(found.filter((v) => v.startsWith('argocd-rbac-lines'))).toEqual([
      expect.stringMatching(/\("p, role:prod-tenant-acme:owner, applications, get, dev-tenant-acme\/\*, allow"\) reaches "dev-tenant-acme\/\*", not the Applications of one of prod's AppProjects/),
      expect.stringMatching(/\("g, acme-team, role:admin"\) binds to built-in role:admin/),
      expect.stringMatching(/\("g, role:readonly, role:prod-tenant-acme:owner"\) binds subject "role:readonly", which starts with "role:"/),
      expect.stringMatching(/\("p, role:x, applications, get"\) is neither "p, .*Argo CD refuses the whole policy/),
    ]);
  });

  test('policy.csv, another environment\'s key, a shared key that differs, a built-in default role', () => {
    const objects = copy();
    at(objects, RBAC('dev')).data['policy.csv'] = 'p, role:x, applications, get, dev-tenant-acme/*, allow\n';
    at(objects, RBAC('dev')).data['policy.prod.csv'] = '';
    at(objects, RBAC('staging')).data.scopes = '[groups]';
    at(objects, RBAC('prod')).data['policy.default'] = 'role:readonly';
    const found = violations(objects);
    expect(found).toHaveLength(9);
    expect(found).toEqual(expect.arrayContaining([
      'argocd-rbac-settings dev/argocd-config/configmap-argocd-rbac-cm.yaml: writes policy.csv, which belongs to the Argo CD install (its operators): the patch would replace it; the environment\'s policy goes in policy.dev.csv',
      'argocd-rbac-settings dev/argocd-config/configmap-argocd-rbac-cm.yaml: writes policy.prod.csv, which is not environment dev\'s own key (policy.dev.csv): merged into the one argocd-rbac-cm, it would replace another environment\'s policy',
      'argocd-rbac-settings prod/argocd-config/configmap-argocd-rbac-cm.yaml: policy.default is role:readonly: every person who logs in would get it on every project of every environment, prod and every tenant included (use role:stoa-default, which grants nothing)',
      expect.stringMatching(/^argocd-rbac-settings dev\/.*key policy\.default differs between the environments/),
      expect.stringMatching(/^argocd-rbac-settings prod\/.*key policy\.default differs/),
      expect.stringMatching(/^argocd-rbac-settings staging\/.*key policy\.default differs/),
      expect.stringMatching(/^argocd-rbac-settings dev\/.*key scopes differs between the environments \("\[groups, email\]" in dev\/argocd-config\/configmap-argocd-rbac-cm\.yaml, prod\/argocd-config\/configmap-argocd-rbac-cm\.yaml; "\[groups\]" in staging\/argocd-config\/configmap-argocd-rbac-cm\.yaml\)/),
      expect.stringMatching(/^argocd-rbac-settings prod\/.*key scopes differs/),
      expect.stringMatching(/^argocd-rbac-settings staging\/.*key scopes differs/),
    ]));
  });
});

describe('subjects written into the CSV', () => {
  test.each([
    ['a,b', /comma/], ['a"b', /quote/], ['a\nb', /line break/], [' a', /spaces/], ['*', /"\*"/], ['team-*', /"\*"/],
    ['role:admin', /"role:"/], ['proj:prod-x:release', /"proj:"/], ['system:authenticated', /"system:"/],
  ])('"%s" is refused', (subject, problem) => {
    expect(rbacSubjectProblem(subject)).toMatch(problem);
  });

  test('group and e-mail names pass', () => {
    for (const s of ['acme-team', 'ann@acme.example', 'cn=ops,ou=x'.replace(',', '_'), 'Acme Team']) expect(rbacSubjectProblem(s)).toBeUndefined();
  });

  test('a tenant file naming such an owner is refused at input', () => {
    const base = { name: 'acme', tier: 'bronze', environments: ['dev'] };
    for (const bad of ['a,b', 'role:admin', 'proj:dev-x:owner', '*', 'x"y']) {
      expect(tenantFileSchema.safeParse({ ...base, owners: { groups: [bad] } }).success).toBe(false);
      expect(tenantFileSchema.safeParse({ ...base, owners: { users: [bad] } }).success).toBe(false);
    }
    expect(tenantFileSchema.safeParse({ ...base, owners: { groups: ['acme-team'], users: ['ann@acme.example'] } }).success).toBe(true);
  });

  test('an environment file naming such an access group is refused at input', () => {
    const dir = exampleProject();
    editYaml(dir, 'environments/prod.yaml', (e) => { e.access = { viewers: ['role:readonly'], releasers: ['ops'] }; });
    expect(() => renderProject({ projectDir: dir })).toThrow(/environments\/prod\.yaml:\d+: access\.viewers\[0\]: .*role:/);
  });

  test('a library user\'s ArgoProject with such an owner fails at construction', () => {
    const chart = Testing.chart();
    try {
      expect(() => new ArgoProject(chart, 'p', {
        name: 'qa-tenant-x', sourceRepos: ['https://git.example.com/envs.git'], destinations: [{ server: 'https://k', namespace: 'tenant-x' }],
        owners: { subjects: ['ops,admins'] },
      })).toThrow(/AppProject "qa-tenant-x": role "owner" subject "ops,admins" contains a comma/);
    } finally {
      fs.rmSync(App.of(chart).outdir, { recursive: true, force: true });
    }
  });
});
