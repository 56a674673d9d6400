import { compareStrings } from '../../sort';
import {
  containersOf, EnvironmentFacts, environmentFacts, environmentOf, ObjectInFile, PolicyContext, PolicyRule, podSpecOf,
} from '../policy';

/**
 * The address that stands for "the internet" in flows to external hosts: 203.0.113.0/24 is TEST-NET-3,
 * reserved for documentation, so no cluster uses it for pods, services or nodes.
 */
export const INTERNET_ADDRESS = '203.0.113.10';

/** Port of cert-manager's ACME HTTP-01 solver pods. */
export const ACME_SOLVER_PORT = 8089;

/** How the NetworkPolicies of one side of a flow treat it (the source's egress, or the destination's ingress). */
export interface FlowSide {
  /** Policies (`namespace/name`) that select the pod for this direction; empty when it is not isolated. */
  readonly isolatedBy: readonly string[];
  /** Those of them with a rule whose peers and ports match the flow. */
  readonly allowedBy: readonly string[];
  /** Not isolated, or allowed by at least one policy. */
  readonly allowed: boolean;
}

/** One flow the platform needs, and whether the NetworkPolicies of the output let it through. */
export interface FlowResult {
  /** Why the flow must work, e.g. `DNS`, `backend of Ingress tenant-acme/gateway`. */
  readonly need: string;
  /** Source: `namespace/Kind/name` for a pod template of the output, `namespace/name` for a pod the cluster provides. */
  readonly from: string;
  /** Destination, like `from`, or `address (what)` for an address outside the pods. */
  readonly to: string;
  /** Destination port; a port name when it could not be resolved against the destination's containers. */
  readonly port: number | string;
  /** `TCP`, `UDP` or `SCTP`. */
  readonly protocol: string;
  /** The source's egress and the destination's ingress both allow it (and the port resolved). */
  readonly allowed: boolean;
  /** Egress side: policies of the source's namespace. */
  readonly egress: FlowSide;
  /** Ingress side: policies of the destination's namespace (never isolated for an address). */
  readonly ingress: FlowSide;
  /** File of the source workload, when the source is in the output. */
  readonly fromFile?: string;
  /** File of the destination workload, when the destination is in the output. */
  readonly toFile?: string;
  /** File of the object that makes the flow necessary (workload, Ingress, PodMonitor, ...). */
  readonly origin: string;
  /** Why the flow cannot happen whatever the policies say, e.g. a named port no container has. */
  readonly problem?: string;
}

type Labels = Readonly<Record<string, string>>;

interface ContainerPort {
  readonly name?: string;
  readonly port: number;
  readonly protocol: string;
}

/** A pod the flows start or end at: one per pod template of the output, or one the cluster provides (no file). */
interface Pod {
  readonly kind: 'pod';
  readonly id: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly ports: readonly ContainerPort[];
  readonly file?: string;
  readonly spec?: any;
}

/** An address outside the pods the output and the cluster facts describe. */
interface Address {
  readonly kind: 'address';
  readonly id: string;
  readonly address: string;
}

type Endpoint = Pod | Address;

/** A flow the platform needs, before the policies are evaluated. */
interface RequiredFlow {
  readonly need: string;
  readonly origin: string;
  readonly from: Pod;
  readonly to: Endpoint;
  readonly port: number | string;
  readonly protocol: string;
  readonly problem?: string;
}

interface Policy {
  /** `namespace/name`. */
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly file: string;
  readonly spec: any;
  readonly types: ReadonlySet<string>;
}

type Direction = 'Ingress' | 'Egress';

/** Everything one environment's flows are evaluated against, indexed by namespace. */
interface Cluster {
  readonly facts: EnvironmentFacts;
  readonly objects: readonly ObjectInFile[];
  readonly namespaceLabels: ReadonlyMap<string, Labels>;
  readonly policies: ReadonlyMap<string, readonly Policy[]>;
  /** Pods of the output plus the solver pods, by namespace. */
  readonly pods: ReadonlyMap<string, readonly Pod[]>;
  readonly services: ReadonlyMap<string, readonly ObjectInFile[]>;
  readonly ingressController: Pod;
  readonly prometheus: Pod;
  readonly dns: Endpoint;
  readonly internet: Address;
}

/** A field that should be a list, as one: rules also run on objects whose schema check failed. */
const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

const labelsOf = (v: unknown): Labels =>
  (v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Labels : {});

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const existing = map.get(key);
  if (existing) existing.push(value);
  else map.set(key, [value]);
}

// ---------------------------------------------------------------------------------------------
// IPv4 CIDRs. The packages in node_modules (cidr-regex, is-cidr) only recognise notation, and
// containment is a mask compare: not worth a dependency.

