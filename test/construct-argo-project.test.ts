import * as fs from 'fs';
import { App, Chart, Testing } from 'cdk8s';
import { ArgoProject, ArgoProjectProps } from '../lib/argocd/argo-project';
import { RESOURCES_FINALIZER, SYNC_WAVE_ANNOTATION } from '../lib/argocd/sync-policy';
import { APP_SYNC_WAVES } from '../lib/argocd/sync-wave';

// ArgoProject alone, in a plain test chart (no Environment). Imports come from the defining
// modules: the package index also loads the validators and the CLI.

// Testing.chart() makes a temp outdir for its app; nothing is written there, and it is removed after the file.
const charts: Chart[] = [];
afterAll(() => {
  for (const c of charts.splice(0)) fs.rmSync(App.of(c).outdir, { recursive: true, force: true });
});

const ENVS_REPO = 'https://git.example.com/stoa/envs.git';
const CLUSTER = 'https://qa.k8s.example.com';

const tenantProject: ArgoProjectProps = {
  name: 'qa-tenant-acme',
  sourceRepos: [ENVS_REPO],
  destinations: [{ server: CLUSTER, namespace: 'tenant-acme' }],
  clusterResources: [{ group: '', kind: 'Namespace', name: 'tenant-acme' }],
};

/** The one AppProject of an ArgoProject with `props` (over the tenant project above), and the construct. */
function synth(props: Partial<ArgoProjectProps> = {}): { project: any; construct: ArgoProject } {
  const chart = Testing.chart();
  charts.push(chart);
  const construct = new ArgoProject(chart, 'project', { ...tenantProject, ...props });
  const objects = Testing.synth(chart);
  expect(objects).toHaveLength(1);
  return { project: objects[0], construct };
}

