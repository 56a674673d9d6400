import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { publish, removeTenant } from '../lib/cli';
import { synth } from '../lib';
import { git } from '../lib/git/git';
import { ArgoReplay, FileObject } from './replay/argocd-replay';
import { editYaml, RenderedObject, renderedExample, writeFile } from './helpers';
import { commitAll, exampleRepo } from './git-helpers';

/*
 * Day 2 in Argo CD: sequences of commits and human actions replayed on the rendered output (see
 * test/replay/argocd-replay.ts: gitops-engine's waves and health waits, argocd-cm's own Lua health
 * check in a real Lua VM, prunes, finalizers, the ApplicationSet controller, the notifications
 * controller). Each scenario asserts what is applied, what waits, what is deleted and what is notified.
 */

const HOOLI = (environments: string[]) => stringify({
  name: 'hooli', displayName: 'Hooli', tier: 'bronze', owners: { users: ['gavin@hooli.example'] }, environments,
});

const base = renderedExample();
const withHooli = renderedExample((p) => writeFile(p, 'tenants/hooli.yaml', HOOLI(['dev', 'staging', 'prod'])));

const deleted = (r: ArgoReplay, from = 0) => r.eventsOf('deleted', from).filter((e) => e.kind !== 'Application').map((e) => `${e.kind} ${e.name}`);
const notices = (r: ArgoReplay, from = 0) => r.eventsOf('notified', from).map((e) => `${e.app} ${e.trigger}`);
/** `objects` with the Application in `file` given other sync options (what the rendering would be without one). */
const withSyncOptions = (objects: RenderedObject[], file: string, syncOptions: string[]) => objects.map((f) => (f.path === file
  ? { ...f, object: { ...f.object, spec: { ...f.object.spec, syncPolicy: { ...f.object.spec.syncPolicy, syncOptions } } } }
  : f));
const applied = (r: ArgoReplay, from = 0) => r.eventsOf('applied', from).map((e) => `${e.kind} ${e.name}`);

