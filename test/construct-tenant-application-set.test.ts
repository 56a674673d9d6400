import * as fs from 'fs';
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { expandApplicationSets } from '../lib/argocd/application-set-preview';
import { ArgoApplication } from '../lib/argocd/argo-application';
import { markReplicasOwnedElsewhere } from '../lib/argocd/replica-owners';
import { SyncMode } from '../lib/argocd/sync-policy';
import { TENANT_PLACEHOLDER, TenantApplicationSet, TenantApplicationSetProps } from '../lib/argocd/tenant-application-set';
import { PrototypeChart } from '../lib/render/prototype-chart';

// TenantApplicationSet alone (no Environment): the set in a test chart, the tenants' prototype
// Applications in a PrototypeChart next to it, as Environment does. Imports come from the defining
// modules: the package index also loads the validators and the CLI.

// Testing.app() makes a temp outdir; nothing is written there, and it is removed after the file.
const apps: App[] = [];
afterAll(() => {
  for (const a of apps.splice(0)) fs.rmSync(a.outdir, { recursive: true, force: true });
});

const ENVS_REPO = 'https://git.example.com/stoa/envs.git';
const CLUSTER = 'https://qa.k8s.example.com';

const qaTenants: TenantApplicationSetProps = {
  name: 'qa-tenants',
  argocdNamespace: 'argocd',
  repoUrl: ENVS_REPO,
  revision: 'main',
  tenantsFolder: 'qa/tenants',
};

/** A test chart holding one TenantApplicationSet with `props`, and a PrototypeChart for the tenants' Applications. */
function scope(props: Partial<TenantApplicationSetProps> = {}) {
  const app = Testing.app();
  apps.push(app);
  const chart = new Chart(app, 'test');
  const set = new TenantApplicationSet(chart, 'tenants', { ...qaTenants, ...props });
  const prototypes = new PrototypeChart(app, 'prototypes');
  /** Registers tenant `name` with the Application a tenant of the qa environment has; `manifests` as ArgoApplication takes it. */
  const addTenant = (name: string, manifests?: Construct): ArgoApplication => {
    const application = new ArgoApplication(prototypes, name, {
      name: `qa-tenant-${name}`,
      project: `qa-tenant-${name}`,
      source: { repoUrl: ENVS_REPO, revision: 'main', path: `qa/tenants/${name}` },
      destinationServer: CLUSTER,
      destinationNamespace: `tenant-${name}`,
      sync: SyncMode.automated(),
      createNamespace: false,
      labels: { 'stoa.io/tenant': name },
      manifests,
    });
    set.addTenant(name, application);
    return application;
  };
  /** A gateway Deployment of tenant `name` whose replicas an autoscaler owns. */
  const autoscaledGateway = (name: string) => {
    const manifests = new Construct(prototypes, `${name}-manifests`);
    markReplicasOwnedElsewhere(new ApiObject(manifests, 'gateway', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'gateway', namespace: `tenant-${name}` },
    }));
    return manifests;
  };
  return { chart, set, addTenant, autoscaledGateway };
}

/** An Application as the ApplicationSet generates it: no resources finalizer (preserveResourcesOnDeletion). */
function withoutFinalizers(application: any): any {
  const { finalizers: _f, ...metadata } = application.metadata;
  return { ...application, metadata };
}

/** The one object the set renders. */
function synthOne(chart: Chart): any {
  const objects = Testing.synth(chart);
  expect(objects).toHaveLength(1);
  return objects[0];
}

