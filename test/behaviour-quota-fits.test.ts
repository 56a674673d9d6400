import { quotaFits } from '../lib/validate/behaviour/quota-fits';
import { formatQuantity, parseQuantity, QuantityError, tryParseQuantity } from '../lib/quantity';
import { factsOf, ObjectInFile, PolicyContext } from '../lib/validate/policy';

const NS = 'tenant-acme';
const FOLDER = 'prod/tenants/acme';
const QUOTA_FILE = `${FOLDER}/resourcequota-tenant-quota.yaml`;

function at(object: any, folder = FOLDER): ObjectInFile {
  return { path: `${folder}/${object.kind.toLowerCase()}-${object.metadata.name}.yaml`, object };
}

const quota = (hard: Record<string, string | number>, extra: Record<string, unknown> = {}) => at({
  apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'tenant-quota', namespace: NS }, spec: { hard, ...extra },
});

const limitRange = (item: Record<string, unknown>) => at({
  apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'tenant-limits', namespace: NS }, spec: { limits: [{ type: 'Container', ...item }] },
});

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };
const GOLD: Resources = { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '1Gi' } };

function podTemplate(resources: Resources | undefined, initContainers: any[] = []) {
  return {
    spec: {
      ...(initContainers.length ? { initContainers } : {}),
      containers: [{ name: 'gateway', image: 'example/gateway:1.0.0', ...(resources ? { resources } : {}) }],
    },
  };
}

function deployment(name: string, o: { replicas?: number; resources?: Resources; strategy?: unknown; initContainers?: any[]; namespace?: string | null } = {}) {
  return at({
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, ...(o.namespace === null ? {} : { namespace: o.namespace ?? NS }) },
    spec: { ...(o.replicas === undefined ? {} : { replicas: o.replicas }), ...(o.strategy ? { strategy: o.strategy } : {}), template: podTemplate(o.resources, o.initContainers) },
  });
}

function rollout(name: string, strategy: unknown, o: { replicas?: number; resources?: Resources } = {}) {
  return at({
    apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name, namespace: NS },
    spec: { ...(o.replicas === undefined ? {} : { replicas: o.replicas }), strategy, template: podTemplate(o.resources ?? GOLD) },
  });
}

const scaledObject = (target: string, max?: number, kind?: string) => at({
  apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: target, namespace: NS },
  spec: { scaleTargetRef: { name: target, ...(kind ? { kind } : {}) }, minReplicaCount: 3, ...(max === undefined ? {} : { maxReplicaCount: max }) },
});

const hpa = (target: string, kind: string, max: number) => at({
  apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: target, namespace: NS },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind, name: target }, minReplicas: 1, maxReplicas: max },
});

function job(name: string, resources: Resources, o: { hook?: string; parallelism?: number; completions?: number } = {}) {
  return at({
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name, namespace: NS, ...(o.hook ? { annotations: { 'argocd.argoproj.io/hook': o.hook } } : {}) },
    spec: { ...(o.parallelism === undefined ? {} : { parallelism: o.parallelism }), ...(o.completions === undefined ? {} : { completions: o.completions }), template: podTemplate(resources) },
  });
}

function contextOf(objects: ObjectInFile[]): PolicyContext {
  return {
    objects: [...objects].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    applications: objects.filter((o) => o.object.kind === 'Application'),
    readOnlyEnvironments: new Set(),
    environments: new Map(),
  };
}

const check = (objects: ObjectInFile[]) => quotaFits.check(contextOf(objects));

// The gold tier's gateway: 3..10 replicas, 500m/512Mi requests, 2/1Gi limits, rolling with maxSurge 25%.
const goldGateway = () => [
  deployment('gateway', { replicas: 3, resources: GOLD, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } } }),
  scaledObject('gateway', 10),
];

