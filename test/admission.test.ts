import { celEnv, celError, CelResult, parse as parseCel, plan } from '@bufbuild/cel';
import fc from 'fast-check';
import { parse } from 'yaml';
import { InputError, validateObjects } from '../lib';
import { isPinnedImage } from '../lib/validate/rules';
import { containerResources, imagePinned, nonRoot } from '../lib/validate/rules/workloads';
import { noSecretData } from '../lib/validate/rules/secrets';
import { PolicyContext, PolicyRule } from '../lib/validate/policy';
import { editYaml, exampleProject, RenderedObject, renderedExample } from './helpers';
import { renderPreview } from '../lib/project/synth-project';

/*
 * The ValidatingAdmissionPolicies the platform renders, evaluated here with a CEL evaluator
 * (@bufbuild/cel) as the API server evaluates them: variables in order, then every validation; a
 * validation that does not evaluate to true (false, or an error) denies. The workload and Secret
 * policies must agree with the offline rules of the same id on every object the example renders and
 * on hostile variants of them.
 */


const example = renderedExample();
const at = (objects: RenderedObject[], file: string) => objects.find((o) => o.path === file)?.object;
const policy = (env: string, name: string) => at(example, `${env}/platform/admission/validatingadmissionpolicy-${env}-stoa-${name}.yaml`);

/** A JSON value as CEL sees a Kubernetes object: maps, lists, int for whole numbers. */
function toCel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object') return new Map(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  return value;
}

interface Request {
  operation: 'CREATE' | 'UPDATE' | 'DELETE'; username: string; groups?: string[]; object: unknown; oldObject?: unknown;
  /** The request's group and resource: by default the object's (or old object's) API group and its kind in the plural. */
  resource?: { group: string; resource: string };
}

/** The group and resource (plural, lower case) of an object, as the API server names them in `request.resource`. */
function resourceOf(object: any): { group: string; resource: string } {
  const apiVersion = String(object?.apiVersion ?? 'v1');
  const kind = String(object?.kind ?? '').toLowerCase();
  const resource = kind.endsWith('s') ? `${kind}es` : kind.endsWith('y') ? `${kind.slice(0, -1)}ies` : `${kind}s`;
  return { group: apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '', resource };
}

/**
 * What @bufbuild/cel's run() gives (parse, plan, evaluate; an error as a CelError, never thrown),
 * with each expression planned once: the same few expressions are evaluated thousands of times.
 */
const planned = new Map<string, ReturnType<typeof plan>>();
function run(expression: string, bindings: Parameters<ReturnType<typeof plan>>[0]): CelResult {
  try {
    let program = planned.get(expression);
    if (!program) {
      program = plan(celEnv(), parseCel(expression));
      planned.set(expression, program);
    }
    return program(bindings);
  } catch (e) {
    return celError(e);
  }
}

/**
 * The messages of the validations of `vap` that deny `request` (none: admitted). A match condition
 * that is false skips the policy; one that fails to evaluate denies (failurePolicy: Fail).
 */
function denials(vap: any, request: Request): string[] {
  const resource = request.resource ?? resourceOf(request.object ?? request.oldObject);
  const bindings: Record<string, unknown> = {
    object: toCel(request.object ?? null),
    oldObject: toCel(request.oldObject ?? null),
    request: toCel({ operation: request.operation, resource: { ...resource, version: 'v1' }, userInfo: { username: request.username, groups: request.groups ?? ['system:authenticated'] } }),
  };
  const conditions = (vap.spec.matchConditions ?? []).map((c: any) => run(c.expression, bindings as any));
  if (conditions.some((c: unknown) => c !== true && c !== false)) return ['a match condition failed'];
  if (conditions.includes(false)) return [];
  const variables = new Map<string, unknown>();
  bindings.variables = variables;
  for (const v of vap.spec.variables ?? []) variables.set(v.name, run(v.expression, bindings as any));
  return (vap.spec.validations as any[]).filter((v) => run(v.expression, bindings as any) !== true).map((v) => v.message);
}

/** Who Argo CD writes to the example's clusters as: they are not the one it runs in, and were added with `argocd cluster add`. */
const ARGOCD = 'system:serviceaccount:kube-system:argocd-manager';
const PERSON = 'alice@stoa.example.com';
/** The ClusterExternalSecret controller finalizes the namespaces it writes to (External Secrets' clusterexternalsecret_controller.go). */
const ESO_NAMESPACE_WRITER = 'system:serviceaccount:external-secrets:external-secrets';

/** What the offline rule finds in `object` alone. */
function offline(rule: PolicyRule, object: any): boolean {
  const objects = [{ path: 'x/y.yaml', object }];
  const context: PolicyContext = { objects, applications: [], readOnlyEnvironments: new Set(), environments: new Map() } as any;
  return rule.check(context).length === 0;
}

const WORKLOAD_KINDS = new Set(['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Rollout']);
const workloads = example.filter((o) => WORKLOAD_KINDS.has(o.object.kind));

/** The pod spec of a rendered workload, for making variants of it. */
function podOf(object: any): any {
  if (object.kind === 'Pod') return object.spec;
  if (object.kind === 'CronJob') return object.spec.jobTemplate.spec.template.spec;
  return object.spec.template.spec;
}

