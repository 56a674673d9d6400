import { EnvironmentFacts, ObjectInFile } from '../../policy';
import { Labels, labelsOf, list, pushTo } from '../../model/fields';
import { EnvironmentIndex } from '../../model/context-index';
import { namespaceLabelsOf } from '../../model/namespaces';
import { ContainerPort, podTemplatesOf } from '../../model/workloads';

/*
 * One environment's cluster as the NetworkPolicies see it: the pods of the output and those the cluster
 * provides (ingress controller, Prometheus, DNS, ACME solvers), Services, policies and namespace labels.
 */

/**
 * The address that stands for "the internet" in flows to external hosts: 203.0.113.0/24 is TEST-NET-3,
 * reserved for documentation, so no cluster uses it for pods, services or nodes.
 */
export const INTERNET_ADDRESS = '203.0.113.10';

/** Port of cert-manager's ACME HTTP-01 solver pods. */
export const ACME_SOLVER_PORT = 8089;

/** A pod the flows start or end at: one per pod template of the output, or one the cluster provides (no file). */
export interface Pod {
  /** Tells a pod from an {@link Address}. */
  readonly kind: 'pod';
  /** `namespace/Kind/name` for a pod template of the output, `namespace/name` for a pod the cluster provides. */
  readonly id: string;
  /** Its namespace. */
  readonly namespace: string;
  /** Its labels. */
  readonly labels: Labels;
  /** Ports its containers declare. */
  readonly ports: readonly ContainerPort[];
  /** File of its workload; none for a pod the cluster provides. */
  readonly file?: string;
  /** Its pod spec; none for a pod the cluster provides. */
  readonly spec?: any;
}

/** An address outside the pods the output and the cluster facts describe. */
export interface Address {
  /** Tells an address from a {@link Pod}. */
  readonly kind: 'address';
  /** The address, and what it is when that is not plain. */
  readonly id: string;
  /** The IPv4 address. */
  readonly address: string;
}

/** Where a flow starts or ends. */
export type Endpoint = Pod | Address;

/** A NetworkPolicy of the output. */
export interface Policy {
  /** `namespace/name`. */
  readonly id: string;
  /** Its name. */
  readonly name: string;
  /** The namespace it is in (and whose pods it selects). */
  readonly namespace: string;
  /** Its file. */
  readonly file: string;
  /** Its spec. */
  readonly spec: any;
  /** Its policyTypes, with Kubernetes' defaults. */
  readonly types: ReadonlySet<string>;
}

