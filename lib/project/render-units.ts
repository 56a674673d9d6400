import * as crypto from 'crypto';
import { ComponentCatalog } from '../config/component-catalog';
import { EnvironmentConfig } from '../config/environment-config';
import { ProjectInput } from '../config/load';
import { TenantConfig } from '../config/tenant-config';
import type { RenderedFile } from '../render/render';
import { checkSchemas } from '../validate/validate';
import { Violation } from '../validate/policy';
import type { EnvironmentValidation } from '../app/environment-facts';
import { constructModules } from './construct-modules';

/**
 * A slice of a project rendered on its own: one environment with some of its tenants.
 *
 * Every environment's platform (app-of-apps, components, services) renders the same whatever
 * tenants it holds, and a tenant renders the same whatever other tenants the environment holds,
 * so a project is rendered slice by slice and the slices' files are put together: the
 * environment's own files come out of every slice of it, identical (anything else is a doubt,
 * settled by rendering the environment whole). This is what bounds memory (one slice's
 * construct tree at a time), feeds worker threads and CI shards, and makes the cache's unit.
 */
export interface RenderUnit {
  /** `<environment>/<bucket>`: stable for a given set of tenant names. */
  readonly id: string;
  /** The environment. */
  readonly environment: EnvironmentConfig;
  /** Its tenants in this slice, sorted by name (may be none: an environment without tenants). */
  readonly tenants: readonly TenantConfig[];
}

/** About this many tenants per unit: small enough that a change to one tenant re-renders little, large enough that the environment's own files (rendered with every unit) cost little. */
const TENANTS_PER_UNIT = 24;

/**
 * The units of a project, environment by environment in promotion order. A tenant's unit is
 * chosen by a hash of its name among a power-of-two number of buckets, so adding or removing a
 * tenant leaves the other units as they were (until the count crosses a power of two).
 */
export function planUnits(input: ProjectInput): RenderUnit[] {
  const units: RenderUnit[] = [];
  for (const environment of input.environments) {
    const tenants = input.tenants.filter((t) => t.environments.includes(environment.name) || t.leaving?.includes(environment.name));
    let buckets = 1;
    while (buckets * TENANTS_PER_UNIT < tenants.length) buckets *= 2;
    const slices: TenantConfig[][] = Array.from({ length: buckets }, () => []);
    for (const tenant of tenants) slices[bucketOf(tenant.name, buckets)].push(tenant);
    slices.forEach((slice, i) => {
      if (slice.length > 0 || i === 0) units.push({ id: `${environment.name}/${i}`, environment, tenants: slice });
    });
  }
  return units;
}

/** What one unit rendered: its files and what its environment tells validation. */
export interface UnitOutput {
  /** Every file of the unit, sorted by path. */
  readonly files: readonly RenderedFile[];
  /** The validation facts of the unit's environment (from its Environment construct). */
  readonly validation: EnvironmentValidation;
  /** What the checks of each object on its own found (`checkSchemas`), by path. */
  readonly schemaViolations: readonly Violation[];
}

/**
 * Every object of one unit, rendered (construct validations included) and checked on its own
 * (schemas), and its environment's validation facts.
 */
export function renderUnit(unit: RenderUnit, catalog: ComponentCatalog): UnitOutput {
  const { buildPlatform, renderUnvalidated, environmentValidationOf } = constructModules();
  const app = buildPlatform({ environments: [unit.environment], tenants: unit.tenants }, catalog);
  const files = renderUnvalidated(app);
  return { files, validation: environmentValidationOf(app), schemaViolations: checkSchemas(files) };
}

/** The units of shard `index` of `count` (1-based): whole units, dealt round-robin by their order. */
export function unitsOfShard(units: readonly RenderUnit[], shard: Shard): RenderUnit[] {
  return units.filter((_, i) => i % shard.count === shard.index - 1);
}

/** One of `count` deterministic slices of a project (`--shard index/count`). */
export interface Shard {
  /** 1-based. */
  readonly index: number;
  /** How many shards in all. */
  readonly count: number;
}

/** Reads `i/n` (1 ≤ i ≤ n ≤ 256). */
export function parseShard(text: string): Shard {
  const m = /^([1-9][0-9]{0,2})\/([1-9][0-9]{0,2})$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || index > count || count > 256) throw new Error(`--shard must be i/n with 1 <= i <= n <= 256 (got ${JSON.stringify(text)})`);
  return { index, count };
}

function bucketOf(name: string, buckets: number): number {
  if (buckets === 1) return 0;
  return crypto.createHash('sha256').update(name).digest().readUInt32BE(0) % buckets;
}
