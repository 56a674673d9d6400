import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { DATA_LOSS_TRAILER, formatPlan, planJson, planRefs, PlanResult } from '../lib/cli';
import { environmentFileSchema } from '../lib';
import { git } from '../lib/git/git';
import { commitAll, exampleRepo, read } from './git-helpers';
import { cli } from './helpers';

// `plan` reads the committed dist/ of two refs: these tests edit dist/ by hand (as a stale or
// hand-made output would be) and commit, so each case is exactly the change it names.

const T = 60_000;

function edit(repo: string, rel: string, change: (doc: any) => void): void {
  const file = path.join(repo, 'dist', rel);
  const doc = parse(fs.readFileSync(file, 'utf8'));
  change(doc);
  fs.writeFileSync(file, stringify(doc));
}
function add(repo: string, rel: string, doc: unknown): void {
  fs.mkdirSync(path.dirname(path.join(repo, 'dist', rel)), { recursive: true });
  fs.writeFileSync(path.join(repo, 'dist', rel), stringify(doc));
}
function remove(repo: string, rel: string): void {
  fs.rmSync(path.join(repo, 'dist', rel));
}
function plan(repo: string, base = 'HEAD~1'): PlanResult {
  return planRefs({ projectDir: repo, base });
}
function app(r: PlanResult, env: string, folder: string) {
  return r.environments.find((e) => e.environment === env)!.applications.find((a) => a.folder === folder)!;
}
const ack = (repo: string, ...ids: string[]) => git(repo, ['commit', '--quiet', '--allow-empty', '-m', `acknowledge\n\nwe mean it\n\n${ids.map((i) => `${DATA_LOSS_TRAILER}: ${i}`).join('\n')}`]);

const pvc = (name: string, storageClassName = 'fast') => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'tenant-globex' },
  spec: { accessModes: ['ReadWriteOnce'], storageClassName, resources: { requests: { storage: '1Gi' } } },
});
const statefulSet = (storageClassName: string) => ({
  apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'cache', namespace: 'tenant-globex' },
  spec: {
    serviceName: 'cache', replicas: 1, selector: { matchLabels: { app: 'cache' } },
    template: { metadata: { labels: { app: 'cache' } }, spec: { containers: [{ name: 'c', image: 'redis:7', resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '10m', memory: '16Mi' } } }] } },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName, resources: { requests: { storage: '1Gi' } } } }],
  },
});

test('no change: nothing to do, exit 0', () => {
  const repo = exampleRepo();
  commitAll(repo, 'nothing');
  const r = plan(repo);
  expect(r).toMatchObject({ environments: [], findings: [], blocked: false });
  expect(formatPlan(r, 'text')).toContain('No changes to the rendered manifests');
}, T);

