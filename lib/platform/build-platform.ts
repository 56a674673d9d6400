import { App } from 'cdk8s';
import { ProjectInput } from '../config/load';
import { EnvironmentConfig } from '../config/environment-config';
import { TenantApplications } from '../argocd/app-of-apps';
import { Environment } from '../environment/environment';
import { EnvironmentMode, EnvironmentProps } from '../environment/environment-props';
import { ComponentCatalog } from './catalog';
import { TenantConfig } from '../config/tenant-config';
import { TenantProps } from '../tenant/tenant-props';
import { EnvironmentFacts } from '../validate/policy';
import type { ValidateOptions } from '../validate/validate';

/**
 * Builds the whole construct tree for validated input: per environment, its
 * app-of-apps, every platform component, and every tenant enabled in it.
 */
export function buildPlatform(input: ProjectInput, catalog: ComponentCatalog = ComponentCatalog.stoa()): App {
  // The app is never synthesized by cdk8s itself; see renderConstructs().
  const app = new App({ outdir: '.' });
  for (const config of input.environments) {
    const env = new Environment(app, config.name, environmentProps(config, catalog));
    for (const tenant of input.tenants) {
      if (!tenant.environments.includes(config.name)) continue;
      env.addTenant(tenantProps(tenant));
    }
  }
  return app;
}

/** Tenant props from a validated tenant file. */
export function tenantProps(config: TenantConfig): TenantProps {
  return {
    name: config.name,
    tier: config.tier,
    owners: config.owners,
    displayName: config.displayName,
    canary: config.gateway?.canary,
    autoscaler: config.gateway?.autoscaler,
    secrets: config.secrets,
    hooks: config.hooks,
  };
}

/** What the cluster of an environment provides, for the behaviour rules of validation. */
export function environmentFactsOf(config: EnvironmentConfig): Partial<EnvironmentFacts> {
  return {
    ingressControllerNamespace: config.ingress.controllerNamespace,
    monitoringNamespace: config.monitoring.namespace,
    argocdNamespace: config.argocd.namespace,
    nodeLocalDnsAddress: config.nodeLocalDns,
    acmeHttp01: config.ingress.acmeSolver === 'http01',
    internalCidrs: config.internalCidrs ?? [],
    envsRepo: { url: config.repo.url, revision: config.repo.revision },
    clusterServer: config.cluster.server,
    kubernetesVersion: config.cluster.kubernetesVersion,
    domain: config.domain,
  };
}

/** What validation needs to know from the environment files: which are read-only, and each one's cluster facts. */
export function validationOptionsOf(configs: readonly EnvironmentConfig[]): Pick<ValidateOptions, 'readOnlyEnvironments' | 'environments'> {
  return {
    readOnlyEnvironments: configs.filter((e) => e.mode === 'read-only').map((e) => e.name),
    environments: Object.fromEntries(configs.map((e) => [e.name, environmentFactsOf(e)])),
  };
}

/** Environment props from a validated environment file: its components are `catalog`'s and its own `extraComponents`. */
export function environmentProps(config: EnvironmentConfig, catalog: ComponentCatalog = ComponentCatalog.stoa()): EnvironmentProps {
  const store = config.secretStore;
  return {
    catalog: Object.entries(config.extraComponents ?? {}).reduce((c, [name, spec]) => c.with(name, spec), catalog),
    name: config.name,
    mode: config.mode === 'read-only' ? EnvironmentMode.READ_ONLY : EnvironmentMode.FULL,
    color: config.color,
    domain: config.domain,
    cluster: config.cluster,
    repo: config.repo,
    registry: config.registry,
    versions: config.components,
    argocdNamespace: config.argocd.namespace,
    ingress: config.ingress,
    prometheusAddress: config.prometheus,
    canary: config.canary,
    secretStore: store && {
      name: store.name,
      backend: store.vault ? { provider: 'vault', ...store.vault } : { provider: 'infisical', ...store.infisical! },
    },
    awxToken: config.awxToken,
    syncWindows: config.syncWindows,
    access: config.access,
    notifications: config.notifications,
    internalCidrs: config.internalCidrs,
    monitoring: config.monitoring,
    nodeLocalDns: config.nodeLocalDns,
    tenantApplications: config.tenantApplications === 'applicationset' ? TenantApplications.APPLICATION_SET : TenantApplications.APPLICATIONS,
  };
}