describe('quota-fits rule', () => {
  test('has the id and a one-line reason', () => {
    expect(quotaFits.id).toBe('quota-fits');
    expect(quotaFits.reason).not.toContain('\n');
  });

  test("gold: today's quota (limits.cpu 16) cannot admit 10 replicas + 3 surge x 2 CPU", () => {
    const found = check([
      quota({ 'limits.cpu': '16', 'limits.memory': '32Gi', pods: '40', 'requests.cpu': '8', 'requests.memory': '16Gi' }),
      ...goldGateway(),
    ]);
    expect(found).toEqual([{
      file: QUOTA_FILE,
      message: 'namespace tenant-acme, limits.cpu: needs 26 (Deployment gateway: 13 pods x 2 = 26 [10 replicas by ScaledObject gateway + 3 surge]; largest hook Job 0) '
        + 'but quota tenant-quota allows 16: raise limits.cpu to at least 26, or lower the peak (max replicas, maxSurge, hook parallelism)',
    }]);
  });

  test('gold: the derived quota (peak 10 + 3 surge + 3 headroom = 16 pods) stays quiet, for a Deployment and a canary Rollout', () => {
    const derived = quota({ pods: '16', 'requests.cpu': '8', 'requests.memory': '8Gi', 'limits.cpu': '32', 'limits.memory': '16Gi' });
    expect(check([derived, ...goldGateway()])).toEqual([]);
    const canary = rollout('gateway', { canary: { maxSurge: '25%', maxUnavailable: 0, steps: [{ setWeight: 20 }] } });
    expect(check([derived, canary, scaledObject('gateway', 10, 'Rollout')])).toEqual([]);
  });

  test('silver and bronze derived quotas stay quiet; one pod less fires on pods', () => {
    const silver = [deployment('gateway', { replicas: 2, resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } } }), hpa('gateway', 'Deployment', 5)];
    expect(check([quota({ pods: 9, 'requests.cpu': '2250m', 'limits.cpu': '9', 'limits.memory': '4608Mi' }), ...silver])).toEqual([]);
    const bronze = [deployment('gateway', { replicas: 1, resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } } })];
    expect(check([quota({ pods: 3, 'limits.cpu': '1500m', 'limits.memory': '768Mi' }), ...bronze])).toEqual([]);
    expect(check([quota({ pods: 1 }), ...bronze]).map((v) => v.message)).toEqual([
      expect.stringMatching(/^namespace tenant-acme, pods: needs 2 \(Deployment gateway: 2 pods x 1 = 2 \[1 replicas \+ 1 surge\]; largest hook Job 0\) but quota tenant-quota allows 1:/),
    ]);
  });

  test("cert-manager's HTTP-01 solver pod counts where an Ingress has a certificate, unless the environment solves DNS-01", () => {
    const ingress = at({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'gateway', namespace: NS, annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' } }, spec: {} });
    const bronze = [deployment('gateway', { replicas: 1, resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } } })];
    // Exactly the gateway's peak (1 + 1 surge): no room for the solver.
    const tight = quota({ pods: 2, 'limits.cpu': '1', 'limits.memory': '512Mi' });
    expect(check([tight, ...bronze])).toEqual([]);
    expect(check([tight, ingress, ...bronze]).map((v) => v.message)).toEqual([
      expect.stringMatching(/^namespace tenant-acme, limits\.cpu: needs 1100m \(Deployment gateway: 2 pods x 500m = 1 \[1 replicas \+ 1 surge\]; cert-manager HTTP-01 solver: 1 pods x 100m = 100m \[1 Ingress\(es\) with a certificate\]/),
      expect.stringMatching(/^namespace tenant-acme, limits\.memory: needs 576Mi/),
      expect.stringMatching(/^namespace tenant-acme, pods: needs 3/),
    ]);
    const dns01 = { ...contextOf([tight, ingress, ...bronze]), environments: new Map([['prod', factsOf({ acmeHttp01: false })]]) };
    expect(quotaFits.check(dns01)).toEqual([]);
  });

  test('memory is exact and shown in binary units; cpu and memory keys mean requests', () => {
    const found = check([quota({ memory: '6Gi', cpu: '6500m', 'limits.memory': '13Gi' }), ...goldGateway()]);
    expect(found.map((v) => v.message.slice(0, v.message.indexOf(' ('))).sort()).toEqual([
      'namespace tenant-acme, memory: needs 6656Mi',
    ]);
    expect(found[0].message).toContain('Deployment gateway: 13 pods x 512Mi = 6656Mi');
    expect(found[0].message).toContain('but quota tenant-quota allows 6Gi');
  });

  test("LimitRange defaults stand in for a container's missing requests and limits", () => {
    const objects = [
      quota({ 'requests.cpu': '400m', 'limits.cpu': '4', 'limits.memory': '5Gi' }),
      limitRange({ default: { cpu: '1', memory: '1Gi' }, defaultRequest: { cpu: '100m', memory: '128Mi' } }),
      deployment('api', { replicas: 4 }),
    ];
    expect(check(objects).map((v) => v.message)).toEqual([
      'namespace tenant-acme, limits.cpu: needs 5 (Deployment api: 5 pods x 1 = 5 [4 replicas + 1 surge]; largest hook Job 0) but quota tenant-quota allows 4: '
        + 'raise limits.cpu to at least 5, or lower the peak (max replicas, maxSurge, hook parallelism)',
      'namespace tenant-acme, requests.cpu: needs 500m (Deployment api: 5 pods x 100m = 500m [4 replicas + 1 surge]; largest hook Job 0) but quota tenant-quota allows 400m: '
        + 'raise requests.cpu to at least 500m, or lower the peak (max replicas, maxSurge, hook parallelism)',
    ]);
  });

  test("LimitRange defaulting: a request falls back to the container's own limit, then default, then max, then min", () => {
    const needs = (range: Record<string, unknown>, resources?: Resources) => check([
      quota({ 'requests.cpu': '1m' }), ...(Object.keys(range).length ? [limitRange(range)] : []), deployment('api', { replicas: 1, strategy: { type: 'Recreate' }, resources }),
    ]).map((v) => /needs (\S+)/.exec(v.message)![1]);
    expect(needs({ defaultRequest: { cpu: '100m' } }, { limits: { cpu: '300m' } })).toEqual(['300m']);
    expect(needs({ default: { cpu: '700m' } })).toEqual(['700m']);
    expect(needs({ max: { cpu: '2' } })).toEqual(['2']);
    expect(needs({ min: { cpu: '50m' } })).toEqual(['50m']);
    // No value anywhere counts as 0: no claim.
    expect(needs({})).toEqual([]);
  });

  test('the largest hook Job counts (parallelism, capped by completions); plain Jobs do not', () => {
    const small = { requests: { cpu: '10m' }, limits: { cpu: '100m' } };
    const big = { requests: { cpu: '10m' }, limits: { cpu: '300m' } };
    const objects = [
      quota({ 'limits.cpu': '26' }),
      ...goldGateway(),
      job('provision', small, { hook: 'PreSync' }),
      job('validate', big, { hook: 'PostSync', parallelism: 3, completions: 2 }),
      job('batch', { limits: { cpu: '64' } }),
    ];
    expect(check(objects).map((v) => v.message)).toEqual([
      'namespace tenant-acme, limits.cpu: needs 26600m (Deployment gateway: 13 pods x 2 = 26 [10 replicas by ScaledObject gateway + 3 surge]; '
        + 'largest hook Job validate: 2 pods x 300m = 600m) but quota tenant-quota allows 26: raise limits.cpu to at least 26600m, or lower the peak (max replicas, maxSurge, hook parallelism)',
    ]);
    expect(check(objects.filter((o) => !o.path.endsWith('job-validate.yaml')))[0].message).toContain('largest hook Job provision: 1 pod x 100m = 100m)');
  });

  test('surge: Recreate none, maxSurge as a number, blue-green a full preview stack, canary 25% by default, StatefulSet none', () => {
    const pods = (workload: ObjectInFile) => check([quota({ pods: 0 }), workload]).map((v) => /needs (\d+)/.exec(v.message)![1]);
    expect(pods(deployment('a', { replicas: 4, strategy: { type: 'Recreate' } }))).toEqual(['4']);
    expect(pods(deployment('a', { replicas: 4, strategy: { rollingUpdate: { maxSurge: 2 } } }))).toEqual(['6']);
    expect(pods(deployment('a', { replicas: 4 }))).toEqual(['5']);
    expect(pods(deployment('a', {}))).toEqual(['2']);
    expect(pods(rollout('a', { blueGreen: { activeService: 'a' } }, { replicas: 4 }))).toEqual(['8']);
    expect(pods(rollout('a', { blueGreen: { activeService: 'a', previewReplicaCount: 1 } }, { replicas: 4 }))).toEqual(['5']);
    expect(pods(rollout('a', { canary: {} }, { replicas: 10 }))).toEqual(['13']);
    expect(pods(at({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's', namespace: NS }, spec: { replicas: 3, template: podTemplate(GOLD) } }))).toEqual(['3']);
  });

  test('autoscalers: HPA maxReplicas by kind and name; a ScaledObject without maxReplicaCount allows 100 (KEDA default)', () => {
    const pods = (objects: ObjectInFile[]) => check([quota({ pods: 0 }), ...objects]).map((v) => /needs (\d+)/.exec(v.message)![1]);
    expect(pods([deployment('a', { replicas: 2 }), hpa('a', 'Deployment', 8)])).toEqual(['10']);
    expect(pods([deployment('a', { replicas: 2 }), hpa('a', 'StatefulSet', 8)])).toEqual(['3']);
    expect(pods([deployment('a', { replicas: 2 }), scaledObject('a')])).toEqual(['125']);
  });

  test('init containers: the pod needs the larger of its containers (with sidecars) and each init container', () => {
    const needs = (initContainers: any[]) => check([
      quota({ 'requests.cpu': '1m' }),
      deployment('a', { replicas: 1, strategy: { type: 'Recreate' }, resources: { requests: { cpu: '200m' } }, initContainers }),
    ]).map((v) => /needs (\S+)/.exec(v.message)![1]);
    expect(needs([{ name: 'migrate', resources: { requests: { cpu: '500m' } } }])).toEqual(['500m']);
    expect(needs([{ name: 'small', resources: { requests: { cpu: '100m' } } }])).toEqual(['200m']);
    expect(needs([
      { name: 'proxy', restartPolicy: 'Always', resources: { requests: { cpu: '100m' } } },
      { name: 'migrate', resources: { requests: { cpu: '250m' } } },
    ])).toEqual(['350m']);
  });

  test('namespaces are separate, per environment; an object without a namespace is in its Application\'s destination', () => {
    const app = at({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'prod-tenant-acme', namespace: 'argocd' }, spec: { source: { path: FOLDER }, destination: { namespace: NS } } }, 'prod/apps');
    const other = { ...deployment('other', { replicas: 50 }).object, metadata: { name: 'other', namespace: 'elsewhere' } };
    const dev = { path: 'dev/tenants/acme/deployment-big.yaml', object: deployment('big', { replicas: 50 }).object };
    // Without the Application, the namespace-less Deployment is in no known namespace; other namespaces and envs never count.
    expect(check([quota({ pods: 4 }), deployment('a', { replicas: 4, namespace: null }), at(other), dev])).toEqual([]);
    const found = check([app, quota({ pods: 4 }), deployment('a', { replicas: 4, namespace: null }), at(other), dev]);
    expect(found.map((v) => v.file)).toEqual([QUOTA_FILE]);
    expect(found[0].message).toContain('namespace tenant-acme, pods: needs 5 (Deployment a: 5 pods x 1 = 5 [4 replicas + 1 surge]; largest hook Job 0) but quota tenant-quota allows 4');
  });

  test('scoped quotas and keys the rule does not model are left alone', () => {
    expect(check([quota({ pods: 1 }, { scopes: ['NotTerminating'] }), deployment('a', { replicas: 4 })])).toEqual([]);
    expect(check([quota({ 'requests.storage': '1Gi', 'count/deployments.apps': 0 }), deployment('a', { replicas: 4 })])).toEqual([]);
    expect(check([quota({ pods: 'lots' }), deployment('a', { replicas: 4 })])).toEqual([]);
  });

  test('several workloads are listed in order, and violations sorted by file', () => {
    const found = check([quota({ pods: 2 }), deployment('b', { replicas: 1 }), deployment('a', { replicas: 1 })]);
    expect(found.map((v) => v.message)).toEqual([expect.stringContaining('needs 4 (Deployment a: 2 pods x 1 = 2 [1 replicas + 1 surge]; Deployment b: 2 pods x 1 = 2 [1 replicas + 1 surge]; largest hook Job 0)')]);
  });
});

