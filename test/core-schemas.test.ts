import * as fs from 'fs';
import { DEFAULT_CORE_FIELDS_FILE, SchemaCatalog } from '../lib/validate/schema-catalog';
import { validateObjects } from '../lib';
import { extractCoreFields } from '../scripts/core-fields';

const catalog = new SchemaCatalog();
const errorsOf = (obj: any): readonly string[] => {
  const result = catalog.check(obj);
  if (!result.known) throw new Error(`no schema for ${obj.apiVersion} ${obj.kind}`);
  return result.errors;
};
// Findings come in the object's key order; the tests list them sorted.
const sorted = (errors: readonly string[]) => [...errors].sort();

const meta = { name: 'gateway', namespace: 'tenant-acme', labels: { 'app.kubernetes.io/name': 'gateway', tier: 'gold' }, annotations: { 'argocd.argoproj.io/sync-wave': '1' } };
const podTemplate = () => ({
  metadata: { labels: { app: 'gateway' }, annotations: { 'prometheus.io/scrape': 'true' } },
  spec: {
    containers: [{
      name: 'gateway',
      image: 'ghcr.io/stoa-platform/stoa-gateway:1.9.0',
      imagePullPolicy: 'IfNotPresent',
      ports: [{ name: 'http', containerPort: 8080 }],
      env: [{ name: 'A', value: 'b' }, { name: 'C', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
      resources: { limits: { cpu: '500m', memory: '512Mi', 'ephemeral-storage': '1Gi' }, requests: { cpu: 0.1, memory: '256Mi' } },
      readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
      livenessProbe: { tcpSocket: { port: 8080 } },
      securityContext: { runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
    }],
    volumes: [{ name: 'config', configMap: { name: 'gateway', items: [{ key: 'a', path: 'a' }] } }, { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }],
    nodeSelector: { 'kubernetes.io/os': 'linux' },
  },
});
const deployment = (): any => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { ...meta },
  spec: { replicas: 2, selector: { matchLabels: { app: 'gateway' } }, strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } }, template: podTemplate() },
});
const service = (): any => ({
  apiVersion: 'v1', kind: 'Service', metadata: { ...meta },
  spec: { selector: { app: 'gateway' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'admin', port: 9090, targetPort: 9090 }] },
});
const networkPolicy = (): any => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { ...meta },
  spec: {
    podSelector: { matchLabels: { app: 'gateway' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress' } } }], ports: [{ protocol: 'TCP', port: 'http' }, { port: 8080, endPort: 8090 }] }],
  },
});
const rollout = (): any => ({
  apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { ...meta },
  spec: { replicas: 2, selector: { matchLabels: { app: 'gateway' } }, template: podTemplate(), strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } } },
});

test('the committed core field map is exactly what npm run schemas derives from kubernetes-models', () => {
  expect(fs.readFileSync(DEFAULT_CORE_FIELDS_FILE, 'utf8')).toBe(extractCoreFields());
}, 120_000);

describe('unknown fields of core kinds', () => {
  test('valid objects pass: maps (labels, annotations, data, limits), IntOrString ports, Quantity', () => {
    expect(errorsOf(deployment())).toEqual([]);
    expect(errorsOf(service())).toEqual([]);
    expect(errorsOf(networkPolicy())).toEqual([]);
    expect(errorsOf(rollout())).toEqual([]);
    expect(errorsOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, data: { 'application.yaml': 'a: 1', replica: 'x' }, binaryData: { 'logo.png': 'AA==' } })).toEqual([]);
    expect(errorsOf({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: meta, spec: { hard: { 'requests.cpu': '4', 'limits.memory': '8Gi', pods: 20 } } })).toEqual([]);
  });

  test('a misspelled field is reported at any depth, with the path of its object', () => {
    const d = deployment();
    d.spec.replica = 3;
    d.metadata.labelz = { a: 'b' };
    d.spec.template.spec.containers[0].imagePullPolice = 'Always';
    d.spec.template.spec.containers[0].readinessProbe.httpGet.paht = '/';
    d.spec.template.spec.volumes[1].emptyDir.sizelimit = '1Gi';
    expect(sorted(errorsOf(d))).toEqual([
      'metadata: unknown field "labelz"',
      'spec.template.spec.containers.0.readinessProbe.httpGet: unknown field "paht"',
      'spec.template.spec.containers.0: unknown field "imagePullPolice"',
      'spec.template.spec.volumes.1.emptyDir: unknown field "sizelimit"',
      'spec: unknown field "replica"',
    ]);

    const s = service();
    s.spec.port = 80;
    s.spec.ports[1].targetport = 9090;
    expect(sorted(errorsOf(s))).toEqual(['spec.ports.1: unknown field "targetport"', 'spec: unknown field "port"']);

    const n = networkPolicy();
    n.spec.ingres = [];
    n.spec.ingress[0].from[0].namespaceSelector.matchLabel = {};
    expect(sorted(errorsOf(n))).toEqual(['spec.ingress.0.from.0.namespaceSelector: unknown field "matchLabel"', 'spec: unknown field "ingres"']);

    expect(errorsOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, datta: { a: 'b' } })).toEqual(['(root): unknown field "datta"']);
  });

  test('unknown fields come with the validator\'s own errors, as schema violations', () => {
    const d = deployment();
    d.spec.replicas = 'three';
    d.spec.replica = 3;
    const report = validateObjects([{ path: 'dev/tenants/acme/deployment-gateway.yaml', object: d }]);
    expect(report.violations.filter((v) => v.rule === 'schema').map((v) => v.message)).toEqual([
      'spec.replicas: must be integer',
      'spec: unknown field "replica"',
    ]);
  });

  test('the pod template of a Rollout gets the strict check, each finding once', () => {
    const r = rollout();
    r.spec.template.spec.containers[0].imagePullPolice = 'Always';
    r.spec.template.spec.securityContxt = {};
    r.spec.template.metadata.labelz = {};
    expect(sorted(errorsOf(r))).toEqual([
      'spec.template.metadata: unknown field "labelz"',
      'spec.template.spec.containers.0: unknown field "imagePullPolice"',
      'spec.template.spec: unknown field "securityContxt"',
    ]);
  });

  test('free-form fields stay open: RawExtension, a CRD\'s openAPIV3Schema, embedded PVC templates are checked', () => {
    expect(errorsOf({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: meta, revision: 1, data: { anything: { goes: [1] } } })).toEqual([]);
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, whatever: 1 } } }],
      },
    };
    expect(errorsOf(crd)).toEqual([]);
    const sts: any = {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta,
      spec: { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: podTemplate(), volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] },
    };
    expect(errorsOf(sts)).toEqual([]);
    sts.spec.volumeClaimTemplates[0].spec.storageClass = 'fast';
    expect(errorsOf(sts)).toEqual(['spec.volumeClaimTemplates.0.spec: unknown field "storageClass"']);
  });
});
