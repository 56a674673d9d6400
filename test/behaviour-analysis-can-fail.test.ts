import { ObjectInFile, PolicyContext } from '../lib/validate/policy';
import { analysisCanFail, falseOnNoData, trueOnNoData } from '../lib/validate/behaviour/analysis-can-fail';
import { matchesLabelSelector } from '../lib/validate/model/selectors';

// ---------------------------------------------------------------------------
// Small builders.
// ---------------------------------------------------------------------------

function object(path: string, apiVersion: string, kind: string, name: string, namespace: string | undefined, rest: Record<string, unknown> = {}): ObjectInFile {
  return { path, object: { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...rest } };
}

function context(objects: ObjectInFile[]): PolicyContext {
  return { objects, applications: [], readOnlyEnvironments: new Set(), environments: new Map() };
}

const check = (objects: ObjectInFile[]) => analysisCanFail.check(context(objects));

const GATEWAY_LABELS = { 'app.kubernetes.io/name': 'stoa-gateway', 'app.kubernetes.io/instance': 'acme' };
const HTTP = { name: 'http', containerPort: 8080, protocol: 'TCP' };
const METRICS = { name: 'metrics', containerPort: 9090, protocol: 'TCP' };

function podTemplate(ports: unknown[]) {
  return {
    metadata: { labels: GATEWAY_LABELS },
    spec: { containers: [{ name: 'gateway', image: 'ghcr.io/stoa-platform/stoa-gateway:1.8.2', ports }] },
  };
}

function rollout(path: string, ns: string, canary: Record<string, unknown>, ports: unknown[] = [HTTP, METRICS]): ObjectInFile {
  return object(path, 'argoproj.io/v1alpha1', 'Rollout', 'gateway', ns, {
    spec: { selector: { matchLabels: GATEWAY_LABELS }, strategy: { canary }, template: podTemplate(ports) },
  });
}

function deployment(path: string, ns: string, ports: unknown[] = [HTTP, METRICS], labels: Record<string, string> = GATEWAY_LABELS): ObjectInFile {
  return object(path, 'apps/v1', 'Deployment', 'gateway', ns, {
    spec: { selector: { matchLabels: labels }, template: { ...podTemplate(ports), metadata: { labels } } },
  });
}

function podMonitor(path: string, ns: string, spec: Record<string, unknown> = {}): ObjectInFile {
  return object(path, 'monitoring.coreos.com/v1', 'PodMonitor', 'gateway', ns, {
    spec: {
      selector: { matchLabels: GATEWAY_LABELS },
      podMetricsEndpoints: [{ port: 'metrics', path: '/metrics' }],
      podTargetLabels: ['rollouts-pod-template-hash'],
      ...spec,
    },
  });
}

function template(path: string, ns: string | undefined, metrics: unknown[], spec: Record<string, unknown> = {}, kind = 'AnalysisTemplate'): ObjectInFile {
  return object(path, 'argoproj.io/v1alpha1', kind, 'gateway-success-rate', ns, { spec: { args: [{ name: 'canary-hash' }, { name: 'namespace' }], metrics, ...spec } });
}

function scaledObject(path: string, ns: string, query: string): ObjectInFile {
  return object(path, 'keda.sh/v1alpha1', 'ScaledObject', 'gateway', ns, {
    spec: {
      minReplicaCount: 3,
      maxReplicaCount: 10,
      scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'gateway' },
      triggers: [
        { type: 'cpu', metricType: 'Utilization', metadata: { value: '70' } },
        { type: 'prometheus', metadata: { serverAddress: 'http://prometheus-operated.monitoring.svc:9090', query, threshold: '100' } },
      ],
    },
  });
}

// ---------------------------------------------------------------------------
// The post-fix shape of a canary tenant (dev/tenants/acme), and a rolling one (dev/tenants/globex).
// ---------------------------------------------------------------------------

const ACME = 'dev/tenants/acme';
const TEMPLATE = `${ACME}/analysistemplate-gateway-success-rate.yaml`;
const ROLLOUT = `${ACME}/rollout-gateway.yaml`;
const MONITOR = `${ACME}/podmonitor-gateway.yaml`;
const SCALER = `${ACME}/scaledobject-gateway.yaml`;