describe('TenantApplicationSet', () => {
  test('one ApplicationSet makes an Application per tenant folder of the envs repo', () => {
    const { chart, addTenant } = scope();
    addTenant('acme');
    const set = synthOne(chart);
    expect(set.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(set.kind).toBe('ApplicationSet');
    expect(set.metadata).toEqual({ name: 'qa-tenants', namespace: 'argocd' });
    expect(set.spec.goTemplate).toBe(false);
    expect(set.spec.generators).toEqual([{ git: { repoURL: ENVS_REPO, revision: 'main', directories: [{ path: 'qa/tenants/*' }] } }]);
  });

  test("deleting the ApplicationSet leaves every tenant's resources running", () => {
    const { chart, addTenant } = scope();
    addTenant('acme');
    expect(synthOne(chart).spec.syncPolicy).toEqual({ preserveResourcesOnDeletion: true });
    // And the generated Applications carry no resources finalizer: deleting one never cascades.
    expect(synthOne(chart).spec.template.metadata.finalizers).toBeUndefined();
  });

  test('in a read-only environment the ApplicationSet never deletes an Application: a person does', () => {
    const { chart, addTenant } = scope({ manualDeletion: true });
    addTenant('acme');
    expect(synthOne(chart).spec.syncPolicy).toEqual({ preserveResourcesOnDeletion: true, applicationsSync: 'create-update' });
  });

  test("the template is the tenant's Application with its name replaced by the folder's name", () => {
    const { chart, addTenant } = scope();
    addTenant('acme');
    expect(TENANT_PLACEHOLDER).toBe('{{path.basename}}');
    // No apiVersion, kind, namespace or finalizer: the ApplicationSet supplies the first three.
    expect(synthOne(chart).spec.template).toEqual({
      metadata: {
        name: 'qa-tenant-{{path.basename}}',
        labels: { 'stoa.io/tenant': '{{path.basename}}' },
        // Relative to the source path: every generated Application refreshes for its own folder only.
        annotations: { 'argocd.argoproj.io/manifest-generate-paths': './' },
        // No resources finalizer: deleting a generated Application (or the set) never deletes a tenant's namespace.
      },
      spec: {
        project: 'qa-tenant-{{path.basename}}',
        source: { repoURL: ENVS_REPO, targetRevision: 'main', path: 'qa/tenants/{{path.basename}}' },
        destination: { server: CLUSTER, namespace: 'tenant-{{path.basename}}' },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
          syncOptions: ['PruneLast=true'],
        },
      },
    });
  });

  test("autoscaled tenants' Applications ignore their replicas in the tenant's own namespace", () => {
    const { chart, addTenant, autoscaledGateway } = scope();
    addTenant('acme', autoscaledGateway('acme'));
    addTenant('globex', autoscaledGateway('globex'));
    const template = synthOne(chart).spec.template;
    expect(template.spec.ignoreDifferences).toEqual([
      { group: 'apps', kind: 'Deployment', name: 'gateway', namespace: 'tenant-{{path.basename}}', jsonPointers: ['/spec/replicas'] },
    ]);
    expect(template.spec.syncPolicy.syncOptions).toEqual(['PruneLast=true', 'RespectIgnoreDifferences=true']);
  });

  test('the set syncs in the wave it is given in the app-of-apps, and in none unless given', () => {
    const waved = scope({ syncWave: 1 });
    waved.addTenant('acme');
    expect(synthOne(waved.chart).metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '1' });
    const plain = scope();
    plain.addTenant('acme');
    expect(synthOne(plain.chart).metadata.annotations).toBeUndefined();
  });

  test('for each tenant folder Argo CD makes exactly the Application the tenant would have had', () => {
    const { chart, addTenant, autoscaledGateway } = scope();
    const tenants = ['acme', 'globex', 'initech'];
    const prototypes = tenants.map((t) => addTenant(t, autoscaledGateway(t)).resource.toJson());
    const set = synthOne(chart);
    // The envs repo as Argo CD's git directory generator sees it: one folder per tenant.
    const made = expandApplicationSets([
      { path: 'qa/apps/applicationset-qa-tenants.yaml', object: set },
      ...tenants.map((t) => ({ path: `qa/tenants/${t}/namespace-tenant-${t}.yaml`, object: {} })),
    ]).map((a) => a.object);
    // What the tenant would have had, less the resources finalizer: removing a folder, or the set, never cascades.
    expect(made).toEqual(prototypes.map(withoutFinalizers));
    expect(made.every((a) => a.metadata.finalizers === undefined)).toBe(true);
  });

  test('tenants whose Applications differ in more than the name are refused at synth, naming them', () => {
    const { chart, addTenant, autoscaledGateway } = scope();
    addTenant('acme');
    addTenant('globex', autoscaledGateway('globex'));
    addTenant('initech');
    expect(() => Testing.synth(chart)).toThrow(
      "[test/tenants] ApplicationSet mode needs every tenant's Application to differ only by the tenant name; globex differ from acme "
      + '(e.g. fixed replicas vs an autoscaler, or canary vs rolling). Use one Application per tenant in this environment.',
    );
  });

  test('a tenant named like a word of the environment (qa, tenant) still expands to its own Application', () => {
    const { chart, addTenant } = scope();
    const tenants = ['qa', 'tenant', 'acme'];
    const prototypes = tenants.map((t) => addTenant(t).resource.toJson());
    const set = synthOne(chart);
    expect(set.spec.template.spec.source.path).toBe(`qa/tenants/${TENANT_PLACEHOLDER}`);
    const made = expandApplicationSets([
      { path: 'qa/apps/applicationset-qa-tenants.yaml', object: set },
      ...tenants.map((t) => ({ path: `qa/tenants/${t}/namespace-tenant-${t}.yaml`, object: {} })),
    ]).map((a) => a.object);
    expect(made).toEqual(expect.arrayContaining(prototypes.map(withoutFinalizers)));
    expect(made).toHaveLength(3);
  });

  test('a set with no tenant says so at synth instead of failing inside the serializer', () => {
    const { chart } = scope();
    expect(() => Testing.synth(chart)).toThrow(/has no tenants: register at least one with addTenant\(\) before synth/);
  });
});
