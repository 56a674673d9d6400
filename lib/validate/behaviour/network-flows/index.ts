import { PolicyRule } from '../../policy';
import { compareFindings, Finding } from '../../model/findings';
import { analyse, flowMatrix } from './matrix';
import { FlowResult } from './policy-semantics';
import { tenantExposureViolations } from './tenant-exposure';
import { tenantIngressViolations } from './tenant-ingress';

/*
 * The network-flows rule. The parts: cidr (IPv4), cluster (one environment's pods, Services, policies and
 * namespaces), required-flows (what the platform needs), policy-semantics (what the NetworkPolicies
 * allow), matrix (both, per environment), tenant-ingress (what tenant namespaces let in beyond that),
 * tenant-exposure (Services and Ingress annotations that open tenant namespaces around the policies).
 */

export { ipv4InCidr, parseIPv4 } from './cidr';
export { ACME_SOLVER_PORT, INTERNET_ADDRESS } from './cluster';
export type { FlowResult, FlowSide } from './policy-semantics';
export { flowMatrix };

function names(ids: readonly string[]): string {
  return ids.map((id) => id.slice(id.indexOf('/') + 1)).join(', ');
}

function blockedViolation(flow: FlowResult): Finding {
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

/**
 * Evaluates Kubernetes NetworkPolicy semantics over each environment's output: every flow the platform
 * needs ({@link flowMatrix}) must be allowed, and nothing but the ingress controller (to Ingress backends
 * and HTTP-01 solvers) and Prometheus (to scraped ports) may be let into a tenant namespace. Nothing
 * may get around the policies either: tenant Services are plain ClusterIP (no LoadBalancer, NodePort,
 * ExternalName or externalIPs), and tenant Ingresses carry no nginx `*-snippet` annotation and no
 * `auth-url` (or `mirror-target`) inside the cluster.
 */
export const networkFlows: PolicyRule = {
  id: 'network-flows',
  reason: 'NetworkPolicies allow every flow the platform needs (DNS, ingress, metrics, ACME, service and external URLs) and let nothing else into tenant namespaces, nor do tenant Services (ClusterIP only, no externalIPs) or Ingress annotations (no nginx snippets, no in-cluster auth-url)',
  check: (context) => [...analyse(context).values()].flatMap(({ cluster, flows }) => [
    ...flows.filter((f) => !f.allowed).map(blockedViolation),
    ...tenantIngressViolations(cluster, flows),
    ...tenantExposureViolations(cluster),
  ]).sort(compareFindings),
};