describe('the platform keeps delivering while something waits or is sick', () => {
  test('prod: a paused canary never holds a new tenant back; the canary that waits past its window is alerted', () => {
    const health = new Map<string, string>();
    const prod = new ArgoReplay('prod', { health: (app) => health.get(app) });
    prod.commit('r1', base).syncRoot();
    expect(prod.eventsOf('succeeded').map((e) => e.app)).toEqual(['prod-root']);
    prod.syncAll();
    // acme's gateway is being delivered as a canary that pauses (Suspended) ...
    health.set('prod-tenant-acme', 'Suspended');
    prod.sync('prod-tenant-acme');
    expect(prod.application('prod-tenant-acme').status.health.status).toBe('Suspended');
    // ... while a new tenant arrives: the root applies only hooli's Application and project, and finishes.
    const mark = prod.events.length;
    prod.commit('r2', withHooli).syncRoot();
    expect(applied(prod, mark).sort()).toEqual(['AppProject prod-tenant-hooli', 'Application prod-tenant-hooli']);
    expect(prod.eventsOf('waiting', mark)).toEqual([]);
    expect(prod.eventsOf('succeeded', mark).map((e) => e.app)).toEqual(['prod-root']);
    prod.sync('prod-tenant-hooli');
    expect(notices(prod, mark)).toEqual(['prod-tenant-hooli on-tenant-ready-prod']);
    // The canary waits: after its window (60 minutes after the sync) the environment's channel hears of it, once.
    prod.wait(59);
    expect(notices(prod, mark)).not.toContain('prod-tenant-acme on-stuck-60m');
    prod.wait(1).wait(30);
    expect(notices(prod, mark).filter((n) => n === 'prod-tenant-acme on-stuck-60m')).toHaveLength(1);
  });

  test('prod: a brief Progressing after a quiet week is not "stuck"; one that lasts its window is', () => {
    const prod = new ArgoReplay('prod').commit('r1', base).syncRoot().syncAll();
    prod.wait(7 * 24 * 60).health('prod-tenant-acme', 'Progressing').wait(2).health('prod-tenant-acme', 'Healthy').wait(5);
    expect(notices(prod).filter((n) => n.includes('on-stuck'))).toEqual([]);
    prod.health('prod-tenant-acme', 'Progressing').wait(59);
    expect(notices(prod).filter((n) => n.includes('on-stuck'))).toEqual([]);
    prod.wait(1);
    expect(notices(prod).filter((n) => n.includes('on-stuck'))).toEqual(['prod-tenant-acme on-stuck-60m']);
  });

  test('dev: a Degraded platform app, or one gone Missing after its first sync, never holds a new tenant back', () => {
    const health = new Map<string, string>([['dev-control-plane-api', 'Degraded']]);
    const dev = new ArgoReplay('dev', { health: (app) => health.get(app) });
    dev.commit('r1', base);
    expect(dev.eventsOf('failed')).toEqual([]);
    expect(dev.eventsOf('succeeded').map((e) => e.app)).toEqual(['dev-root']);
    health.set('dev-stoa-portal', 'Missing');
    dev.sync('dev-stoa-portal');
    const mark = dev.events.length;
    dev.commit('r2', withHooli);
    expect(applied(dev, mark)).toEqual(expect.arrayContaining(['Application dev-tenant-hooli']));
    expect(dev.eventsOf('succeeded', mark).map((e) => e.app)).toEqual(['dev-root']);
    expect(dev.application('dev-tenant-hooli').status.sync.status).toBe('Synced');
    expect(notices(dev, mark)).toEqual(['dev-tenant-hooli on-tenant-ready-dev']);
  });

  test('dev: a platform app whose first sync fails holds the waves after it (tenants need the platform), and says why', () => {
    // The negative control of the wait: the first sync of the gateway platform app fails.
    const dev = new ArgoReplay('dev', { fails: (app) => (app === 'dev-stoa-gateway' ? 'admission webhook denied the request' : undefined) });
    dev.commit('r1', base);
    expect(dev.eventsOf('failed')).toEqual([expect.objectContaining({ app: 'dev-root', wave: 0, on: 'dev-stoa-gateway', message: expect.stringMatching(/admission webhook denied the request/) })]);
    expect(dev.applicationNames().filter((n) => n.includes('tenant'))).toEqual([]);
  });

  test('first sync with no monitoring namespace: the dashboards create it, last; no tenant waits for them', () => {
    const dev = new ArgoReplay('dev', { namespaces: ['argocd', 'kube-system'] });
    dev.commit('r1', base);
    expect(dev.eventsOf('failed')).toEqual([]);
    expect(dev.application('dev-dashboards').status.operationState.phase).toBe('Succeeded');
    expect(dev.isLive('Namespace//monitoring')).toBe(true);
    const order = applied(dev).filter((a) => a.startsWith('Application '));
    expect(order.indexOf('Application dev-dashboards')).toBe(order.length - 1);
    // Without CreateNamespace the dashboards' sync fails, but every tenant was applied in the wave before.
    const strip = withSyncOptions(base, 'dev/apps/application-dev-dashboards.yaml', ['PruneLast=true']);
    const bare = new ArgoReplay('dev', { namespaces: ['argocd', 'kube-system'] }).commit('r1', strip);
    expect(bare.eventsOf('failed').map((e) => e.on)).toEqual(['dev-dashboards']);
    expect(bare.applicationNames().filter((n) => n.includes('tenant'))).toEqual(['dev-tenant-acme', 'dev-tenant-globex', 'dev-tenant-initech']);
  });
});

