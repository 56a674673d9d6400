import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';

/** A label selector as NetworkPolicies take it. */
export type PodSelector = k8s.LabelSelector;

/** A TCP port of a NetworkPolicy rule. */
export function tcpPort(port: number | string): k8s.NetworkPolicyPort {
  return { protocol: 'TCP', port: typeof port === 'number' ? k8s.IntOrString.fromNumber(port) : k8s.IntOrString.fromString(port) };
}

/** Selects a namespace by its name (the label Kubernetes sets on every namespace). */
export function namespaceNamed(namespace: string): k8s.LabelSelector {
  return { matchLabels: { 'kubernetes.io/metadata.name': namespace } };
}

/** Name of the NetworkPolicy {@link addDefaultDeny} makes. */
export const DEFAULT_DENY_POLICY = 'default-deny';

/** A NetworkPolicy selecting every pod of `namespace` that allows nothing: the start of every isolated namespace. */
export function addDefaultDeny(scope: Construct, namespace: string): k8s.KubeNetworkPolicy {
  return new k8s.KubeNetworkPolicy(scope, 'default-deny', {
    metadata: { name: DEFAULT_DENY_POLICY, namespace },
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  });
}

/**
 * Egress to DNS: kube-dns in kube-system, plus the NodeLocal DNSCache address
 * when the cluster runs one (pods then send their queries there).
 */
export function dnsEgressRules(nodeLocalDns?: string): k8s.NetworkPolicyEgressRule[] {
  const dnsPorts = [
    { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
    { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
  ];
  return [
    { to: [{ namespaceSelector: namespaceNamed('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: dnsPorts },
    ...(nodeLocalDns ? [{ to: [{ ipBlock: { cidr: `${nodeLocalDns}/32` } }], ports: dnsPorts }] : []),
  ];
}

/** DNS for every pod of `namespace` (see {@link dnsEgressRules}). */
export function addAllowDns(scope: Construct, namespace: string, nodeLocalDns?: string): k8s.KubeNetworkPolicy {
  return new k8s.KubeNetworkPolicy(scope, 'allow-dns', {
    metadata: { name: 'allow-dns', namespace },
    spec: { podSelector: {}, policyTypes: ['Egress'], egress: dnsEgressRules(nodeLocalDns) },
  });
}

/**
 * HTTPS egress of the selected pods to addresses outside the cluster: the
 * internet minus the cluster's pod and service CIDRs, so "HTTPS out" never
 * becomes a path to other namespaces.
 */
export function httpsToInternet(internalCidrs: readonly string[]): k8s.NetworkPolicyEgressRule {
  return {
    to: [{ ipBlock: { cidr: '0.0.0.0/0', except: internalCidrs.length ? [...internalCidrs] : undefined } }],
    ports: [tcpPort(443)],
  };
}
