import * as fs from 'fs';
import { App, Chart, Testing } from 'cdk8s';
import { isReplicasOwnedElsewhere } from '../lib/argocd/replica-owners';
import { TIERS } from '../lib/config/tiers';
import { ACME_HTTP01_SOLVER_PORT, Gateway, GATEWAY_METRICS_PORT, GatewayProps } from '../lib/gateway/gateway';
import { Delivery } from '../lib/workloads/delivery';
import { Scaling } from '../lib/workloads/scaling';

// Gateway alone, in a plain test chart: no Environment, no Tenant, no ManifestChart. Imports come
// from the defining modules: the package index also loads the validators and the CLI (~0.4 s).

// Testing.chart() makes a temp outdir for its app; nothing is written there, and it is removed after the file.
const charts: Chart[] = [];
afterAll(() => {
  for (const c of charts.splice(0)) fs.rmSync(App.of(c).outdir, { recursive: true, force: true });
});

const gold: GatewayProps = {
  tenant: 'acme',
  namespace: 'tenant-acme',
  image: 'registry.example.com/stoa/stoa-gateway:1.9.0',
  resources: TIERS.gold.gatewayResources,
  scaling: Scaling.autoscaled({ min: 3, max: 10 }),
  ingress: { host: 'acme.qa.example.com', className: 'nginx', clusterIssuer: 'letsencrypt' },
  ingressControllerNamespace: 'ingress-nginx',
  controlPlaneNamespace: 'stoa-system',
};

/** The objects of one Gateway with `props` (over the gold defaults above), and the construct. */
function synth(props: Partial<GatewayProps> = {}): { objects: any[]; gateway: Gateway } {
  const chart = Testing.chart();
  charts.push(chart);
  const gateway = new Gateway(chart, 'gateway', { ...gold, ...props });
  return { objects: Testing.synth(chart), gateway };
}

function one(objects: any[], kind: string, name?: string): any {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  expect(found).toHaveLength(1);
  return found[0];
}

const selector = { 'app.kubernetes.io/name': 'stoa-gateway', 'app.kubernetes.io/instance': 'acme' };