/** Hostile variants of a workload, each breaking (or not) one of the three workload rules. */
function variants(object: any): Array<{ name: string; object: any }> {
  const make = (name: string, change: (pod: any) => void) => {
    const copy = JSON.parse(JSON.stringify(object));
    change(podOf(copy));
    return { name, object: copy };
  };
  const first = (pod: any) => pod.containers[0];
  return [
    make('latest tag', (pod) => { first(pod).image = 'ghcr.io/x/y:latest'; }),
    make('no tag', (pod) => { first(pod).image = 'registry:5000/x/y'; }),
    make('digest', (pod) => { first(pod).image = `ghcr.io/x/y@sha256:${'a'.repeat(64)}`; }),
    make('empty tag', (pod) => { first(pod).image = 'ghcr.io/x/y:'; }),
    make('no cpu limit', (pod) => { delete first(pod).resources?.limits?.cpu; }),
    make('no resources', (pod) => { delete first(pod).resources; }),
    make('init container without resources', (pod) => { pod.initContainers = [{ name: 'init', image: 'busybox:1.36', securityContext: { runAsNonRoot: true } }]; }),
    make('runAsNonRoot false on the container', (pod) => { first(pod).securityContext = { ...first(pod).securityContext, runAsNonRoot: false }; }),
    make('no runAsNonRoot anywhere', (pod) => { delete pod.securityContext; for (const c of pod.containers) delete c.securityContext?.runAsNonRoot; }),
    make('pod runAsNonRoot, container silent', (pod) => { pod.securityContext = { runAsNonRoot: true }; for (const c of pod.containers) delete c.securityContext; }),
    make('runAsUser 0 on the pod', (pod) => { pod.securityContext = { ...pod.securityContext, runAsNonRoot: true, runAsUser: 0 }; for (const c of pod.containers) delete c.securityContext?.runAsUser; }),
    make('runAsUser 0 on the pod, 1000 on the container', (pod) => { pod.securityContext = { runAsNonRoot: true, runAsUser: 0 }; first(pod).securityContext = { runAsUser: 1000 }; }),
    make('runAsUser 0 on the container', (pod) => { first(pod).securityContext = { ...first(pod).securityContext, runAsUser: 0 }; }),
  ];
}

describe('the workload policy says what image-pinned, container-resources and non-root say', () => {
  const vap = policy('prod', 'workloads');
  const RULES: Array<[string, PolicyRule]> = [['image-pinned', imagePinned], ['container-resources', containerResources], ['non-root', nonRoot]];
  const verdicts = (object: any) => {
    const denied = denials(vap, { operation: 'CREATE', username: ARGOCD, object });
    return Object.fromEntries(RULES.map(([id, rule]) => [id, { admission: !denied.some((m) => m.endsWith(`(${id})`)), offline: offline(rule, object) }]));
  };

  test('the example renders workloads of every kind the policy matches, and every one is admitted', () => {
    expect(new Set(workloads.map((w) => w.object.kind))).toEqual(new Set(['Deployment', 'Job', 'Rollout']));
    for (const w of workloads) expect({ file: w.path, denied: denials(vap, { operation: 'CREATE', username: ARGOCD, object: w.object }) }).toEqual({ file: w.path, denied: [] });
  });

  test.each(workloads.map((w) => [w.path, w.object]))('%s and its hostile variants: the same verdict offline and at admission', (_file, object) => {
    for (const variant of variants(object)) {
      const v = verdicts(variant.object);
      for (const [id, { admission, offline: off }] of Object.entries(v)) expect({ variant: variant.name, rule: id, admission }).toEqual({ variant: variant.name, rule: id, admission: off });
    }
    // The variants do break each rule somewhere (a comparison of two rules that always pass proves nothing).
    const broken = variants(object).flatMap((variant) => Object.entries(verdicts(variant.object)).filter(([, r]) => !r.offline).map(([id]) => id));
    expect(new Set(broken)).toEqual(new Set(['image-pinned', 'container-resources', 'non-root']));
  });

  test('the cluster\'s controllers may still update a workload that breaks a rule (scale down an old ReplicaSet, finish a Job\'s pod); Argo CD and people may not', () => {
    const deployment = workloads.find((w) => w.object.kind === 'Deployment')!.object;
    const old = JSON.parse(JSON.stringify(deployment));
    podOf(old).containers[0].image = 'ghcr.io/x/y:latest';
    const update = (username: string) => denials(vap, { operation: 'UPDATE', username, object: old, oldObject: old });
    expect(update('system:serviceaccount:kube-system:deployment-controller')).toEqual([]);
    expect(update('system:kube-controller-manager')).toEqual([]);
    // Argo CD's credentials are a kube-system service account here (argocd-manager): still Argo CD, still checked.
    expect(update(ARGOCD)).toEqual([expect.stringContaining('(image-pinned)')]);
    expect(update(PERSON)).toEqual([expect.stringContaining('(image-pinned)')]);
    expect(denials(vap, { operation: 'CREATE', username: 'system:serviceaccount:kube-system:replicaset-controller', object: old })).toEqual([expect.stringContaining('(image-pinned)')]);
  });

  test('a Rollout with workloadRef (no template of its own) is admitted, as offline: the Deployment it references is checked', () => {
    const rollout = workloads.find((w) => w.object.kind === 'Rollout')!.object;
    const ref = JSON.parse(JSON.stringify(rollout));
    delete ref.spec.template;
    ref.spec.workloadRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'gateway' };
    expect(denials(vap, { operation: 'CREATE', username: ARGOCD, object: ref })).toEqual([]);
    for (const [, rule] of [['image-pinned', imagePinned], ['container-resources', containerResources], ['non-root', nonRoot]] as const) expect(offline(rule, ref)).toBe(true);
  });

  test('the Pods controllers make from those templates are admitted; a Pod breaking a rule is not', () => {
    for (const w of workloads) {
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'tenant-acme' }, spec: podOf(w.object) };
      expect(denials(vap, { operation: 'CREATE', username: 'system:serviceaccount:kube-system:replicaset-controller', object: pod })).toEqual([]);
      const root = JSON.parse(JSON.stringify(pod));
      root.spec.securityContext = { runAsNonRoot: false };
      for (const c of root.spec.containers) delete c.securityContext;
      expect(denials(vap, { operation: 'CREATE', username: 'system:serviceaccount:kube-system:replicaset-controller', object: root })).toEqual([expect.stringContaining('(non-root)')]);
    }
  });

  test('any image string: pinned at admission exactly when pinned offline', () => {
    const deployment = workloads.find((w) => w.object.kind === 'Deployment')!.object;
    const withImage = (image: string) => { const copy = JSON.parse(JSON.stringify(deployment)); podOf(copy).containers[0].image = image; return copy; };
    const part = fc.stringMatching(/^[a-z0-9._@:/-]{0,12}$/);
    fc.assert(fc.property(fc.oneof(part, fc.tuple(part, fc.constantFrom(':', '@sha256:', '/', ':latest'), part).map((t) => t.join(''))), (image) => {
      const denied = denials(vap, { operation: 'CREATE', username: ARGOCD, object: withImage(image) }).some((m) => m.endsWith('(image-pinned)'));
      return denied === !isPinnedImage(image);
    }), { numRuns: 300 });
  });
});