/** Everything one environment's flows are evaluated against, indexed by namespace. */
export interface Cluster {
  /** What the cluster provides. */
  readonly facts: EnvironmentFacts;
  /** The environment's objects, sorted by path. */
  readonly objects: readonly ObjectInFile[];
  /** The environment's objects of each kind, sorted by path. */
  readonly byKind: ReadonlyMap<string, readonly ObjectInFile[]>;
  /** Labels of each namespace with a Namespace manifest. */
  readonly namespaceLabels: ReadonlyMap<string, Labels>;
  /** NetworkPolicies by namespace. */
  readonly policies: ReadonlyMap<string, readonly Policy[]>;
  /** Pods of the output plus the solver pods, by namespace. */
  readonly pods: ReadonlyMap<string, readonly Pod[]>;
  /** Services by namespace. */
  readonly services: ReadonlyMap<string, readonly ObjectInFile[]>;
  /** Ingresses by namespace. */
  readonly ingresses: ReadonlyMap<string, readonly ObjectInFile[]>;
  /** The ingress controller's pod. */
  readonly ingressController: Pod;
  /** Prometheus' pod. */
  readonly prometheus: Pod;
  /** kube-dns, or the NodeLocal DNSCache address. */
  readonly dns: Endpoint;
  /** An address on the internet. */
  readonly internet: Address;
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
export function usesCertManager(ingress: ObjectInFile): boolean {
  const annotations = labelsOf(ingress.object.metadata.annotations);
  return 'cert-manager.io/cluster-issuer' in annotations || 'cert-manager.io/issuer' in annotations;
}

/** The cluster of one environment (its objects sorted by path, indexed), `namespaceOf` places each object. */
export function clusterOf(index: EnvironmentIndex, facts: EnvironmentFacts, namespaceOf: (o: ObjectInFile) => string): Cluster {
  const { objects, byKind } = index;
  const ofKind = (kind: string) => byKind.get(kind) ?? [];
  const policies = new Map<string, Policy[]>();
  const pods = new Map<string, Pod[]>();
  const services = new Map<string, ObjectInFile[]>();
  const ingresses = new Map<string, ObjectInFile[]>();
  // Each map holds one kind, so reading the kinds one after the other keeps each list in path order.
  for (const o of ofKind('NetworkPolicy')) {
    const namespace = namespaceOf(o);
    pushTo(policies, namespace, policyOf(o, namespace));
  }
  for (const o of ofKind('Service')) pushTo(services, namespaceOf(o), o);
  for (const o of ofKind('Ingress')) pushTo(ingresses, namespaceOf(o), o);
  for (const { source, namespace, labels, ports, spec } of podTemplatesOf(index.workloads, namespaceOf)) {
    pushTo(pods, namespace, { kind: 'pod', id: `${namespace}/${source.object.kind}/${source.object.metadata.name}`, namespace, labels, ports, file: source.path, spec });
  }
  if (facts.acmeHttp01) {
    const solverNamespaces = new Set(ofKind('Ingress').filter((o) => usesCertManager(o)).map(namespaceOf));
    for (const namespace of solverNamespaces) {
      pushTo(pods, namespace, virtualPod(namespace, 'acme-http01-solver', { 'acme.cert-manager.io/http01-solver': 'true' },
        [{ name: 'http', port: ACME_SOLVER_PORT, protocol: 'TCP' }]));
    }
  }
  const dns: Endpoint = facts.nodeLocalDnsAddress
    ? { kind: 'address', id: `${facts.nodeLocalDnsAddress} (NodeLocal DNSCache)`, address: facts.nodeLocalDnsAddress }
    : virtualPod('kube-system', 'kube-dns', { 'k8s-app': 'kube-dns' },
      [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }]);
  return {
    facts, objects, byKind, namespaceLabels: index.namespaceLabels, policies, pods, services, ingresses, dns,
    ingressController: virtualPod(facts.ingressControllerNamespace, 'ingress-controller', { 'app.kubernetes.io/name': 'ingress-nginx' },
      [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'https', port: 443, protocol: 'TCP' }]),
    prometheus: virtualPod(facts.monitoringNamespace, 'prometheus', { 'app.kubernetes.io/name': 'prometheus' },
      [{ name: 'web', port: 9090, protocol: 'TCP' }]),
    internet: { kind: 'address', id: `${INTERNET_ADDRESS} (internet)`, address: INTERNET_ADDRESS },
  };
}

/** The labels of a namespace: its manifest's, or only its name label when the output has no manifest for it. */
export function labelsOfNamespace(cluster: Cluster, namespace: string): Labels {
  return cluster.namespaceLabels.get(namespace) ?? namespaceLabelsOf(namespace);
}

// The first Service of each name in each namespace, built once per cluster: Ingresses and env URLs look Services up by name.
const serviceIndexes = new WeakMap<Cluster, Map<string, Map<string, ObjectInFile>>>();

function serviceIndex(cluster: Cluster): Map<string, Map<string, ObjectInFile>> {
  let index = serviceIndexes.get(cluster);
  if (index) return index;
  index = new Map();
  for (const [namespace, services] of cluster.services) {
    const byName = new Map<string, ObjectInFile>();
    for (const s of services) if (!byName.has(s.object.metadata.name)) byName.set(s.object.metadata.name, s);
    index.set(namespace, byName);
  }
  serviceIndexes.set(cluster, index);
  return index;
}

/** The Service `name` of `namespace`, when the output renders it. */
export function serviceNamed(cluster: Cluster, namespace: string, name: unknown): ObjectInFile | undefined {
  return serviceIndex(cluster).get(namespace)?.get(name as string);
}
