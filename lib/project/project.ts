import * as fs from 'fs';
import * as path from 'path';
import type { EnvironmentConfig } from '../config/environment-config';
import type { InputFileMemo, ProjectInput } from '../config/load';
import { ComponentCatalog } from '../config/component-catalog';

/**
 * Where a project is, where its output goes, and what its environment files may run: the
 * options synth, check, validate and every workflow verb (set-image, promote, tenant ...,
 * diff, publish) resolve the same way, into one {@link Project}.
 */
export interface ProjectLocation {
  /**
   * Project folder holding `environments/` and `tenants/`; a relative path is relative to the
   * working directory.
   * @default - the current working directory
   */
  readonly projectDir?: string;
  /**
   * Output folder (what synth writes, check and validate read, diff compares and publish copies).
   * A relative path is relative to the project folder, not to the working directory; verbs that
   * only edit input files (set-image, promote, tenant ...) do not use it.
   * @default 'dist' (`<projectDir>/dist`)
   */
  readonly outDir?: string;
  /**
   * The platform components environment files may run (besides their own `extraComponents`).
   * @default ComponentCatalog.stoa()
   */
  readonly catalog?: ComponentCatalog;
}

/** A project with every folder resolved to an absolute path: what {@link projectOf} returns. */
export interface Project {
  /** The project folder. */
  readonly projectDir: string;
  /** Its `environments/` folder: one `<name>.yaml` per environment. */
  readonly environmentsDir: string;
  /** Its `tenants/` folder: one `<name>.yaml` per tenant. */
  readonly tenantsDir: string;
  /** The output folder. */
  readonly outDir: string;
  /** The folder file names in messages are relative to: the project folder. */
  readonly displayRoot: string;
  /** The platform components its environment files may run. */
  readonly catalog: ComponentCatalog;
}

/** The output folder when none is given, relative to the project folder. */
const DEFAULT_OUT_DIR = 'dist';

/**
 * The one way a {@link ProjectLocation} is resolved: the project folder against the working
 * directory, the output folder against the project folder. A {@link Project} given again
 * comes back the same.
 */
export function projectOf(location: ProjectLocation = {}): Project {
  const projectDir = path.resolve(location.projectDir ?? process.cwd());
  return {
    projectDir,
    environmentsDir: path.join(projectDir, 'environments'),
    tenantsDir: path.join(projectDir, 'tenants'),
    outDir: path.resolve(projectDir, location.outDir ?? DEFAULT_OUT_DIR),
    displayRoot: projectDir,
    catalog: location.catalog ?? ComponentCatalog.stoa(),
  };
}

/** Every environment file of `project`, validated against its catalog, in promotion order (read anew on each call). */
export function projectEnvironments(project: Project): EnvironmentConfig[] {
  return loader().loadEnvironments({ environmentsDir: project.environmentsDir, displayRoot: project.displayRoot, catalog: project.catalog });
}

/**
 * Every environment and tenant file of `project`, validated together (read anew on each call; with a
 * memo, the values of files it knows are taken from it, see `loadProjectInputWith`).
 */
export function projectInput(project: Project, memo?: InputFileMemo): ProjectInput {
  return loader().loadProjectInputWith({
    environmentsDir: project.environmentsDir, tenantsDir: project.tenantsDir, displayRoot: project.displayRoot, catalog: project.catalog,
  }, memo);
}

/** The input loader (zod and the schemas), loaded when input is read: a synth whose input snapshot is cached never loads it. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loader = () => require('../config/load') as typeof import('../config/load');

/** The environments that are read-only now (`mode: read-only`): what validation and reports flag. */
export function readOnlyEnvironmentNames(environments: readonly EnvironmentConfig[]): string[] {
  return environments.filter((e) => e.mode === 'read-only').map((e) => e.name);
}

/** The file of an environment. */
export function environmentFile(project: Pick<Project, 'environmentsDir'>, name: string): string {
  return path.join(project.environmentsDir, `${name}.yaml`);
}

/** The file of a tenant (`.yaml`, or an existing `.yml`). */
export function tenantFile(project: Pick<Project, 'tenantsDir'>, name: string): string {
  const yml = path.join(project.tenantsDir, `${name}.yml`);
  return fs.existsSync(yml) ? yml : path.join(project.tenantsDir, `${name}.yaml`);
}
