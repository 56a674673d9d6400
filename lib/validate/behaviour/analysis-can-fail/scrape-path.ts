import { ObjectInFile } from '../../policy';
import { labelsOf, list } from '../../model/fields';
import { describeObject } from '../../model/findings';
import { matchesLabelSelector, matchesServiceSelector } from '../../model/selectors';
import { PodTemplate, podTemplatesOf } from '../../model/workloads';

/*
 * Scrape path: something scrapes the pods a query reads. Namespaces here are the objects' own
 * (`metadata.namespace`): an object that takes its Application's destination is not placed.
 */

/** What one environment renders that a scrape path runs through. */
export interface ScrapeIndex {
  /** Pod templates with a namespace of their own. */
  readonly pods: readonly PodTemplate[];
  /** Services. */
  readonly services: readonly ObjectInFile[];
  /** PodMonitors and ServiceMonitors. */
  readonly monitors: readonly ObjectInFile[];
}

/** The scrape index of one environment's objects. */
export function scrapeIndex(objects: readonly ObjectInFile[]): ScrapeIndex {
  return {
    pods: podTemplatesOf(objects, (o) => (o.object.metadata.namespace ? o.object.metadata.namespace : undefined)),
    services: objects.filter((o) => o.object.kind === 'Service'),
    monitors: objects.filter((o) => o.object.kind === 'PodMonitor' || o.object.kind === 'ServiceMonitor'),
  };
}

/** Whether a Prometheus Operator monitor scrapes in `namespace`: its own, unless `namespaceSelector` says otherwise. */
function monitorWatches(monitor: ObjectInFile['object'], namespace: string): boolean {
  const selector = (monitor.spec as any)?.namespaceSelector;
  if (selector?.any === true) return true;
  const names = list(selector?.matchNames);
  return names.length > 0 ? names.includes(namespace) : monitor.metadata.namespace === namespace;
}

/** Whether a pod template declares a container port by name (string) or number. */
function declaresPort(pod: PodTemplate, port: unknown): boolean {
  return pod.ports.some((p) => (typeof port === 'string' ? p.name === port : p.port === port));
}

/** Pod labels a query needs from the monitor's `podTargetLabels` (Prometheus writes `-` as `_`). */
function requiredPodTargetLabels(query: string): string[] {
  return /\brollouts_pod_template_hash\b/.test(query) ? ['rollouts-pod-template-hash'] : [];
}

/** Why a PodMonitor does not scrape pods of `namespace`, or undefined when it does. */
function podMonitorGap(monitor: ObjectInFile, namespace: string, index: ScrapeIndex): string | undefined {
  const spec = monitor.object.spec as any;
  const selected = index.pods.filter((p) => p.namespace === namespace && matchesLabelSelector(spec?.selector ?? {}, p.labels));
  if (selected.length === 0) return `${describeObject(monitor)} selects no pods of a workload in ${namespace}`;
  const endpointPorts = list(spec?.podMetricsEndpoints).map((e) => e?.port ?? e?.portNumber).filter((p) => p !== undefined);
  if (endpointPorts.length === 0) return `${describeObject(monitor)} has no podMetricsEndpoints[].port`;
  const served = endpointPorts.some((port) => selected.some((p) => declaresPort(p, port)));
  return served ? undefined
    : `${describeObject(monitor)} scrapes port ${endpointPorts.map((p) => JSON.stringify(p)).join(', ')}, which ${selected.map((p) => describeObject(p.source)).join(', ')} does not declare`;
}

/** Why a ServiceMonitor does not scrape pods of `namespace` through a Service, or undefined when it does. */
function serviceMonitorGap(monitor: ObjectInFile, namespace: string, index: ScrapeIndex): string | undefined {
  const spec = monitor.object.spec as any;
  const services = index.services.filter((s) => s.object.metadata.namespace === namespace
    && matchesLabelSelector(spec?.selector ?? {}, labelsOf(s.object.metadata.labels)));
  if (services.length === 0) return `${describeObject(monitor)} selects no Service in ${namespace}`;
  const endpointPorts = list(spec?.endpoints).map((e) => e?.port).filter((p): p is string => typeof p === 'string');
  if (endpointPorts.length === 0) return `${describeObject(monitor)} has no endpoints[].port naming a Service port`;
  for (const service of services) {
    const sspec = service.object.spec as any;
    // A Service without a selector has hand-made endpoints: no pod template of the output behind it.
    const pods = index.pods.filter((p) => p.namespace === namespace && matchesServiceSelector(sspec?.selector, p.labels));
    for (const servicePort of list(sspec?.ports).filter((p) => endpointPorts.includes(p?.name))) {
      const target = servicePort.targetPort ?? servicePort.port;
      if (pods.some((p) => declaresPort(p, target))) return undefined;
    }
  }
  return `${describeObject(monitor)} scrapes Service port ${endpointPorts.join(', ')}, which no selected Service maps to a declared container port`;
}

/** Why nothing scrapes `namespace` for `query`, or undefined when a monitor scrapes a workload there. */
export function scrapeGap(namespace: string, query: string, index: ScrapeIndex): string | undefined {
  const watching = index.monitors.filter((m) => monitorWatches(m.object, namespace));
  const reasons: string[] = [];
  for (const monitor of watching) {
    const gap = monitor.object.kind === 'PodMonitor' ? podMonitorGap(monitor, namespace, index) : serviceMonitorGap(monitor, namespace, index);
    if (gap) {
      reasons.push(gap);
      continue;
    }
    const carried = list((monitor.object.spec as any)?.podTargetLabels);
    const missing = requiredPodTargetLabels(query).filter((l) => !carried.includes(l));
    if (missing.length === 0) return undefined;
    reasons.push(`${describeObject(monitor)} has no podTargetLabels ${missing.join(', ')}, which the query matches on`);
  }
  const why = reasons.length > 0 ? ` (${reasons.join('; ')})` : '';
  return `no PodMonitor or ServiceMonitor of the output scrapes a workload in ${namespace} by a container port it declares${why}: `
    + 'add a PodMonitor selecting the pods, with podMetricsEndpoints[].port naming their metrics port';
}

/** The values of the query's exact `namespace="..."` matchers, each once. */
function namespaceMatchers(query: string): string[] {
  const values = [...query.matchAll(/(?<![\w.])namespace\s*=(?![=~])\s*"([^"]*)"/g)].map((m) => m[1]);
  return [...new Set(values)];
}

/** `{{args.name}}` (spaces allowed) replaced by `resolve(name)`. */
function substituteArgs(text: string, resolve: (name: string) => string): string {
  return text.replace(/\{\{\s*args\.([\w.-]+)\s*\}\}/g, (_, name: string) => resolve(name));
}

/** Whether the query reads `{{args.name}}`. */
export function usesArg(query: string, name: string): boolean {
  return substituteArgs(query, (n) => (n === name ? '\u0000' : '')).includes('\u0000');
}

/** The namespaces a query reads: its `namespace="..."` matchers, else the namespace it runs for. */
export function namespacesRead(query: string, resolveArg: (name: string) => string, runsIn: string): string[] {
  const matchers = namespaceMatchers(query).map((v) => substituteArgs(v, resolveArg));
  return matchers.length > 0 ? matchers : [runsIn];
}