describe('Secret values in tenant namespaces', () => {
  const vap = policy('dev', 'tenant-secrets');
  const secret = (data?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'tenant-acme' }, ...(data ? { data } : {}) });

  test('Argo CD applying what git holds (as argocd-manager, a kube-system service account): refused exactly when no-secret-data refuses it offline', () => {
    for (const object of [secret(), secret({}), secret({ token: 'aHVudGVyMg==' }), { ...secret(), stringData: { token: 'x' } }]) {
      expect(denials(vap, { operation: 'CREATE', username: ARGOCD, object }).length === 0).toBe(offline(noSecretData, object));
    }
  });

  test('the secret operator, cert-manager and the cluster\'s controllers may write values; a person may not', () => {
    const object = secret({ token: 'aHVudGVyMg==' });
    expect(denials(vap, { operation: 'CREATE', username: 'system:serviceaccount:external-secrets:external-secrets', object })).toEqual([]);
    expect(denials(vap, { operation: 'UPDATE', username: 'system:serviceaccount:cert-manager:cert-manager', object })).toEqual([]);
    expect(denials(vap, { operation: 'CREATE', username: 'system:serviceaccount:kube-system:token-controller', object })).toEqual([]);
    expect(denials(vap, { operation: 'CREATE', username: PERSON, object })).toEqual([expect.stringContaining('(no-secret-data)')]);
  });
});

describe('a tenant namespace keeps its default-deny NetworkPolicy', () => {
  const vap = policy('dev', 'tenant-default-deny');
  const deny = at(example, 'dev/tenants/acme/networkpolicy-default-deny.yaml');
  const changed = (change: (spec: any) => void) => { const copy = JSON.parse(JSON.stringify(deny)); change(copy.spec); return copy; };

  test.each<[string, boolean, Request]>([
    ['a person re-applying it unchanged', true, { operation: 'UPDATE', username: PERSON, object: deny, oldObject: deny }],
    ['a person narrowing its pod selector', false, { operation: 'UPDATE', username: PERSON, object: changed((s) => { s.podSelector = { matchLabels: { app: 'x' } }; }), oldObject: deny }],
    ['a person dropping Egress', false, { operation: 'UPDATE', username: PERSON, object: changed((s) => { s.policyTypes = ['Ingress']; }), oldObject: deny }],
    ['a person adding an allow-all rule', false, { operation: 'UPDATE', username: PERSON, object: changed((s) => { s.ingress = [{}]; }), oldObject: deny }],
    ['a person deleting it', false, { operation: 'DELETE', username: PERSON, object: null, oldObject: deny }],
    ['Argo CD pruning it (tenant removed)', true, { operation: 'DELETE', username: ARGOCD, object: null, oldObject: deny }],
    ['the namespace controller deleting it with the namespace', true, { operation: 'DELETE', username: 'system:serviceaccount:kube-system:namespace-controller', object: null, oldObject: deny }],
    ['a person deleting another policy', true, { operation: 'DELETE', username: PERSON, object: null, oldObject: { ...deny, metadata: { ...deny.metadata, name: 'gateway-allow-ingress' } } }],
  ])('%s: admitted %s', (_name, admitted, request) => {
    expect(denials(vap, request).length === 0).toBe(admitted);
  });
});

describe('in a read-only environment only Argo CD writes what it syncs', () => {
  const vap = policy('prod', 'argocd-only');
  const object = at(example, 'prod/tenants/acme/service-gateway.yaml');

  test.each<[string, boolean, string, string[] | undefined]>([
    ['Argo CD', true, ARGOCD, undefined],
    ['a person', false, PERSON, undefined],
    ['a person in the break-glass group', true, PERSON, ['system:masters', 'system:authenticated']],
    ['the deployment controller', true, 'system:serviceaccount:kube-system:deployment-controller', undefined],
    ['cert-manager (HTTP-01 solver Services)', true, 'system:serviceaccount:cert-manager:cert-manager', undefined],
    ['another tenant\'s pod', false, 'system:serviceaccount:tenant-globex:default', undefined],
  ])('%s: admitted %s', (_name, admitted, username, groups) => {
    for (const operation of ['CREATE', 'UPDATE', 'DELETE'] as const) {
      expect(denials(vap, { operation, username, groups, object: operation === 'DELETE' ? null : object, oldObject: operation === 'CREATE' ? null : object }).length === 0).toBe(admitted);
    }
  });

  test('only read-only environments have it', () => {
    expect(policy('dev', 'argocd-only')).toBeUndefined();
    expect(policy('staging', 'argocd-only')).toBeUndefined();
  });
});