/** An IPv4 address as an unsigned 32-bit number, or undefined when `text` is not one. */
export function parseIPv4(text: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((value, octet) => value * 256 + octet, 0);
}

/** Whether the IPv4 `address` is inside `cidr` (`a.b.c.d/n`; a bare address is a /32). IPv6 never matches. */
export function ipv4InCidr(address: string, cidr: string): boolean {
  const [base, bitsText = '32'] = cidr.split('/');
  const ip = parseIPv4(address);
  const network = parseIPv4(base);
  const bits = /^\d{1,2}$/.test(bitsText) ? Number(bitsText) : NaN;
  if (ip === undefined || network === undefined || !(bits >= 0 && bits <= 32)) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(ip / size) === Math.floor(network / size);
}

/** Whether a NetworkPolicy `ipBlock` (cidr minus except) holds `address`. */
function ipBlockHolds(block: any, address: string): boolean {
  return typeof block?.cidr === 'string' && ipv4InCidr(address, block.cidr)
    && !list(block.except).some((e) => typeof e === 'string' && ipv4InCidr(address, e));
}

// ---------------------------------------------------------------------------------------------
// Label selectors.

/** Kubernetes LabelSelector semantics; `{}` selects everything. */
function selects(selector: any, labels: Labels): boolean {
  const matchLabels = labelsOf(selector?.matchLabels);
  if (Object.entries(matchLabels).some(([k, v]) => labels[k] !== v)) return false;
  return list(selector?.matchExpressions).every((e) => {
    const has = Object.prototype.hasOwnProperty.call(labels, e?.key);
    const values: unknown[] = list(e?.values);
    switch (e?.operator) {
      case 'In': return has && values.includes(labels[e.key]);
      case 'NotIn': return !has || !values.includes(labels[e.key]);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: return false;
    }
  });
}

/** A Service's `spec.selector` (plain map); no selector selects no pod (endpoints are managed by hand). */
function serviceSelects(service: ObjectInFile, pod: Pod): boolean {
  const selector = labelsOf((service.object.spec as any)?.selector);
  return Object.keys(selector).length > 0 && selects({ matchLabels: selector }, pod.labels);
}

/** The namespace names a namespaceSelector is pinned to by `kubernetes.io/metadata.name`, if it is. */
function pinnedNamespaces(selector: any): string[] | undefined {
  const key = 'kubernetes.io/metadata.name';
  const byLabel = labelsOf(selector?.matchLabels)[key];
  const pins: string[][] = [
    ...(typeof byLabel === 'string' ? [[byLabel]] : []),
    ...list(selector?.matchExpressions).filter((e) => e?.key === key && e?.operator === 'In')
      .map((e) => list(e.values).filter((v) => typeof v === 'string')),
  ];
  // Every pin must hold: the names are the intersection.
  return pins.length === 0 ? undefined : pins.reduce((names, pin) => names.filter((n) => pin.includes(n)));
}

function isEmptySelector(selector: any): boolean {
  return Object.keys(labelsOf(selector?.matchLabels)).length === 0 && list(selector?.matchExpressions).length === 0;
}

function describeSelector(selector: any): string {
  const labels = Object.entries(labelsOf(selector?.matchLabels)).map(([k, v]) => `${k}=${v}`);
  const expressions = list(selector?.matchExpressions).map((e) => `${e?.key} ${e?.operator}${list(e?.values).length ? ` (${list(e.values).join(', ')})` : ''}`);
  return [...labels, ...expressions].join(', ');
}

// ---------------------------------------------------------------------------------------------
// The environment: pods, services, policies, namespaces.

/** Labels of a pod template. */
function templateLabelsOf(object: ObjectInFile['object']): Labels {
  const spec = object.spec as any;
  switch (object.kind) {
    case 'Pod': return labelsOf(object.metadata.labels);
    case 'CronJob': return labelsOf(spec?.jobTemplate?.spec?.template?.metadata?.labels);
    default: return labelsOf(spec?.template?.metadata?.labels);
  }
}

/** Container ports of a pod spec; protocol defaults to TCP. */
function containerPortsOf(spec: any): ContainerPort[] {
  return containersOf(spec).flatMap((c) => list(c.ports)
    .filter((p) => typeof p?.containerPort === 'number')
    .map((p) => ({ name: typeof p.name === 'string' ? p.name : undefined, port: p.containerPort, protocol: p.protocol ?? 'TCP' })));
}

