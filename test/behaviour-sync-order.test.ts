import { expandApplicationSets } from '../lib/argocd/application-set-preview';
import { syncOrder, syncOrderRule, syncPhasesOf, syncWaveOf } from '../lib/validate/behaviour/sync-order';
import { factsOf, ObjectInFile, PolicyContext } from '../lib/validate/policy';

// Objects are built inline, one file each, in the folders synth writes (see /tmp/post-fix-shape.md).

type Annotations = Record<string, string>;
const wave = (n: number): Annotations => ({ 'argocd.argoproj.io/sync-wave': String(n) });
const hook = (phase: string, w?: number): Annotations => ({ 'argocd.argoproj.io/hook': phase, ...(w === undefined ? {} : wave(w)) });

function at(folder: string, object: any): ObjectInFile {
  return { path: `${folder}/${object.kind.toLowerCase()}-${object.metadata.name}.yaml`, object };
}

function meta(name: string, namespace?: string, annotations: Annotations = {}) {
  return { name, ...(namespace === undefined ? {} : { namespace }), ...(Object.keys(annotations).length ? { annotations } : {}) };
}

function application(env: string, name: string, o: { path: string; namespace: string; wave?: number; createNamespace?: boolean; folder?: string }): ObjectInFile {
  return at(o.folder ?? `${env}/apps`, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: meta(`${env}-${name}`, 'argocd', o.wave === undefined ? {} : wave(o.wave)),
    spec: {
      project: `${env}-platform`,
      source: { repoURL: 'https://git.example.com/envs.git', path: o.path, targetRevision: 'main' },
      destination: { server: 'https://kubernetes.default.svc', namespace: o.namespace },
      syncPolicy: { syncOptions: o.createNamespace ? ['CreateNamespace=true', 'PruneLast=true'] : ['PruneLast=true'] },
    },
  });
}

const namespace = (name: string, annotations: Annotations = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: meta(name, undefined, annotations) });
const serviceAccount = (name: string, ns: string, annotations: Annotations = {}) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(name, ns, annotations) });
const simple = (apiVersion: string, kind: string, name: string, ns: string, annotations: Annotations = {}) => ({ apiVersion, kind, metadata: meta(name, ns, annotations), spec: {} });

function clusterSecretStore(name: string, annotations: Annotations = {}) {
  return {
    apiVersion: 'external-secrets.io/v1', kind: 'ClusterSecretStore', metadata: meta(name, undefined, annotations),
    spec: {
      conditions: [{ namespaces: ['stoa-system', 'stoa-hooks'] }],
      provider: { vault: { server: 'https://vault.example.com', path: 'stoa', version: 'v2', auth: { kubernetes: { mountPath: 'kubernetes', role: 'external-secrets', serviceAccountRef: { name: 'external-secrets', namespace: 'external-secrets' } } } } },
    },
  };
}

function secretStore(name: string, ns: string, serviceAccountName: string, annotations: Annotations = {}) {
  return {
    apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', metadata: meta(name, ns, annotations),
    spec: { provider: { vault: { server: 'https://vault.example.com', path: 'stoa', version: 'v2', auth: { kubernetes: { mountPath: 'kubernetes', role: ns, serviceAccountRef: { name: serviceAccountName } } } } } },
  };
}

function externalSecret(name: string, ns: string, store: { kind: string; name: string }, annotations: Annotations = {}, target?: string) {
  return {
    apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: meta(name, ns, annotations),
    spec: { secretStoreRef: store, target: { name: target ?? name }, data: [{ secretKey: 'token', remoteRef: { key: `platform/${name}` } }] },
  };
}

interface PodRefs { secretVolume?: string; secretEnv?: string; secretEnvFrom?: string; optional?: boolean; serviceAccountName?: string }

