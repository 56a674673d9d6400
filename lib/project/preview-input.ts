import { EnvironmentConfig } from '../config/environment-config';
import { ProjectInput } from '../config/load';
import { TenantConfig } from '../config/tenant-config';
import { previewBranch, previewName } from '../layout/preview-names';

/** Longest host a tenant may get: `<tenant>.<domain>` fits a DNS name (253) with the longest tenant name (40). */
const MAX_PREVIEW_DOMAIN = 253 - 41;

/** Thrown when a project cannot have the preview asked for (no environment runs previews, or its domain is too long). */
export class PreviewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreviewError';
  }
}

/** The environment whose cluster runs the pull request previews (its file has `previews`). */
export function previewHost(input: Pick<ProjectInput, 'environments'>): EnvironmentConfig {
  const host = input.environments.find((e) => e.previews);
  if (!host) throw new PreviewError('no environment file has previews: add a previews block to the file of the environment whose cluster runs them (docs/previews.md)');
  return host;
}

/**
 * The input of pull request `n`'s preview: one environment, `pr-<n>`, rendered from the settings of
 * the environment that runs previews, with every tenant of that environment, and nothing that acts
 * outside the cluster or outside the preview's own namespaces:
 *
 * - names: its namespaces start with `pr-<n>-` (see `environmentProps`), its hosts end with
 *   `.pr-<n>.<domain>`, its Argo CD names with `pr-<n>-`; its envs repo branch is `preview/pr-<n>`;
 * - no AWX hooks, no tenant secrets (the secret store's roles are bound to the environment's own
 *   namespaces), no notifications or tenant-ready webhook, no admission policies, dashboards or
 *   alerts (cluster-wide or in shared namespaces), no canary, no sync windows;
 * - small: every tenant runs as the smallest tier (its quota, one gateway replica), whatever its own.
 */
export function previewInput(input: ProjectInput, n: number): ProjectInput {
  const host = previewHost(input);
  const name = previewName(n);
  const domain = `${name}.${host.domain}`;
  if (domain.length > MAX_PREVIEW_DOMAIN) {
    throw new PreviewError(`the preview domain ${domain} is ${domain.length} characters long, at most ${MAX_PREVIEW_DOMAIN} leave room for <tenant>.${domain}: environment ${host.name} needs a shorter domain to run previews`);
  }
  const environment: EnvironmentConfig = {
    name,
    mode: 'full',
    color: host.color,
    domain,
    cluster: host.cluster,
    argocd: host.argocd,
    repo: { url: host.repo.url, revision: previewBranch(n) },
    // Previews ask for certificates often: their own issuer where one is given (an ACME CA's limits count per registered domain).
    ingress: { ...host.ingress, clusterIssuer: host.previews?.clusterIssuer ?? host.ingress.clusterIssuer },
    monitoring: host.monitoring,
    nodeLocalDns: host.nodeLocalDns,
    registry: host.registry,
    extraComponents: host.extraComponents,
    components: host.components,
    prometheus: host.prometheus,
    internalCidrs: host.internalCidrs,
    admission: false,
    dashboards: false,
    tenantApplications: 'applications',
  };
  const tenants = input.tenants.filter((t) => t.environments.includes(host.name)).map((t): TenantConfig => ({
    name: t.name,
    displayName: t.displayName,
    tier: 'bronze',
    owners: t.owners,
    environments: [name],
  }));
  return { environments: [environment], tenants };
}
