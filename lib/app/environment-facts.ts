import { IConstruct } from 'constructs';
import { Environment } from '../environment/environment';
import { EnvironmentMode } from '../environment/environment-props';
import { EnvironmentFacts } from '../validate/policy';
import { ValidateOptions } from '../validate/validate';

/** What validation needs to know of the environments of a construct tree. */
export type EnvironmentValidation = Pick<ValidateOptions, 'readOnlyEnvironments' | 'environments'>;

/**
 * What every `Environment` in `root` tells validation: which are read-only, and each one's
 * cluster (ingress and monitoring namespaces, DNS, CIDRs, envs repo, API server, Kubernetes
 * version, domain). The constructs are the one source: the file-based synth and an importing
 * team's `StoaApp` validate with the same facts.
 */
export function environmentValidationOf(root: IConstruct): EnvironmentValidation {
  const envs = root.node.findAll().filter(Environment.isEnvironment);
  if (envs.length === 0) return {};
  return {
    readOnlyEnvironments: envs.filter((e) => e.mode === EnvironmentMode.READ_ONLY).map((e) => e.envName),
    environments: Object.fromEntries(envs.map((e) => [e.envName, factsOf(e)])),
  };
}

/** `derived`, with what `given` says in its place (per environment). */
export function withGivenValidation(derived: EnvironmentValidation, given: ValidateOptions = {}): ValidateOptions {
  return {
    ...given,
    readOnlyEnvironments: given.readOnlyEnvironments ?? derived.readOnlyEnvironments,
    environments: derived.environments || given.environments ? { ...derived.environments, ...given.environments } : undefined,
  };
}

function factsOf(env: Environment): Partial<EnvironmentFacts> {
  return {
    ingressControllerNamespace: env.network.ingressControllerNamespace,
    monitoringNamespace: env.network.monitoringNamespace,
    argocdNamespace: env.argo.argocdNamespace,
    nodeLocalDnsAddress: env.network.nodeLocalDns,
    acmeHttp01: env.network.acmeHttp01,
    internalCidrs: env.network.internalCidrs,
    envsRepo: { url: env.repo.url, revision: env.repo.revision },
    clusterServer: env.cluster.server,
    kubernetesVersion: env.cluster.kubernetesVersion,
    domain: env.domain,
  };
}