describe('in a read-only environment the kinds operators also write: a person\'s edit is refused, Argo CD\'s and the operator\'s own writes pass', () => {
  const vap = policy('prod', 'argocd-only');
  const tenant = (file: string) => at(example, `prod/tenants/acme/${file}`);
  const edit = (object: any, change: (copy: any) => void) => { const copy = JSON.parse(JSON.stringify(object)); change(copy); return copy; };
  const withFinalizer = (object: any, finalizer: string) => edit(object, (c) => { c.metadata.finalizers = [...(c.metadata.finalizers ?? []), finalizer]; });
  const relabelled = (object: any) => edit(object, (c) => { c.metadata.labels = { ...c.metadata.labels, 'stoa.io/tier': 'bronze' }; });
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gateway-routes', namespace: 'tenant-acme', labels: { 'stoa.io/tenant': 'acme' } }, data: { 'routes.yaml': 'a: 1' } };
  const hpa = at(example, 'dev/tenants/globex/horizontalpodautoscaler-gateway.yaml');
  const kedaHpa = edit(hpa, (c) => { c.metadata = { name: 'keda-hpa-gateway', namespace: 'tenant-acme', ownerReferences: [{ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: 'gateway' }] }; });
  const ROLLOUTS = 'system:serviceaccount:argo-rollouts:argo-rollouts';
  const KEDA = 'system:serviceaccount:keda:keda-operator';
  const ESO = 'system:serviceaccount:external-secrets:external-secrets';

  /** Each kind the policy newly covers, what a person's `kubectl edit` of it changes, and what its operator writes. */
  const KINDS: Array<{ kind: string; object: any; spec: (c: any) => void; operator?: { name: string; request: Request } }> = [
    {
      kind: 'Rollout', object: tenant('rollout-gateway.yaml'), spec: (c) => { c.spec.strategy.canary.steps = [{ setWeight: 100 }]; },
      // The controller's own update: its revision annotation (and spec.replicas when unset).
      operator: { name: 'the Rollouts controller annotating its revision', request: { operation: 'UPDATE', username: ROLLOUTS, oldObject: tenant('rollout-gateway.yaml'), object: edit(tenant('rollout-gateway.yaml'), (c) => { c.metadata.annotations = { 'rollout.argoproj.io/revision': '2' }; }) } },
    },
    { kind: 'AnalysisTemplate', object: tenant('analysistemplate-gateway-success-rate.yaml'), spec: (c) => { c.spec.metrics[0].successCondition = 'true'; } },
    {
      kind: 'ScaledObject', object: tenant('scaledobject-gateway.yaml'), spec: (c) => { c.spec.maxReplicaCount = 1; },
      operator: { name: 'KEDA labelling and finalizing its ScaledObject', request: { operation: 'UPDATE', username: KEDA, oldObject: tenant('scaledobject-gateway.yaml'), object: edit(withFinalizer(tenant('scaledobject-gateway.yaml'), 'finalizer.keda.sh'), (c) => { c.metadata.labels['scaledobject.keda.sh/name'] = 'gateway'; }) } },
    },
    {
      kind: 'ExternalSecret', object: tenant('externalsecret-upstream-api-key.yaml'), spec: (c) => { c.spec.target = { name: 'elsewhere' }; },
      operator: { name: 'External Secrets finalizing its ExternalSecret', request: { operation: 'UPDATE', username: ESO, oldObject: tenant('externalsecret-upstream-api-key.yaml'), object: withFinalizer(tenant('externalsecret-upstream-api-key.yaml'), 'externalsecrets.external-secrets.io/externalsecret-cleanup') } },
    },
    {
      kind: 'SecretStore', object: tenant('secretstore-tenant-secrets.yaml'), spec: (c) => { c.spec.provider = { fake: { data: [] } }; },
      operator: { name: 'External Secrets finalizing its SecretStore', request: { operation: 'UPDATE', username: ESO, oldObject: tenant('secretstore-tenant-secrets.yaml'), object: withFinalizer(tenant('secretstore-tenant-secrets.yaml'), 'secretstore.externalsecrets.io/finalizer') } },
    },
    { kind: 'PodMonitor', object: tenant('podmonitor-gateway.yaml'), spec: (c) => { c.spec.podMetricsEndpoints = []; } },
    { kind: 'ConfigMap', object: configMap, spec: (c) => { c.data['routes.yaml'] = 'a: 2'; } },
    {
      kind: 'HorizontalPodAutoscaler', object: kedaHpa, spec: (c) => { c.spec.maxReplicas = 1; },
      operator: { name: 'KEDA updating the HPA of its ScaledObject', request: { operation: 'UPDATE', username: KEDA, oldObject: kedaHpa, object: edit(kedaHpa, (c) => { c.spec.maxReplicas = 20; }) } },
    },
  ];

  test('the example renders every kind listed here that prod syncs, and the policy matches each', () => {
    const matched = new Set(vap.spec.matchConstraints.resourceRules.flatMap((r: any) => r.resources.map((res: string) => `${r.apiGroups[0]}/${res}`)));
    for (const { object } of KINDS) {
      const { group, resource } = resourceOf(object);
      expect(matched).toContain(`${group}/${resource}`);
    }
    for (const kind of ['ServiceMonitor', 'PrometheusRule', 'TriggerAuthentication', 'Job']) {
      const { group, resource } = resourceOf({ apiVersion: { ServiceMonitor: 'monitoring.coreos.com/v1', PrometheusRule: 'monitoring.coreos.com/v1', TriggerAuthentication: 'keda.sh/v1alpha1', Job: 'batch/v1' }[kind], kind });
      expect(matched).toContain(`${group}/${resource}`);
    }
  });

  describe.each(KINDS.map((k) => [k.kind, k] as const))('%s', (_kind, { object, spec, operator }) => {
    const changed = edit(object, spec);
    test('a person\'s edit of its spec or data, of its labels, its creation and deletion are refused in prod', () => {
      for (const request of [
        { operation: 'UPDATE', username: PERSON, object: changed, oldObject: object },
        { operation: 'UPDATE', username: PERSON, object: relabelled(object), oldObject: object },
        { operation: 'CREATE', username: PERSON, object },
        { operation: 'DELETE', username: PERSON, object: null, oldObject: object },
      ] as Request[]) {
        expect({ operation: request.operation, denied: denials(vap, request) }).toEqual({ operation: request.operation, denied: [expect.stringContaining('(read-only-manual-sync)')] });
      }
    });

    test('Argo CD\'s edit, creation and deletion pass', () => {
      expect(denials(vap, { operation: 'UPDATE', username: ARGOCD, object: changed, oldObject: object })).toEqual([]);
      expect(denials(vap, { operation: 'CREATE', username: ARGOCD, object })).toEqual([]);
      expect(denials(vap, { operation: 'DELETE', username: ARGOCD, object: null, oldObject: object })).toEqual([]);
    });

    if (operator) {
      test(`${operator.name} passes; the same user changing what git declares does not`, () => {
        expect(denials(vap, operator.request)).toEqual([]);
        if (operator.request.username !== ROLLOUTS && object.kind !== 'HorizontalPodAutoscaler') {
          expect(denials(vap, { ...operator.request, object: changed })).toHaveLength(1);
        }
      });
    }

    test('a person\'s edit passes in dev: no dev policy refuses it', () => {
      const dev = example.filter((o) => o.path.startsWith('dev/platform/admission/') && o.object.kind === 'ValidatingAdmissionPolicy').map((o) => o.object);
      const { group, resource } = resourceOf(object);
      const matching = dev.filter((p) => p.spec.matchConstraints.resourceRules.some((r: any) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.operations.includes('UPDATE')));
      for (const p of matching) expect({ policy: p.metadata.name, denied: denials(p, { operation: 'UPDATE', username: PERSON, object: changed, oldObject: object }) }).toEqual({ policy: p.metadata.name, denied: [] });
      expect(policy('dev', 'argocd-only')).toBeUndefined();
    });
  });

  test('of a custom resource, anyone may remove a finalizer alone (a person unsticking a deletion) but not add one (it would block Argo CD\'s prune); of a built-in kind neither', () => {
    for (const file of ['rollout-gateway.yaml', 'scaledobject-gateway.yaml', 'externalsecret-upstream-api-key.yaml', 'podmonitor-gateway.yaml', 'analysistemplate-gateway-success-rate.yaml']) {
      const object = tenant(file);
      expect({ file, denied: denials(vap, { operation: 'UPDATE', username: PERSON, object: withFinalizer(object, 'example.com/cleanup'), oldObject: object }) }).toEqual({ file, denied: [expect.stringContaining('(read-only-manual-sync)')] });
      expect({ file, denied: denials(vap, { operation: 'UPDATE', username: PERSON, object, oldObject: withFinalizer(object, 'example.com/cleanup') }) }).toEqual({ file, denied: [] });
      // An annotation is not a finalizer: KEDA's paused-replicas would scale prod to zero.
      const annotated = edit(object, (c) => { c.metadata.annotations = { ...c.metadata.annotations, 'autoscaling.keda.sh/paused-replicas': '0' }; });
      expect({ file, denied: denials(vap, { operation: 'UPDATE', username: PERSON, object: annotated, oldObject: object }) }).toEqual({ file, denied: [expect.stringContaining('(read-only-manual-sync)')] });
      // Nor an owner reference, which lets the garbage collector delete the object.
      const owned = edit(object, (c) => { c.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: '1' }]; });
      expect({ file, denied: denials(vap, { operation: 'UPDATE', username: PERSON, object: owned, oldObject: object }) }).toHaveProperty('denied.length', 1);
    }
    const service = at(example, 'prod/tenants/acme/service-gateway.yaml');
    expect(denials(vap, { operation: 'UPDATE', username: PERSON, object: withFinalizer(service, 'example.com/cleanup'), oldObject: service })).toHaveLength(1);
  });

  test('each operator is trusted for what it writes only', () => {
    const rollout = tenant('rollout-gateway.yaml');
    const scaled = tenant('scaledobject-gateway.yaml');
    // KEDA creates and deletes the HPA of a ScaledObject, and no other HPA.
    expect(denials(vap, { operation: 'CREATE', username: KEDA, object: kedaHpa })).toEqual([]);
    expect(denials(vap, { operation: 'DELETE', username: KEDA, object: null, oldObject: kedaHpa })).toEqual([]);
    expect(denials(vap, { operation: 'UPDATE', username: KEDA, object: edit(hpa, (c) => { c.spec.maxReplicas = 1; }), oldObject: hpa })).toHaveLength(1);
    // ... and no Rollout, nor the spec of a ScaledObject.
    expect(denials(vap, { operation: 'UPDATE', username: KEDA, object: edit(rollout, (c) => { c.metadata.labels.x = 'y'; }), oldObject: rollout })).toHaveLength(1);
    expect(denials(vap, { operation: 'UPDATE', username: KEDA, object: edit(scaled, (c) => { c.spec.minReplicaCount = 0; }), oldObject: scaled })).toHaveLength(1);
    // The Rollouts controller updates Rollouts, and creates or deletes none, nor writes a ScaledObject or a Service.
    expect(denials(vap, { operation: 'UPDATE', username: ROLLOUTS, object: edit(rollout, (c) => { c.spec.replicas = 1; }), oldObject: rollout })).toEqual([]);
    expect(denials(vap, { operation: 'DELETE', username: ROLLOUTS, object: null, oldObject: rollout })).toHaveLength(1);
    expect(denials(vap, { operation: 'UPDATE', username: ROLLOUTS, object: edit(scaled, (c) => { c.metadata.labels.x = 'y'; }), oldObject: scaled })).toHaveLength(1);
    const service = at(example, 'prod/tenants/acme/service-gateway.yaml');
    expect(denials(vap, { operation: 'UPDATE', username: ROLLOUTS, object: edit(service, (c) => { c.spec.selector.x = 'y'; }), oldObject: service })).toHaveLength(1);
    // External Secrets may not rewrite an ExternalSecret's spec, nor delete it.
    const es = tenant('externalsecret-upstream-api-key.yaml');
    expect(denials(vap, { operation: 'DELETE', username: ESO, object: null, oldObject: es })).toHaveLength(1);
  });

  test('the operators\' users are props: other names replace the defaults', () => {
    const objects = renderedExample((p) => editYaml(p, 'environments/prod.yaml', (e) => { e.admission = { breakGlassGroups: ['stoa-oncall'] }; }));
    const rendered = at(objects, 'prod/platform/admission/validatingadmissionpolicy-prod-stoa-argocd-only.yaml');
    const variable = (name: string) => rendered.spec.variables.find((v: any) => v.name === name).expression;
    expect([variable('rolloutsControllers'), variable('kedaOperators'), variable('externalSecretsControllers')]).toEqual([
      `['${ROLLOUTS}']`, `['${KEDA}']`, `['${ESO}']`,
    ]);
  });
});