describe('ArgoProject', () => {
  test('a project allows only its destinations and the envs repo', () => {
    const { project, construct } = synth();
    expect(project.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(project.kind).toBe('AppProject');
    expect(project.metadata.name).toBe('qa-tenant-acme');
    expect(project.metadata.namespace).toBe('argocd');
    expect(project.spec.sourceRepos).toEqual([ENVS_REPO]);
    expect(project.spec.destinations).toEqual([{ server: CLUSTER, namespace: 'tenant-acme' }]);
    // Applications refer to the project by this name.
    expect(construct.projectName).toBe('qa-tenant-acme');
  });

  test('a project is synced in the first wave of the app-of-apps, and kept while Applications still use it', () => {
    const { project } = synth();
    expect(project.metadata.annotations).toEqual({ [SYNC_WAVE_ANNOTATION]: String(APP_SYNC_WAVES.projects) });
    expect(project.metadata.annotations[SYNC_WAVE_ANNOTATION]).toBe('-3');
    expect(project.metadata.finalizers).toEqual([RESOURCES_FINALIZER]);
  });

  test('without cluster resources a project manages no cluster-scoped kind, and every namespaced kind unless they are listed', () => {
    const { project } = synth({ clusterResources: undefined });
    expect(project.spec.clusterResourceWhitelist).toEqual([]);
    expect(project.spec.namespaceResourceWhitelist).toBeUndefined();
  });

  test('listed kinds are allowed in a stable order, a named one for that object only', () => {
    const { project } = synth({
      clusterResources: [{ group: '', kind: 'Namespace', name: 'tenant-acme' }],
      namespaceResources: [
        { group: 'apps', kind: 'Deployment' },
        { group: '', kind: 'Service' },
        { group: 'argoproj.io', kind: 'Rollout' },
        { group: '', kind: 'ConfigMap' },
      ],
    });
    expect(project.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace', name: 'tenant-acme' }]);
    expect(project.spec.namespaceResourceWhitelist).toEqual([
      { group: '', kind: 'ConfigMap' },
      { group: '', kind: 'Service' },
      { group: 'apps', kind: 'Deployment' },
      { group: 'argoproj.io', kind: 'Rollout' },
    ]);
  });

  test('sync windows allow syncs, manual ones too, only inside the windows (UTC unless a zone is given)', () => {
    const { project } = synth({
      syncWindows: [
        { schedule: '0 8 * * 1-4', duration: '10h' },
        { schedule: '0 9 * * 5', duration: '4h', timeZone: 'Europe/Paris' },
      ],
    });
    expect(project.spec.syncWindows).toEqual([
      { kind: 'allow', schedule: '0 8 * * 1-4', duration: '10h', timeZone: 'UTC', applications: ['*'], manualSync: false },
      { kind: 'allow', schedule: '0 9 * * 5', duration: '4h', timeZone: 'Europe/Paris', applications: ['*'], manualSync: false },
    ]);
    expect(synth().project.spec.syncWindows).toBeUndefined();
  });

  test('viewers may only look; releasers may also sync and promote, resume or abort canaries, in this project only', () => {
    const { project } = synth({ access: { viewers: ['acme-devs'], releasers: ['acme-release', 'platform-oncall'] } });
    expect(project.spec.roles).toEqual([
      {
        name: 'read-only',
        description: 'See the applications of this project',
        groups: ['acme-devs'],
        policies: ['p, proj:qa-tenant-acme:read-only, applications, get, qa-tenant-acme/*, allow'],
      },
      {
        name: 'release',
        description: 'See and sync the applications of this project, and promote, resume or abort their canaries',
        groups: ['acme-release', 'platform-oncall'],
        policies: [
          'p, proj:qa-tenant-acme:release, applications, get, qa-tenant-acme/*, allow',
          'p, proj:qa-tenant-acme:release, applications, sync, qa-tenant-acme/*, allow',
          // Named actions, no wildcard: restart, pause and skip-current-step are not a releaser's.
          'p, proj:qa-tenant-acme:release, applications, action/argoproj.io/Rollout/resume, qa-tenant-acme/*, allow',
          'p, proj:qa-tenant-acme:release, applications, action/argoproj.io/Rollout/promote-full, qa-tenant-acme/*, allow',
          'p, proj:qa-tenant-acme:release, applications, action/argoproj.io/Rollout/abort, qa-tenant-acme/*, allow',
          'p, proj:qa-tenant-acme:release, applications, action/argoproj.io/Rollout/retry, qa-tenant-acme/*, allow',
        ],
      },
    ]);
    expect(synth().project.spec.roles).toBeUndefined();
  });

  test("description, labels and Argo CD's namespace are the caller's", () => {
    const { project } = synth({
      description: 'Tenant Acme in qa: only its namespace, only the envs repo',
      labels: { 'stoa.io/tenant': 'acme' },
      argocdNamespace: 'gitops',
    });
    expect(project.metadata.namespace).toBe('gitops');
    expect(project.metadata.labels).toEqual({ 'stoa.io/tenant': 'acme' });
    expect(project.spec.description).toBe('Tenant Acme in qa: only its namespace, only the envs repo');
  });
});

describe('ArgoProject widening: an importing team allows more, on purpose and in review', () => {
  test('allowClusterResource, allowNamespaceResource and allowDestination show in the rendered AppProject, once each', () => {
    const chart = Testing.chart();
    charts.push(chart);
    const project = new ArgoProject(chart, 'project', { ...tenantProject, namespaceResources: [{ group: 'apps', kind: 'Deployment' }] });
    const clusterRole = { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'acme-reader' };
    project.allowClusterResource(clusterRole);
    project.allowClusterResource(clusterRole);
    project.allowNamespaceResource({ group: 'batch', kind: 'CronJob' });
    project.allowDestination({ server: CLUSTER, namespace: 'tenant-acme-jobs' });
    project.allowDestination({ server: CLUSTER, namespace: 'tenant-acme-jobs' });
    const spec = Testing.synth(chart)[0].spec;
    expect(spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace', name: 'tenant-acme' }, clusterRole]);
    expect(spec.namespaceResourceWhitelist).toEqual([{ group: 'apps', kind: 'Deployment' }, { group: 'batch', kind: 'CronJob' }]);
    expect(spec.destinations).toEqual([{ server: CLUSTER, namespace: 'tenant-acme' }, { server: CLUSTER, namespace: 'tenant-acme-jobs' }]);
    expect(project.clusterResources).toHaveLength(2);
  });

  test('allowNamespaceResource on a project that allows every namespaced kind keeps it so', () => {
    const chart = Testing.chart();
    charts.push(chart);
    const project = new ArgoProject(chart, 'project', tenantProject);
    project.allowNamespaceResource({ group: 'batch', kind: 'CronJob' });
    expect(Testing.synth(chart)[0].spec.namespaceResourceWhitelist).toBeUndefined();
    expect(project.namespaceResources).toBeUndefined();
  });

  test('refusal() says which list keeps an object out, as Argo CD would', () => {
    const chart = Testing.chart();
    charts.push(chart);
    const project = new ArgoProject(chart, 'project', { ...tenantProject, namespaceResources: [{ group: 'apps', kind: 'Deployment' }] });
    const into = { server: CLUSTER, namespace: 'tenant-acme' };
    expect(project.refusal({ apiGroup: 'core', kind: 'Namespace', name: 'tenant-acme' }, into)).toBeUndefined();
    expect(project.refusal({ apiGroup: 'core', kind: 'Namespace', name: 'tenant-other' }, into)).toMatch(/clusterResourceWhitelist/);
    expect(project.refusal({ apiGroup: 'apps', kind: 'Deployment', name: 'gw', namespace: 'tenant-acme' }, into)).toBeUndefined();
    expect(project.refusal({ apiGroup: 'apps', kind: 'Deployment', name: 'gw', namespace: 'kube-system' }, into)).toMatch(/namespace kube-system is not one of its destinations/);
    expect(project.refusal({ apiGroup: 'batch', kind: 'Job', name: 'j', namespace: 'tenant-acme' }, into)).toMatch(/batch\/Job is not in its namespaceResourceWhitelist/);
  });
});