/** The namespace of an object: its own, else the destination of the Application that syncs its folder. */
function namespaceResolver(context: PolicyContext): (o: ObjectInFile) => string {
  const byFolder = new Map<string, string>();
  for (const app of context.applications) {
    const spec = app.object.spec as any;
    const namespace = spec?.destination?.namespace;
    if (typeof namespace !== 'string') continue;
    for (const source of [...(spec?.source ? [spec.source] : []), ...list(spec?.sources)]) {
      if (typeof source?.path === 'string') byFolder.set(source.path.replace(/^\.?\/+|\/+$/g, ''), namespace);
    }
  }
  return (o) => o.object.metadata.namespace ?? byFolder.get(o.path.slice(0, o.path.lastIndexOf('/'))) ?? 'default';
}

function virtualPod(namespace: string, name: string, labels: Labels, ports: ContainerPort[] = []): Pod {
  return { kind: 'pod', id: `${namespace}/${name}`, namespace, labels, ports };
}

function policyOf(o: ObjectInFile, namespace: string): Policy {
  const spec = o.object.spec as any;
  const declared = list(spec?.policyTypes).filter((t) => typeof t === 'string');
  // Kubernetes defaults policyTypes to Ingress, plus Egress when the policy has egress rules.
  const types = declared.length > 0 ? declared : ['Ingress', ...(list(spec?.egress).length > 0 ? ['Egress'] : [])];
  return { id: `${namespace}/${o.object.metadata.name}`, name: o.object.metadata.name, namespace, file: o.path, spec, types: new Set(types) };
}

/** Whether an Ingress asks cert-manager for a certificate (so an HTTP-01 solver pod runs in its namespace). */
function usesCertManager(ingress: ObjectInFile): boolean {
  const annotations = labelsOf(ingress.object.metadata.annotations);
  return 'cert-manager.io/cluster-issuer' in annotations || 'cert-manager.io/issuer' in annotations;
}

function clusterOf(objects: readonly ObjectInFile[], facts: EnvironmentFacts, namespaceOf: (o: ObjectInFile) => string): Cluster {
  const namespaceLabels = new Map<string, Labels>();
  const policies = new Map<string, Policy[]>();
  const pods = new Map<string, Pod[]>();
  const services = new Map<string, ObjectInFile[]>();
  for (const o of objects) {
    const { kind, metadata } = o.object;
    if (kind === 'Namespace') {
      namespaceLabels.set(metadata.name, { ...labelsOf(metadata.labels), 'kubernetes.io/metadata.name': metadata.name });
      continue;
    }
    const namespace = namespaceOf(o);
    if (kind === 'NetworkPolicy') push(policies, namespace, policyOf(o, namespace));
    else if (kind === 'Service') push(services, namespace, o);
    const spec = podSpecOf(o.object);
    if (spec) {
      push(pods, namespace, {
        kind: 'pod', id: `${namespace}/${kind}/${metadata.name}`, namespace, labels: templateLabelsOf(o.object),
        ports: containerPortsOf(spec), file: o.path, spec,
      });
    }
  }
  if (facts.acmeHttp01) {
    const solverNamespaces = new Set(objects.filter((o) => o.object.kind === 'Ingress' && usesCertManager(o)).map(namespaceOf));
    for (const namespace of solverNamespaces) {
      push(pods, namespace, virtualPod(namespace, 'acme-http01-solver', { 'acme.cert-manager.io/http01-solver': 'true' },
        [{ name: 'http', port: ACME_SOLVER_PORT, protocol: 'TCP' }]));
    }
  }
  const dns: Endpoint = facts.nodeLocalDnsAddress
    ? { kind: 'address', id: `${facts.nodeLocalDnsAddress} (NodeLocal DNSCache)`, address: facts.nodeLocalDnsAddress }
    : virtualPod('kube-system', 'kube-dns', { 'k8s-app': 'kube-dns' },
      [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }]);
  return {
    facts, objects, namespaceLabels, policies, pods, services, dns,
    ingressController: virtualPod(facts.ingressControllerNamespace, 'ingress-controller', { 'app.kubernetes.io/name': 'ingress-nginx' },
      [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'https', port: 443, protocol: 'TCP' }]),
    prometheus: virtualPod(facts.monitoringNamespace, 'prometheus', { 'app.kubernetes.io/name': 'prometheus' },
      [{ name: 'web', port: 9090, protocol: 'TCP' }]),
    internet: { kind: 'address', id: `${INTERNET_ADDRESS} (internet)`, address: INTERNET_ADDRESS },
  };
}

function labelsOfNamespace(cluster: Cluster, namespace: string): Labels {
  return cluster.namespaceLabels.get(namespace) ?? { 'kubernetes.io/metadata.name': namespace };
}