test('created, changed and pruned objects per Application, applied at once, in a full environment', () => {
  const repo = exampleRepo();
  add(repo, 'dev/tenants/globex/configmap-extra.yaml', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra', labels: { 'stoa.io/tenant': 'globex' } }, data: { a: 'b' } });
  edit(repo, 'dev/tenants/globex/service-gateway.yaml', (d) => { d.metadata.labels.extra = 'yes'; });
  remove(repo, 'dev/tenants/globex/podmonitor-gateway.yaml');
  commitAll(repo, 'objects');
  const r = plan(repo);
  const a = app(r, 'dev', 'dev/tenants/globex');
  expect(a).toMatchObject({
    application: 'dev-tenant-globex', manualSync: false, rollout: 'at-once', tenants: ['globex'],
    created: [{ kind: 'ConfigMap', namespace: 'tenant-globex', name: 'extra' }],
    changed: [{ kind: 'Service', namespace: 'tenant-globex', name: 'gateway' }],
    pruned: [{ kind: 'PodMonitor', namespace: 'tenant-globex', name: 'gateway' }],
  });
  expect(a.hooks.map((h) => h.what)).toEqual(['smoke-test']);
  expect(r.blocked).toBe(false);
  expect(r.findings.filter((f) => f.environment === 'dev' && f.kind === 'manual-gate')).toEqual([]);
  const text = formatPlan(r, 'text');
  expect(text).toContain('created (1): ConfigMap tenant-globex/extra');
  expect(text).toContain('pruned (1): PodMonitor tenant-globex/gateway');
}, T);

test('a changed tenant runs its hooks: the AWX job templates are side effects outside the cluster, the smoke test is named', () => {
  const repo = exampleRepo();
  edit(repo, 'dev/tenants/acme/service-gateway.yaml', (d) => { d.metadata.labels.extra = 'yes'; });
  commitAll(repo, 'acme');
  const r = plan(repo);
  const hooks = app(r, 'dev', 'dev/tenants/acme').hooks;
  expect(hooks.map((h) => [h.phases.join(','), h.object.name, h.what, h.outsideCluster])).toEqual([
    ['PreSync', 'acme-provision', 'awx', true],
    ['PostSync', 'acme-validate', 'awx', true],
    ['PostSync', 'gateway-smoke-test', 'smoke-test', false],
  ]);
  expect(hooks[0].calls).toMatch(/^https:\/\/awx\..*\/api\/v2\/job_templates\/\d+\/launch\/$/);
  expect(hooks[2].calls).toBe('acme.dev.stoa.example.com');
  const effects = r.findings.filter((f) => f.kind === 'side-effect');
  expect(effects.map((f) => f.object!.name)).toEqual(['acme-provision', 'acme-validate']);
  expect(effects[0].message).toContain(hooks[0].calls!);
  expect(formatPlan(r, 'markdown')).toContain(`launches AWX job template \`${hooks[0].calls}\` (outside the cluster)`);
}, T);

test('a pod template change starts a canary (Rollout) or rolls pods (Deployment); replicas alone apply at once', () => {
  const repo = exampleRepo();
  edit(repo, 'prod/tenants/acme/rollout-gateway.yaml', (d) => { d.spec.template.metadata = { ...d.spec.template.metadata, annotations: { restart: '1' } }; });
  edit(repo, 'dev/tenants/globex/deployment-gateway.yaml', (d) => { d.spec.template.metadata.labels.extra = 'yes'; });
  commitAll(repo, 'templates');
  let r = plan(repo);
  expect(app(r, 'prod', 'prod/tenants/acme').rollout).toBe('canary');
  expect(app(r, 'dev', 'dev/tenants/globex').rollout).toBe('rolling');
  const kinds = r.findings.map((f) => f.kind);
  expect(kinds.indexOf('canary')).toBeLessThan(kinds.indexOf('rolling'));
  expect(r.findings.find((f) => f.kind === 'canary')!.message).toContain('Rollout tenant-acme/gateway: its pod template changed, so it starts a canary');

  edit(repo, 'dev/tenants/globex/deployment-gateway.yaml', (d) => { d.spec.replicas = 7; });
  commitAll(repo, 'replicas');
  r = plan(repo);
  expect(app(r, 'dev', 'dev/tenants/globex').rollout).toBe('at-once');
  expect(r.findings.filter((f) => f.kind === 'rolling' || f.kind === 'canary')).toEqual([]);
}, T);

test('prod: a person syncs, inside the AppProject sync window; prod comes first', () => {
  const repo = exampleRepo();
  edit(repo, 'prod/tenants/acme/service-gateway.yaml', (d) => { d.metadata.labels.extra = 'yes'; });
  edit(repo, 'dev/tenants/acme/service-gateway.yaml', (d) => { d.metadata.labels.extra = 'yes'; });
  commitAll(repo, 'prod and dev');
  const r = plan(repo);
  expect(r.environments.map((e) => e.environment)).toEqual(['prod', 'dev']);
  const prod = r.environments[0];
  expect(prod.readOnly).toBe(true);
  expect(prod.syncWindows).toEqual([{ kind: 'allow', schedule: '0 8 * * 1-4', duration: '10h', timeZone: 'Europe/Paris', manualSync: false, projects: ['prod-tenant-acme'] }]);
  expect(app(r, 'prod', 'prod/tenants/acme').manualSync).toBe(true);
  const gate = r.findings.find((f) => f.kind === 'manual-gate' && f.environment === 'prod')!;
  expect(gate.message).toBe('read-only: nothing happens until a person syncs prod-tenant-acme, only inside its sync window (allow "0 8 * * 1-4" for 10h (Europe/Paris))');
  expect(formatPlan(r, 'text')).toContain('sync: read-only: a person syncs prod-tenant-acme');
}, T);

test('the tenants touched, per environment and Application', () => {
  const repo = exampleRepo();
  edit(repo, 'dev/tenants/acme/service-gateway.yaml', (d) => { d.metadata.labels.extra = 'yes'; });
  edit(repo, 'dev/tenants/globex/service-gateway.yaml', (d) => { d.metadata.labels.extra = 'yes'; });
  edit(repo, 'dev/apps/application-dev-tenant-initech.yaml', (d) => { d.metadata.labels.extra = 'yes'; });
  commitAll(repo, 'three tenants');
  const r = plan(repo);
  expect(r.environments[0].tenants).toEqual(['acme', 'globex', 'initech']);
  expect(app(r, 'dev', 'dev/apps').tenants).toEqual(['initech']);
}, T);

test('a peak over the tenant quota is unschedulable, with the quota before and after', () => {
  const repo = exampleRepo();
  edit(repo, 'dev/tenants/globex/horizontalpodautoscaler-gateway.yaml', (d) => { d.spec.maxReplicas = 50; });
  commitAll(repo, 'scale');
  const r = plan(repo);
  const quota = app(r, 'dev', 'dev/tenants/globex').quotas.find((q) => q.namespace === 'tenant-globex')!;
  const pods = quota.resources.find((x) => x.resource === 'pods')!;
  expect(pods.exceeds).toBe(true);
  expect(Number(pods.after)).toBeGreaterThan(Number(pods.before));
  expect(Number(pods.after)).toBeGreaterThan(Number(pods.hard));
  const f = r.findings[0];
  expect(f).toMatchObject({ kind: 'unschedulable', blocked: false, environment: 'dev', object: { kind: 'ResourceQuota', namespace: 'tenant-globex' } });
  expect(f.message).toContain(`pods needs ${pods.after} but the quota allows ${pods.hard}`);
  expect(r.blocked).toBe(false);
}, T);

test('a declared capacity: requests at max scale before and after; over it is unschedulable; the field is validated', () => {
  const repo = exampleRepo();
  const file = path.join(repo, 'environments/dev.yaml');
  fs.writeFileSync(file, `${read(repo, 'environments/dev.yaml')}capacity:\n  cpu: "1"\n  memory: 1Gi\n`);
  edit(repo, 'dev/tenants/globex/service-gateway.yaml', (d) => { d.metadata.labels.extra = 'yes'; });
  commitAll(repo, 'capacity');
  const r = plan(repo);
  const dev = r.environments[0];
  expect(dev.capacity).toMatchObject({ cpu: '1', memory: '1Gi', exceeds: true });
  expect(dev.capacity!.cpuBefore).toBe(dev.capacity!.cpuAfter);
  expect(r.findings[0]).toMatchObject({ kind: 'unschedulable', environment: 'dev' });
  expect(r.findings[0].message).toContain('but its capacity is 1 CPU and 1Gi');

  fs.writeFileSync(file, read(repo, 'environments/dev.yaml').replace('cpu: "1"', 'cpu: "100000"').replace('memory: 1Gi', 'memory: 4096Gi'));
  commitAll(repo, 'bigger');
  expect(plan(repo, 'HEAD~2').environments[0].capacity).toMatchObject({ cpu: '100000', exceeds: false });

  fs.writeFileSync(file, read(repo, 'environments/dev.yaml').replace('memory: 4096Gi', 'memory: lots'));
  commitAll(repo, 'invalid');
  expect(() => plan(repo, 'HEAD~3')).toThrow(/dev\.yaml: capacity memory: must be a memory amount/);
  const env = parse(read(repo, 'environments/dev.yaml'));
  expect(environmentFileSchema.safeParse(env).success).toBe(false);
  expect(environmentFileSchema.safeParse({ ...env, capacity: { cpu: '64', memory: '256Gi' } }).success).toBe(true);
  expect(environmentFileSchema.safeParse({ ...env, capacity: { cpu: '64' } }).success).toBe(false);
}, T);

describe('data loss is blocked until a commit trailer acknowledges it', () => {
  test('a pruned Namespace', () => {
    const repo = exampleRepo();
    remove(repo, 'dev/tenants/globex/namespace-tenant-globex.yaml');
    commitAll(repo, 'no namespace');
    let r = plan(repo);
    const f = r.findings[0];
    expect(f).toMatchObject({
      kind: 'data-loss', blocked: true, acknowledged: false, environment: 'dev', application: 'dev-tenant-globex',
      object: { kind: 'Namespace', name: 'tenant-globex' }, acknowledgement: 'Acknowledge-Data-Loss: dev/Namespace/-/tenant-globex',
    });
    expect(r.blocked).toBe(true);
    expect(formatPlan(r, 'markdown')).toContain('> [!CAUTION]\n> BLOCKED: 1 data-loss finding nobody acknowledged');
    expect(formatPlan(r, 'markdown')).toContain('```text\nAcknowledge-Data-Loss: dev/Namespace/-/tenant-globex\n```');

    ack(repo, 'dev/Namespace/-/tenant-globex');
    r = plan(repo, 'HEAD~2');
    expect(r.findings[0]).toMatchObject({ kind: 'data-loss', blocked: false, acknowledged: true });
    expect(r.blocked).toBe(false);
  }, T);

  test('a Namespace Argo CD keeps (Prune=false, Delete=false) is not lost', () => {
    const repo = exampleRepo();
    remove(repo, 'prod/tenants/acme/namespace-tenant-acme.yaml');
    commitAll(repo, 'prod namespace');
    const r = plan(repo);
    expect(r.blocked).toBe(false);
    expect(r.findings.find((f) => f.kind === 'kept')!.message).toContain('Argo CD keeps it (Delete=false)');
  }, T);

  test('a pruned PersistentVolumeClaim, and one replaced by an immutable change', () => {
    const repo = exampleRepo();
    add(repo, 'dev/tenants/globex/persistentvolumeclaim-a.yaml', pvc('a'));
    add(repo, 'dev/tenants/globex/persistentvolumeclaim-b.yaml', pvc('b'));
    commitAll(repo, 'pvcs');
    remove(repo, 'dev/tenants/globex/persistentvolumeclaim-a.yaml');
    add(repo, 'dev/tenants/globex/persistentvolumeclaim-b.yaml', pvc('b', 'slow'));
    commitAll(repo, 'pvc gone and changed');
    let r = plan(repo);
    expect(r.findings.filter((f) => f.blocked).map((f) => [f.acknowledgement, f.message])).toEqual([
      ['Acknowledge-Data-Loss: dev/PersistentVolumeClaim/tenant-globex/a', expect.stringContaining('pruned')],
      ['Acknowledge-Data-Loss: dev/PersistentVolumeClaim/tenant-globex/b', expect.stringContaining('is replaced')],
    ]);
    expect(r.findings.find((f) => f.object?.name === 'b')!.message).toContain('spec.storageClassName cannot change in place');
    ack(repo, 'dev/PersistentVolumeClaim/tenant-globex/a', 'dev/PersistentVolumeClaim/tenant-globex/b');
    r = plan(repo, 'HEAD~2');
    expect(r.blocked).toBe(false);
  }, T);

  test('a StatefulSet whose volumeClaimTemplates change', () => {
    const repo = exampleRepo();
    add(repo, 'dev/tenants/globex/statefulset-cache.yaml', statefulSet('fast'));
    commitAll(repo, 'sts');
    add(repo, 'dev/tenants/globex/statefulset-cache.yaml', statefulSet('slow'));
    commitAll(repo, 'sts storage class');
    let r = plan(repo);
    expect(r.findings[0]).toMatchObject({ kind: 'data-loss', blocked: true, acknowledgement: 'Acknowledge-Data-Loss: dev/StatefulSet/tenant-globex/cache' });
    expect(r.findings[0].message).toContain('spec.volumeClaimTemplates cannot change in place');
    ack(repo, 'dev/StatefulSet/tenant-globex/cache');
    r = plan(repo, 'HEAD~2');
    expect(r.blocked).toBe(false);
    // Pruned too: blocked again in a later change.
    remove(repo, 'dev/tenants/globex/statefulset-cache.yaml');
    commitAll(repo, 'sts gone');
    expect(plan(repo).findings[0]).toMatchObject({ kind: 'data-loss', blocked: true, object: { kind: 'StatefulSet', name: 'cache' } });
  }, T);

  test("an ExternalSecret's target Secret: pruned with it, or renamed", () => {
    const repo = exampleRepo();
    edit(repo, 'dev/tenants/acme/externalsecret-upstream-api-key.yaml', (d) => { d.spec.target.name = 'renamed'; });
    commitAll(repo, 'rename target');
    let r = plan(repo);
    expect(r.findings[0]).toMatchObject({ kind: 'data-loss', blocked: true, acknowledgement: 'Acknowledge-Data-Loss: dev/ExternalSecret/tenant-acme/upstream-api-key' });
    expect(r.findings[0].message).toContain('its old target Secret upstream-api-key is deleted');
    remove(repo, 'dev/tenants/acme/externalsecret-upstream-api-key.yaml');
    commitAll(repo, 'no external secret');
    r = plan(repo, 'HEAD~2');
    expect(r.findings[0]).toMatchObject({ kind: 'data-loss', blocked: true });
    expect(r.findings[0].message).toContain('pruned by dev-tenant-acme');
    ack(repo, 'dev/ExternalSecret/tenant-acme/upstream-api-key');
    expect(plan(repo, 'HEAD~3').blocked).toBe(false);
    // A trailer outside base..head acknowledges nothing: the same loss again later is blocked again.
    add(repo, 'dev/tenants/acme/externalsecret-upstream-api-key.yaml', { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'upstream-api-key', namespace: 'tenant-acme' }, spec: { target: { name: 'upstream-api-key' } } });
    commitAll(repo, 'back');
    remove(repo, 'dev/tenants/acme/externalsecret-upstream-api-key.yaml');
    commitAll(repo, 'gone again');
    expect(plan(repo, 'HEAD~1').blocked).toBe(true);
  }, T);
});

