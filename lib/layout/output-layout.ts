/**
 * The layout of the output folder (`dist/`) and the Argo CD names, in one place: the constructs
 * build paths and names with it, and diff, publish and validation read them back with it.
 *
 * ```
 * <env>/bootstrap/                 the root Application and its project (applied once by hand)
 * <env>/apps/                      every other Application and AppProject (the root's source)
 * <env>/platform/<component>/      one platform component (one Application)
 * <env>/tenants/<tenant>/          one tenant (one Application)
 * <env>/argocd-config/             patches for Argo CD's own config (applied with the install)
 * ```
 */

/** The top folders of an environment's output. */
export type OutputArea = 'bootstrap' | 'apps' | 'platform' | 'tenants' | 'argocd-config';

/** What a path of the output says about itself. */
export interface OutputLocation {
  /** The environment (the top folder). */
  readonly environment: string;
  /**
   * The area (second folder).
   * @default - none: a file at the top of the environment
   */
  readonly area?: OutputArea | string;
  /**
   * The component or tenant (third folder of `platform/` and `tenants/`).
   * @default - none
   */
  readonly name?: string;
}

/** The folder of `segments` in an environment's output, e.g. `dev/tenants/acme`. */
export function outputFolder(environment: string, ...segments: string[]): string {
  return [environment, ...segments].join('/');
}

/** The folder of one tenant in an environment, e.g. `dev/tenants/acme`. */
export function tenantFolder(environment: string, tenant: string): string {
  return outputFolder(environment, 'tenants', tenant);
}

/** The folder of one platform component in an environment, e.g. `dev/platform/stoa-gateway`. */
export function componentFolder(environment: string, component: string): string {
  return outputFolder(environment, 'platform', component);
}

/** An Argo CD object name, unique when one Argo CD serves every environment: `<env>-<base>`. */
export function argoName(environment: string, base: string): string {
  return `${environment}-${base}`;
}

/** The Argo CD namespace-derived base of a tenant's Application and project: `tenant-<name>`. */
export function tenantArgoBase(tenant: string): string {
  return `tenant-${tenant}`;
}

/** The environment of a path of the output: its first folder (what {@link parseOutputPath} says, without the rest; rules ask it of every object). */
export function environmentOfPath(relPath: string): string {
  const slash = relPath.indexOf('/');
  return slash < 0 ? relPath : relPath.slice(0, slash);
}

/** Reads a path of the output (a file or a folder, `/`-separated, relative to the output folder). */
export function parseOutputPath(relPath: string): OutputLocation {
  const [environment, area, name] = relPath.split('/');
  const nested = area === 'platform' || area === 'tenants';
  return {
    environment,
    ...(area !== undefined && (name !== undefined || !relPath.endsWith('.yaml')) ? { area } : {}),
    ...(nested && name !== undefined ? { name } : {}),
  };
}

/** The Application that deploys an output folder, e.g. `dev-tenant-acme` for `dev/tenants/acme`. */
export function applicationOfFolder(folder: string): string {
  const { environment, area, name } = parseOutputPath(folder);
  if (area === 'apps') return argoName(environment, 'root');
  if (area === 'bootstrap' || area === 'argocd-config') return `${environment} ${area} (applied by hand)`;
  if (area === 'platform' && name) return argoName(environment, name);
  if (area === 'tenants' && name) return argoName(environment, tenantArgoBase(name));
  return folder;
}