// ---------------------------------------------------------------------------------------------
// Required flows.

/** A flow to `pod` on `port` (number or container port name), resolved against the pod's containers. */
function flowToPod(need: string, origin: string, from: Pod, pod: Pod, port: unknown, protocol: string, what: string): RequiredFlow {
  if (typeof port === 'number') return { need, origin, from, to: pod, port, protocol };
  const named = pod.ports.find((p) => p.name === port && p.protocol === protocol);
  return named
    ? { need, origin, from, to: pod, port: named.port, protocol }
    : { need, origin, from, to: pod, port: String(port), protocol, problem: `${what} "${String(port)}" is not a ${protocol} port of any container of ${pod.id}` };
}

/** Flows through a Service port to every pod the Service selects, on the resolved targetPort. */
function flowsThroughService(
  need: string, origin: string, from: Pod, namespace: string, service: ObjectInFile, servicePort: any, cluster: Cluster,
): RequiredFlow[] {
  const targetPort = servicePort?.targetPort ?? servicePort?.port;
  const protocol = servicePort?.protocol ?? 'TCP';
  return (cluster.pods.get(namespace) ?? [])
    .filter((pod) => pod.file !== undefined && serviceSelects(service, pod))
    .map((pod) => flowToPod(need, origin, from, pod, targetPort, protocol, `Service ${service.object.metadata.name} targetPort`));
}

function serviceNamed(cluster: Cluster, namespace: string, name: unknown): ObjectInFile | undefined {
  return (cluster.services.get(namespace) ?? []).find((s) => s.object.metadata.name === name);
}

function dnsFlows(cluster: Cluster): RequiredFlow[] {
  return [...cluster.pods.values()].flat().filter((pod) => pod.file !== undefined)
    .map((pod) => ({ need: 'DNS', origin: pod.file!, from: pod, to: cluster.dns, port: 53, protocol: 'UDP' }));
}

function ingressBackendFlows(cluster: Cluster, namespaceOf: (o: ObjectInFile) => string): RequiredFlow[] {
  return cluster.objects.filter((o) => o.object.kind === 'Ingress').flatMap((ingress) => {
    const namespace = namespaceOf(ingress);
    const spec = ingress.object.spec as any;
    const backends = [spec?.defaultBackend, ...list(spec?.rules).flatMap((r) => list(r?.http?.paths).map((p) => p?.backend))];
    return backends.filter((b) => b?.service).flatMap((backend) => {
      const service = serviceNamed(cluster, namespace, backend.service.name);
      const wanted = backend.service.port ?? {};
      const servicePort = list((service?.object.spec as any)?.ports)
        .find((p) => (wanted.name !== undefined ? p?.name === wanted.name : p?.port === wanted.number));
      if (!service || !servicePort) return []; // a missing Service or port is not a NetworkPolicy question
      return flowsThroughService(`backend of Ingress ${namespace}/${ingress.object.metadata.name}`, ingress.path,
        cluster.ingressController, namespace, service, servicePort, cluster);
    });
  });
}

function solverFlows(cluster: Cluster, namespaceOf: (o: ObjectInFile) => string): RequiredFlow[] {
  if (!cluster.facts.acmeHttp01) return [];
  const firstIngress = new Map<string, ObjectInFile>();
  for (const o of cluster.objects) {
    if (o.object.kind === 'Ingress' && usesCertManager(o) && !firstIngress.has(namespaceOf(o))) firstIngress.set(namespaceOf(o), o);
  }
  return [...firstIngress.entries()].map(([namespace, ingress]) => ({
    need: `ACME HTTP-01 challenge of Ingress ${namespace}/${ingress.object.metadata.name}`, origin: ingress.path,
    from: cluster.ingressController, to: (cluster.pods.get(namespace) ?? []).find((p) => p.id === `${namespace}/acme-http01-solver`)!,
    port: ACME_SOLVER_PORT, protocol: 'TCP',
  }));
}

/** Namespaces a monitor looks in: its own, `matchNames`, or all with `any: true`. */
function monitorNamespaces(monitor: ObjectInFile, namespaceOf: (o: ObjectInFile) => string, cluster: Cluster): string[] {
  const selector = (monitor.object.spec as any)?.namespaceSelector;
  if (selector?.any === true) return [...cluster.pods.keys()];
  const names = list(selector?.matchNames).filter((n) => typeof n === 'string');
  return names.length > 0 ? names : [namespaceOf(monitor)];
}