const CANARY_SELECTOR = 'namespace="{{args.namespace}}",rollouts_pod_template_hash="{{args.canary-hash}}"';
const CANARY_QUERY = `sum(rate(http_requests_total{${CANARY_SELECTOR},code!~"5.."}[2m])) / sum(rate(http_requests_total{${CANARY_SELECTOR}}[2m]))`;

/** The post-fix metric: canary pods only; no data or too few requests is inconclusive; a failureCondition. */
function canaryMetric(overrides: Record<string, unknown> = {}) {
  return {
    name: 'success-rate',
    interval: '1m',
    failureLimit: 2,
    successCondition: 'len(result) > 0 && !isNaN(result[0]) && result[0] >= 0.995',
    failureCondition: 'len(result) > 0 && !isNaN(result[0]) && result[0] < 0.995',
    provider: { prometheus: { address: 'http://prometheus-operated.monitoring.svc:9090', query: CANARY_QUERY } },
    ...overrides,
  };
}

const CANARY_ARGS = [
  { name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } },
  { name: 'namespace', value: 'tenant-acme' },
];

function canaryStrategy(args: unknown[] = CANARY_ARGS, extra: Record<string, unknown> = {}) {
  return {
    maxSurge: '25%',
    maxUnavailable: 0,
    steps: [{ setWeight: 20 }, { pause: { duration: '10m' } }, { setWeight: 50 }, { pause: { duration: '10m' } }],
    analysis: { templates: [{ templateName: 'gateway-success-rate' }], startingStep: 1, args, ...extra },
  };
}

function postFix(): ObjectInFile[] {
  return [
    template(TEMPLATE, 'tenant-acme', [canaryMetric()]),
    podMonitor(MONITOR, 'tenant-acme'),
    rollout(ROLLOUT, 'tenant-acme', canaryStrategy()),
    scaledObject(SCALER, 'tenant-acme', 'sum(rate(http_requests_total{namespace="tenant-acme"}[2m]))'),
    object(`${ACME}/service-gateway.yaml`, 'v1', 'Service', 'gateway', 'tenant-acme', {
      spec: { selector: GATEWAY_LABELS, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'metrics', port: 9090, targetPort: 'metrics' }] },
    }),
    deployment('dev/tenants/globex/deployment-gateway.yaml', 'tenant-globex', [HTTP, METRICS], { 'app.kubernetes.io/name': 'stoa-gateway', 'app.kubernetes.io/instance': 'globex' }),
    object('dev/tenants/globex/horizontalpodautoscaler-gateway.yaml', 'autoscaling/v2', 'HorizontalPodAutoscaler', 'gateway', 'tenant-globex', { spec: { scaleTargetRef: { kind: 'Deployment', name: 'gateway' } } }),
  ];
}

/** `objects` with the object at `path` replaced (or added when no object is there). */
function withObject(objects: ObjectInFile[], replacement: ObjectInFile): ObjectInFile[] {
  return objects.some((o) => o.path === replacement.path)
    ? objects.map((o) => (o.path === replacement.path ? replacement : o))
    : [...objects, replacement];
}

const without = (objects: ObjectInFile[], path: string) => objects.filter((o) => o.path !== path);

test('id and reason', () => {
  expect(analysisCanFail.id).toBe('analysis-can-fail');
  expect(analysisCanFail.reason).toMatch(/canary analysis must be able to fail/);
});

test('quiet on the post-fix shape', () => {
  expect(check(postFix())).toEqual([]);
});

// ---------------------------------------------------------------------------
// The pre-fix shape, as today's dist/prod/tenants/acme renders it.
// ---------------------------------------------------------------------------

