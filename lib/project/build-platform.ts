import { App } from 'cdk8s';
import { ProjectInput } from '../config/load';
import { EnvironmentConfig } from '../config/environment-config';
import { TenantApplications } from '../argocd/app-of-apps';
import { Environment } from '../environment/environment';
import { EnvironmentMode, EnvironmentProps } from '../environment/environment-props';
import { ComponentCatalog } from '../config/component-catalog';
import { TenantConfig } from '../config/tenant-config';
import { TenantProps } from '../tenant/tenant-props';
import { EnvironmentValidation, environmentValidationOf } from '../app/environment-facts';
import { PREVIEW_NAME } from '../layout/preview-names';

/**
 * Builds the whole construct tree for validated input: per environment, its
 * app-of-apps, every platform component, and every tenant enabled in it.
 */
export function buildPlatform(input: ProjectInput, catalog: ComponentCatalog = ComponentCatalog.stoa()): App {
  // The app is never synthesized by cdk8s itself; see renderUnvalidated().
  const app = new App({ outdir: '.' });
  for (const config of input.environments) {
    const env = new Environment(app, config.name, environmentProps(config, catalog));
    for (const tenant of input.tenants) {
      if (tenant.environments.includes(config.name)) env.addTenant(tenantProps(tenant));
      else if (tenant.leaving?.includes(config.name)) env.addLeavingTenant(tenantProps(tenant));
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

/**
 * What validation needs to know from the environment files, for a folder validated without its
 * construct tree (`validate`, `diff`): what the Environments they make say (see `environmentValidationOf`).
 */
export function validationOptionsOf(configs: readonly EnvironmentConfig[], catalog?: ComponentCatalog): EnvironmentValidation {
  return environmentValidationOf(buildPlatform({ environments: configs, tenants: [] }, catalog));
}

/** Environment props from a validated environment file: its components are `catalog`'s and its own `extraComponents`. */
export function environmentProps(config: EnvironmentConfig, catalog: ComponentCatalog = ComponentCatalog.stoa()): EnvironmentProps {
  const store = config.secretStore;
  return {
    catalog: Object.entries(config.extraComponents ?? {}).reduce((c, [name, spec]) => c.with(name, spec), catalog),
    name: config.name,
    // A pull request preview (named pr-<n>, a name no environment file may take) shares its host's cluster.
    namespacePrefix: PREVIEW_NAME.test(config.name) ? `${config.name}-` : undefined,
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
    tenantReady: config.tenantReady,
    admission: config.admission,
    dashboards: config.dashboards,
    internalCidrs: config.internalCidrs,
    monitoring: config.monitoring,
    nodeLocalDns: config.nodeLocalDns,
    tenantApplications: config.tenantApplications === 'applicationset' ? TenantApplications.APPLICATION_SET : TenantApplications.APPLICATIONS,
    keepTenantApplications: config.keepTenantApplications,
    previews: config.previews,
  };
}
