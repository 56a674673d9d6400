import { containersOf, EnvironmentFacts, ObjectInFile } from '../../policy';
import { labelsOf, list } from '../../model/fields';
import { matchesLabelSelector, matchesServiceSelector } from '../../model/selectors';
import { ipv4InCidr, parseIPv4 } from './cidr';
import { ACME_SOLVER_PORT, Address, Cluster, Endpoint, Pod, serviceNamed, usesCertManager } from './cluster';

/*
 * The flows the platform needs in one environment, before any NetworkPolicy is read: DNS, the ingress
 * controller to Ingress backends and HTTP-01 solvers, Prometheus to scraped ports, and the in-cluster
 * and external URLs in container env (one to a Service of the ingress controller's namespace goes to
 * the controller's pods).
 */

/** A flow the platform needs, before the policies are evaluated. */
export interface RequiredFlow {
  /** Why the flow must work, e.g. `DNS`. */
  readonly need: string;
  /** File of the object that makes the flow necessary. */
  readonly origin: string;
  /** Source pod. */
  readonly from: Pod;
  /** Destination. */
  readonly to: Endpoint;
  /** Destination port; a port name when it could not be resolved. */
  readonly port: number | string;
  /** `TCP`, `UDP` or `SCTP`. */
  readonly protocol: string;
  /** Why the flow cannot happen whatever the policies say. */
  readonly problem?: string;
}

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
    .filter((pod) => pod.file !== undefined && matchesServiceSelector((service.object.spec as any)?.selector, pod.labels))
    .map((pod) => flowToPod(need, origin, from, pod, targetPort, protocol, `Service ${service.object.metadata.name} targetPort`));
}

function dnsFlows(cluster: Cluster): RequiredFlow[] {
  return [...cluster.pods.values()].flat().filter((pod) => pod.file !== undefined)
    .map((pod) => ({ need: 'DNS', origin: pod.file!, from: pod, to: cluster.dns, port: 53, protocol: 'UDP' }));
}

function ingressBackendFlows(cluster: Cluster, namespaceOf: (o: ObjectInFile) => string): RequiredFlow[] {
  return (cluster.byKind.get('Ingress') ?? []).flatMap((ingress) => {
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
  for (const o of cluster.byKind.get('Ingress') ?? []) {
    if (usesCertManager(o) && !firstIngress.has(namespaceOf(o))) firstIngress.set(namespaceOf(o), o);
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
  return cluster.objects.filter((o) => o.object.kind === 'PodMonitor' || o.object.kind === 'ServiceMonitor').flatMap((monitor) => {
    const { kind, metadata } = monitor.object;
    const spec = monitor.object.spec as any;
    if (kind === 'PodMonitor') {
      const pods = monitorNamespaces(monitor, namespaceOf, cluster).flatMap((ns) => cluster.pods.get(ns) ?? [])
        .filter((pod) => pod.file !== undefined && matchesLabelSelector(spec?.selector ?? {}, pod.labels));
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
        .filter(({ service }) => matchesLabelSelector(spec?.selector ?? {}, labelsOf(service.object.metadata.labels)));
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
export function isInternalHost(host: string, facts: EnvironmentFacts): boolean {
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
          // A Service of the ingress controller's namespace that the output does not render is the controller's
          // (a gateway smoke test reaching a tenant host through it): the flow is to the controller's pods.
          if (!target && namespace === cluster.facts.ingressControllerNamespace) {
            return [{ need, origin: pod.file!, from: pod, to: cluster.ingressController, port, protocol: 'TCP' }];
          }
          const servicePort = list((target?.object.spec as any)?.ports).find((p) => p?.port === port);
          // A Service the output does not render (or a port it lacks) has no pods to reason about.
          return target && servicePort ? flowsThroughService(need, pod.file!, pod, namespace, target, servicePort, cluster) : [];
        }
        if (scheme !== 'https' || isInternalHost(host.toLowerCase(), cluster.facts)) return [];
        const to: Address = parseIPv4(host) !== undefined ? { kind: 'address', id: host, address: host } : cluster.internet;
        return [{ need, origin: pod.file!, from: pod, to, port, protocol: 'TCP' }];
      }))));
}

/** Same flow for the same need, e.g. two paths of one Ingress to one backend. */
function flowKey(f: RequiredFlow): string {
  return `${f.from.id}|${f.to.id}|${f.protocol}|${f.port}|${f.need}`;
}

/** Every flow the platform needs in the cluster, each once (the first of equal flows kept). */
export function requiredFlows(cluster: Cluster, namespaceOf: (o: ObjectInFile) => string): RequiredFlow[] {
  const required = new Map<string, RequiredFlow>();
  for (const flow of [
    ...dnsFlows(cluster), ...ingressBackendFlows(cluster, namespaceOf), ...scrapeFlows(cluster, namespaceOf),
    ...envUrlFlows(cluster), ...solverFlows(cluster, namespaceOf),
  ]) if (!required.has(flowKey(flow))) required.set(flowKey(flow), flow);
  return [...required.values()];
}