describe('Kubernetes quantities', () => {
  const nano = 1_000_000_000n;

  test.each([
    ['16', 16n * nano],
    ['500m', 500_000_000n],
    ['0.5', 500_000_000n],
    ['.5', 500_000_000n],
    ['5.', 5n * nano],
    ['+3', 3n * nano],
    ['-1.5', -1_500_000_000n],
    ['1k', 1000n * nano],
    ['1M', 10n ** 6n * nano],
    ['1G', 10n ** 9n * nano],
    ['1T', 10n ** 12n * nano],
    ['1P', 10n ** 15n * nano],
    ['1E', 10n ** 18n * nano],
    ['1Ki', 1024n * nano],
    ['1Mi', 1024n ** 2n * nano],
    ['1.5Gi', 1_610_612_736n * nano],
    ['1Ti', 1024n ** 4n * nano],
    ['1Pi', 1024n ** 5n * nano],
    ['1Ei', 1024n ** 6n * nano],
    ['8Ei', (2n ** 63n - 1n) * nano],
    ['1e3', 1000n * nano],
    ['1E3', 1000n * nano],
    ['12e-3', 12_000_000n],
    ['2e+2', 200n * nano],
    ['1u', 1000n],
    ['1n', 1n],
    ['0.9n', 1n],
    ['1e-10', 1n],
    ['1.2345', 1_234_500_000n],
    ['0', 0n],
    ['18446744073709551616', 18446744073709551616n * nano],
  ])('%s', (text, expected) => {
    expect(parseQuantity(text)).toBe(expected);
  });

  test('YAML numbers parse like their text', () => {
    expect(parseQuantity(40)).toBe(40n * nano);
    expect(parseQuantity(0.25)).toBe(250_000_000n);
    expect(parseQuantity(1e21)).toBe(10n ** 21n * nano);
  });

  test.each(['', '1K', '1e', 'm', '.', '1.2.3', '1 Gi', 'Gi', '1mi', '--1', 'NaN'])('"%s" is not a quantity', (text) => {
    expect(() => parseQuantity(text)).toThrow(QuantityError);
    expect(tryParseQuantity(text)).toBeUndefined();
  });

  test('tryParseQuantity leaves anything else undefined', () => {
    expect(tryParseQuantity(undefined)).toBeUndefined();
    expect(tryParseQuantity({ cpu: 1 })).toBeUndefined();
    expect(tryParseQuantity(Infinity)).toBeUndefined();
    expect(tryParseQuantity('250m')).toBe(250_000_000n);
  });

  test('format: whole numbers plain, else m/u/n; binary suffixes for memory when exact', () => {
    expect(formatQuantity(parseQuantity('26'))).toBe('26');
    expect(formatQuantity(parseQuantity('26.1'))).toBe('26100m');
    expect(formatQuantity(parseQuantity('1.5u'))).toBe('1500n');
    expect(formatQuantity(parseQuantity('-2'))).toBe('-2');
    expect(formatQuantity(0n, 'binary')).toBe('0');
    expect(formatQuantity(parseQuantity('1.5Gi'), 'binary')).toBe('1536Mi');
    expect(formatQuantity(parseQuantity('32Gi'), 'binary')).toBe('32Gi');
    expect(formatQuantity(parseQuantity('1G'), 'binary')).toBe('1000000000');
    expect(formatQuantity(parseQuantity('500m'), 'binary')).toBe('500m');
  });
});