function podSpec(refs: PodRefs) {
  const optional = refs.optional ? { optional: true } : {};
  return {
    ...(refs.serviceAccountName ? { serviceAccountName: refs.serviceAccountName } : {}),
    containers: [{
      name: 'main', image: 'example/app:1.0.0',
      ...(refs.secretEnv ? { env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: refs.secretEnv, key: 'token', ...optional } } }] } : {}),
      ...(refs.secretEnvFrom ? { envFrom: [{ secretRef: { name: refs.secretEnvFrom, ...optional } }] } : {}),
    }],
    ...(refs.secretVolume ? { volumes: [{ name: 'secrets', secret: { secretName: refs.secretVolume, ...optional } }] } : {}),
  };
}

function deployment(name: string, ns: string, refs: PodRefs = {}, annotations: Annotations = {}) {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(name, ns, annotations), spec: { replicas: 1, template: { spec: podSpec(refs) } } };
}

function job(name: string, ns: string, refs: PodRefs = {}, annotations: Annotations = {}) {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: meta(name, ns, annotations), spec: { template: { spec: { restartPolicy: 'Never', ...podSpec(refs) } } } };
}

function contextOf(objects: ObjectInFile[], existingNamespaces?: string[]): PolicyContext {
  const sorted = [...objects].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    objects: sorted,
    applications: [...sorted.filter((o) => o.object.kind === 'Application'), ...expandApplicationSets(sorted)],
    readOnlyEnvironments: new Set(),
    environments: existingNamespaces ? new Map([['prod', factsOf({ existingNamespaces })]]) : new Map(),
  };
}

const check = (objects: ObjectInFile[], existingNamespaces?: string[]) => syncOrder.check(contextOf(objects, existingNamespaces));

/** The platform part of an environment after the fix: secret store (-2), hooks (-1), a platform component (0). */
function platform(env = 'prod', waves = { secretStore: -2, hooks: -1, platform: 0 }): ObjectInFile[] {
  return [
    application(env, 'root', { folder: `${env}/bootstrap`, path: `${env}/apps`, namespace: 'argocd' }),
    at(`${env}/bootstrap`, simple('argoproj.io/v1alpha1', 'AppProject', `${env}-bootstrap`, 'argocd')),
    at(`${env}/apps`, simple('argoproj.io/v1alpha1', 'AppProject', `${env}-platform`, 'argocd', wave(-3))),
    application(env, 'secret-store', { path: `${env}/platform/secret-store`, namespace: 'stoa-system', wave: waves.secretStore, createNamespace: true }),
    at(`${env}/platform/secret-store`, clusterSecretStore(`stoa-${env}`)),
    application(env, 'hooks', { path: `${env}/platform/hooks`, namespace: 'stoa-hooks', wave: waves.hooks }),
    at(`${env}/platform/hooks`, namespace('stoa-hooks', wave(-2))),
    at(`${env}/platform/hooks`, simple('networking.k8s.io/v1', 'NetworkPolicy', 'default-deny', 'stoa-hooks', wave(-2))),
    at(`${env}/platform/hooks`, simple('networking.k8s.io/v1', 'NetworkPolicy', 'hooks-allow-egress', 'stoa-hooks', wave(-2))),
    at(`${env}/platform/hooks`, externalSecret('awx-token', 'stoa-hooks', { kind: 'ClusterSecretStore', name: `stoa-${env}` }, wave(-1))),
    application(env, 'control-plane-api', { path: `${env}/platform/control-plane-api`, namespace: 'stoa-system', wave: waves.platform, createNamespace: true }),
    at(`${env}/platform/control-plane-api`, deployment('control-plane-api', 'stoa-system')),
    at(`${env}/platform/control-plane-api`, simple('v1', 'Service', 'control-plane-api', 'stoa-system')),
  ];
}