describe('the control plane hears once per sync that happened', () => {
  test('an unrelated commit sends no tenant-ready; a change that re-syncs a tenant sends exactly one', () => {
    const bump = (component: string, version: string) => renderedExample((p) => editYaml(p, 'environments/dev.yaml', (d) => { d.components[component] = version; }));
    const dev = new ArgoReplay('dev').commit('r1', base);
    expect(notices(dev).sort()).toEqual(['dev-tenant-acme on-tenant-ready-dev', 'dev-tenant-globex on-tenant-ready-dev', 'dev-tenant-initech on-tenant-ready-dev']);
    let mark = dev.events.length;
    dev.commit('r2', bump('control-plane-ui', '2.5.1')).wait(5);
    expect(dev.eventsOf('synced', mark).map((e) => e.app)).toEqual(['dev-control-plane-ui']);
    expect(notices(dev, mark)).toEqual([]);
    mark = dev.events.length;
    dev.commit('r3', bump('stoa-gateway', '1.9.1')).wait(5).wait(5);
    expect(notices(dev, mark).sort()).toEqual(['dev-tenant-acme on-tenant-ready-dev', 'dev-tenant-globex on-tenant-ready-dev', 'dev-tenant-initech on-tenant-ready-dev']);
  });

  test('prod: a commit waits for its manual sync with no notice; the sync sends exactly one', () => {
    const prod = new ArgoReplay('prod').commit('r1', base).syncRoot();
    expect(prod.application('prod-tenant-acme').status.sync.status).toBe('OutOfSync');
    expect(notices(prod).filter((n) => n.includes('tenant-ready'))).toEqual([]);
    prod.syncAll().wait(1).wait(10);
    expect(notices(prod).filter((n) => n.includes('tenant-ready'))).toEqual(['prod-tenant-acme on-tenant-ready-prod']);
    // A commit that does not touch acme: a new revision, no sync, no notice.
    const mark = prod.events.length;
    prod.commit('r2', withHooli).syncRoot().wait(10);
    expect(notices(prod, mark).filter((n) => n.startsWith('prod-tenant-acme') && n.includes('tenant-ready'))).toEqual([]);
  });
});