describe('pre-fix shape', () => {
  const PROD = 'prod/tenants/acme';
  const SERVICE_SELECTOR = 'namespace="{{args.namespace}}",service="{{args.service}}"';
  const preFix = (): ObjectInFile[] => [
    object(`${PROD}/analysistemplate-gateway-success-rate.yaml`, 'argoproj.io/v1alpha1', 'AnalysisTemplate', 'gateway-success-rate', 'tenant-acme', {
      spec: {
        args: [{ name: 'service' }, { name: 'namespace' }],
        metrics: [{
          failureLimit: 2,
          interval: '1m',
          name: 'success-rate',
          provider: { prometheus: { address: 'http://prometheus-operated.monitoring.svc:9090', query: `sum(rate(http_requests_total{${SERVICE_SELECTOR},code!~"5.."}[2m])) / sum(rate(http_requests_total{${SERVICE_SELECTOR}}[2m]))` } },
          successCondition: 'len(result) == 0 || isNaN(result[0]) || result[0] >= 0.995',
        }],
      },
    }),
    rollout(`${PROD}/rollout-gateway.yaml`, 'tenant-acme', {
      analysis: { args: [{ name: 'service', value: 'gateway' }, { name: 'namespace', value: 'tenant-acme' }], startingStep: 1, templates: [{ templateName: 'gateway-success-rate' }] },
      steps: [{ setWeight: 20 }, { pause: { duration: '10m' } }],
    }, [HTTP]),
    scaledObject(`${PROD}/scaledobject-gateway.yaml`, 'tenant-acme', 'sum(rate(http_requests_total{namespace="tenant-acme",service="gateway"}[2m]))'),
    object(`${PROD}/service-gateway.yaml`, 'v1', 'Service', 'gateway', 'tenant-acme', { spec: { selector: GATEWAY_LABELS, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } }),
  ];

  test('fires on the condition, the missing scrape path, the whole-Service query and the KEDA trigger', () => {
    const reported = check(preFix());
    const templateFile = `${PROD}/analysistemplate-gateway-success-rate.yaml`;
    expect(reported).toEqual([
      {
        file: templateFile,
        message: 'metric "success-rate" of AnalysisTemplate tenant-acme/gateway-success-rate successCondition "len(result) == 0 || isNaN(result[0]) || result[0] >= 0.995" '
          + 'is true without data (len(result)==0), so a canary without traffic or metrics passes: guard it (len(result) > 0 && !isNaN(result[0]) && ...) so no data is inconclusive, and add a failureCondition',
      },
      {
        file: templateFile,
        message: 'metric "success-rate" of AnalysisTemplate tenant-acme/gateway-success-rate reads namespace tenant-acme, but no PodMonitor or ServiceMonitor of the output scrapes a workload in tenant-acme '
          + 'by a container port it declares: add a PodMonitor selecting the pods, with podMetricsEndpoints[].port naming their metrics port',
      },
      {
        file: templateFile,
        message: 'metric "success-rate" of AnalysisTemplate tenant-acme/gateway-success-rate does not measure the canary pods of Rollout tenant-acme/gateway (prod/tenants/acme/rollout-gateway.yaml): '
          + 'the Rollout passes no arg with valueFrom.podTemplateHashValue: Latest; a query over the whole Service dilutes the canary\'s errors with the stable pods\' traffic: '
          + 'pass an arg from podTemplateHashValue: Latest and match rollouts_pod_template_hash on it',
      },
      {
        file: `${PROD}/scaledobject-gateway.yaml`,
        message: 'trigger (triggers[1], prometheus) of ScaledObject tenant-acme/gateway reads namespace tenant-acme, but no PodMonitor or ServiceMonitor of the output scrapes a workload in tenant-acme '
          + 'by a container port it declares: add a PodMonitor selecting the pods, with podMetricsEndpoints[].port naming their metrics port',
      },
    ]);
  });

  test('a PodMonitor alone does not help while the container declares no metrics port', () => {
    const monitor = podMonitor(`${PROD}/podmonitor-gateway.yaml`, 'tenant-acme');
    const scrape = check([...preFix(), monitor]).filter((v) => v.message.includes('reads namespace'));
    expect(scrape).toHaveLength(2);
    for (const v of scrape) {
      expect(v.message).toContain('(PodMonitor tenant-acme/gateway scrapes port "metrics", which Rollout tenant-acme/gateway does not declare)');
    }
  });
});

// ---------------------------------------------------------------------------
// Conditions.
// ---------------------------------------------------------------------------

