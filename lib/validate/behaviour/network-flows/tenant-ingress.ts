import { compareStrings } from '../../../sort';
import { EnvironmentFacts } from '../../policy';
import { list, pushTo } from '../../model/fields';
import { Finding } from '../../model/findings';
import { isTenantNamespace } from '../../model/namespaces';
import { describeSelector, isEmptySelector, pinnedNamespaces } from '../../model/selectors';
import { ACME_SOLVER_PORT, Cluster, labelsOfNamespace, Pod } from './cluster';
import { FlowResult, policySelects, rulesOf } from './policy-semantics';

/*
 * What the ingress rules of tenant namespaces' policies let in beyond what the platform needs: only the
 * ingress controller (to Ingress backends and HTTP-01 solvers) and Prometheus (to scraped ports) may enter.
 */

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
export function tenantIngressViolations(cluster: Cluster, flows: readonly FlowResult[]): Finding[] {
  const out: Finding[] = [];
  const flowsTo = new Map<string, FlowResult[]>();
  for (const flow of flows) pushTo(flowsTo, flow.to, flow);
  for (const [namespace, policies] of [...cluster.policies.entries()].sort(([a], [b]) => compareStrings(a, b))) {
    if (!isTenantNamespace(namespace, labelsOfNamespace(cluster, namespace))) continue;
    const pods = cluster.pods.get(namespace) ?? [];
    for (const policy of policies.filter((p) => p.types.has('Ingress'))) {
      const selected = pods.filter((pod) => policySelects(policy, pod));
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