describe('in a read-only environment a platform or tenant namespace keeps its labels and is not deleted, but by Argo CD', () => {
  const vap = policy('prod', 'argocd-only-namespaces');
  const namespace = at(example, 'prod/tenants/acme/namespace-tenant-acme.yaml');
  const hooks = at(example, 'prod/platform/hooks/namespace-stoa-hooks.yaml');
  const unlabelled = (ns: any, change: (labels: Record<string, string>) => void) => {
    const copy = JSON.parse(JSON.stringify(ns));
    change(copy.metadata.labels);
    return copy;
  };
  const other = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-x', labels: { 'kubernetes.io/metadata.name': 'team-x' } } };

  test.each<[string, boolean, Request]>([
    ['a person removing the tenant label (which unbinds every tenant policy)', false, { operation: 'UPDATE', username: PERSON, object: unlabelled(namespace, (l) => { delete l['stoa.io/tenant']; }), oldObject: namespace }],
    ['a person changing the tenant label', false, { operation: 'UPDATE', username: PERSON, object: unlabelled(namespace, (l) => { l['stoa.io/tenant'] = 'globex'; }), oldObject: namespace }],
    ['a person lowering its Pod Security level', false, { operation: 'UPDATE', username: PERSON, object: unlabelled(namespace, (l) => { l['pod-security.kubernetes.io/enforce'] = 'privileged'; }), oldObject: namespace }],
    ['a person deleting a tenant namespace', false, { operation: 'DELETE', username: PERSON, object: null, oldObject: namespace }],
    ['a person deleting a platform namespace', false, { operation: 'DELETE', username: PERSON, object: null, oldObject: hooks }],
    ['a person deleting stoa-system (no labels of its own)', false, { operation: 'DELETE', username: PERSON, object: null, oldObject: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'stoa-system' } } }],
    ['a person adding the tenant label to another namespace', false, { operation: 'UPDATE', username: PERSON, object: unlabelled(other, (l) => { l['stoa.io/tenant'] = 'x'; }), oldObject: other }],
    ['Argo CD removing the label', true, { operation: 'UPDATE', username: ARGOCD, object: unlabelled(namespace, (l) => { delete l['stoa.io/tenant']; }), oldObject: namespace }],
    ['Argo CD deleting a tenant namespace', true, { operation: 'DELETE', username: ARGOCD, object: null, oldObject: namespace }],
    ['the break-glass group deleting it', true, { operation: 'DELETE', username: PERSON, groups: ['system:masters'], object: null, oldObject: namespace }],
    ['a controller adding a finalizer or an annotation (labels kept)', true, { operation: 'UPDATE', username: ESO_NAMESPACE_WRITER, object: { ...namespace, metadata: { ...namespace.metadata, finalizers: ['externalsecrets.external-secrets.io/externalsecret-cleanup'], annotations: { a: 'b' } } }, oldObject: namespace }],
    ['a person deleting a namespace that is neither the platform\'s nor a tenant\'s (the policy does not apply)', true, { operation: 'DELETE', username: PERSON, object: null, oldObject: other }],
  ])('%s: admitted %s', (_name, admitted, request) => {
    expect(denials(vap, request).length === 0).toBe(admitted);
  });

  test('only read-only environments have it', () => {
    expect(policy('dev', 'argocd-only-namespaces')).toBeUndefined();
  });
});