describe('conditions', () => {
  const metricFindings = (overrides: Record<string, unknown>) =>
    check(withObject(postFix(), template(TEMPLATE, 'tenant-acme', [canaryMetric(overrides)]))).map((v) => v.message);

  test('no successCondition and no failureCondition: every measurement is Successful', () => {
    expect(metricFindings({ successCondition: undefined, failureCondition: undefined })).toEqual([
      'metric "success-rate" of AnalysisTemplate tenant-acme/gateway-success-rate has no successCondition and no failureCondition, so Argo Rollouts counts every measurement as Successful: add a failureCondition',
    ]);
  });

  test.each([
    ['len(result) == 0 || result[0] >= 0.995', 'len(result)==0'],
    ['isNaN(result[0]) || result[0] >= 0.995', 'isNaN(result[0])'],
    ['result == nil || result[0] >= 0.995', 'result==nil'],
    ['result[0] >= 0.995 or len(result) < 1', 'len(result)<1'],
    ['(isNaN(result[0]) || len(result) == 0) || result[0] >= 0.995', 'isNaN(result[0])'],
    ['((len(result) == 0)) || result[0] >= 0.995', 'len(result)==0'],
    ['(result[0] ?? 1) >= 0.995', '(result[0]??1)>=0.995'],
    ['result[0] ?? true', 'result[0]??true'],
    ['true', 'true'],
  ])('successCondition %s is true without data', (successCondition, operand) => {
    expect(metricFindings({ successCondition, failureCondition: undefined })).toEqual([
      `metric "success-rate" of AnalysisTemplate tenant-acme/gateway-success-rate successCondition "${successCondition}" is true without data (${operand}), so a canary without traffic or metrics passes: `
        + 'guard it (len(result) > 0 && !isNaN(result[0]) && ...) so no data is inconclusive, and add a failureCondition',
    ]);
  });

  test('the message says when the failureCondition does not fail no data either', () => {
    expect(metricFindings({ successCondition: 'len(result) == 0 || result[0] >= 0.995', failureCondition: 'result[0] < 0.9' })).toEqual([
      expect.stringContaining('is true without data (len(result)==0), so a canary without traffic or metrics passes and the failureCondition does not fail it: '),
    ]);
  });

  test.each([
    ['result[0] >= 0.995', undefined],
    ['(result[0] ?? 0) >= 0.995', undefined],
    ['len(result) > 0 && result[0] >= 0.995', 'len(result) > 0 && result[0] < 0.995'],
    // No data passes the success condition, but the failure condition fails it: Failed wins.
    ['len(result) == 0 || result[0] >= 0.995', 'len(result) == 0 || result[0] < 0.995'],
    ['isNaN(result[0]) || result[0] >= 0.995', 'isNaN(result[0]) or result[0] < 0.995'],
  ])('quiet: successCondition %s with failureCondition %s', (successCondition, failureCondition) => {
    expect(metricFindings({ successCondition, failureCondition })).toEqual([]);
  });

  test('a failureCondition alone that is false without data: no data counts as Successful', () => {
    expect(metricFindings({ successCondition: undefined, failureCondition: 'len(result) > 0 && result[0] < 0.995' })).toEqual([
      'metric "success-rate" of AnalysisTemplate tenant-acme/gateway-success-rate failureCondition "len(result) > 0 && result[0] < 0.995" is false without data and there is no successCondition, '
        + 'so no data counts as Successful: add a guarded successCondition so no data is inconclusive',
    ]);
    expect(metricFindings({ successCondition: undefined, failureCondition: 'result[0] < 0.995' })).toEqual([]);
    expect(metricFindings({ successCondition: undefined, failureCondition: 'isNaN(result[0]) || result[0] < 0.995' })).toEqual([]);
  });

  test('failureLimit: negative, or at least count, means the metric cannot fail', () => {
    expect(metricFindings({ failureLimit: -1 })).toEqual([
      'metric "success-rate" of AnalysisTemplate tenant-acme/gateway-success-rate failureLimit -1 is negative: it is the number of failed measurements tolerated (default 0)',
    ]);
    expect(metricFindings({ failureLimit: 3, count: 3 })).toEqual([
      'metric "success-rate" of AnalysisTemplate tenant-acme/gateway-success-rate failureLimit 3 >= count 3: the metric fails only after more than 3 failed measurements, so it can never fail',
    ]);
    expect(metricFindings({ failureLimit: '5', count: '4' })).toEqual([expect.stringContaining('failureLimit 5 >= count 4')]);
    expect(metricFindings({ failureLimit: 2, count: 3 })).toEqual([]);
    expect(metricFindings({ failureLimit: '{{args.limit}}', count: 1 })).toEqual([]);
  });

  test('a metric in the template\'s dryRun never aborts a rollout (metricName is a regular expression)', () => {
    const dry = (metricName: string) => check(withObject(postFix(), template(TEMPLATE, 'tenant-acme', [canaryMetric()], { dryRun: [{ metricName }] }))).map((v) => v.message);
    expect(dry('success-rate')).toEqual(['metric "success-rate" of AnalysisTemplate tenant-acme/gateway-success-rate is in the template\'s dryRun, so its failure never aborts a rollout']);
    expect(dry('.*')).toHaveLength(1);
    expect(dry('error-rate')).toEqual([]);
  });

  test('a metric the Rollout runs in dryRun is reported on the Rollout', () => {
    const dry = rollout(ROLLOUT, 'tenant-acme', canaryStrategy(CANARY_ARGS, { dryRun: [{ metricName: 'success-rate' }] }));
    expect(check(withObject(postFix(), dry))).toEqual([{
      file: ROLLOUT,
      message: `Rollout tenant-acme/gateway runs metric "success-rate" of AnalysisTemplate tenant-acme/gateway-success-rate (${TEMPLATE}) in dryRun, so its failure never aborts the rollout`,
    }]);
  });

  test('Job and Kayenta metrics judge themselves; a web metric needs a condition', () => {
    const job = { name: 'smoke', provider: { job: { spec: { template: { spec: { containers: [] } } } } } };
    const kayenta = { name: 'judge', provider: { kayenta: { thresholds: { pass: 90, marginal: 75 } } } };
    const web = { name: 'ping', provider: { web: { url: 'http://gateway.tenant-acme.svc/healthz' } } };
    const reported = check(withObject(postFix(), template(TEMPLATE, 'tenant-acme', [canaryMetric(), job, kayenta, web])));
    expect(reported.map((v) => v.message)).toEqual([expect.stringMatching(/^metric "ping" of AnalysisTemplate tenant-acme\/gateway-success-rate has no successCondition and no failureCondition/)]);
  });

  test('ClusterAnalysisTemplates are checked too', () => {
    const cluster = template('dev/platform/analysis/clusteranalysistemplate-gateway-success-rate.yaml', undefined, [canaryMetric({ successCondition: 'true', failureCondition: undefined })], {}, 'ClusterAnalysisTemplate');
    expect(check([...postFix(), cluster])).toEqual([{
      file: 'dev/platform/analysis/clusteranalysistemplate-gateway-success-rate.yaml',
      message: expect.stringContaining('metric "success-rate" of ClusterAnalysisTemplate gateway-success-rate successCondition "true" is true without data'),
    }]);
  });

  test('trueOnNoData and falseOnNoData', () => {
    expect(trueOnNoData('len(result) > 0 && result[0] >= 1')).toBeUndefined();
    expect(trueOnNoData('result[0] >= 1 || "a||b" == "c"')).toBeUndefined();
    expect(trueOnNoData('len(result) == 0 && result[0] >= 1')).toBeUndefined();
    expect(trueOnNoData('x || (len(result) == 0)')).toBe('len(result)==0');
    expect(falseOnNoData('!isNaN(result[0]) && result[0] < 1')).toBe(true);
    expect(falseOnNoData('not isNaN(result[0]) and result[0] < 1')).toBe(true);
    expect(falseOnNoData('len(result) > 0 || result[0] < 1')).toBe(false);
  });
});