function scrapeFlows(cluster: Cluster, namespaceOf: (o: ObjectInFile) => string): RequiredFlow[] {
  return cluster.objects.flatMap((monitor) => {
    const { kind, metadata } = monitor.object;
    const spec = monitor.object.spec as any;
    if (kind === 'PodMonitor') {
      const pods = monitorNamespaces(monitor, namespaceOf, cluster).flatMap((ns) => cluster.pods.get(ns) ?? [])
        .filter((pod) => pod.file !== undefined && selects(spec?.selector ?? {}, pod.labels));
      return list(spec?.podMetricsEndpoints).flatMap((endpoint) => {
        const port = endpoint?.port ?? endpoint?.portNumber ?? endpoint?.targetPort;
        if (port === undefined) return [];
        return pods.map((pod) => flowToPod(`PodMonitor ${namespaceOf(monitor)}/${metadata.name} port ${port}`, monitor.path,
          cluster.prometheus, pod, port, 'TCP', `PodMonitor ${metadata.name} port`));
      });
    }
    if (kind === 'ServiceMonitor') {
      const services = monitorNamespaces(monitor, namespaceOf, cluster)
        .flatMap((ns) => (cluster.services.get(ns) ?? []).map((service) => ({ ns, service })))
        .filter(({ service }) => selects(spec?.selector ?? {}, labelsOf(service.object.metadata.labels)));
      return list(spec?.endpoints).flatMap((endpoint) => services.flatMap(({ ns, service }) => {
        const need = `ServiceMonitor ${namespaceOf(monitor)}/${metadata.name} port ${endpoint?.port ?? endpoint?.targetPort}`;
        if (endpoint?.port !== undefined) {
          const servicePort = list((service.object.spec as any)?.ports).find((p) => p?.name === endpoint.port);
          return servicePort ? flowsThroughService(need, monitor.path, cluster.prometheus, ns, service, servicePort, cluster) : [];
        }
        if (endpoint?.targetPort === undefined) return [];
        return flowsThroughService(need, monitor.path, cluster.prometheus, ns, service, { targetPort: endpoint.targetPort }, cluster);
      }));
    }
    return [];
  });
}

const URL_PATTERN = /\b(https?):\/\/([A-Za-z0-9.-]+)(?::(\d+))?/g;
const SERVICE_HOST = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?\.?$/;

/** Whether a host is inside the cluster (or the node) without being a Service URL we can resolve. */
function isInternalHost(host: string, facts: EnvironmentFacts): boolean {
  if (!host.includes('.') || /(^|\.)(localhost|local|internal|svc)$/.test(host) || host.endsWith('.cluster.local')) return true;
  return parseIPv4(host) !== undefined && facts.internalCidrs.some((cidr) => ipv4InCidr(host, cidr));
}

function envUrlFlows(cluster: Cluster): RequiredFlow[] {
  return [...cluster.pods.values()].flat().filter((pod) => pod.file !== undefined).flatMap((pod) =>
    containersOf(pod.spec).flatMap((container) => list(container.env)
      .filter((e) => typeof e?.value === 'string')
      .flatMap((e) => [...(e.value as string).matchAll(URL_PATTERN)].flatMap(([, scheme, host, portText]) => {
        const need = `env ${e.name} of container ${container.name}`;
        const port = portText !== undefined ? Number(portText) : scheme === 'https' ? 443 : 80;
        const service = SERVICE_HOST.exec(host.toLowerCase());
        if (service) {
          const [, name, namespace] = service;
          const target = serviceNamed(cluster, namespace, name);
          const servicePort = list((target?.object.spec as any)?.ports).find((p) => p?.port === port);
          // A Service the output does not render (or a port it lacks) has no pods to reason about.
          return target && servicePort ? flowsThroughService(need, pod.file!, pod, namespace, target, servicePort, cluster) : [];
        }
        if (scheme !== 'https' || isInternalHost(host.toLowerCase(), cluster.facts)) return [];
        const to: Address = parseIPv4(host) !== undefined ? { kind: 'address', id: host, address: host } : cluster.internet;
        return [{ need, origin: pod.file!, from: pod, to, port, protocol: 'TCP' }];
      }))));
}

// ---------------------------------------------------------------------------------------------
// Evaluation.