describe('read-only-project-roles: through Argo CD a person changes nothing in prod that git does not hold', () => {
  const violations = (objects: RenderedObject[]) => validateObjects(objects as any, { readOnlyEnvironments: ['prod'] }).violations.filter((v) => v.rule === 'read-only-project-roles');
  const withPolicy = (file: string, line: string, role = 1) => {
    const objects: RenderedObject[] = JSON.parse(JSON.stringify(example));
    objects.find((o) => o.path === file)!.object.spec.roles[role].policies.push(line);
    return objects;
  };

  test('prod\'s roles grant get, sync and named Rollout actions only; the rule is quiet on them', () => {
    for (const file of ['prod/apps/appproject-prod-platform.yaml', 'prod/apps/appproject-prod-tenant-acme.yaml', 'prod/bootstrap/appproject-prod-bootstrap.yaml']) {
      const actions = at(example, file).spec.roles.flatMap((r: any) => r.policies.map((p: string) => p.split(',')[3].trim()));
      expect(new Set(actions)).toEqual(new Set(['get', 'sync', ...['resume', 'promote-full', 'abort', 'retry'].map((a) => `action/argoproj.io/Rollout/${a}`)]));
    }
    expect(violations(example as RenderedObject[])).toEqual([]);
  });

  test.each([
    ['applications, update', 'grants update'],
    ['applications, delete', 'grants delete'],
    ['applications, override', 'grants override'],
    ['applications, update/*', 'grants "update/*"'],
    ['applications, action/*', 'grants every action matching "action/*"'],
    ['applications, action/argoproj.io/Rollout/*', 'grants every action matching "action/argoproj.io/Rollout/*"'],
    ['exec, create', 'grants exec'],
    ['applicationsets, create', 'grants create'],
  ])('a role granting "%s" is refused, naming the file, the role and the line', (grant, problem) => {
    const line = `p, proj:prod-tenant-acme:release, ${grant}, prod-tenant-acme/*, allow`;
    expect(violations(withPolicy('prod/apps/appproject-prod-tenant-acme.yaml', line)).map((v) => [v.file, v.message])).toEqual([[
      'prod/apps/appproject-prod-tenant-acme.yaml',
      expect.stringContaining(`AppProject "prod-tenant-acme" of read-only environment "prod": role "release" policy "${line}" ${problem}`),
    ]]);
  });

  test('a deny, a named action and a read are fine; so is any grant outside a read-only environment', () => {
    const file = 'prod/apps/appproject-prod-tenant-acme.yaml';
    for (const grant of ['applications, delete, prod-tenant-acme/*, deny', 'applications, action/apps/Deployment/restart, prod-tenant-acme/*, allow', 'logs, get, prod-tenant-acme/*, allow']) {
      expect(violations(withPolicy(file, `p, proj:prod-tenant-acme:release, ${grant}`))).toEqual([]);
    }
    const staging: RenderedObject[] = JSON.parse(JSON.stringify(example));
    const project = staging.find((o) => o.path === 'staging/apps/appproject-staging-platform.yaml')!.object;
    project.spec.roles = [{ name: 'admin', policies: ['p, proj:staging-platform:admin, applications, update, staging-platform/*, allow'] }];
    expect(violations(staging)).toEqual([]);
  });
});