describe('nothing is deleted by accident', () => {
  // One ApplicationSet needs tenants whose Applications differ only by name: all gold, canary, KEDA here.
  const uniform = (p: string, dev: (d: any) => void = () => undefined) => {
    for (const t of ['globex', 'initech']) editYaml(p, `tenants/${t}.yaml`, (d) => { d.tier = 'gold'; d.gateway = { canary: true, autoscaler: 'keda' }; });
    editYaml(p, 'environments/dev.yaml', dev);
  };
  const applications = renderedExample((p) => uniform(p));
  const applicationSet = renderedExample((p) => uniform(p, (d) => { d.tenantApplications = 'applicationset'; }));
  const base = applications;

  test('an ApplicationSet deleted by a person: its Applications go, but not one object of a tenant; the root brings it back', () => {
    const dev = new ArgoReplay('dev').commit('r1', applicationSet);
    expect(dev.applicationNames().filter((n) => n.includes('tenant'))).toEqual(['dev-tenant-acme', 'dev-tenant-globex', 'dev-tenant-initech']);
    const mark = dev.events.length;
    dev.deleteApplicationSet('dev-tenants');
    expect(dev.eventsOf('deleted', mark).filter((e) => e.kind === 'Application').map((e) => e.name).sort()).toEqual(['dev-tenant-acme', 'dev-tenant-globex', 'dev-tenant-initech']);
    expect(deleted(dev, mark).filter((d) => d !== 'ApplicationSet dev-tenants')).toEqual([]);
    expect(dev.eventsOf('hook', mark)).toEqual([]);
    dev.syncRoot(); // self-heal
    expect(dev.applicationNames().filter((n) => n.includes('tenant'))).toEqual(['dev-tenant-acme', 'dev-tenant-globex', 'dev-tenant-initech']);
    expect(deleted(dev, mark).filter((d) => d !== 'ApplicationSet dev-tenants')).toEqual([]);
  });

  const ORDERS = ['prune-first', 'apply-first'] as const;

  test.each(ORDERS)('ApplicationSet to one Application per tenant (%s): the pruned ApplicationSet orphans its Applications, the root takes them over, nothing is deleted', (sameWave) => {
    const dev = new ArgoReplay('dev', { sameWave }).commit('r1', applicationSet);
    const mark = dev.events.length;
    dev.commit('r2', base);
    expect(dev.eventsOf('orphaned', mark).map((e) => e.name).sort()).toEqual(['dev-tenant-acme', 'dev-tenant-globex', 'dev-tenant-initech']);
    expect(dev.eventsOf('deleted', mark)).toEqual([]);
    expect(dev.application('dev-tenant-acme').metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
  });

  test('without PrunePropagationPolicy=orphan on the root, the same switch can delete every tenant\'s namespace', () => {
    const foreground = (objects: RenderedObject[]) => withSyncOptions(objects, 'dev/bootstrap/application-dev-root.yaml', ['ApplyOutOfSyncOnly=true']);
    const bare = new ArgoReplay('dev', { sameWave: 'apply-first' }).commit('r1', foreground(applicationSet)).commit('r2', foreground(base));
    expect(deleted(bare)).toEqual(expect.arrayContaining(['Namespace tenant-acme', 'Namespace tenant-globex', 'Namespace tenant-initech']));
  });

  test.each(ORDERS)('one Application per tenant to an ApplicationSet (%s): in two steps with keepTenantApplications nothing is deleted', (sameWave) => {
    const keep = (mode: string) => renderedExample((p) => uniform(p, (d) => { d.keepTenantApplications = true; d.tenantApplications = mode; }));
    const dev = new ArgoReplay('dev', { sameWave }).commit('r1', base).commit('r2', keep('applications')).commit('r3', keep('applicationset'));
    expect(dev.eventsOf('kept').map((e) => e.name).sort()).toEqual(['dev-tenant-acme', 'dev-tenant-globex', 'dev-tenant-initech']);
    expect(dev.eventsOf('adopted').map((e) => e.name).sort()).toEqual(['dev-tenant-acme', 'dev-tenant-globex', 'dev-tenant-initech']);
    dev.commit('r4', applicationSet);
    expect(dev.eventsOf('deleted')).toEqual([]);
    expect(dev.application('dev-tenant-acme').metadata.finalizers).toEqual([]);
  });

  test('one Application per tenant to an ApplicationSet directly deletes every tenant\'s namespace (what publish refuses)', () => {
    const direct = new ArgoReplay('dev', { sameWave: 'prune-first' }).commit('r1', base).commit('r2', applicationSet);
    expect(deleted(direct)).toEqual(expect.arrayContaining(['Namespace tenant-acme', 'Namespace tenant-globex', 'Namespace tenant-initech']));
  });

  test('publish refuses the direct switch to an ApplicationSet, naming the tenants and the two steps; it takes the two steps', () => {
    const repo = exampleRepo();
    uniform(repo);
    synth({ projectDir: repo });
    commitAll(repo, 'tenants alike');
    const envs = fs.mkdtempSync(path.join(path.dirname(repo), 'envs-'));
    git(envs, ['init', '--quiet', '--initial-branch=main']);
    publish({ projectDir: repo, repo: envs });
    const setMode = (change: (d: any) => void, message: string) => {
      editYaml(repo, 'environments/dev.yaml', change);
      synth({ projectDir: repo });
      commitAll(repo, message);
    };
    setMode((d) => { d.tenantApplications = 'applicationset'; }, 'dev: one ApplicationSet');
    const head = git(envs, ['rev-parse', 'HEAD']).trim();
    expect(() => publish({ projectDir: repo, repo: envs })).toThrow(/publish refused: dev: the Applications of tenants acme, globex, initech would leave the app-of-apps while the tenant stays .*first set keepTenantApplications: true in environments\/dev\.yaml/);
    expect(git(envs, ['rev-parse', 'HEAD']).trim()).toBe(head);
    setMode((d) => { d.tenantApplications = 'applications'; d.keepTenantApplications = true; }, 'dev: keep tenant Applications');
    expect(publish({ projectDir: repo, repo: envs }).committed).toBe(true);
    setMode((d) => { d.tenantApplications = 'applicationset'; }, 'dev: one ApplicationSet');
    expect(publish({ projectDir: repo, repo: envs }).committed).toBe(true);
  });

  test('a tenant leaving prod: nothing happens until a person syncs its Application, which prunes its workloads (the namespace stays) and then runs the deprovision hook once', () => {
    const hooks = 'https://awx.stoa.example.com/api/v2/job_templates';
    const tenant = (change: (d: any) => void) => renderedExample((p) => editYaml(p, 'tenants/acme.yaml', (d) => { d.hooks.postDelete = `${hooks}/14/launch/`; change(d); }));
    const before = tenant(() => undefined);
    const leaving = tenant((d) => { d.environments = ['dev', 'staging']; d.leaving = ['prod']; });
    const gone = tenant((d) => { d.environments = ['dev', 'staging']; });
    const prod = new ArgoReplay('prod').commit('r1', before).syncRoot().syncAll();
    expect(prod.isLive('Rollout/tenant-acme/gateway')).toBe(true);
    // No deprovision hook while the tenant stays: deleting its Application for any reason runs none.
    expect(prod.eventsOf('hook').filter((h) => h.job === 'acme-deprovision')).toEqual([]);
    let mark = prod.events.length;
    prod.commit('r2', leaving).syncRoot();
    expect(prod.eventsOf('deleted', mark)).toEqual([]);
    expect(prod.eventsOf('pruned', mark)).toEqual([]);
    expect(prod.isLive('Rollout/tenant-acme/gateway')).toBe(true);
    // A person syncs it (with prune): the workloads go, the namespace stays, then the hook runs, once.
    mark = prod.events.length;
    prod.sync('prod-tenant-acme');
    const pruned = prod.eventsOf('pruned', mark).map((e) => `${e.kind} ${e.name}`);
    expect(pruned).toEqual(expect.arrayContaining(['Rollout gateway', 'Service gateway', 'Ingress gateway']));
    expect(pruned).not.toContain('Namespace tenant-acme');
    expect(prod.isLive('Namespace//tenant-acme')).toBe(true);
    expect(prod.eventsOf('hook', mark)).toEqual([{ type: 'hook', app: 'prod-tenant-acme', phase: 'PostSync', job: 'acme-deprovision', calls: `${hooks}/14/launch/` }]);
    // tenant remove again: the root keeps the Application (Prune=false) until a person deletes it; nothing runs again.
    mark = prod.events.length;
    prod.commit('r3', gone).syncRoot().deleteApplication('prod-tenant-acme');
    expect(prod.eventsOf('hook', mark)).toEqual([]);
    expect(prod.eventsOf('deleted', mark).filter((e) => e.kind !== 'Application')).toEqual([]);
    expect(prod.isLive('Namespace//tenant-acme')).toBe(true);
  });

  test('a tenant leaving dev: its Application syncs the leaving folder, which deletes its namespace and then runs the deprovision hook; the root prunes the empty Application later', () => {
    const hooks = 'https://awx.stoa.example.com/api/v2/job_templates';
    const tenant = (change: (d: any) => void) => renderedExample((p) => editYaml(p, 'tenants/initech.yaml', (d) => { d.hooks = { postDelete: `${hooks}/14/launch/` }; change(d); }));
    const dev = new ArgoReplay('dev').commit('r1', tenant(() => undefined));
    let mark = dev.events.length;
    dev.commit('r2', tenant((d) => { d.environments = []; d.leaving = ['dev']; }));
    expect(dev.eventsOf('pruned', mark).map((e) => `${e.kind} ${e.name}`)).toEqual(expect.arrayContaining(['Namespace tenant-initech', 'Deployment gateway']));
    expect(dev.isLive('Namespace//tenant-initech')).toBe(false);
    expect(dev.eventsOf('hook', mark)).toEqual([{ type: 'hook', app: 'dev-tenant-initech', phase: 'PostSync', job: 'initech-deprovision', calls: `${hooks}/14/launch/` }]);
    expect(dev.eventsOf('succeeded', mark).map((e) => e.app)).toEqual(['dev-root']);
    // tenant remove again: the root prunes the Application, which has nothing left; the hook does not run again.
    mark = dev.events.length;
    dev.commit('r3', renderedExample((p) => fs.rmSync(path.join(p, 'tenants/initech.yaml'))));
    expect(dev.eventsOf('pruned', mark).map((e) => `${e.kind} ${e.name}`)).toEqual(['Application dev-tenant-initech', 'AppProject dev-tenant-initech']);
    expect(dev.eventsOf('hook', mark)).toEqual([]);
  });

  test('tenant remove takes a tenant with a deprovision hook out in two steps, and publish takes each', () => {
    const repo = exampleRepo();
    editYaml(repo, 'tenants/acme.yaml', (d) => { d.hooks.postDelete = 'https://awx.stoa.example.com/api/v2/job_templates/14/launch/'; });
    synth({ projectDir: repo });
    commitAll(repo, 'acme deprovisions');
    const envs = fs.mkdtempSync(path.join(path.dirname(repo), 'envs-'));
    git(envs, ['init', '--quiet', '--initial-branch=main']);
    publish({ projectDir: repo, repo: envs });
    expect(fs.existsSync(path.join(envs, 'prod/tenants/acme/job-acme-deprovision.yaml'))).toBe(false);
    const r = removeTenant({ projectDir: repo, name: 'acme', environments: ['prod'], allowProdRemoval: true });
    expect(r.keptForDeprovision).toEqual(['prod']);
    expect(r.leaving[0].steps[0]).toMatch(/^after the sync of the root, sync the Application: argocd app sync prod-tenant-acme --prune/);
    synth({ projectDir: repo });
    commitAll(repo, 'acme leaves prod');
    expect(publish({ projectDir: repo, repo: envs }).committed).toBe(true);
    expect(fs.readdirSync(path.join(envs, 'prod/tenants/acme'))).toEqual(['job-acme-deprovision.yaml']);
    expect(fs.existsSync(path.join(envs, 'prod/apps/application-prod-tenant-acme.yaml'))).toBe(true);
  });
});

describe('a person editing prod by hand', () => {
  test('every kind Argo CD syncs into prod\'s namespaces (and the namespaces) is one the read-only admission policies match', () => {
    const plural = (kind: string) => {
      const k = kind.toLowerCase();
      return k.endsWith('y') ? `${k.slice(0, -1)}ies` : k.endsWith('s') ? `${k}es` : `${k}s`;
    };
    const policies = base.filter((f) => f.path.startsWith('prod/platform/admission/') && f.object.kind === 'ValidatingAdmissionPolicy' && /argocd-only/.test(f.object.metadata.name));
    const matched = new Set(policies.flatMap((p) => p.object.spec.matchConstraints.resourceRules
      .filter((r: any) => r.operations.includes('UPDATE') && r.operations.includes('DELETE'))
      .flatMap((r: any) => r.apiGroups.flatMap((g: string) => r.resources.map((res: string) => `${g}/${res}`)))));
    const synced = base.filter((f) => /^prod\/(tenants|platform)\//.test(f.path) && (f.object.metadata?.namespace !== undefined || f.object.kind === 'Namespace'))
      .filter((f) => f.object.metadata?.namespace !== 'monitoring');
    const kinds = [...new Set(synced.map((f) => `${f.object.apiVersion.includes('/') ? f.object.apiVersion.split('/')[0] : ''}/${plural(f.object.kind)}`))].sort();
    expect(kinds).toEqual(expect.arrayContaining(['/namespaces', 'argoproj.io/rollouts', 'keda.sh/scaledobjects', 'external-secrets.io/externalsecrets', 'monitoring.coreos.com/podmonitors']));
    expect(kinds.filter((k) => !matched.has(k))).toEqual([]);
  });
});

test('the replay reads only the environment it is given', () => {
  const files: FileObject[] = base;
  const prod = new ArgoReplay('prod').commit('r1', files).syncRoot();
  expect(prod.applicationNames().length).toBeGreaterThan(0);
  expect(prod.applicationNames().every((n) => n.startsWith('prod-'))).toBe(true);
});