/** Whether a rule's peer list (`from` / `to`; absent or empty = everyone) matches `peer`. */
function peersMatch(peers: unknown, policy: Policy, peer: Endpoint, cluster: Cluster): boolean {
  const entries = list(peers);
  if (entries.length === 0) return true;
  return entries.some((p) => {
    // ipBlock is for addresses outside the pods: pod IPs are ephemeral, and CNIs differ on whether ipBlock matches them.
    if (peer.kind === 'address') return p?.ipBlock !== undefined && ipBlockHolds(p.ipBlock, peer.address);
    if (p?.ipBlock !== undefined) return false;
    const hasNamespaces = p?.namespaceSelector !== undefined && p?.namespaceSelector !== null;
    const hasPods = p?.podSelector !== undefined && p?.podSelector !== null;
    if (!hasNamespaces && !hasPods) return false;
    const namespaceOk = hasNamespaces ? selects(p.namespaceSelector, labelsOfNamespace(cluster, peer.namespace)) : peer.namespace === policy.namespace;
    return namespaceOk && (!hasPods || selects(p.podSelector, peer.labels));
  });
}

/** Whether a rule's ports (absent or empty = all) match the flow; a named port is looked up on the destination pod. */
function portsMatch(ports: unknown, port: number, protocol: string, destination: Endpoint): boolean {
  const entries = list(ports);
  if (entries.length === 0) return true;
  return entries.some((e) => {
    if ((e?.protocol ?? 'TCP') !== protocol) return false;
    if (e?.port === undefined || e?.port === null) return true;
    if (typeof e.port === 'number') return port >= e.port && port <= (e.endPort ?? e.port);
    return destination.kind === 'pod' && destination.ports.some((p) => p.name === e.port && p.port === port && p.protocol === protocol);
  });
}

function rulesOf(policy: Policy, direction: Direction): Array<{ peers: unknown; ports: unknown }> {
  return direction === 'Ingress'
    ? list(policy.spec?.ingress).map((r) => ({ peers: r?.from, ports: r?.ports }))
    : list(policy.spec?.egress).map((r) => ({ peers: r?.to, ports: r?.ports }));
}

/** Policies of the pod's namespace that isolate it for `direction`. */
function isolating(cluster: Cluster, pod: Pod, direction: Direction): Policy[] {
  return (cluster.policies.get(pod.namespace) ?? [])
    .filter((p) => p.types.has(direction) && selects(p.spec?.podSelector ?? {}, pod.labels));
}

const notIsolated: FlowSide = { isolatedBy: [], allowedBy: [], allowed: true };

function evaluateSide(cluster: Cluster, flow: RequiredFlow, direction: Direction): FlowSide {
  const pod = direction === 'Egress' ? flow.from : flow.to;
  if (pod.kind !== 'pod') return notIsolated;
  const peer = direction === 'Egress' ? flow.to : flow.from;
  const policies = isolating(cluster, pod, direction);
  const allowedBy = typeof flow.port !== 'number' ? [] : policies.filter((policy) => rulesOf(policy, direction)
    .some((rule) => peersMatch(rule.peers, policy, peer, cluster) && portsMatch(rule.ports, flow.port as number, flow.protocol, flow.to)));
  return {
    isolatedBy: policies.map((p) => p.id).sort(compareStrings),
    allowedBy: allowedBy.map((p) => p.id).sort(compareStrings),
    allowed: policies.length === 0 || allowedBy.length > 0,
  };
}

function evaluate(cluster: Cluster, flow: RequiredFlow): FlowResult {
  const egress = evaluateSide(cluster, flow, 'Egress');
  const ingress = evaluateSide(cluster, flow, 'Ingress');
  return {
    need: flow.need, from: flow.from.id, to: flow.to.id, port: flow.port, protocol: flow.protocol,
    allowed: egress.allowed && ingress.allowed && flow.problem === undefined,
    egress, ingress,
    ...(flow.from.file !== undefined ? { fromFile: flow.from.file } : {}),
    ...(flow.to.kind === 'pod' && flow.to.file !== undefined ? { toFile: flow.to.file } : {}),
    origin: flow.origin,
    ...(flow.problem !== undefined ? { problem: flow.problem } : {}),
  };
}

function compareFlows(a: FlowResult, b: FlowResult): number {
  return compareStrings(a.from, b.from) || compareStrings(a.to, b.to) || compareStrings(a.protocol, b.protocol)
    || compareStrings(String(a.port).padStart(5, '0'), String(b.port).padStart(5, '0')) || compareStrings(a.need, b.need);
}

/** Same flow for the same need, e.g. two paths of one Ingress to one backend. */
function flowKey(f: RequiredFlow): string {
  return `${f.from.id}|${f.to.id}|${f.protocol}|${f.port}|${f.need}`;
}

interface Analysis {
  readonly cluster: Cluster;
  readonly flows: readonly FlowResult[];
}