describe('the rendered policies and bindings', () => {
  test.each(['dev', 'staging', 'prod'])('%s: every policy is bound, denying, only in the platform\'s and tenants\' namespaces; failures deny', (env) => {
    const objects = example.filter((o) => o.path.startsWith(`${env}/platform/admission/`)).map((o) => o.object);
    const policies = objects.filter((o) => o.kind === 'ValidatingAdmissionPolicy');
    const bindings = objects.filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding');
    expect(policies.length).toBe(env === 'prod' ? 5 : 3);
    for (const p of policies) {
      expect(p.apiVersion).toBe('admissionregistration.k8s.io/v1');
      expect(p.spec.failurePolicy).toBe('Fail');
      expect(bindings.filter((b) => b.spec.policyName === p.metadata.name).length).toBeGreaterThan(0);
    }
    for (const b of bindings) {
      expect(policies.map((p) => p.metadata.name)).toContain(b.spec.policyName);
      expect(b.spec.validationActions).toEqual(['Deny']);
      if (b.spec.policyName === `${env}-stoa-argocd-only-namespaces`) {
        // Bound to every namespace, it matches Namespace objects only, and its match conditions pick the platform's and the tenants'.
        expect(b.spec.matchResources.namespaceSelector).toEqual({});
        const vap = policies.find((p) => p.metadata.name === b.spec.policyName);
        expect(vap.spec.matchConstraints.resourceRules.map((r: any) => [r.apiGroups, r.resources])).toEqual([[[''], ['namespaces']]]);
        expect(vap.spec.matchConditions).toHaveLength(1);
        continue;
      }
      expect([
        { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['stoa-system', 'stoa-hooks'] }] },
        { matchExpressions: [{ key: 'stoa.io/tenant', operator: 'Exists' }] },
      ]).toContainEqual(b.spec.matchResources.namespaceSelector);
    }
    // The Application that syncs them, before the platform and the tenants.
    const app = at(example, `${env}/apps/application-${env}-admission.yaml`);
    expect(app.spec.source.path).toBe(`${env}/platform/admission`);
    expect(Number(app.metadata.annotations['argocd.argoproj.io/sync-wave'])).toBeLessThan(0);
  });

  test('tenant namespaces carry the label the bindings select', () => {
    expect(at(example, 'dev/tenants/acme/namespace-tenant-acme.yaml').metadata.labels['stoa.io/tenant']).toBe('acme');
  });

  test('a cluster older than 1.30 gets none; asking for them there is refused; admission: false renders none', () => {
    const old = renderedExample((p) => editYaml(p, 'environments/dev.yaml', (e) => { e.cluster.kubernetesVersion = '1.29'; }));
    expect(old.filter((o) => o.path.startsWith('dev/platform/admission/'))).toEqual([]);
    expect(at(old, 'dev/apps/application-dev-admission.yaml')).toBeUndefined();
    expect(() => renderedExample((p) => editYaml(p, 'environments/dev.yaml', (e) => { e.cluster.kubernetesVersion = '1.29'; e.admission = {}; })))
      .toThrow(InputError);
    const off = renderedExample((p) => editYaml(p, 'environments/prod.yaml', (e) => { e.admission = false; }));
    expect(off.filter((o) => o.path.startsWith('prod/platform/admission/'))).toEqual([]);
  });

  test('Argo CD\'s identity: its controller\'s service account in its own cluster, argocd-manager in another, or what the environment file says', () => {
    const trusted = (objects: RenderedObject[]) => parse(JSON.stringify(at(objects, 'prod/platform/admission/validatingadmissionpolicy-prod-stoa-argocd-only.yaml').spec.variables.find((v: any) => v.name === 'trusted').expression));
    expect(trusted(example)).toContain("'system:serviceaccount:kube-system:argocd-manager'");
    const inCluster = renderedExample((p) => editYaml(p, 'environments/prod.yaml', (e) => { e.cluster.server = 'https://kubernetes.default.svc'; }));
    expect(trusted(inCluster)).toContain("'system:serviceaccount:argocd:argocd-application-controller'");
    const iam = renderedExample((p) => editYaml(p, 'environments/prod.yaml', (e) => { e.admission = { argocdUsers: ['arn:aws:iam::123456789012:role/argocd'] }; }));
    const vap = at(iam, 'prod/platform/admission/validatingadmissionpolicy-prod-stoa-argocd-only.yaml');
    const object = at(iam, 'prod/tenants/acme/service-gateway.yaml');
    expect(denials(vap, { operation: 'UPDATE', username: 'arn:aws:iam::123456789012:role/argocd', object, oldObject: object })).toEqual([]);
    expect(denials(vap, { operation: 'UPDATE', username: PERSON, object, oldObject: object })).toHaveLength(1);
  });

  test('writers and break-glass groups from the environment file; a name that could break out of CEL is refused', () => {
    const objects = renderedExample((p) => editYaml(p, 'environments/prod.yaml', (e) => { e.admission = { breakGlassGroups: ['stoa-oncall'], controllers: [] }; }));
    const vap = at(objects, 'prod/platform/admission/validatingadmissionpolicy-prod-stoa-argocd-only.yaml');
    const object = at(objects, 'prod/tenants/acme/service-gateway.yaml');
    expect(denials(vap, { operation: 'UPDATE', username: PERSON, groups: ['stoa-oncall'], object, oldObject: object })).toEqual([]);
    expect(denials(vap, { operation: 'UPDATE', username: PERSON, groups: ['system:masters'], object, oldObject: object })).toHaveLength(1);
    expect(denials(vap, { operation: 'UPDATE', username: 'system:serviceaccount:cert-manager:cert-manager', object, oldObject: object })).toHaveLength(1);
    expect(() => renderedExample((p) => editYaml(p, 'environments/prod.yaml', (e) => { e.admission = { breakGlassGroups: ["x'] || true || ['"] }; })))
      .toThrow(/environments\/prod\.yaml.*admission\.breakGlassGroups\[0\].*Kubernetes user or group name/s);
  });
});