describe('what leaves git but stays in the cluster', () => {
  test('bootstrap/ and argocd-config/ are applied by hand: a removed object stays (no data-loss block), no sync window', () => {
    const repo = exampleRepo();
    remove(repo, 'prod/bootstrap/appproject-prod-bootstrap.yaml');
    edit(repo, 'prod/argocd-config/configmap-argocd-cm.yaml', (d) => { d.data['timeout.reconciliation'] = '300s'; });
    commitAll(repo, 'by hand');
    const r = plan(repo);
    expect(r.blocked).toBe(false);
    const bootstrap = app(r, 'prod', 'prod/bootstrap');
    expect(bootstrap).toMatchObject({ byHand: true, manualSync: true, pruned: [], kept: [{ kind: 'AppProject', namespace: 'argocd', name: 'prod-bootstrap' }], rollout: 'none' });
    expect(bootstrap.project).toBeUndefined();
    expect(app(r, 'prod', 'prod/argocd-config')).toMatchObject({ byHand: true, application: 'prod argocd-config (applied by hand)', changed: [{ kind: 'ConfigMap', name: 'argocd-cm' }] });
    expect(r.environments[0].syncWindows).toEqual([]);
    expect(r.findings.map((f) => [f.kind, f.message])).toEqual([
      ['manual-gate', 'nothing happens until a person applies prod/argocd-config/, prod/bootstrap/ (kubectl apply -f; no Application syncs them): objects removed from git stay in the cluster until deleted by hand'],
      ['kept', 'applied by hand: kubectl apply does not delete what left prod/bootstrap/; this object stays in the cluster until a person deletes it: AppProject argocd/prod-bootstrap'],
    ]);
    const text = formatPlan(r, 'text');
    expect(text).toContain('  sync: read-only: a person syncs every change; a person applies prod/argocd-config/, prod/bootstrap/ with kubectl');
    expect(text).toContain('  nothing is deleted; a person applies it with kubectl\n  left in the cluster (1): AppProject argocd/prod-bootstrap');
  }, T);

  test('a tenant folder gone with its Application: its finalizer deletes the Namespace (blocked); without one, everything stays', () => {
    const repo = exampleRepo();
    fs.rmSync(path.join(repo, 'dist/dev/tenants/globex'), { recursive: true });
    remove(repo, 'dev/apps/application-dev-tenant-globex.yaml');
    commitAll(repo, 'globex leaves dev');
    let r = plan(repo);
    expect(r.findings.filter((f) => f.blocked).map((f) => f.message)).toEqual([
      expect.stringMatching(/^Namespace tenant-globex \(and everything in it\) deleted with the Application dev-tenant-globex \(its resources finalizer\), which the root Application prunes: blocked/),
    ]);
    expect(app(r, 'dev', 'dev/tenants/globex')).toMatchObject({ kept: [], rollout: 'at-once' });
    expect(formatPlan(r, 'text')).toMatch(/-- dev-tenant-globex \(dev\/tenants\/globex\)\n {2}removes objects; syncs by itself/);

    git(repo, ['reset', '--quiet', '--hard', 'HEAD~1']);
    edit(repo, 'dev/apps/application-dev-tenant-globex.yaml', (d) => { delete d.metadata.finalizers; });
    commitAll(repo, 'no finalizer');
    fs.rmSync(path.join(repo, 'dist/dev/tenants/globex'), { recursive: true });
    remove(repo, 'dev/apps/application-dev-tenant-globex.yaml');
    commitAll(repo, 'globex leaves dev');
    r = plan(repo);
    expect(r.blocked).toBe(false);
    const globex = app(r, 'dev', 'dev/tenants/globex');
    expect(globex.pruned).toEqual([]);
    expect(globex.kept.map((o) => o.kind)).toContain('Namespace');
    expect(r.findings.find((f) => f.kind === 'kept')!.message).toMatch(/^the root Application prunes the Application dev-tenant-globex, which has no resources finalizer: its objects are left, no longer managed; these \d+ objects stay in the cluster until a person deletes them: /);
  }, T);

  test('ApplicationSet mode: the tenants ApplicationSet (not the previews one) decides; preserveResourcesOnDeletion keeps the objects', () => {
    const repo = exampleRepo();
    const { apiVersion: _a, kind: _k, ...app0 } = parse(read(repo, 'dist/dev/apps/application-dev-tenant-globex.yaml'));
    for (const t of ['acme', 'globex', 'initech']) remove(repo, `dev/apps/application-dev-tenant-${t}.yaml`);
    const template = { ...app0, metadata: { name: 'dev-tenant-{{path.basename}}' }, spec: { ...app0.spec, source: { ...app0.spec.source, path: '{{path}}' } } };
    // A previews ApplicationSet listed first, which would cascade: plan must not take it for the tenants'.
    add(repo, 'dev/apps/applicationset-dev-previews.yaml', {
      apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', metadata: { name: 'dev-previews', namespace: 'argocd' },
      spec: { generators: [{ pullRequest: { github: { owner: 'stoa', repo: 'stoa' } } }], template: { ...template, metadata: { name: 'pr-{{number}}', finalizers: ['resources-finalizer.argocd.argoproj.io'] } } },
    });
    add(repo, 'dev/apps/applicationset-dev-tenants.yaml', {
      apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', metadata: { name: 'dev-tenants', namespace: 'argocd' },
      spec: {
        generators: [{ git: { repoURL: 'https://git.stoa.example.com/stoa/stoa-envs.git', revision: 'main', directories: [{ path: 'dev/tenants/*' }] } }],
        syncPolicy: { preserveResourcesOnDeletion: true },
        template: { ...template, spec: { ...template.spec, project: 'dev-tenant-{{path.basename}}' } },
      },
    });
    commitAll(repo, 'ApplicationSet mode');
    fs.rmSync(path.join(repo, 'dist/dev/tenants/globex'), { recursive: true });
    commitAll(repo, 'globex leaves dev');
    let r = plan(repo);
    expect(r.blocked).toBe(false);
    expect(app(r, 'dev', 'dev/tenants/globex')).toMatchObject({ manualSync: false, pruned: [] });
    expect(r.findings.find((f) => f.kind === 'kept')!.message).toMatch(/^the ApplicationSet dev-tenants deletes the Application dev-tenant-globex without its objects \(preserveResourcesOnDeletion\): they are left, no longer managed; /);

    // As the controller sets finalizers: the template's when it has any (preserveResourcesOnDeletion does not remove them);
    // else the resources finalizer unless preserveResourcesOnDeletion. Either way, the Namespace goes.
    for (const [syncPolicy, finalizers, how] of [
      [{ preserveResourcesOnDeletion: true }, ['resources-finalizer.argocd.argoproj.io'], 'from the template'],
      [{}, undefined, 'which the controller adds'],
    ] as const) {
      git(repo, ['reset', '--quiet', '--hard', 'HEAD~1']);
      edit(repo, 'dev/apps/applicationset-dev-tenants.yaml', (d) => { d.spec.syncPolicy = syncPolicy; d.spec.template.metadata.finalizers = finalizers; });
      commitAll(repo, 'cascade');
      fs.rmSync(path.join(repo, 'dist/dev/tenants/globex'), { recursive: true });
      commitAll(repo, 'globex leaves dev');
      r = plan(repo);
      expect(r.findings.filter((f) => f.blocked).map((f) => f.message)).toEqual([
        expect.stringContaining(`deleted with the Application dev-tenant-globex (its resources finalizer, ${how}), which the ApplicationSet dev-tenants deletes: blocked`),
      ]);
      git(repo, ['reset', '--quiet', '--hard', 'HEAD~1']);
    }
  }, T);
});

