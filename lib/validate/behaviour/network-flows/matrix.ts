import { compareStrings } from '../../../sort';
import { environmentFacts, ObjectInFile, PolicyContext } from '../../policy';
import { indexOf } from '../../model/context-index';
import { namespaceResolver } from '../../model/output-index';
import { Cluster, clusterOf } from './cluster';
import { evaluate, FlowResult } from './policy-semantics';
import { requiredFlows } from './required-flows';

/*
 * The flow matrix: for each environment, its cluster model and every required flow evaluated against
 * the environment's NetworkPolicies.
 */

/** One environment's cluster model and its evaluated required flows. */
export interface Analysis {
  /** The environment's cluster model. */
  readonly cluster: Cluster;
  /** Its required flows, evaluated, sorted by from, to, protocol, port, need. */
  readonly flows: readonly FlowResult[];
}

function compareFlows(a: FlowResult, b: FlowResult): number {
  return compareStrings(a.from, b.from) || compareStrings(a.to, b.to) || compareStrings(a.protocol, b.protocol)
    || compareStrings(String(a.port).padStart(5, '0'), String(b.port).padStart(5, '0')) || compareStrings(a.need, b.need);
}

// One analysis per validation: the rule and the report's flow matrix both read it.
const analyses = new WeakMap<PolicyContext, Map<string, Analysis>>();

/** Every environment of the output, its cluster model and its evaluated required flows, by environment name (sorted). */
export function analyse(context: PolicyContext): Map<string, Analysis> {
  const known = analyses.get(context);
  if (known) return known;
  // An object without a namespace is in its Application's destination (the last Application listed wins), else in default.
  const index = indexOf(context);
  const resolve = namespaceResolver(index.destinations());
  const namespaceOf = (o: ObjectInFile): string => resolve(o) ?? 'default';
  const byEnvironment = index.environments;
  const out = new Map<string, Analysis>();
  for (const env of [...byEnvironment.keys()].sort(compareStrings)) {
    const cluster = clusterOf(byEnvironment.get(env)!, environmentFacts(context, env), namespaceOf);
    out.set(env, { cluster, flows: requiredFlows(cluster, namespaceOf).map((f) => evaluate(cluster, f)).sort(compareFlows) });
  }
  analyses.set(context, out);
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