/** A tenant's folder after the fix. The SecretStore is at wave -2, one before its ExternalSecrets (see the last tests). */
function tenantFolder(env: string, t: string, storeWave = -2): ObjectInFile[] {
  const folder = `${env}/tenants/${t}`;
  const ns = `tenant-${t}`;
  return [
    at(folder, namespace(ns, wave(-2))),
    ...['ResourceQuota/tenant-quota', 'LimitRange/tenant-limits'].map((k) => at(folder, simple('v1', k.split('/')[0], k.split('/')[1], ns, wave(-2)))),
    ...['default-deny', 'allow-dns'].map((n) => at(folder, simple('networking.k8s.io/v1', 'NetworkPolicy', n, ns, wave(-2)))),
    at(folder, simple('rbac.authorization.k8s.io/v1', 'Role', 'tenant-owner', ns, wave(-2))),
    at(folder, simple('rbac.authorization.k8s.io/v1', 'RoleBinding', 'tenant-owners', ns, wave(-2))),
    at(folder, serviceAccount('tenant-secrets', ns, wave(-2))),
    at(folder, secretStore('tenant-secrets', ns, 'tenant-secrets', wave(storeWave))),
    at(folder, externalSecret('upstream-api-key', ns, { kind: 'SecretStore', name: 'tenant-secrets' }, wave(-1))),
    at(folder, deployment('gateway', ns, { secretVolume: 'upstream-api-key' })),
    ...['Service', 'Ingress'].map((k) => at(folder, simple(k === 'Service' ? 'v1' : 'networking.k8s.io/v1', k, 'gateway', ns))),
    at(folder, simple('keda.sh/v1alpha1', 'ScaledObject', 'gateway', ns)),
    at(folder, simple('monitoring.coreos.com/v1', 'PodMonitor', 'gateway', ns)),
    at(folder, job(`${t}-provision`, 'stoa-hooks', { secretEnv: 'awx-token' }, hook('PreSync'))),
    at(folder, job(`${t}-validate`, 'stoa-hooks', { secretEnv: 'awx-token' }, hook('PostSync'))),
  ];
}

function postFix(env = 'prod', tenants = ['acme', 'globex']): ObjectInFile[] {
  return [
    ...platform(env),
    ...tenants.flatMap((t) => [
      application(env, `tenant-${t}`, { path: `${env}/tenants/${t}`, namespace: `tenant-${t}`, wave: 1, createNamespace: true }),
      ...tenantFolder(env, t),
    ]),
  ];
}

function applicationSet(env: string, annotations: Annotations): ObjectInFile {
  return at(`${env}/apps`, {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', metadata: meta(`${env}-tenants`, 'argocd', annotations),
    spec: {
      generators: [{ git: { repoURL: 'https://git.example.com/envs.git', revision: 'main', directories: [{ path: `${env}/tenants/*` }] } }],
      template: {
        metadata: { name: `${env}-tenant-{{path.basename}}` },
        spec: {
          project: `${env}-platform`,
          source: { repoURL: 'https://git.example.com/envs.git', path: '{{path}}', targetRevision: 'main' },
          destination: { server: 'https://kubernetes.default.svc', namespace: 'tenant-{{path.basename}}' },
          syncPolicy: { syncOptions: ['CreateNamespace=true', 'PruneLast=true'] },
        },
      },
    },
  });
}

/** The tenant part of today's committed dist/: every Application at wave 0, AWX hooks in the tenant namespace. */
function preFixTenant(env = 'prod', t = 'acme'): ObjectInFile[] {
  const folder = `${env}/tenants/${t}`;
  const ns = `tenant-${t}`;
  return [
    application(env, `tenant-${t}`, { path: folder, namespace: ns, createNamespace: true }),
    at(folder, namespace(ns, wave(-2))),
    at(folder, simple('v1', 'ResourceQuota', 'tenant-quota', ns, wave(-2))),
    at(folder, externalSecret('awx-token', ns, { kind: 'ClusterSecretStore', name: `stoa-${env}` }, hook('PreSync', -1))),
    at(folder, job('provision', ns, { secretEnv: 'awx-token' }, hook('PreSync'))),
    at(folder, job('validate', ns, { secretEnv: 'awx-token' }, hook('PostSync'))),
    at(folder, deployment('gateway', ns)),
  ];
}