/** Every environment of the output, its cluster model and its evaluated required flows, by environment name. */
function analyse(context: PolicyContext): Map<string, Analysis> {
  const namespaceOf = namespaceResolver(context);
  const byEnvironment = new Map<string, ObjectInFile[]>();
  for (const o of context.objects) push(byEnvironment, environmentOf(o.path), o);
  const out = new Map<string, Analysis>();
  for (const env of [...byEnvironment.keys()].sort(compareStrings)) {
    const objects = [...byEnvironment.get(env)!].sort((a, b) => compareStrings(a.path, b.path));
    const cluster = clusterOf(objects, environmentFacts(context, env), namespaceOf);
    const required = new Map<string, RequiredFlow>();
    for (const flow of [
      ...dnsFlows(cluster), ...ingressBackendFlows(cluster, namespaceOf), ...scrapeFlows(cluster, namespaceOf),
      ...envUrlFlows(cluster), ...solverFlows(cluster, namespaceOf),
    ]) if (!required.has(flowKey(flow))) required.set(flowKey(flow), flow);
    out.set(env, { cluster, flows: [...required.values()].map((f) => evaluate(cluster, f)).sort(compareFlows) });
  }
  return out;
}

/**
 * Every flow the platform needs in each environment (DNS, ingress controller to Ingress backends and
 * HTTP-01 solvers, Prometheus to scraped ports, in-cluster and external URLs of container env), with
 * whether the output's NetworkPolicies allow it and which policies allow or isolate each side.
 * Keys are environment names, flows are sorted by from, to, protocol, port.
 */