// ---------------------------------------------------------------------------
// Scrape paths.
// ---------------------------------------------------------------------------

describe('scrape path', () => {
  const scrapeFindings = (objects: ObjectInFile[]) => check(objects).filter((v) => v.message.includes(' reads namespace '));

  test('a PodMonitor whose selector matches no pods', () => {
    const blind = podMonitor(MONITOR, 'tenant-acme', { selector: { matchLabels: { 'app.kubernetes.io/name': 'other' } } });
    const reported = scrapeFindings(withObject(postFix(), blind));
    expect(reported.map((v) => v.file)).toEqual([TEMPLATE, SCALER]);
    expect(reported[0].message).toContain('(PodMonitor tenant-acme/gateway selects no pods of a workload in tenant-acme)');
  });

  test('matchExpressions select pods too', () => {
    const expressions = podMonitor(MONITOR, 'tenant-acme', { selector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['stoa-gateway'] }] } });
    expect(check(withObject(postFix(), expressions))).toEqual([]);
  });

  test('a PodMonitor naming a port the pods do not declare', () => {
    const wrongPort = podMonitor(MONITOR, 'tenant-acme', { podMetricsEndpoints: [{ port: 'prometheus' }] });
    expect(scrapeFindings(withObject(postFix(), wrongPort))[0].message).toContain('(PodMonitor tenant-acme/gateway scrapes port "prometheus", which Rollout tenant-acme/gateway does not declare)');
  });

  test('a query matching rollouts_pod_template_hash needs podTargetLabels rollouts-pod-template-hash', () => {
    const noHash = podMonitor(MONITOR, 'tenant-acme', { podTargetLabels: [] });
    const reported = scrapeFindings(withObject(postFix(), noHash));
    // The KEDA query does not match on the hash: only the template fires.
    expect(reported).toEqual([{
      file: TEMPLATE,
      message: 'metric "success-rate" of AnalysisTemplate tenant-acme/gateway-success-rate reads namespace tenant-acme, but no PodMonitor or ServiceMonitor of the output scrapes a workload in tenant-acme by a container port it declares '
        + '(PodMonitor tenant-acme/gateway has no podTargetLabels rollouts-pod-template-hash, which the query matches on): add a PodMonitor selecting the pods, with podMetricsEndpoints[].port naming their metrics port',
    }]);
  });

  test('a PodMonitor in the monitoring namespace reaching the tenant by namespaceSelector', () => {
    const central = podMonitor('dev/platform/monitoring/podmonitor-gateways.yaml', 'monitoring', { namespaceSelector: { matchNames: ['tenant-acme', 'tenant-globex'] } });
    expect(check([...without(postFix(), MONITOR), central])).toEqual([]);
    const anyNamespace = podMonitor('dev/platform/monitoring/podmonitor-gateways.yaml', 'monitoring', { namespaceSelector: { any: true } });
    expect(check([...without(postFix(), MONITOR), anyNamespace])).toEqual([]);
    // Without a namespaceSelector a monitor scrapes its own namespace only.
    const ownOnly = podMonitor('dev/platform/monitoring/podmonitor-gateways.yaml', 'monitoring');
    expect(scrapeFindings([...without(postFix(), MONITOR), ownOnly]).map((v) => v.file)).toEqual([TEMPLATE, SCALER]);
  });

  test('a monitor of another environment does not count', () => {
    const staging = podMonitor('staging/tenants/acme/podmonitor-gateway.yaml', 'tenant-acme');
    expect(scrapeFindings([...without(postFix(), MONITOR), staging]).map((v) => v.file)).toEqual([TEMPLATE, SCALER]);
  });

  describe('ServiceMonitor', () => {
    function serviceMonitor(spec: Record<string, unknown> = {}): ObjectInFile {
      return object(`${ACME}/servicemonitor-gateway.yaml`, 'monitoring.coreos.com/v1', 'ServiceMonitor', 'gateway', 'tenant-acme', {
        spec: { selector: { matchLabels: { app: 'gateway' } }, endpoints: [{ port: 'metrics' }], podTargetLabels: ['rollouts-pod-template-hash'], ...spec },
      });
    }
    function service(targetPort: unknown): ObjectInFile {
      return {
        path: `${ACME}/service-gateway.yaml`,
        object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'gateway', namespace: 'tenant-acme', labels: { app: 'gateway' } }, spec: { selector: GATEWAY_LABELS, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'metrics', port: 9090, targetPort }] } },
      };
    }
    const viaService = (targetPort: unknown, spec: Record<string, unknown> = {}) =>
      scrapeFindings([...without(withObject(postFix(), service(targetPort)), MONITOR), serviceMonitor(spec)]);

    test('endpoint port -> Service port -> targetPort naming or numbering a container port', () => {
      expect(viaService('metrics')).toEqual([]);
      expect(viaService(9090)).toEqual([]);
      expect(viaService(undefined)).toEqual([]);
    });

    test('a Service port whose targetPort no container declares', () => {
      expect(viaService('admin')[0].message).toContain('(ServiceMonitor tenant-acme/gateway scrapes Service port metrics, which no selected Service maps to a declared container port)');
    });

    test('a ServiceMonitor that selects no Service, or names no Service port', () => {
      expect(viaService('metrics', { selector: { matchLabels: { app: 'other' } } })[0].message).toContain('(ServiceMonitor tenant-acme/gateway selects no Service in tenant-acme)');
      expect(viaService('metrics', { endpoints: [{ path: '/metrics' }] })[0].message).toContain('(ServiceMonitor tenant-acme/gateway has no endpoints[].port naming a Service port)');
    });
  });

  test('{{args.namespace}} resolves to the value the Rollout passes', () => {
    const otherNs = rollout(ROLLOUT, 'tenant-acme', canaryStrategy([CANARY_ARGS[0], { name: 'namespace', value: 'tenant-globex' }]));
    const reported = scrapeFindings(withObject(postFix(), otherNs));
    expect(reported).toEqual([{ file: TEMPLATE, message: expect.stringContaining('reads namespace tenant-globex, but no PodMonitor or ServiceMonitor of the output scrapes a workload in tenant-globex') }]);
  });

  test('{{args.namespace}} from a fieldRef or not passed at all is the Rollout\'s namespace', () => {
    const fieldRef = rollout(ROLLOUT, 'tenant-acme', canaryStrategy([CANARY_ARGS[0], { name: 'namespace', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }]));
    expect(check(withObject(postFix(), fieldRef))).toEqual([]);
    const notPassed = rollout(ROLLOUT, 'tenant-acme', canaryStrategy([CANARY_ARGS[0]]));
    expect(check(withObject(postFix(), notPassed))).toEqual([]);
  });

  test('a template no Rollout uses reads its own namespace', () => {
    const unused = [...without(postFix(), ROLLOUT), deployment(`${ACME}/deployment-gateway.yaml`, 'tenant-acme')];
    expect(check(unused)).toEqual([]);
    expect(scrapeFindings(without(unused, MONITOR)).map((v) => [v.file, v.message.includes('reads namespace tenant-acme')])).toEqual([[TEMPLATE, true], [SCALER, true]]);
  });

  test('a KEDA prometheus trigger without a namespace matcher reads the ScaledObject\'s namespace', () => {
    const scaler = scaledObject(SCALER, 'tenant-acme', 'sum(rate(http_requests_total{job="gateway"}[2m]))');
    expect(check(withObject(postFix(), scaler))).toEqual([]);
    expect(scrapeFindings(without(withObject(postFix(), scaler), MONITOR)).map((v) => v.file)).toEqual([TEMPLATE, SCALER]);
  });

  test('kubernetes_namespace and regex matchers are not the namespace matcher', () => {
    const scaler = scaledObject(SCALER, 'tenant-acme', 'sum(rate(http_requests_total{kubernetes_namespace="tenant-globex",namespace=~"tenant-.*"}[2m]))');
    expect(check(withObject(postFix(), scaler))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// Canary analysis measures the canary.
// ---------------------------------------------------------------------------

describe('canary pods', () => {
  test('a hash arg the query does not use', () => {
    const wholeService = template(TEMPLATE, 'tenant-acme', [canaryMetric({
      provider: { prometheus: { address: 'http://prometheus-operated.monitoring.svc:9090', query: 'sum(rate(http_requests_total{namespace="{{args.namespace}}",service="gateway",code!~"5.."}[2m])) / sum(rate(http_requests_total{namespace="{{args.namespace}}",service="gateway"}[2m]))' } },
    })]);
    expect(check(withObject(postFix(), wholeService))).toEqual([{
      file: TEMPLATE,
      message: `metric "success-rate" of AnalysisTemplate tenant-acme/gateway-success-rate does not measure the canary pods of Rollout tenant-acme/gateway (${ROLLOUT}): its query does not use {{args.canary-hash}}; `
        + 'a query over the whole Service dilutes the canary\'s errors with the stable pods\' traffic: pass an arg from podTemplateHashValue: Latest and match rollouts_pod_template_hash on it',
    }]);
  });

  test('a Stable hash is not the canary', () => {
    const stable = rollout(ROLLOUT, 'tenant-acme', canaryStrategy([{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Stable' } }, CANARY_ARGS[1]]));
    expect(check(withObject(postFix(), stable))).toEqual([{ file: TEMPLATE, message: expect.stringContaining('the Rollout passes no arg with valueFrom.podTemplateHashValue: Latest') }]);
  });

  test('spaces inside {{ args.name }} are fine', () => {
    const spaced = template(TEMPLATE, 'tenant-acme', [canaryMetric({
      provider: { prometheus: { address: 'http://prometheus-operated.monitoring.svc:9090', query: CANARY_QUERY.replace(/\{\{args\.canary-hash\}\}/g, '{{ args.canary-hash }}') } },
    })]);
    expect(check(withObject(postFix(), spaced))).toEqual([]);
  });

  test('a step analysis is checked, and a template named twice is reported once', () => {
    const withStep = rollout(ROLLOUT, 'tenant-acme', {
      ...canaryStrategy([CANARY_ARGS[1]]),
      steps: [{ setWeight: 20 }, { analysis: { templates: [{ templateName: 'gateway-success-rate' }], args: [CANARY_ARGS[1]] } }],
    });
    expect(check(withObject(postFix(), withStep)).map((v) => v.file)).toEqual([TEMPLATE]);
  });

  test('a template of the same name in another namespace is not the Rollout\'s', () => {
    const elsewhere = template('dev/tenants/globex/analysistemplate-gateway-success-rate.yaml', 'tenant-globex', [canaryMetric({ provider: { prometheus: { address: 'http://prometheus', query: 'sum(rate(http_requests_total{namespace="tenant-acme"}[2m]))' } } })]);
    const globexPods = podMonitor('dev/tenants/globex/podmonitor-gateway.yaml', 'tenant-globex', { selector: {}, podTargetLabels: [] });
    expect(check([...postFix(), elsewhere, globexPods])).toEqual([]);
  });

  test('a ClusterAnalysisTemplate used with clusterScope: true', () => {
    const cluster = template('dev/platform/analysis/clusteranalysistemplate-gateway-success-rate.yaml', undefined, [canaryMetric({
      provider: { prometheus: { address: 'http://prometheus', query: 'sum(rate(http_requests_total{namespace="{{args.namespace}}",service="gateway"}[2m]))' } },
    })], {}, 'ClusterAnalysisTemplate');
    const usesCluster = rollout(ROLLOUT, 'tenant-acme', {
      ...canaryStrategy(),
      analysis: { templates: [{ templateName: 'gateway-success-rate', clusterScope: true }], args: CANARY_ARGS },
    });
    expect(check([...withObject(postFix(), usesCluster), cluster])).toEqual([{
      file: 'dev/platform/analysis/clusteranalysistemplate-gateway-success-rate.yaml',
      message: expect.stringContaining('metric "success-rate" of ClusterAnalysisTemplate gateway-success-rate does not measure the canary pods of Rollout tenant-acme/gateway'),
    }]);
  });

  test('blue-green analysis is not a canary', () => {
    const blueGreen = object(ROLLOUT, 'argoproj.io/v1alpha1', 'Rollout', 'gateway', 'tenant-acme', {
      spec: {
        strategy: { blueGreen: { activeService: 'gateway', prePromotionAnalysis: { templates: [{ templateName: 'gateway-success-rate' }], args: [CANARY_ARGS[1]] } } },
        template: podTemplate([HTTP, METRICS]),
      },
    });
    expect(check(withObject(postFix(), blueGreen))).toEqual([]);
  });
});

test('matchesLabelSelector', () => {
  const labels = { app: 'gateway', tier: 'gold' };
  expect(matchesLabelSelector({}, labels)).toBe(true);
  expect(matchesLabelSelector({ matchLabels: { app: 'gateway' } }, labels)).toBe(true);
  expect(matchesLabelSelector({ matchLabels: { app: 'portal' } }, labels)).toBe(false);
  expect(matchesLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['bronze'] }] }, labels)).toBe(true);
  expect(matchesLabelSelector({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels)).toBe(false);
  expect(matchesLabelSelector({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).toBe(true);
  expect(matchesLabelSelector({ matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] }, labels)).toBe(false);
});
