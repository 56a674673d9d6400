import { ObjectInFile, PolicyContext } from '../lib/validate/policy';
import { isTenantPath, secretIsolation } from '../lib/validate/behaviour/secret-isolation';

// ---------------------------------------------------------------------------
// Small builders: one object per file, as synth writes them.
// ---------------------------------------------------------------------------

function object(path: string, apiVersion: string, kind: string, name: string, namespace: string | undefined, rest: Record<string, unknown> = {}, labels?: Record<string, string>): ObjectInFile {
  return { path, object: { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) }, ...rest } };
}

function namespace(path: string, name: string, labels: Record<string, string>): ObjectInFile {
  return object(path, 'v1', 'Namespace', name, undefined, {}, labels);
}

function tenantNamespace(env: string, tenant: string): ObjectInFile {
  return namespace(`${env}/tenants/${tenant}/namespace-tenant-${tenant}.yaml`, `tenant-${tenant}`, {
    'app.kubernetes.io/managed-by': 'stoa-manifests',
    'pod-security.kubernetes.io/enforce': 'restricted',
    'stoa.io/environment': env,
    'stoa.io/tenant': tenant,
    'stoa.io/tier': tenant === 'acme' ? 'gold' : 'silver',
  });
}

function clusterSecretStore(path: string, name: string, conditions?: unknown[]): ObjectInFile {
  return object(path, 'external-secrets.io/v1', 'ClusterSecretStore', name, undefined, {
    spec: {
      ...(conditions ? { conditions } : {}),
      provider: { vault: { server: 'https://vault.stoa.example.com', path: name, version: 'v2', auth: { kubernetes: { mountPath: 'kubernetes', role: 'external-secrets', serviceAccountRef: { name: 'external-secrets', namespace: 'external-secrets' } } } } },
    },
  });
}

function secretStore(path: string, ns: string, role: string, name = 'tenant-secrets'): ObjectInFile {
  return object(path, 'external-secrets.io/v1', 'SecretStore', name, ns, {
    spec: { provider: { vault: { server: 'https://vault.stoa.example.com', path: 'stoa-dev', version: 'v2', auth: { kubernetes: { mountPath: 'kubernetes', role, serviceAccountRef: { name: 'tenant-secrets' } } } } } },
  });
}

function externalSecret(path: string, name: string, ns: string | undefined, keys: string[], store: { kind: string; name: string }, extra: Record<string, unknown> = {}): ObjectInFile {
  return object(path, 'external-secrets.io/v1', 'ExternalSecret', name, ns, {
    spec: {
      refreshInterval: '1h',
      secretStoreRef: store,
      target: { name },
      data: keys.map((key, i) => ({ secretKey: `k${i}`, remoteRef: { key, property: 'value' } })),
      ...extra,
    },
  });
}

function role(path: string, name: string, ns: string, rules: unknown[]): ObjectInFile {
  return object(path, 'rbac.authorization.k8s.io/v1', 'Role', name, ns, { rules });
}

function roleBinding(path: string, name: string, ns: string, roleRef: { kind: string; name: string }, subjects: unknown[]): ObjectInFile {
  return object(path, 'rbac.authorization.k8s.io/v1', 'RoleBinding', name, ns, {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
    subjects,
  });
}

const user = (name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name });
const group = (name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name });

function context(objects: ObjectInFile[], applications: ObjectInFile[] = []): PolicyContext {
  return { objects, applications, readOnlyEnvironments: new Set(), environments: new Map() };
}

const check = (objects: ObjectInFile[], applications: ObjectInFile[] = []) => secretIsolation.check(context(objects, applications));

// ---------------------------------------------------------------------------
// The post-fix shape (dev: tenants acme with secrets and globex without; staging: acme).
// ---------------------------------------------------------------------------

const CLUSTER_STORE = 'dev/platform/secret-store/clustersecretstore-stoa-dev.yaml';
const AWX_TOKEN = 'dev/platform/hooks/externalsecret-awx-token.yaml';
const ACME_BINDING = 'dev/tenants/acme/rolebinding-tenant-owners.yaml';
const ACME_UPSTREAM = 'dev/tenants/acme/externalsecret-upstream-api-key.yaml';
const ACME_STORE = 'dev/tenants/acme/secretstore-tenant-secrets.yaml';