test('JSON: a stable machine shape, most severe first', () => {
  const repo = exampleRepo();
  remove(repo, 'dev/tenants/globex/namespace-tenant-globex.yaml');
  edit(repo, 'prod/tenants/acme/rollout-gateway.yaml', (d) => { d.spec.template.metadata.labels.extra = 'yes'; });
  commitAll(repo, 'json');
  const text = planJson(plan(repo));
  const json = JSON.parse(text);
  expect(Object.keys(json)).toEqual(['base', 'head', 'blocked', 'findings', 'environments']);
  expect(json.blocked).toBe(true);
  expect(json.findings.map((f: any) => f.kind)).toEqual(['data-loss', 'side-effect', 'side-effect', 'canary', 'manual-gate']);
  expect(json.findings[0]).toEqual({
    kind: 'data-loss', blocked: true, environment: 'dev', application: 'dev-tenant-globex',
    object: { kind: 'Namespace', namespace: null, name: 'tenant-globex' }, message: expect.any(String),
    acknowledgement: 'Acknowledge-Data-Loss: dev/Namespace/-/tenant-globex', acknowledged: false,
  });
  expect(json.environments.map((e: any) => e.environment)).toEqual(['prod', 'dev']);
  expect(Object.keys(json.environments[0])).toEqual(['environment', 'readOnly', 'tenants', 'syncWindows', 'capacity', 'applications']);
  expect(Object.keys(json.environments[0].applications[0])).toEqual([
    'application', 'folder', 'project', 'manualSync', 'byHand', 'rollout', 'tenants', 'created', 'changed', 'pruned', 'kept', 'hooks', 'quotas',
  ]);
  expect(json.environments[0].applications[0].hooks[0]).toEqual({
    object: { kind: 'Job', namespace: 'stoa-hooks', name: 'acme-provision' }, phases: ['PreSync'], what: 'awx', calls: expect.stringMatching(/^https:/), outsideCluster: true,
  });
  // The same for the same input: a second plan of the same refs prints the same JSON.
  expect(planJson(plan(repo))).toBe(text);
}, T);

