import * as crypto from 'crypto';
import { ComponentCatalog } from '../config/component-catalog';
import { installedVersion, packageVersion } from '../package-version';

/** The packages whose versions change what a render produces, besides this one. */
const RENDERING_PACKAGES = ['cdk8s', 'cdk8s-plus-28'] as const;

/**
 * What rendered an output, as an envs commit records it (`Rendered-With:`): this package's version,
 * the cdk8s packages' (peer dependencies: a user upgrades them on their own) and a digest of the
 * component catalog (a library user passes their own), e.g.
 * `stoa-manifests@0.1.0 cdk8s@2.70.106 cdk8s-plus-28@2.5.6 catalog@1f2e3d4c5b6a`.
 */
export function rendererId(catalog: ComponentCatalog): string {
  const versions = RENDERING_PACKAGES.map((pkg) => `${pkg}@${installedVersion(pkg) ?? 'unknown'}`);
  const digest = crypto.createHash('sha256').update(JSON.stringify(catalog.names.map((name) => [name, catalog.spec(name)]))).digest('hex').slice(0, 12);
  return [`stoa-manifests@${packageVersion()}`, ...versions, `catalog@${digest}`].join(' ');
}

/** Whether `value` has the shape {@link rendererId} writes (anything else in a `Rendered-With:` trailer is not trusted). */
export function isRendererId(value: string): boolean {
  return value.length <= 300 && /^stoa-manifests@[0-9A-Za-z.+-]{1,64}( [a-z0-9@/.-]{1,64}@[0-9A-Za-z.+-]{1,64})*$/.test(value);
}