const preFixPlatform = () => platform('prod', { secretStore: 0, hooks: 0, platform: 0 }).filter((o) => !o.path.includes('/hooks/') && !o.path.endsWith('application-prod-hooks.yaml'));

describe('sync-order rule', () => {
  test('has the id and a one-line reason', () => {
    expect(syncOrder.id).toBe('sync-order');
    expect(syncOrder.reason).not.toContain('\n');
    expect(syncOrderRule({ pinAutoCreatedNamespace: true }).id).toBe('sync-order');
  });

  test('stays quiet on the post-fix shape (Applications per tenant)', () => {
    expect(check(postFix())).toEqual([]);
  });

  test('stays quiet on the post-fix shape in ApplicationSet mode (generated Applications take the set\'s wave 1)', () => {
    const objects = [...platform(), applicationSet('prod', wave(1)), ...tenantFolder('prod', 'acme'), ...tenantFolder('prod', 'globex')];
    expect(contextOf(objects).applications.map((a) => a.object.metadata.name)).toContain('prod-tenant-acme');
    expect(check(objects)).toEqual([]);
  });

  test('ApplicationSet mode at the platform\'s wave: generated tenants may not use the hooks namespace of a same-wave app', () => {
    const objects = [...platform('prod', { secretStore: -2, hooks: 0, platform: 0 }), applicationSet('prod', {}), ...tenantFolder('prod', 'acme')];
    const found = check(objects);
    expect(found.map((v) => v.file)).toEqual([
      'prod/tenants/acme/job-acme-provision.yaml', 'prod/tenants/acme/job-acme-provision.yaml',
      'prod/tenants/acme/job-acme-validate.yaml', 'prod/tenants/acme/job-acme-validate.yaml',
    ]);
    expect(found[0].message).toBe('Job stoa-hooks/acme-provision (PreSync hook, wave 0) of Application prod-tenant-acme (app wave 0) needs Namespace stoa-hooks, '
      + 'created by (Sync, wave -2) in Application prod-hooks (app wave 0), which the app-of-apps does not finish first: give prod-hooks a lower sync-wave than prod-tenant-acme');
    expect(found[1].message).toContain('needs Secret stoa-hooks/awx-token (env TOKEN), created by ExternalSecret stoa-hooks/awx-token (Sync, wave -1) in Application prod-hooks (app wave 0)');
  });

  describe('pre-fix defects', () => {
    test('awx-token reads the ClusterSecretStore of the secret-store Application while both are wave 0', () => {
      const found = check([...preFixPlatform(), ...preFixTenant()]);
      expect(found).toEqual([{
        file: 'prod/tenants/acme/externalsecret-awx-token.yaml',
        message: 'ExternalSecret tenant-acme/awx-token (PreSync hook, wave -1) of Application prod-tenant-acme (app wave 0) needs ClusterSecretStore stoa-prod, '
          + 'created by (Sync, wave 0) in Application prod-secret-store (app wave 0), which the app-of-apps does not finish first: '
          + 'give prod-secret-store a lower sync-wave than prod-tenant-acme',
      }]);
    });

    test('a Namespace manifest at Sync wave -2 with PreSync hooks in it does NOT fire: adjustDeps moves it before them', () => {
      // Same pre-fix tenant, with the store finished first so only the namespace question is left.
      const objects = [...platform('prod', { secretStore: -2, hooks: -1, platform: 0 }), ...preFixTenant()];
      const found = check(objects);
      expect(found).toEqual([]);
      expect(found.some((v) => v.message.includes('Namespace tenant-acme'))).toBe(false);
      // The hooks read awx-token from the PreSync wave -1 hook, strictly before the Jobs' PreSync wave 0 and PostSync: quiet too.
      expect(found.some((v) => v.file.includes('/job-'))).toBe(false);
    });

    test('PreSync hooks at wave -1 in a namespace CreateNamespace=true makes: adjustDeps moves that namespace too (quiet by default)', () => {
      const objects = [...platform(), ...preFixTenant().filter((o) => !o.path.endsWith('namespace-tenant-acme.yaml'))];
      expect(check(objects)).toEqual([]);
    });

    test('the same, with the auto-created namespace pinned at PreSync wave 0 (stricter reading), fires on the wave -1 hook only', () => {
      const objects = [...platform(), ...preFixTenant().filter((o) => !o.path.endsWith('namespace-tenant-acme.yaml'))];
      const found = syncOrderRule({ pinAutoCreatedNamespace: true }).check(contextOf(objects));
      expect(found).toEqual([{
        file: 'prod/tenants/acme/externalsecret-awx-token.yaml',
        message: 'ExternalSecret tenant-acme/awx-token (PreSync hook, wave -1) needs Namespace tenant-acme, but Application prod-tenant-acme applies '
          + 'Namespace tenant-acme (auto-created by CreateNamespace=true at PreSync, wave 0) after it: add a Namespace manifest tenant-acme to the '
          + "Application's folder (adjustDeps moves it before the first object in it), or move ExternalSecret awx-token to PreSync wave 0 or later",
      }]);
    });

    test('a pod mounting a Secret whose ExternalSecret is in the same wave fires', () => {
      const objects = postFix('prod', ['acme']).map((o) => (o.path.endsWith('externalsecret-upstream-api-key.yaml')
        ? at('prod/tenants/acme', externalSecret('upstream-api-key', 'tenant-acme', { kind: 'SecretStore', name: 'tenant-secrets' }, wave(0)))
        : o));
      expect(check(objects)).toEqual([{
        file: 'prod/tenants/acme/deployment-gateway.yaml',
        message: 'Deployment tenant-acme/gateway (Sync, wave 0) needs Secret tenant-acme/upstream-api-key (volume secrets), but Application prod-tenant-acme applies '
          + 'ExternalSecret tenant-acme/upstream-api-key (Sync, wave 0) in the same step or later, and the operator writes the Secret only after the '
          + 'ExternalSecret is applied: move ExternalSecret upstream-api-key to Sync wave -1 or earlier, so Argo CD waits for it to be healthy before Deployment gateway',
      }]);
    });
  });

  describe('namespaces', () => {
    const app = (extra: ObjectInFile[], createNamespace = false) => [
      application('prod', 'team', { path: 'prod/team', namespace: 'team', createNamespace }), ...extra,
    ];

    test('an object in a namespace nothing creates fires, unless the environment says it exists', () => {
      const objects = app([at('prod/team', deployment('api', 'team'))]);
      expect(check(objects)).toEqual([{
        file: 'prod/team/deployment-api.yaml',
        message: "Deployment team/api (Sync, wave 0) is in namespace team, but no object creates it and it is not an existing namespace of prod: add a Namespace manifest, set CreateNamespace=true with destination namespace team, or list it in the environment's existingNamespaces",
      }]);
      expect(check(objects, ['team'])).toEqual([]);
      expect(check(app([at('prod/team', deployment('api', 'team'))], true))).toEqual([]);
    });

    test('an object without a namespace is in the destination namespace; cluster-scoped kinds need none', () => {
      const objects = app([
        at('prod/team', { ...deployment('api', 'team'), metadata: { name: 'api' } }),
        at('prod/team', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader' } }),
      ]);
      const found = check(objects);
      expect(found.map((v) => v.file)).toEqual(['prod/team/deployment-api.yaml']);
      expect(found[0].message).toMatch(/^Deployment team\/api \(Sync, wave 0\) is in namespace team, but no object creates it/);
    });

    test('a namespace of another Application counts only from a strictly lower app wave', () => {
      const objects = (w: number) => [
        application('prod', 'base', { path: 'prod/base', namespace: 'shared', wave: w }),
        at('prod/base', namespace('shared')),
        application('prod', 'team', { path: 'prod/team', namespace: 'shared', wave: 0 }),
        at('prod/team', deployment('api', 'shared', {}, wave(5))),
      ];
      expect(check(objects(-1))).toEqual([]);
      expect(check(objects(0)).map((v) => v.message)).toEqual([
        'Deployment shared/api (Sync, wave 5) of Application prod-team (app wave 0) needs Namespace shared, created by (Sync, wave 0) in Application prod-base (app wave 0), '
        + 'which the app-of-apps does not finish first: give prod-base a lower sync-wave than prod-team',
      ]);
      expect(check(objects(1))).toHaveLength(1);
    });

    test('adjustDeps gives a moved Namespace the phase and wave of the first object in it', () => {
      const found = check([
        application('prod', 'base', { path: 'prod/base', namespace: 'shared' }),
        at('prod/base', namespace('shared', wave(5))),
        at('prod/base', job('seed', 'shared', {}, hook('PreSync', -4))),
        application('prod', 'team', { path: 'prod/team', namespace: 'shared' }),
        at('prod/team', deployment('api', 'shared')),
      ]);
      expect(found.map((v) => v.message)).toEqual([expect.stringContaining(
        'needs Namespace shared, created by (PreSync, wave -4, moved there by adjustDeps) in Application prod-base (app wave 0)',
      )]);
    });

    test('objects no Application syncs are applied by hand first (bootstrap/)', () => {
      const objects = [
        at('prod/bootstrap', namespace('shared')),
        application('prod', 'team', { path: 'prod/team', namespace: 'shared' }),
        at('prod/team', deployment('api', 'shared')),
      ];
      expect(check(objects)).toEqual([]);
    });
  });

  describe('ServiceAccounts', () => {
    const objects = (saWave: number, podWave: number) => [
      application('prod', 'team', { path: 'prod/team', namespace: 'team', createNamespace: true }),
      at('prod/team', serviceAccount('runner', 'team', wave(saWave))),
      at('prod/team', deployment('api', 'team', { serviceAccountName: 'runner' }, wave(podWave))),
    ];

    test('in the same wave the kind order applies the ServiceAccount first: quiet', () => {
      expect(check(objects(0, 0))).toEqual([]);
      expect(check(objects(-1, 0))).toEqual([]);
    });

    test('a later ServiceAccount fires', () => {
      expect(check(objects(1, 0))).toEqual([{
        file: 'prod/team/deployment-api.yaml',
        message: 'Deployment team/api (Sync, wave 0) needs ServiceAccount team/runner, but Application prod-team applies ServiceAccount team/runner (Sync, wave 1) after it: move ServiceAccount runner to Sync wave 0 or earlier',
      }]);
    });

    test('the default ServiceAccount, and one nothing in the output creates, are not reported', () => {
      const objects = [
        application('prod', 'team', { path: 'prod/team', namespace: 'team', createNamespace: true }),
        at('prod/team', deployment('api', 'team', { serviceAccountName: 'default' })),
        at('prod/team', deployment('worker', 'team', { serviceAccountName: 'made-elsewhere' })),
      ];
      expect(check(objects)).toEqual([]);
    });

    test("a SecretStore's Vault Kubernetes-auth ServiceAccount must come first", () => {
      const found = check([
        application('prod', 'team', { path: 'prod/team', namespace: 'team', createNamespace: true }),
        at('prod/team', serviceAccount('tenant-secrets', 'team', wave(0))),
        at('prod/team', secretStore('tenant-secrets', 'team', 'tenant-secrets', wave(-1))),
      ]);
      expect(found).toEqual([{
        file: 'prod/team/secretstore-tenant-secrets.yaml',
        message: 'SecretStore team/tenant-secrets (Sync, wave -1) needs ServiceAccount team/tenant-secrets, but Application prod-team applies ServiceAccount team/tenant-secrets (Sync, wave 0) after it: move ServiceAccount tenant-secrets to Sync wave -1 or earlier',
      }]);
    });
  });

  describe('Secrets', () => {
    const objects = (pod: PodRefs, sources: ObjectInFile[], podAnnotations: Annotations = {}) => [
      application('prod', 'team', { path: 'prod/team', namespace: 'team', createNamespace: true }),
      at('prod/team', clusterSecretStore('store', wave(-3))),
      ...sources,
      at('prod/team', deployment('api', 'team', pod, podAnnotations)),
    ];
    const es = (w: number) => at('prod/team', externalSecret('creds', 'team', { kind: 'ClusterSecretStore', name: 'store' }, wave(w), 'api-creds'));

    test('env, envFrom and volume references all need the Secret strictly earlier when an ExternalSecret writes it', () => {
      for (const pod of [{ secretEnv: 'api-creds' }, { secretEnvFrom: 'api-creds' }, { secretVolume: 'api-creds' }]) {
        expect(check(objects(pod, [es(-1)]))).toEqual([]);
        const found = check(objects(pod, [es(0)]));
        expect(found.map((v) => v.file)).toEqual(['prod/team/deployment-api.yaml']);
        expect(found[0].message).toContain('needs Secret team/api-creds (');
        expect(found[0].message).toContain('ExternalSecret team/creds (Sync, wave 0) in the same step or later');
      }
    });

    test('spec.target.name names the Secret; metadata.name when no target', () => {
      const noTarget = at('prod/team', { ...externalSecret('api-creds', 'team', { kind: 'ClusterSecretStore', name: 'store' }, wave(-1)), spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'store' } } });
      expect(check(objects({ secretEnv: 'api-creds' }, [noTarget]))).toEqual([]);
      expect(check(objects({ secretEnv: 'creds' }, [es(-1)])).map((v) => v.message)).toEqual([
        'Deployment team/api (Sync, wave 0) reads Secret team/creds (env TOKEN), but no object creates Secret creds in namespace team: add an ExternalSecret (or Secret) for it, or mark the reference optional',
      ]);
    });

    test('optional references are ignored', () => {
      expect(check(objects({ secretEnv: 'nowhere', optional: true }, []))).toEqual([]);
      expect(check(objects({ secretVolume: 'nowhere', optional: true }, []))).toEqual([]);
    });

    test('a Secret manifest is applied synchronously: the kind order (Secret before Deployment) is enough', () => {
      const secret = (w: number) => at('prod/team', { apiVersion: 'v1', kind: 'Secret', metadata: meta('api-creds', 'team', wave(w)), type: 'Opaque' });
      expect(check(objects({ secretVolume: 'api-creds' }, [secret(0)]))).toEqual([]);
      expect(check(objects({ secretVolume: 'api-creds' }, [secret(1)])).map((v) => v.message)).toEqual([
        'Deployment team/api (Sync, wave 0) needs Secret team/api-creds (volume secrets), but Application prod-team applies Secret team/api-creds (Sync, wave 1) after it: move Secret api-creds to Sync wave 0 or earlier',
      ]);
    });

    test('a hook with several phases counts in each: the PreSync run fires, the PostSync run does not', () => {
      const found = check([
        ...objects({}, [es(-1)]),
        at('prod/team', job('migrate', 'team', { secretEnv: 'api-creds' }, hook('PreSync,PostSync'))),
      ]);
      expect(found).toEqual([{
        file: 'prod/team/job-migrate.yaml',
        message: 'Job team/migrate (PreSync hook, wave 0) needs Secret team/api-creds (env TOKEN), but Application prod-team applies ExternalSecret team/creds (Sync, wave -1) '
          + 'in the same step or later, and the operator writes the Secret only after the ExternalSecret is applied: move ExternalSecret creds to PreSync wave -1 or earlier (as a PreSync hook), '
          + 'so Argo CD waits for it to be healthy before Job migrate',
      }]);
    });
  });

  describe('secret stores', () => {
    test('a SecretStore in the same wave as its ExternalSecrets fires: the store must be a wave earlier', () => {
      const objects = [
        ...platform(),
        application('prod', 'tenant-acme', { path: 'prod/tenants/acme', namespace: 'tenant-acme', wave: 1, createNamespace: true }),
        ...tenantFolder('prod', 'acme', -1),
      ];
      expect(check(objects)).toEqual([{
        file: 'prod/tenants/acme/externalsecret-upstream-api-key.yaml',
        message: 'ExternalSecret tenant-acme/upstream-api-key (Sync, wave -1) needs SecretStore tenant-acme/tenant-secrets, but Application prod-tenant-acme applies SecretStore tenant-acme/tenant-secrets (Sync, wave -1) '
          + 'in the same step or later, and the store must be Ready first: move SecretStore tenant-secrets to Sync wave -2 or earlier, so Argo CD waits for it to be healthy before ExternalSecret upstream-api-key',
      }]);
    });

    test('a store nothing in the output creates is not reported (it may come with the operator)', () => {
      const objects = [
        application('prod', 'team', { path: 'prod/team', namespace: 'team', createNamespace: true }),
        at('prod/team', externalSecret('creds', 'team', { kind: 'ClusterSecretStore', name: 'elsewhere' })),
      ];
      expect(check(objects)).toEqual([]);
    });
  });

  describe('gitops-engine details', () => {
    const obj = (annotations: Annotations) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', annotations } });

    test('phases: hooks, several phases, Skip, unknown types, Helm hooks', () => {
      expect(syncPhasesOf(obj({}))).toEqual(['Sync']);
      expect(syncPhasesOf(obj(hook('PostSync, PreSync')))).toEqual(['PreSync', 'PostSync']);
      expect(syncPhasesOf(obj(hook('Skip')))).toEqual([]);
      expect(syncPhasesOf(obj(hook('Skip,PreSync')))).toEqual(['PreSync']);
      expect(syncPhasesOf(obj(hook('PostDelete')))).toEqual([]);
      expect(syncPhasesOf(obj({ 'helm.sh/hook': 'pre-install,pre-upgrade' }))).toEqual(['PreSync']);
      expect(syncPhasesOf(obj({ 'helm.sh/hook': 'crd-install' }))).toEqual(['Sync']);
    });

    test('waves: strconv.Atoi of the annotation, else the Helm hook weight, else 0', () => {
      expect(syncWaveOf(obj(wave(-2)))).toBe(-2);
      expect(syncWaveOf(obj({ 'argocd.argoproj.io/sync-wave': '+3' }))).toBe(3);
      expect(syncWaveOf(obj({ 'argocd.argoproj.io/sync-wave': '1.5', 'helm.sh/hook-weight': '7' }))).toBe(7);
      expect(syncWaveOf(obj({ 'argocd.argoproj.io/sync-wave': ' 1' }))).toBe(0);
    });

    test('a skipped object creates nothing', () => {
      const objects = [
        application('prod', 'team', { path: 'prod/team', namespace: 'team', createNamespace: true }),
        at('prod/team', { apiVersion: 'v1', kind: 'Secret', metadata: meta('creds', 'team', hook('Skip')) }),
        at('prod/team', deployment('api', 'team', { secretEnv: 'creds' })),
      ];
      expect(check(objects).map((v) => v.message)).toEqual([expect.stringContaining('no object creates Secret creds in namespace team')]);
    });
  });

  test('output is sorted by file then message, one violation per problem', () => {
    const found = check([...preFixPlatform(), ...preFixTenant('prod', 'b'), ...preFixTenant('prod', 'a')]);
    expect(found.map((v) => v.file)).toEqual(['prod/tenants/a/externalsecret-awx-token.yaml', 'prod/tenants/b/externalsecret-awx-token.yaml']);
  });

  // Its speed is measured by npm run bench (synth validates with every behaviour rule, at 10,000 tenants), not here.
  test('1,700 tenants (30,000 objects) of a correct output check clean', () => {
    const objects = postFix('prod', Array.from({ length: 1700 }, (_, i) => `t${i}`));
    expect(objects.length).toBeGreaterThan(30_000);
    expect(check(objects)).toEqual([]);
  });
});