test('the text and Markdown reports fit a byte budget and say what was left out; blocked findings stay', () => {
  const repo = exampleRepo();
  remove(repo, 'dev/tenants/globex/namespace-tenant-globex.yaml');
  for (const env of ['dev', 'staging', 'prod']) {
    for (const t of fs.readdirSync(path.join(repo, 'dist', env, 'tenants'))) {
      const dir = path.join(repo, 'dist', env, 'tenants', t);
      for (const f of fs.readdirSync(dir).filter((x) => x.startsWith('service-'))) edit(repo, `${env}/tenants/${t}/${f}`, (d) => { d.metadata.labels.extra = 'yes'; });
    }
  }
  commitAll(repo, 'many');
  const r = plan(repo);
  for (const format of ['text', 'markdown'] as const) {
    const full = formatPlan(r, format, { maxReportBytes: Infinity });
    expect(full).not.toContain('left out');
    const cut = formatPlan(r, format, { maxReportBytes: 2_500 });
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(2_500);
    expect(cut).toMatch(/This report is cut to fit 2500 bytes.*left out/);
    expect(cut).toContain('Acknowledge-Data-Loss: dev/Namespace/-/tenant-globex');
    expect(cut).toContain('--format json');
    expect(Buffer.byteLength(formatPlan(r, format))).toBeLessThanOrEqual(64_000);
  }
}, T);