describe('Gateway', () => {
  test('a gold gateway autoscales 3 to 10 and gets a PodDisruptionBudget', () => {
    const { objects, gateway } = synth();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Deployment/gateway', 'HorizontalPodAutoscaler/gateway', 'Ingress/gateway',
      'NetworkPolicy/allow-acme-http01-solver', 'NetworkPolicy/gateway-allow-egress', 'NetworkPolicy/gateway-allow-ingress',
      'NetworkPolicy/gateway-allow-metrics', 'PodDisruptionBudget/gateway', 'PodMonitor/gateway', 'Service/gateway',
    ]);
    for (const o of objects) expect(o.metadata.namespace).toBe('tenant-acme');

    const hpa = one(objects, 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'gateway' },
      minReplicas: 3,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    });
    // Git's count only sets where a new Deployment starts: at the autoscaler's minimum.
    expect(one(objects, 'Deployment').spec.replicas).toBe(3);
    expect(one(objects, 'PodDisruptionBudget').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: selector } });
    // The Application that deploys it finds the mark and ignores /spec/replicas.
    expect(isReplicasOwnedElsewhere(gateway.workload.workload)).toBe(true);
  });

  test('a bronze gateway runs one fixed replica with no autoscaler and no PodDisruptionBudget', () => {
    const { objects, gateway } = synth({ resources: TIERS.bronze.gatewayResources, scaling: Scaling.fixed(1) });
    const kinds = objects.map((o) => o.kind);
    expect(kinds).not.toContain('HorizontalPodAutoscaler');
    expect(kinds).not.toContain('ScaledObject');
    expect(kinds).not.toContain('PodDisruptionBudget');
    const deployment = one(objects, 'Deployment');
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' },
    });
    expect(isReplicasOwnedElsewhere(gateway.workload.workload)).toBe(false);
  });

  test('KEDA scaling renders a ScaledObject on CPU and the request rate, never an HPA next to it', () => {
    const { objects } = synth({
      scaling: Scaling.keda({ min: 2, max: 5, prometheus: { serverAddress: 'http://prometheus.monitoring:9090', query: 'sum(rate(x[2m]))', threshold: 100 } }),
    });
    expect(objects.map((o) => o.kind)).not.toContain('HorizontalPodAutoscaler');
    const scaled = one(objects, 'ScaledObject', 'gateway');
    expect(scaled.apiVersion).toBe('keda.sh/v1alpha1');
    expect(scaled.spec).toMatchObject({ scaleTargetRef: { kind: 'Deployment', name: 'gateway' }, minReplicaCount: 2, maxReplicaCount: 5 });
    expect(scaled.spec.triggers).toEqual([
      { type: 'cpu', metricType: 'Utilization', metadata: { value: '70' } },
      { type: 'prometheus', metadata: { serverAddress: 'http://prometheus.monitoring:9090', query: 'sum(rate(x[2m]))', threshold: '100' } },
    ]);
  });

  test('the pods know their tenant and pull configuration from the control plane, and run restricted', () => {
    const pod = one(synth().objects, 'Deployment').spec.template;
    expect(pod.metadata.labels).toEqual(selector);
    const container = pod.spec.containers[0];
    expect(container.image).toBe('registry.example.com/stoa/stoa-gateway:1.9.0');
    expect(container.env).toEqual([
      { name: 'STOA_CONTROL_PLANE_URL', value: 'http://control-plane-api.stoa-system.svc' },
      { name: 'STOA_TENANT', value: 'acme' },
    ]);
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: GATEWAY_METRICS_PORT, protocol: 'TCP' },
    ]);
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({
      runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
    });
  });

  test("the gateway is served on the tenant's host over TLS from the cluster issuer", () => {
    const ingress = one(synth().objects, 'Ingress', 'gateway');
    expect(ingress.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt' });
    expect(ingress.spec).toEqual({
      ingressClassName: 'nginx',
      tls: [{ hosts: ['acme.qa.example.com'], secretName: 'gateway-tls' }],
      rules: [{
        host: 'acme.qa.example.com',
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'gateway', port: { name: 'http' } } } }] },
      }],
    });
    expect(one(synth().objects, 'Service', 'gateway').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
  });

  test('traffic comes in only from the ingress controller, and the metrics port only from Prometheus', () => {
    const { objects } = synth({ monitoringNamespace: 'observability' });
    const byNamespace = (ns: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } });
    expect(one(objects, 'NetworkPolicy', 'gateway-allow-ingress').spec).toEqual({
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress'],
      ingress: [{ from: [byNamespace('ingress-nginx')], ports: [{ protocol: 'TCP', port: 8080 }] }],
    });
    expect(one(objects, 'NetworkPolicy', 'gateway-allow-metrics').spec).toEqual({
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress'],
      ingress: [{ from: [byNamespace('observability')], ports: [{ protocol: 'TCP', port: GATEWAY_METRICS_PORT }] }],
    });
    // cert-manager's HTTP-01 solver pods are reachable from the ingress controller (on by default).
    expect(one(objects, 'NetworkPolicy', 'allow-acme-http01-solver').spec).toEqual({
      podSelector: { matchLabels: { 'acme.cert-manager.io/http01-solver': 'true' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [byNamespace('ingress-nginx')], ports: [{ protocol: 'TCP', port: ACME_HTTP01_SOLVER_PORT }] }],
    });
  });

  test('egress reaches the control-plane API, HTTPS outside the cluster CIDRs, and DNS, nothing else', () => {
    const { objects } = synth({ internalCidrs: ['10.0.0.0/8', '172.16.0.0/12'], controlPlanePort: 9000, nodeLocalDns: '169.254.20.10' });
    const dnsPorts = [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }];
    expect(one(objects, 'NetworkPolicy', 'gateway-allow-egress').spec).toEqual({
      podSelector: { matchLabels: selector },
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'stoa-system' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'control-plane-api' } },
          }],
          ports: [{ protocol: 'TCP', port: 9000 }],
        },
        { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12'] } }], ports: [{ protocol: 'TCP', port: 443 }] },
        { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: dnsPorts },
        { to: [{ ipBlock: { cidr: '169.254.20.10/32' } }], ports: dnsPorts },
      ],
    });
  });

  test('the control-plane port defaults to 8000, and no CIDR is excluded unless given', () => {
    const egress = one(synth().objects, 'NetworkPolicy', 'gateway-allow-egress').spec.egress;
    expect(egress[0].ports).toEqual([{ protocol: 'TCP', port: 8000 }]);
    expect(egress[1].to).toEqual([{ ipBlock: { cidr: '0.0.0.0/0' } }]);
    expect(egress).toHaveLength(3);
  });

  test('with DNS-01 no solver policy is rendered', () => {
    const names = synth({ acmeHttp01: false }).objects.map((o) => o.metadata.name);
    expect(names).not.toContain('allow-acme-http01-solver');
  });

  test('a name other than "gateway" names every object and the TLS secret', () => {
    const { objects } = synth({ name: 'edge' });
    expect(objects.filter((o) => o.kind !== 'NetworkPolicy').map((o) => o.metadata.name)).toEqual(Array(6).fill('edge'));
    expect(objects.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name).sort()).toEqual([
      'allow-acme-http01-solver', 'edge-allow-egress', 'edge-allow-ingress', 'edge-allow-metrics',
    ]);
    expect(one(objects, 'Ingress').spec.tls[0].secretName).toBe('edge-tls');
  });

  test("the PodMonitor scrapes /metrics and carries the labels the cluster's Prometheus selects", () => {
    const monitor = one(synth({ podMonitorLabels: { release: 'kube-prometheus-stack' } }).objects, 'PodMonitor');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata.labels).toEqual({ ...selector, release: 'kube-prometheus-stack' });
    expect(monitor.spec).toEqual({
      selector: { matchLabels: selector },
      podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }],
    });
  });

  test('secrets of the namespace are mounted read-only under /etc/stoa/secrets/<name>/', () => {
    const pod = one(synth({ secretMounts: ['upstream-api-key', 'client-cert'] }).objects, 'Deployment').spec.template.spec;
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'secret-client-cert', mountPath: '/etc/stoa/secrets/client-cert', readOnly: true },
      { name: 'secret-upstream-api-key', mountPath: '/etc/stoa/secrets/upstream-api-key', readOnly: true },
    ]);
    expect(pod.volumes.slice(1)).toEqual([
      { name: 'secret-client-cert', secret: { secretName: 'client-cert', defaultMode: 0o440 } },
      { name: 'secret-upstream-api-key', secret: { secretName: 'upstream-api-key', defaultMode: 0o440 } },
    ]);
  });

  test('a canary gateway is a Rollout checked by a success-rate analysis, and its PodMonitor labels the revision', () => {
    const { objects } = synth({
      delivery: Delivery.canary({ steps: [25, 100], pause: '2m', analysis: { prometheusAddress: 'http://prometheus.monitoring:9090' } }),
    });
    expect(objects.map((o) => o.kind)).not.toContain('Deployment');
    const rollout = one(objects, 'Rollout', 'gateway');
    expect(rollout.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(rollout.spec.replicas).toBe(3);
    expect(rollout.spec.strategy.canary.steps).toEqual([{ setWeight: 25 }, { pause: { duration: '2m' } }]);
    expect(rollout.spec.strategy.canary.analysis.templates).toEqual([{ templateName: 'gateway-success-rate' }]);
    const analysis = one(objects, 'AnalysisTemplate', 'gateway-success-rate');
    expect(analysis.spec.metrics[0].provider.prometheus.address).toBe('http://prometheus.monitoring:9090');
    expect(analysis.spec.metrics[0].successCondition).toMatch(/result\[0\] >= 0\.99$/);
    // The autoscaler scales the Rollout, not a Deployment.
    expect(one(objects, 'HorizontalPodAutoscaler').spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'gateway' });
    expect(one(objects, 'PodMonitor').spec.podTargetLabels).toEqual(['rollouts-pod-template-hash']);
  });

  test('impossible scaling and delivery options are refused when built, with the values in the message', () => {
    expect(() => Scaling.fixed(1.5)).toThrow('fixed replicas must be a whole number of at least 1 (got 1.5)');
    expect(() => Scaling.autoscaled({ min: 0, max: 10 })).toThrow('autoscaling needs whole numbers with 1 <= min <= max (got min 0, max 10)');
    expect(() => Scaling.keda({ min: 2, max: 5, prometheus: { serverAddress: 'http://p', query: 'q', threshold: 0 } }))
      .toThrow("the Prometheus trigger's threshold must be greater than 0 (got 0)");
    const analysis = { prometheusAddress: 'http://prometheus.monitoring:9090' };
    expect(() => Delivery.canary({ steps: [50, 20, 100], analysis })).toThrow('canary steps must be ascending whole percentages ending at 100 (got [50, 20, 100])');
    expect(() => Delivery.canary({ steps: [20, 50], analysis })).toThrow('canary steps must be ascending whole percentages ending at 100 (got [20, 50])');
    expect(() => Delivery.canary({ analysis: { ...analysis, successRate: 1.5 } })).toThrow('canary successRate must be in (0, 1] (got 1.5)');
  });
});
