import { compareStrings } from '../../../sort';
import { list } from '../../model/fields';
import { matchesLabelSelector } from '../../model/selectors';
import { ipBlockHolds } from './cidr';
import { Cluster, Endpoint, labelsOfNamespace, Policy, Pod } from './cluster';
import { RequiredFlow } from './required-flows';

/*
 * Kubernetes NetworkPolicy semantics: which policies isolate a pod for a direction, and whether one of
 * their rules (peers and ports) lets a flow through.
 */

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
  /**
   * File of the source workload, when the source is in the output.
   * @default - none: the source is provided by the cluster (ingress controller, Prometheus, ...)
   */
  readonly fromFile?: string;
  /**
   * File of the destination workload, when the destination is in the output.
   * @default - none: the destination is provided by the cluster or is an address
   */
  readonly toFile?: string;
  /** File of the object that makes the flow necessary (workload, Ingress, PodMonitor, ...). */
  readonly origin: string;
  /**
   * Why the flow cannot happen whatever the policies say, e.g. a named port no container has.
   * @default - none
   */
  readonly problem?: string;
}

/** The direction a policy isolates a pod in. */
export type Direction = 'Ingress' | 'Egress';

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
    const namespaceOk = hasNamespaces ? matchesLabelSelector(p.namespaceSelector, labelsOfNamespace(cluster, peer.namespace)) : peer.namespace === policy.namespace;
    return namespaceOk && (!hasPods || matchesLabelSelector(p.podSelector, peer.labels));
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

/** The rules of a policy for `direction`, as peers (`from` or `to`) and ports. */
export function rulesOf(policy: Policy, direction: Direction): Array<{ peers: unknown; ports: unknown }> {
  return direction === 'Ingress'
    ? list(policy.spec?.ingress).map((r) => ({ peers: r?.from, ports: r?.ports }))
    : list(policy.spec?.egress).map((r) => ({ peers: r?.to, ports: r?.ports }));
}

/** Whether a policy's podSelector selects the pod. */
export function policySelects(policy: Policy, pod: Pod): boolean {
  return matchesLabelSelector(policy.spec?.podSelector ?? {}, pod.labels);
}

/** Policies of the pod's namespace that isolate it for `direction`. */
function isolating(cluster: Cluster, pod: Pod, direction: Direction): Policy[] {
  return (cluster.policies.get(pod.namespace) ?? []).filter((p) => p.types.has(direction) && policySelects(p, pod));
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

/** A required flow with what the source's egress and the destination's ingress policies say about it. */
export function evaluate(cluster: Cluster, flow: RequiredFlow): FlowResult {
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