test('many blocked findings: the report lists 40 acknowledgement lines and counts the rest; a cut report never leaves a code block open', () => {
  const repo = exampleRepo();
  for (let i = 0; i < 45; i++) add(repo, `dev/tenants/globex/persistentvolumeclaim-data-${i}.yaml`, pvc(`data-${i}`));
  commitAll(repo, 'volumes');
  for (let i = 0; i < 45; i++) remove(repo, `dev/tenants/globex/persistentvolumeclaim-data-${i}.yaml`);
  commitAll(repo, 'no volumes');
  const r = plan(repo);
  expect(r.findings.filter((f) => f.blocked)).toHaveLength(45);
  const full = formatPlan(r, 'markdown');
  expect(full.match(/^Acknowledge-Data-Loss: /gm)).toHaveLength(40);
  expect(full).toContain('… and 5 more: `stoa-manifests plan --base HEAD~1 --head HEAD --format json` lists every acknowledgement line.');
  for (const budget of [1_500, 2_000, 3_000]) {
    const cut = formatPlan(r, 'markdown', { maxReportBytes: budget });
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(budget);
    expect((cut.match(/^```/gm) ?? []).length % 2).toBe(0);
  }
}, T);

test('CLI: exit 0 when the plan is OK, 1 when blocked (report printed), 3 with a message for a bad ref, 2 for a bad option value', () => {
  const repo = exampleRepo();
  edit(repo, 'dev/tenants/globex/service-gateway.yaml', (d) => { d.metadata.labels.extra = 'yes'; });
  commitAll(repo, 'ok');
  let out = cli('plan', '--project', repo, '--base', 'HEAD~1', '--format', 'text');
  expect(out.code).toBe(0);
  expect(out.stdout).toContain('Plan OK');
  remove(repo, 'dev/tenants/globex/namespace-tenant-globex.yaml');
  commitAll(repo, 'blocked');
  out = cli('plan', '--project', repo, '--base', 'HEAD~2', '--head', 'HEAD');
  expect(out.code).toBe(1);
  expect(out.stdout).toContain('BLOCKED');
  expect(out.stderr).toContain('plan blocked: 1 data-loss finding');
  out = cli('plan', '--project', repo, '--base', 'HEAD~1', '--format', 'json');
  expect(out.code).toBe(1);
  expect(JSON.parse(out.stdout).blocked).toBe(true);
  out = cli('plan', '--project', repo, '--base', '--output=x');
  expect(out.code).toBe(3);
  expect(out.stderr).toContain('plan failed');
  expect(cli('plan', '--project', repo, '--base', 'HEAD', '--format', 'html').code).toBe(2);
}, T);