describe('pull request previews: what their objects may contain is fenced by dev\'s admission policies, rendered from main', () => {
  const withPreviews = renderedExample((project) => editYaml(project, 'environments/dev.yaml', (doc) => {
    doc.previews = { pullRequests: { github: { owner: 'stoa', repo: 'stoa-manifests' } }, tokenSecret: { name: 'scm', key: 'token' } };
  }));
  const vap = (name: string) => at(withPreviews, `dev/platform/admission/validatingadmissionpolicy-dev-stoa-${name}.yaml`);
  const namespaces = () => vap('preview-namespaces');
  const objects = () => vap('preview-objects');
  const create = (object: any) => ({ operation: 'CREATE' as const, username: ARGOCD, object });

  test('both are bound to every namespace and pick the preview ones (pr-*) by name, whatever their labels', () => {
    for (const name of ['preview-namespaces', 'preview-objects']) {
      expect(at(withPreviews, `dev/platform/admission/validatingadmissionpolicybinding-dev-stoa-${name}-all.yaml`).spec).toEqual({ policyName: `dev-stoa-${name}`, validationActions: ['Deny'], matchResources: { namespaceSelector: {} } });
    }
    expect(at(example, 'dev/platform/admission/validatingadmissionpolicy-dev-stoa-preview-objects.yaml')).toBeUndefined();
    expect(denials(objects(), create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'lb', namespace: 'tenant-acme' }, spec: { type: 'LoadBalancer' } }))).toEqual([]);
  });

  test('a preview namespace enforces restricted Pod Security, and nothing of a preview is kept after it', () => {
    const ns = (labels: Record<string, string>, annotations?: Record<string, string>) => create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pr-12-tenant-acme', labels, annotations } });
    expect(denials(namespaces(), ns({ 'pod-security.kubernetes.io/enforce': 'restricted' }))).toEqual([]);
    expect(denials(namespaces(), ns({ 'pod-security.kubernetes.io/enforce': 'privileged' }))).toEqual([expect.stringMatching(/enforces the restricted Pod Security standard .*\(preview-pod-security\)$/)]);
    expect(denials(namespaces(), ns({}))).toHaveLength(1);
    expect(denials(namespaces(), ns({ 'pod-security.kubernetes.io/enforce': 'restricted' }, { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' }))).toEqual([expect.stringMatching(/\(preview-not-kept\)$/)]);
    // Not a preview namespace: not this policy's business.
    expect(denials(namespaces(), create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-acme' } }))).toEqual([]);
  });

  test('a preview Service stays in the cluster, an Ingress serves only preview hosts, a RoleBinding binds only a Role to no system group', () => {
    const at12 = { namespace: 'pr-12-tenant-acme' };
    const service = (spec: any) => create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', ...at12 }, spec });
    expect(denials(objects(), service({ type: 'ClusterIP', ports: [{ port: 80 }] }))).toEqual([]);
    for (const spec of [{ type: 'LoadBalancer' }, { type: 'NodePort' }, { externalIPs: ['203.0.113.7'] }]) expect(denials(objects(), service(spec))).toEqual([expect.stringMatching(/\(preview-cluster-only\)$/)]);
    const ingress = (hosts: string[], annotations?: Record<string, string>) => create({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', ...at12, annotations },
      spec: { rules: hosts.map((host) => ({ host })), tls: [{ hosts, secretName: 'tls' }] },
    });
    expect(denials(objects(), ingress(['acme.pr-12.dev.stoa.example.com']))).toEqual([]);
    for (const host of ['api.dev.stoa.example.com', 'acme.stoa.example.com', 'evil.example.org', 'x.pr-12.dev.stoa.example.com.evil.org']) {
      expect([host, denials(objects(), ingress([host]))]).toEqual([host, [expect.stringMatching(/\(preview-hosts\)$/)]]);
    }
    expect(denials(objects(), ingress(['acme.pr-12.dev.stoa.example.com'], { 'nginx.ingress.kubernetes.io/server-snippet': 'return 200;' }))).toHaveLength(1);
    const binding = (roleRef: any, subjects: any[]) => create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'b', ...at12 }, roleRef, subjects });
    expect(denials(objects(), binding({ kind: 'Role', name: 'tenant-owner' }, [{ kind: 'Group', name: 'acme-team' }]))).toEqual([]);
    expect(denials(objects(), binding({ kind: 'ClusterRole', name: 'cluster-admin' }, [{ kind: 'Group', name: 'acme-team' }]))).toHaveLength(1);
    expect(denials(objects(), binding({ kind: 'Role', name: 'tenant-owner' }, [{ kind: 'Group', name: 'system:authenticated' }]))).toHaveLength(1);
    expect(denials(objects(), create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', ...at12, annotations: { 'helm.sh/resource-policy': 'keep' } }, spec: {} }))).toEqual([expect.stringMatching(/\(preview-not-kept\)$/)]);
  });

  test('every object a preview renders is admitted', () => {
    const project = exampleProjectWithPreviews();
    const preview = renderPreview({ projectDir: project, pullRequest: 12 }).files.filter((f) => /^pr-12\/(platform|tenants)\//.test(f.path));
    expect(preview.length).toBeGreaterThan(40);
    for (const f of preview) {
      const vaps = f.object.kind === 'Namespace' ? [namespaces()] : [objects()];
      for (const v of vaps) expect([f.path, denials(v, create(f.object))]).toEqual([f.path, []]);
    }
  });
});

function exampleProjectWithPreviews(): string {
  const project = exampleProject();
  editYaml(project, 'environments/dev.yaml', (doc) => {
    doc.previews = { pullRequests: { github: { owner: 'stoa', repo: 'stoa-manifests' } }, tokenSecret: { name: 'scm', key: 'token' } };
  });
  return project;
}