/** Role tenant-owner: reads workloads and logs; in full environments deletes pods and patches rollouts. */
const OWNER_RULES = [
  { apiGroups: ['', 'apps', 'autoscaling', 'networking.k8s.io', 'policy'], resources: ['pods', 'pods/log', 'services', 'events', 'deployments', 'replicasets', 'ingresses', 'horizontalpodautoscalers', 'poddisruptionbudgets'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['argoproj.io'], resources: ['rollouts', 'analysisruns'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['delete'] },
  { apiGroups: ['argoproj.io'], resources: ['rollouts'], verbs: ['patch'] },
];

function tenantFolder(env: string, tenant: string, owners: unknown[], secrets: boolean): ObjectInFile[] {
  const ns = `tenant-${tenant}`;
  const folder = `${env}/tenants/${tenant}`;
  return [
    tenantNamespace(env, tenant),
    role(`${folder}/role-tenant-owner.yaml`, 'tenant-owner', ns, OWNER_RULES),
    roleBinding(`${folder}/rolebinding-tenant-owners.yaml`, 'tenant-owners', ns, { kind: 'Role', name: 'tenant-owner' }, owners),
    ...(secrets ? [
      object(`${folder}/serviceaccount-tenant-secrets.yaml`, 'v1', 'ServiceAccount', 'tenant-secrets', ns),
      secretStore(`${folder}/secretstore-tenant-secrets.yaml`, ns, `tenant-${tenant}`),
      externalSecret(`${folder}/externalsecret-upstream-api-key.yaml`, 'upstream-api-key', ns, [`tenants/${tenant}/upstream`], { kind: 'SecretStore', name: 'tenant-secrets' }),
    ] : []),
    // The AWX hook Jobs live in stoa-hooks, rendered in the tenant's folder.
    object(`${folder}/job-provision.yaml`, 'batch/v1', 'Job', `${tenant}-provision`, 'stoa-hooks'),
  ];
}

function postFix(): ObjectInFile[] {
  return [
    clusterSecretStore(CLUSTER_STORE, 'stoa-dev', [{ namespaces: ['stoa-system', 'stoa-hooks'] }]),
    namespace('dev/platform/hooks/namespace-stoa-hooks.yaml', 'stoa-hooks', { 'pod-security.kubernetes.io/enforce': 'restricted' }),
    externalSecret(AWX_TOKEN, 'awx-token', 'stoa-hooks', ['platform/awx'], { kind: 'ClusterSecretStore', name: 'stoa-dev' }),
    object('dev/platform/stoa-portal/deployment-stoa-portal.yaml', 'apps/v1', 'Deployment', 'stoa-portal', 'stoa-system'),
    ...tenantFolder('dev', 'acme', [user('alice@acme.example'), group('acme-platform-team')], true),
    ...tenantFolder('dev', 'globex', [user('bob@globex.example')], false),
    clusterSecretStore('staging/platform/secret-store/clustersecretstore-stoa-staging.yaml', 'stoa-staging', [{ namespaces: ['stoa-system', 'stoa-hooks'] }]),
    ...tenantFolder('staging', 'acme', [user('alice@acme.example')], true),
  ];
}

/** `objects` with the object at `path` replaced (or added when no object is there). */
function withObject(objects: ObjectInFile[], replacement: ObjectInFile): ObjectInFile[] {
  return objects.some((o) => o.path === replacement.path)
    ? objects.map((o) => (o.path === replacement.path ? replacement : o))
    : [...objects, replacement];
}

test('id and reason', () => {
  expect(secretIsolation.id).toBe('secret-isolation');
  expect(secretIsolation.reason).toMatch(/tenants\/<t>\//);
});

test('quiet on the post-fix shape', () => {
  expect(check(postFix())).toEqual([]);
});

describe('pre-fix defects', () => {
  test('ExternalSecret awx-token in tenant-acme reads platform/awx through the shared ClusterSecretStore', () => {
    const path = 'dev/tenants/acme/externalsecret-awx-token.yaml';
    const awx = externalSecret(path, 'awx-token', 'tenant-acme', ['platform/awx'], { kind: 'ClusterSecretStore', name: 'stoa-dev' });
    expect(check([...postFix(), awx])).toEqual([
      {
        file: path,
        message: 'ExternalSecret tenant-acme/awx-token of tenant acme reads data[0].remoteRef.key "platform/awx", outside tenants/acme/: '
          + 'fix: move the secret under tenants/acme/, or render the ExternalSecret in a platform namespace',
      },
      {
        file: path,
        message: 'ExternalSecret tenant-acme/awx-token of tenant acme reads through ClusterSecretStore stoa-dev (spec.secretStoreRef), a shared identity: '
          + 'any tenant could name another\'s path; fix: read through SecretStore tenant-secrets in tenant-acme with vault auth.kubernetes.role tenant-acme',
      },
    ]);
  });

  test('a tenant ExternalSecret with its own key still may not use the ClusterSecretStore', () => {
    const viaCluster = externalSecret(ACME_UPSTREAM, 'upstream-api-key', 'tenant-acme', ['tenants/acme/upstream'], { kind: 'ClusterSecretStore', name: 'stoa-dev' });
    const reported = check(withObject(postFix(), viaCluster));
    expect(reported).toEqual([{ file: ACME_UPSTREAM, message: expect.stringContaining('reads through ClusterSecretStore stoa-dev (spec.secretStoreRef), a shared identity') }]);
  });

  test('ClusterSecretStore without conditions serves every tenant namespace, new ones included', () => {
    const open = clusterSecretStore(CLUSTER_STORE, 'stoa-dev');
    expect(check(withObject(postFix(), open))).toEqual([{
      file: CLUSTER_STORE,
      message: 'ClusterSecretStore stoa-dev has no spec.conditions, so it serves every namespace, including tenant-acme (tenant acme), tenant-globex (tenant globex), any new tenant-* namespace: '
        + 'an ExternalSecret there reads with the store\'s identity, so any tenant can read another tenant\'s or the platform\'s paths; '
        + 'fix: spec.conditions listing only platform namespaces, e.g. [{namespaces: [stoa-hooks]}]',
    }]);
  });

  test('RoleBinding of the tenant owners to ClusterRole edit', () => {
    const edit = roleBinding(ACME_BINDING, 'tenant-owners', 'tenant-acme', { kind: 'ClusterRole', name: 'edit' }, [user('alice@acme.example'), group('acme-platform-team')]);
    expect(check(withObject(postFix(), edit))).toEqual([{
      file: ACME_BINDING,
      message: 'RoleBinding tenant-acme/tenant-owners gives tenant acme\'s subjects (User alice@acme.example, Group acme-platform-team) ClusterRole edit, '
        + 'which includes creating ExternalSecrets and SecretStores (External Secrets aggregates them into edit and admin): they could read any path through their own store; '
        + 'fix: bind Role tenant-owner (read-only, Secrets excepted; no writes on external-secrets.io or RBAC)',
    }]);
  });
});

describe('(a) keys outside tenants/<t>/', () => {
  test.each([
    ['tenants/globex/db', 'data[0].remoteRef.key "tenants/globex/db"'],
    ['tenants/acmecorp/db', 'data[0].remoteRef.key "tenants/acmecorp/db"'],
    ['tenants/acme/../globex/db', 'data[0].remoteRef.key "tenants/acme/../globex/db"'],
    ['tenants/acme', 'data[0].remoteRef.key "tenants/acme"'],
    ['/tenants/acme/db', 'data[0].remoteRef.key "/tenants/acme/db"'],
  ])('key %s', (key, field) => {
    const es = externalSecret(ACME_UPSTREAM, 'upstream-api-key', 'tenant-acme', [key], { kind: 'SecretStore', name: 'tenant-secrets' });
    expect(check(withObject(postFix(), es))).toEqual([{ file: ACME_UPSTREAM, message: expect.stringContaining(`ExternalSecret tenant-acme/upstream-api-key of tenant acme reads ${field}, outside tenants/acme/`) }]);
  });

  test('dataFrom: extract keys, find paths, and find without a path', () => {
    const es = externalSecret(ACME_UPSTREAM, 'upstream-api-key', 'tenant-acme', ['tenants/acme/upstream'], { kind: 'SecretStore', name: 'tenant-secrets' }, {
      dataFrom: [
        { extract: { key: 'platform/argocd' } },
        { extract: { key: 'tenants/acme/extra' } },
        { find: { path: 'tenants', name: { regexp: '.*' } } },
        { find: { path: 'tenants/acme' } },
        { find: { name: { regexp: 'db-.*' } } },
      ],
    });
    expect(check(withObject(postFix(), es)).map((v) => v.message)).toEqual([
      expect.stringContaining('reads dataFrom[0].extract.key "platform/argocd", outside tenants/acme/'),
      expect.stringContaining('reads dataFrom[2].find.path "tenants", outside tenants/acme/'),
      expect.stringContaining('reads dataFrom[4].find without a path (it searches the whole store for "db-.*"), outside tenants/acme/'),
    ]);
  });

  test('a namespace is a tenant\'s by its stoa.io/tenant label, whatever its name', () => {
    const labelled = namespace('dev/tenants/initech/namespace-initech.yaml', 'initech-apps', { 'stoa.io/tenant': 'initech' });
    const path = 'dev/tenants/initech/externalsecret-db.yaml';
    const es = externalSecret(path, 'db', 'initech-apps', ['tenants/acme/db'], { kind: 'SecretStore', name: 'tenant-secrets' });
    const store = secretStore('dev/tenants/initech/secretstore-tenant-secrets.yaml', 'initech-apps', 'tenant-initech');
    expect(check([...postFix(), labelled, es, store])).toEqual([
      { file: path, message: expect.stringContaining('ExternalSecret initech-apps/db of tenant initech reads data[0].remoteRef.key "tenants/acme/db", outside tenants/initech/') },
    ]);
  });

  test('an ExternalSecret without a namespace lands in its Application\'s destination', () => {
    const path = 'dev/tenants/acme/externalsecret-db.yaml';
    const es = externalSecret(path, 'db', undefined, ['platform/db'], { kind: 'SecretStore', name: 'tenant-secrets' });
    const app = object('dev/apps/application-dev-tenant-acme.yaml', 'argoproj.io/v1alpha1', 'Application', 'dev-tenant-acme', 'argocd', {
      spec: { project: 'dev-tenants', source: { repoURL: 'https://git.example.com/envs.git', path: 'dev/tenants/acme' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'tenant-acme' } },
    });
    expect(check([...postFix(), es], [app])).toEqual([
      { file: path, message: expect.stringContaining('ExternalSecret tenant-acme/db of tenant acme reads data[0].remoteRef.key "platform/db"') },
    ]);
    // Without the Application, the rule cannot place it, and says nothing.
    expect(check([...postFix(), es])).toEqual([]);
  });

  test('a tenant namespace without a Namespace manifest is still recognised by its name', () => {
    const path = 'dev/tenants/initech/externalsecret-db.yaml';
    const es = externalSecret(path, 'db', 'tenant-initech', ['tenants/initech/db'], { kind: 'ClusterSecretStore', name: 'stoa-dev' });
    expect(check([...postFix(), es])).toEqual([{ file: path, message: expect.stringContaining('ExternalSecret tenant-initech/db of tenant initech reads through ClusterSecretStore stoa-dev') }]);
  });

  test('platform ExternalSecrets may read platform paths', () => {
    const es = externalSecret('dev/platform/stoa-portal/externalsecret-portal-db.yaml', 'portal-db', 'stoa-system', ['platform/portal/db'], { kind: 'ClusterSecretStore', name: 'stoa-dev' });
    expect(check([...postFix(), es])).toEqual([]);
  });
});

describe('(b) the store a tenant ExternalSecret reads through', () => {
  test('a SecretStore that is not in the output', () => {
    const es = externalSecret(ACME_UPSTREAM, 'upstream-api-key', 'tenant-acme', ['tenants/acme/upstream'], { kind: 'SecretStore', name: 'vault' });
    expect(check(withObject(postFix(), es))).toEqual([{
      file: ACME_UPSTREAM,
      message: expect.stringContaining('reads through SecretStore vault (spec.secretStoreRef), which is not in the output, so its identity cannot be checked'),
    }]);
  });

  test('a SecretStore of the same name in another namespace or environment does not count', () => {
    const objects = postFix().filter((o) => o.path !== ACME_STORE);
    objects.push(secretStore('dev/tenants/globex/secretstore-tenant-secrets.yaml', 'tenant-globex', 'tenant-globex'));
    const reported = check(objects);
    expect(reported.map((v) => [v.file, v.message.includes('SecretStore tenant-secrets (spec.secretStoreRef), which is not in the output')])).toEqual([[ACME_UPSTREAM, true]]);
  });

  test('a SecretStore with another role: reported on the ExternalSecret and on the store', () => {
    const shared = secretStore(ACME_STORE, 'tenant-acme', 'external-secrets');
    expect(check(withObject(postFix(), shared))).toEqual([
      { file: ACME_UPSTREAM, message: expect.stringContaining('reads through SecretStore tenant-acme/tenant-secrets (spec.secretStoreRef), which logs in with Vault role "external-secrets", not tenant-acme') },
      { file: ACME_STORE, message: expect.stringContaining('SecretStore tenant-acme/tenant-secrets in tenant acme\'s namespace logs in with Vault role "external-secrets", not tenant-acme') },
    ]);
  });

  test('another tenant\'s role is as bad as the platform\'s', () => {
    const borrowed = secretStore(ACME_STORE, 'tenant-acme', 'tenant-globex');
    expect(check(withObject(postFix(), borrowed)).map((v) => v.file)).toEqual([ACME_UPSTREAM, ACME_STORE]);
  });

  test('a SecretStore without Vault Kubernetes auth', () => {
    const token = object(ACME_STORE, 'external-secrets.io/v1', 'SecretStore', 'tenant-secrets', 'tenant-acme', {
      spec: { provider: { vault: { server: 'https://vault.stoa.example.com', auth: { tokenSecretRef: { name: 'vault-token', key: 'token' } } } } },
    });
    expect(check(withObject(postFix(), token)).map((v) => v.message)).toEqual([
      expect.stringContaining('which logs in with Vault without Kubernetes auth, not tenant-acme'),
      expect.stringContaining('logs in with Vault without Kubernetes auth, not tenant-acme'),
    ]);
  });

  test('a per-entry sourceRef.storeRef to the ClusterSecretStore', () => {
    const es = externalSecret(ACME_UPSTREAM, 'upstream-api-key', 'tenant-acme', [], { kind: 'SecretStore', name: 'tenant-secrets' }, {
      data: [{ secretKey: 'k', remoteRef: { key: 'tenants/acme/upstream' }, sourceRef: { storeRef: { kind: 'ClusterSecretStore', name: 'stoa-dev' } } }],
    });
    expect(check(withObject(postFix(), es))).toEqual([{ file: ACME_UPSTREAM, message: expect.stringContaining('reads through ClusterSecretStore stoa-dev (data[0].sourceRef.storeRef), a shared identity') }]);
  });

  test('a secretStoreRef without a kind means a SecretStore', () => {
    const es = externalSecret(ACME_UPSTREAM, 'upstream-api-key', 'tenant-acme', ['tenants/acme/upstream'], { name: 'tenant-secrets' } as any);
    expect(check(withObject(postFix(), es))).toEqual([]);
  });
});

describe('(c) ClusterSecretStore conditions', () => {
  const withConditions = (conditions: unknown[]) => check(withObject(postFix(), clusterSecretStore(CLUSTER_STORE, 'stoa-dev', conditions)));
  const admitted = (conditions: unknown[]) => {
    const reported = withConditions(conditions);
    expect(reported.every((v) => v.file === CLUSTER_STORE)).toBe(true);
    return reported.map((v) => /admit (.*): an ExternalSecret/.exec(v.message)?.[1]);
  };

  test('namespaces listing platform namespaces only: quiet', () => {
    expect(withConditions([{ namespaces: ['stoa-system'] }, { namespaces: ['stoa-hooks'] }])).toEqual([]);
  });

  test('namespaces listing a tenant namespace', () => {
    expect(admitted([{ namespaces: ['stoa-hooks', 'tenant-acme'] }])).toEqual(['tenant-acme (tenant acme)']);
  });

  test('namespaceRegexes are unanchored, as External Secrets matches them', () => {
    expect(withConditions([{ namespaceRegexes: ['^stoa-'] }])).toEqual([]);
    expect(admitted([{ namespaceRegexes: ['acme'] }])).toEqual(['tenant-acme (tenant acme)']);
    expect(admitted([{ namespaceRegexes: ['^tenant-[a-z]+$'] }])).toEqual(['tenant-acme (tenant acme), tenant-globex (tenant globex), any new tenant-* namespace']);
    expect(admitted([{ namespaceRegexes: ['.*'] }])).toEqual(['tenant-acme (tenant acme), tenant-globex (tenant globex), any new tenant-* namespace']);
    // An invalid regex admits nothing.
    expect(withConditions([{ namespaceRegexes: ['(['] }])).toEqual([]);
  });

  test('namespaceSelector against Namespace labels and kubernetes.io/metadata.name', () => {
    expect(withConditions([{ namespaceSelector: { matchExpressions: [{ key: 'stoa.io/tenant', operator: 'DoesNotExist' }] } }])).toEqual([]);
    expect(admitted([{ namespaceSelector: { matchLabels: { 'stoa.io/tier': 'gold' } } }])).toEqual(['tenant-acme (tenant acme)']);
    expect(admitted([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tenant-globex' } } }])).toEqual(['tenant-globex (tenant globex)']);
    // Labels every tenant namespace shares: a new tenant's namespace will carry them too.
    expect(admitted([{ namespaceSelector: { matchLabels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } }]))
      .toEqual(['tenant-acme (tenant acme), tenant-globex (tenant globex), any new tenant-* namespace']);
    expect(admitted([{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['tenant-acme', 'tenant-globex'] }] } }]))
      .toEqual(['any new tenant-* namespace']);
  });

  test('only the environment\'s own tenant namespaces are listed', () => {
    const open = clusterSecretStore('staging/platform/secret-store/clustersecretstore-stoa-staging.yaml', 'stoa-staging');
    expect(check(withObject(postFix(), open))).toEqual([{
      file: 'staging/platform/secret-store/clustersecretstore-stoa-staging.yaml',
      message: expect.stringContaining('has no spec.conditions, so it serves every namespace, including tenant-acme (tenant acme), any new tenant-* namespace: '),
    }]);
  });

  test('the suggested fix names the platform namespaces that use the store, or stoa-system when none does', () => {
    const objects = withObject(postFix().filter((o) => o.path !== AWX_TOKEN), clusterSecretStore(CLUSTER_STORE, 'stoa-dev'));
    expect(check(objects)[0].message).toMatch(/e\.g\. \[\{namespaces: \[stoa-system\]\}\]$/);
  });
});

describe('(d) RBAC of tenant owners', () => {
  test.each(['admin', 'cluster-admin'])('RoleBinding to ClusterRole %s', (name) => {
    const binding = roleBinding(ACME_BINDING, 'tenant-owners', 'tenant-acme', { kind: 'ClusterRole', name }, [user('alice@acme.example')]);
    expect(check(withObject(postFix(), binding))).toEqual([{ file: ACME_BINDING, message: expect.stringContaining(`gives tenant acme's subjects (User alice@acme.example) ClusterRole ${name}, which includes creating ExternalSecrets and SecretStores`) }]);
  });

  test('RoleBinding to ClusterRole view is fine (External Secrets aggregates only reads into view)', () => {
    const binding = roleBinding(ACME_BINDING, 'tenant-owners', 'tenant-acme', { kind: 'ClusterRole', name: 'view' }, [user('alice@acme.example')]);
    expect(check(withObject(postFix(), binding))).toEqual([]);
  });

  test.each([
    [[{ apiGroups: ['external-secrets.io'], resources: ['externalsecrets'], verbs: ['create', 'get'] }], 'create on externalsecrets.external-secrets.io'],
    [[{ apiGroups: ['external-secrets.io'], resources: ['secretstores', 'clustersecretstores'], verbs: ['update', 'patch'] }], 'update/patch on secretstores.external-secrets.io, update/patch on clustersecretstores.external-secrets.io'],
    [[{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], '* on externalsecrets.external-secrets.io, * on secretstores.external-secrets.io, * on clustersecretstores.external-secrets.io, * on roles.rbac.authorization.k8s.io, * on rolebindings.rbac.authorization.k8s.io, * on secrets', 'create their own store or ExternalSecret and read the values of every Secret in the namespace'],
    [[{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['create'] }], 'create on rolebindings.rbac.authorization.k8s.io'],
    // The README promises owners never read Secret values: list and watch return them as get does.
    [[{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }], 'get/list/watch on secrets', 'read the values of every Secret in the namespace'],
    [[{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['list'] }], 'list on secrets', 'read the values of every Secret in the namespace'],
    [[{ apiGroups: [''], resources: ['*'], verbs: ['watch'] }], 'watch on secrets', 'read the values of every Secret in the namespace'],
  ])('Role tenant-owner granting %j', (rules, grants, could = 'create their own store or ExternalSecret') => {
    const writer = role('dev/tenants/acme/role-tenant-owner.yaml', 'tenant-owner', 'tenant-acme', [...OWNER_RULES, ...rules]);
    expect(check(withObject(postFix(), writer))).toEqual([{
      file: ACME_BINDING,
      message: 'RoleBinding tenant-acme/tenant-owners gives tenant acme\'s subjects (User alice@acme.example, Group acme-platform-team) Role tenant-owner (dev/tenants/acme/role-tenant-owner.yaml), '
        + `which grants ${grants}: they could ${could}; fix: bind Role tenant-owner (read-only, Secrets excepted; no writes on external-secrets.io or RBAC)`,
    }]);
  });

  test('writes of Secrets, and reads of other core resources, are not Secret reads', () => {
    const writer = role('dev/tenants/acme/role-tenant-owner.yaml', 'tenant-owner', 'tenant-acme', [
      ...OWNER_RULES,
      { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'delete'] },
      { apiGroups: ['example.com'], resources: ['secrets'], verbs: ['get'] },
    ]);
    expect(check(withObject(postFix(), writer))).toEqual([]);
  });

  test('reads of external-secrets.io resources, and writes of other groups, are fine', () => {
    const reader = role('dev/tenants/acme/role-tenant-owner.yaml', 'tenant-owner', 'tenant-acme', [
      ...OWNER_RULES,
      { apiGroups: ['external-secrets.io'], resources: ['externalsecrets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['example.com'], resources: ['externalsecrets'], verbs: ['create'] },
    ]);
    expect(check(withObject(postFix(), reader))).toEqual([]);
  });

  test('a ClusterRole of the output that aggregates edit\'s rules', () => {
    const aggregate = object('dev/platform/rbac/clusterrole-tenant-editor.yaml', 'rbac.authorization.k8s.io/v1', 'ClusterRole', 'tenant-editor', undefined, {
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } }] },
      rules: [],
    });
    const binding = roleBinding(ACME_BINDING, 'tenant-owners', 'tenant-acme', { kind: 'ClusterRole', name: 'tenant-editor' }, [user('alice@acme.example')]);
    expect(check([...withObject(postFix(), binding), aggregate])).toEqual([{ file: ACME_BINDING, message: expect.stringContaining('which grants the rights External Secrets aggregates into edit and admin (aggregationRule)') }]);
  });

  test('a RoleBinding of a tenant\'s owners in a platform namespace that holds secrets', () => {
    const path = 'dev/platform/hooks/rolebinding-hook-debuggers.yaml';
    const binding = roleBinding(path, 'hook-debuggers', 'stoa-hooks', { kind: 'ClusterRole', name: 'view' }, [group('acme-platform-team'), user('ops@stoa.example')]);
    expect(check([...postFix(), binding])).toEqual([{
      file: path,
      message: 'RoleBinding stoa-hooks/hook-debuggers gives Group acme-platform-team, an owner of tenant acme, ClusterRole view in platform namespace stoa-hooks, '
        + 'which holds Secret awx-token (from ExternalSecret awx-token): fix: remove the tenant\'s owners from the binding',
    }]);
  });

  test('a Secret manifest makes a namespace hold secrets; without secrets the binding is fine', () => {
    const path = 'dev/platform/stoa-portal/rolebinding-portal-readers.yaml';
    const binding = roleBinding(path, 'portal-readers', 'stoa-system', { kind: 'ClusterRole', name: 'view' }, [user('bob@globex.example')]);
    expect(check([...postFix(), binding])).toEqual([]);
    const secret = object('dev/platform/stoa-portal/secret-portal-tls.yaml', 'v1', 'Secret', 'portal-tls', 'stoa-system', { type: 'kubernetes.io/tls' });
    expect(check([...postFix(), binding, secret])).toEqual([{ file: path, message: expect.stringContaining('gives User bob@globex.example, an owner of tenant globex, ClusterRole view in platform namespace stoa-system, which holds Secret portal-tls') }]);
  });

  test('platform service accounts bound in a tenant namespace are not the tenant\'s owners', () => {
    const deployer = roleBinding('dev/tenants/acme/rolebinding-argocd.yaml', 'argocd', 'tenant-acme', { kind: 'Role', name: 'tenant-owner' }, [{ kind: 'ServiceAccount', name: 'argocd-application-controller', namespace: 'argocd' }]);
    const platform = roleBinding('dev/platform/hooks/rolebinding-argocd.yaml', 'argocd', 'stoa-hooks', { kind: 'ClusterRole', name: 'admin' }, [{ kind: 'ServiceAccount', name: 'argocd-application-controller', namespace: 'argocd' }]);
    expect(check([...postFix(), deployer, platform])).toEqual([]);
  });

  test('owners of another environment do not count', () => {
    const path = 'dev/platform/hooks/rolebinding-hook-debuggers.yaml';
    const onlyStagingOwner = roleBinding(path, 'hook-debuggers', 'stoa-hooks', { kind: 'ClusterRole', name: 'view' }, [user('carol@acme.example')]);
    const stagingOwners = roleBinding('staging/tenants/acme/rolebinding-tenant-owners.yaml', 'tenant-owners', 'tenant-acme', { kind: 'Role', name: 'tenant-owner' }, [user('carol@acme.example')]);
    expect(check([...withObject(postFix(), stagingOwners), onlyStagingOwner])).toEqual([]);
  });
});

describe('(e) bindings to everyone', () => {
  const PLATFORM_BINDING = 'dev/platform/stoa-portal/rolebinding-everyone.yaml';
  const sa = (name: string, namespace?: string) => ({ kind: 'ServiceAccount', name, ...(namespace ? { namespace } : {}) });

  test.each([
    [group('system:authenticated'), 'Group system:authenticated (every authenticated user, every tenant\'s owners included)'],
    [group('system:unauthenticated'), 'Group system:unauthenticated (every request without credentials)'],
    [group('system:serviceaccounts'), 'Group system:serviceaccounts (every ServiceAccount of the cluster, every tenant\'s pods included)'],
    [group('system:serviceaccounts:tenant-globex'), 'Group system:serviceaccounts:tenant-globex (every ServiceAccount of namespace tenant-globex)'],
    [user('system:anonymous'), 'User system:anonymous (every request without credentials)'],
    [group('system:masters'), 'Group system:masters (an identity of the cluster itself (system: names belong to Kubernetes))'],
    [user('system:serviceaccount:argocd:argocd-server'), 'User system:serviceaccount:argocd:argocd-server (an identity of the cluster itself (system: names belong to Kubernetes))'],
  ])('a RoleBinding in a platform namespace without secrets naming %j', (subject, text) => {
    const binding = roleBinding(PLATFORM_BINDING, 'everyone', 'stoa-system', { kind: 'ClusterRole', name: 'view' }, [user('ops@stoa.example'), subject]);
    expect(check([...postFix(), binding])).toEqual([{
      file: PLATFORM_BINDING,
      message: `RoleBinding stoa-system/everyone gives ${text} ClusterRole view: fix: bind named users, groups or ServiceAccounts, never a system: user or group`,
    }]);
  });

  test('a ClusterRoleBinding, and the tenant owners\' RoleBinding, naming everyone', () => {
    const path = 'dev/platform/rbac/clusterrolebinding-everyone.yaml';
    const clusterBinding = object(path, 'rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'everyone', undefined, {
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [group('system:authenticated')],
    });
    const owners = roleBinding(ACME_BINDING, 'tenant-owners', 'tenant-acme', { kind: 'Role', name: 'tenant-owner' }, [user('alice@acme.example'), group('system:serviceaccounts')]);
    expect(check([...withObject(postFix(), owners), clusterBinding])).toEqual([
      { file: path, message: expect.stringMatching(/^ClusterRoleBinding everyone gives Group system:authenticated \(every authenticated user, every tenant's owners included\) ClusterRole view: fix:/) },
      { file: ACME_BINDING, message: expect.stringMatching(/^RoleBinding tenant-acme\/tenant-owners gives Group system:serviceaccounts \(every ServiceAccount of the cluster, every tenant's pods included\) Role tenant-owner: fix:/) },
    ]);
  });

  test('ServiceAccount subjects, and users or groups that merely contain "system", are fine', () => {
    const binding = roleBinding(PLATFORM_BINDING, 'readers', 'stoa-system', { kind: 'ClusterRole', name: 'view' }, [
      sa('default'), sa('argocd-server', 'argocd'), group('ops-system:admins'), user('system-admin@stoa.example'), group('System:Authenticated-lookalike'),
    ]);
    expect(check([...postFix(), binding])).toEqual([]);
  });
});

test('isTenantPath: the tenant\'s prefix, no climbing out', () => {
  expect(isTenantPath('tenants/acme/upstream', 'acme')).toBe(true);
  expect(isTenantPath('tenants/acme/a/b', 'acme')).toBe(true);
  expect(isTenantPath('tenants/acme/', 'acme')).toBe(false);
  expect(isTenantPath('tenants/acme//x', 'acme')).toBe(false);
  expect(isTenantPath('tenants/acme/./x', 'acme')).toBe(false);
  expect(isTenantPath('tenants/acme2/x', 'acme')).toBe(false);
  expect(isTenantPath('platform/awx', 'acme')).toBe(false);
});