export function flowMatrix(context: PolicyContext): Record<string, FlowResult[]> {
  const out: Record<string, FlowResult[]> = {};
  for (const [env, { flows }] of analyse(context)) out[env] = [...flows];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Violations.

function names(ids: readonly string[]): string {
  return ids.map((id) => id.slice(id.indexOf('/') + 1)).join(', ');
}

function blockedViolation(flow: FlowResult): { file: string; message: string } {
  const reasons: string[] = [];
  // A flow that cannot happen is about the port, not the policies: say only that.
  if (flow.problem !== undefined) reasons.push(flow.problem);
  else if (!flow.egress.allowed) reasons.push(`${flow.from} is isolated for egress by ${names(flow.egress.isolatedBy)} and none of them allows it`);
  if (flow.problem === undefined && !flow.ingress.allowed) reasons.push(`${flow.to} is isolated for ingress by ${names(flow.ingress.isolatedBy)} and none of them allows it`);
  // The file to fix: the workload on the blocking side, else the one at the other end, else what makes the flow necessary.
  const file = (flow.problem !== undefined ? flow.toFile : undefined)
    ?? (!flow.egress.allowed ? flow.fromFile : undefined)
    ?? (!flow.ingress.allowed ? flow.toFile : undefined)
    ?? flow.fromFile ?? flow.toFile ?? flow.origin;
  return { file, message: `${flow.need}: ${flow.from} -> ${flow.to} on ${flow.protocol} ${flow.port} is blocked: ${reasons.join('; ')}` };
}

function isTenantNamespace(cluster: Cluster, namespace: string): boolean {
  return namespace.startsWith('tenant-') || 'stoa.io/tenant' in labelsOfNamespace(cluster, namespace);
}

type PeerClass = { readonly kind: 'ingress' | 'monitoring' | 'same' } | { readonly kind: 'other'; readonly what: string };

/** Who a peer of an ingress rule of a policy in `namespace` lets in. */
function classifyPeers(peer: any, namespace: string, facts: EnvironmentFacts): PeerClass[] {
  if (peer?.ipBlock !== undefined) {
    const except = list(peer.ipBlock?.except);
    return [{ kind: 'other', what: `ipBlock ${peer.ipBlock?.cidr}${except.length ? ` except ${except.join(', ')}` : ''}` }];
  }
  const selector = peer?.namespaceSelector;
  if (selector === undefined || selector === null) return [{ kind: 'same' }];
  const pinned = pinnedNamespaces(selector);
  if (pinned === undefined) {
    return [{ kind: 'other', what: isEmptySelector(selector) ? 'every namespace' : `namespaces matching ${describeSelector(selector)}` }];
  }
  return pinned.map((name): PeerClass => (name === namespace ? { kind: 'same' }
    : name === facts.ingressControllerNamespace ? { kind: 'ingress' }
      : name === facts.monitoringNamespace ? { kind: 'monitoring' }
        : { kind: 'other', what: `namespace ${name}` }));
}

function describePorts(ports: unknown): string {
  const entries = list(ports);
  if (entries.length === 0) return 'every port';
  return entries.map((e) => {
    const protocol = e?.protocol ?? 'TCP';
    if (e?.port === undefined || e?.port === null) return `every ${protocol} port`;
    return `${protocol} ${e.port}${typeof e.endPort === 'number' ? `-${e.endPort}` : ''}`;
  }).join(', ');
}

/** The entries of `ports` that open something outside `allowed` (`PROTOCOL port` keys), resolving names on `pods`. */
function portsBeyond(ports: unknown, allowed: ReadonlySet<string>, pods: readonly Pod[]): string[] {
  const entries = list(ports);
  if (entries.length === 0) return ['every port'];
  return entries.flatMap((e) => {
    const protocol = e?.protocol ?? 'TCP';
    if (e?.port === undefined || e?.port === null) return [`every ${protocol} port`];
    if (typeof e.port === 'number') {
      const last = Math.min(typeof e.endPort === 'number' ? e.endPort : e.port, 65535);
      for (let port = Math.max(1, e.port); port <= last; port++) {
        if (!allowed.has(`${protocol} ${port}`)) return [describePorts([e])];
      }
      return [];
    }
    const resolved = pods.flatMap((pod) => pod.ports.filter((p) => p.name === e.port && p.protocol === protocol));
    return resolved.some((p) => !allowed.has(`${protocol} ${p.port}`)) ? [describePorts([e])] : [];
  });
}

/** Ingress rules of policies in tenant namespaces that let in anything but the ingress controller and Prometheus on their ports. */
function tenantIngressViolations(cluster: Cluster, flows: readonly FlowResult[]): Array<{ file: string; message: string }> {
  const out: Array<{ file: string; message: string }> = [];
  const flowsTo = new Map<string, FlowResult[]>();
  for (const flow of flows) push(flowsTo, flow.to, flow);
  for (const [namespace, policies] of [...cluster.policies.entries()].sort(([a], [b]) => compareStrings(a, b))) {
    if (!isTenantNamespace(cluster, namespace)) continue;
    const pods = cluster.pods.get(namespace) ?? [];
    for (const policy of policies.filter((p) => p.types.has('Ingress'))) {
      const selected = pods.filter((pod) => selects(policy.spec?.podSelector ?? {}, pod.labels));
      const portsFrom = (source: string) => new Set(selected.flatMap((pod) => flowsTo.get(pod.id) ?? [])
        .filter((f) => f.from === source && typeof f.port === 'number')
        .map((f) => `${f.protocol} ${f.port}`));
      const allowed = {
        ingress: new Set([...portsFrom(cluster.ingressController.id), `TCP ${ACME_SOLVER_PORT}`]),
        monitoring: portsFrom(cluster.prometheus.id),
      };
      const into = `NetworkPolicy "${policy.name}" allows traffic into ${namespace}`;
      for (const rule of rulesOf(policy, 'Ingress')) {
        const peers = list(rule.peers);
        if (peers.length === 0) {
          out.push({ file: policy.file, message: `${into} from every source on ${describePorts(rule.ports)}` });
          continue;
        }
        for (const peer of peers.flatMap((p) => classifyPeers(p, namespace, cluster.facts))) {
          if (peer.kind === 'same') continue;
          if (peer.kind === 'other') {
            out.push({ file: policy.file, message: `${into} from ${peer.what} on ${describePorts(rule.ports)}` });
            continue;
          }
          const beyond = portsBeyond(rule.ports, allowed[peer.kind], selected);
          if (beyond.length === 0) continue;
          const source = peer.kind === 'ingress' ? cluster.facts.ingressControllerNamespace : cluster.facts.monitoringNamespace;
          const why = peer.kind === 'ingress'
            ? `not an Ingress backend or the HTTP-01 solver port (${ACME_SOLVER_PORT})`
            : 'not scraped by any PodMonitor or ServiceMonitor';
          out.push({ file: policy.file, message: `${into} from namespace ${source} on ${beyond.join(', ')}: ${why}` });
        }
      }
    }
  }
  return out;
}

/**
 * Evaluates Kubernetes NetworkPolicy semantics over each environment's output: every flow the platform
 * needs ({@link flowMatrix}) must be allowed, and nothing but the ingress controller (to Ingress backends
 * and HTTP-01 solvers) and Prometheus (to scraped ports) may be let into a tenant namespace.
 */
export const networkFlows: PolicyRule = {
  id: 'network-flows',
  reason: 'NetworkPolicies allow every flow the platform needs (DNS, ingress, metrics, ACME, service and external URLs) and let nothing else into tenant namespaces',
  check: (context) => [...analyse(context).values()].flatMap(({ cluster, flows }) => [
    ...flows.filter((f) => !f.allowed).map(blockedViolation),
    ...tenantIngressViolations(cluster, flows),
  ]).sort((a, b) => compareStrings(a.file, b.file) || compareStrings(a.message, b.message)),
};
