import * as fs from 'fs';
import * as path from 'path';
import { displayPath, isWithin } from '../files';
import { compareStrings } from '../sort';
import { ComponentCatalog } from './component-catalog';
import { defaultTenantReadyService } from './environment-defaults';
import { EnvironmentConfig, environmentFileSchemaFor } from './environment-config';
import { InputError, InputProblem } from './input-error';
import { PREVIEW_BRANCH_PREFIX } from '../layout/preview-names';
import { TenantConfig, tenantFileSchema } from './tenant-config';
import { readYamlFile } from './yaml-file';
import { credentialsIdentity, normalizeRepoUrl, repoSecretTypeOf } from './repo-credentials';

/** Where the input files live. */
export interface InputLocation {
  /** Folder with one `<name>.yaml` per environment. */
  readonly environmentsDir: string;
  /** Folder with one `<name>.yaml` per tenant. */
  readonly tenantsDir: string;
  /**
   * Folder that file names in messages are relative to.
   * @default - the current working directory
   */
  readonly displayRoot?: string;
  /**
   * The platform components environment files may pin versions of (besides their own `extraComponents`).
   * @default ComponentCatalog.stoa()
   */
  readonly catalog?: ComponentCatalog;
}

/** The validated input of one synth. */
export interface ProjectInput {
  /** Environments in promotion order (an environment comes after the one it is promoted from). */
  readonly environments: readonly EnvironmentConfig[];
  /** Tenants sorted by name. */
  readonly tenants: readonly TenantConfig[];
}

/**
 * Loads and validates every environment and tenant file. Throws one
 * {@link InputError} that lists every problem of every file.
 */
export function loadProjectInput(location: InputLocation): ProjectInput {
  return loadProjectInputWith(location);
}

/** The input folders, as {@link InputFileMemo} names them. */
export type InputFolder = 'environments' | 'tenants';

/**
 * Values of input files validated before from exactly their current bytes (by the same library and
 * catalog): {@link loadProjectInputWith} takes them instead of parsing and validating those files again.
 */
export interface InputFileMemo {
  /** The value validated before from the current bytes of `entry` (a file name) in `folder`, if any. */
  known(folder: InputFolder, entry: string): unknown;
  /** Called with each value validated now (not taken from the memo). */
  validated(folder: InputFolder, entry: string, value: unknown): void;
}

/**
 * {@link loadProjectInput}, taking the values of unchanged files from `memo`. The checks across files
 * run on every value as always; only their line numbers are unknown for remembered files, so a caller
 * that gets an {@link InputError} should load again without the memo for the exact report.
 */
export function loadProjectInputWith(location: InputLocation, memo?: InputFileMemo): ProjectInput {
  const root = location.displayRoot ?? process.cwd();
  const problems: InputProblem[] = [];
  const failedEnvironments = new Set<string>();
  const environments = readFolder(location.environmentsDir, root, environmentFileSchemaFor(location.catalog ?? ComponentCatalog.stoa()), problems, failedEnvironments, memo && { memo, folder: 'environments' });
  const tenants = readFolder(location.tenantsDir, root, tenantFileSchema, problems, new Set(), memo && { memo, folder: 'tenants' });

  if (environments.length === 0 && problems.length === 0) {
    problems.push({ file: displayPath(root, location.environmentsDir), field: '', message: 'no environment files (*.yaml) found' });
  }
  const ordered = orderByPromotion(environments, failedEnvironments, problems);
  checkEnvironmentsApart(ordered, problems);
  checkPreviews(ordered, problems);
  checkTenantEnvironments(tenants, ordered, failedEnvironments, problems);

  if (problems.length > 0) throw new InputError(problems);
  return {
    environments: ordered.map((e) => e.value),
    tenants: tenants.map((t) => t.value).sort((a, b) => compareStrings(a.name, b.name)),
  };
}

/**
 * Loads and validates only the environment files, in promotion order. Throws
 * one {@link InputError} listing every problem.
 */
export function loadEnvironments(location: Pick<InputLocation, 'environmentsDir' | 'displayRoot' | 'catalog'>): EnvironmentConfig[] {
  const root = location.displayRoot ?? process.cwd();
  const problems: InputProblem[] = [];
  const failed = new Set<string>();
  const ordered = orderByPromotion(readFolder(location.environmentsDir, root, environmentFileSchemaFor(location.catalog ?? ComponentCatalog.stoa()), problems, failed), failed, problems);
  checkEnvironmentsApart(ordered, problems);
  checkPreviews(ordered, problems);
  if (problems.length > 0) throw new InputError(problems);
  return ordered.map((e) => e.value);
}

interface Loaded<T> {
  readonly file: string;
  readonly value: T;
  readonly lineOf: (path: readonly (string | number)[]) => number | undefined;
}

function readFolder<T extends { name: string }>(
  dir: string, root: string, schema: Parameters<typeof readYamlFile<T>>[2], problems: InputProblem[],
  failed: Set<string>, remembered?: { memo: InputFileMemo; folder: InputFolder },
): Loaded<T>[] {
  if (!fs.existsSync(dir)) {
    problems.push({ file: displayPath(root, dir), field: '', message: 'folder does not exist' });
    return [];
  }
  let entries: string[];
  try {
    entries = fs.readdirSync(dir).sort();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    problems.push({ file: displayPath(root, dir), field: '', message: code === 'ENOTDIR' ? 'is not a folder' : `cannot be listed (${code ?? String(e)})` });
    return [];
  }
  // A symbolic link in the folder may point anywhere in the project the folder is in, nowhere else;
  // so may the folder itself.
  const project = path.dirname(path.resolve(dir));
  const real = fs.realpathSync(dir);
  const realProject = fs.realpathSync(project);
  if (!isWithin(realProject, real)) {
    problems.push({ file: displayPath(root, dir), field: '', message: `is a symbolic link to ${real}, outside the project (${realProject}); only folders inside the project are read` });
    return [];
  }
  const loaded: Loaded<T>[] = [];
  const seen = new Map<string, string>();
  for (const entry of entries) {
    if (!/\.ya?ml$/.test(entry)) continue;
    const file = displayPath(root, path.join(dir, entry));
    const known = remembered?.memo.known(remembered.folder, entry) as T | undefined;
    const result = known !== undefined ? { ok: true as const, value: known, lineOf: () => undefined } : readYamlFile(path.join(dir, entry), file, schema, project);
    if (result.ok && known === undefined) remembered?.memo.validated(remembered.folder, entry, result.value);
    const expected = entry.replace(/\.ya?ml$/, '');
    if (!result.ok) {
      problems.push(...result.problems);
      failed.add(expected);
      continue;
    }
    if (result.value.name !== expected) {
      problems.push({ file, line: result.lineOf(['name']), field: 'name', message: `must match the file name "${expected}" (got "${result.value.name}")` });
      continue;
    }
    const other = seen.get(expected);
    if (other) {
      problems.push({ file, line: result.lineOf(['name']), field: 'name', message: `"${expected}" is already defined in ${other}` });
      continue;
    }
    seen.set(expected, file);
    loaded.push({ file, value: result.value, lineOf: result.lineOf });
  }
  return loaded;
}

/** Sorts environments so each follows the one it is promoted from; reports unknown sources and cycles. */
function orderByPromotion(
  envs: Loaded<EnvironmentConfig>[], unreadable: ReadonlySet<string>, problems: InputProblem[],
): Loaded<EnvironmentConfig>[] {
  const byName = new Map(envs.map((e) => [e.value.name, e]));
  const depth = new Map<string, number>();
  const depthOf = (env: Loaded<EnvironmentConfig>, trail: string[]): number => {
    const known = depth.get(env.value.name);
    if (known !== undefined) return known;
    const from = env.value.promotedFrom;
    let d = 0;
    if (from !== undefined) {
      const source = byName.get(from);
      if (!source && unreadable.has(from)) {
        // Reported in its own file.
      } else if (!source) {
        problems.push({ file: env.file, line: env.lineOf(['promotedFrom']), field: 'promotedFrom', message: `must name another environment: one of ${[...byName.keys()].join(', ')} (got "${from}")` });
      } else if (trail.includes(from)) {
        problems.push({ file: env.file, line: env.lineOf(['promotedFrom']), field: 'promotedFrom', message: `promotion order has a cycle: ${[...trail, from].join(' -> ')}` });
      } else {
        d = depthOf(source, [...trail, from]) + 1;
      }
    }
    depth.set(env.value.name, d);
    return d;
  };
  for (const env of envs) depthOf(env, [env.value.name]);
  return [...envs].sort((a, b) =>
    (depth.get(a.value.name)! - depth.get(b.value.name)!) || compareStrings(a.value.name, b.value.name));
}

/**
 * Two environments never share a cluster (their Applications would fight over the same
 * namespaces) or a domain (both would serve the same hosts).
 */
function checkEnvironmentsApart(envs: readonly Loaded<EnvironmentConfig>[], problems: InputProblem[]): void {
  const fields = [
    { path: ['cluster', 'server'], what: 'cluster server', value: (e: EnvironmentConfig) => e.cluster.server.replace(/\/+$/, '').toLowerCase() },
    { path: ['domain'], what: 'domain', value: (e: EnvironmentConfig) => e.domain },
    // One Argo CD may get every environment's argocd-notifications-cm patch: a shared service name would be overwritten.
    { path: ['tenantReady', 'service'], what: 'tenant-ready webhook service', value: (e: EnvironmentConfig) => e.tenantReady && (e.tenantReady.service ?? defaultTenantReadyService(e.name)) },
  ];
  for (const { path: at, what, value } of fields) {
    const first = new Map<string, Loaded<EnvironmentConfig>>();
    for (const env of envs) {
      const key = value(env.value);
      if (key === undefined) continue;
      const seen = first.get(key);
      if (!seen) first.set(key, env);
      else problems.push({ file: env.file, line: env.lineOf(at), field: at.join('.'), message: `is also the ${what} of environment ${seen.value.name} (${seen.file}): each environment has its own` });
    }
  }
  checkRepoCredentialsApart(envs, problems);
  checkNamesApart(envs, problems);
}

/**
 * One Argo CD may serve every environment, and argocd-rbac-cm's `policy.<env>.csv` grants on every
 * project of an environment as `<env>-*` (every AppProject of it is named `<env>-...`): no environment's
 * name followed by `-` may start another's (`dev` and `dev-eu`), or `dev-*` would reach `dev-eu-...`.
 */
function checkNamesApart(envs: readonly Loaded<EnvironmentConfig>[], problems: InputProblem[]): void {
  for (const env of envs) {
    const shorter = envs.find((other) => other !== env && env.value.name.startsWith(`${other.value.name}-`));
    if (!shorter) continue;
    problems.push({
      file: env.file, line: env.lineOf(['name']), field: 'name',
      message: `"${env.value.name}" starts with "${shorter.value.name}-", the name of environment ${shorter.value.name} (${shorter.file}) and a dash: `
        + `one Argo CD may serve both, and ${shorter.value.name}'s roles in argocd-rbac-cm (on ${shorter.value.name}-*, every project of ${shorter.value.name}) would reach the projects of ${env.value.name}; rename one`,
    });
  }
}

/**
 * Pull request previews run in one environment's cluster (their names, `pr-<number>`, are shared by
 * one Argo CD), and their envs repo branches (`preview/pr-<number>`) are never a branch an
 * environment deploys.
 */
function checkPreviews(envs: readonly Loaded<EnvironmentConfig>[], problems: InputProblem[]): void {
  const withPreviews = envs.filter((e) => e.value.previews);
  for (const env of withPreviews.slice(1)) {
    problems.push({ file: env.file, line: env.lineOf(['previews']), field: 'previews', message: `environment ${withPreviews[0].value.name} (${withPreviews[0].file}) already has the previews: one environment runs them` });
  }
  if (withPreviews.length === 0) return;
  for (const env of envs) {
    if (env.value.repo.revision.startsWith(PREVIEW_BRANCH_PREFIX)) {
      problems.push({ file: env.file, line: env.lineOf(['repo', 'revision']), field: 'repo.revision', message: `must not start with "${PREVIEW_BRANCH_PREFIX}": those branches of the envs repo hold pull request previews` });
    }
  }
}

/**
 * One Argo CD may serve every environment (its names are `<env>-...`): environments whose repo.credentials
 * make an Argo CD Secret of one type for one repository URL in one Argo CD namespace read the same
 * credentials. Each writes its own Secret (`<env>-envs-repo`); of several Secrets for a URL Argo CD uses
 * whichever it lists first, so different credentials would make it read the repository with either.
 */
function checkRepoCredentialsApart(envs: readonly Loaded<EnvironmentConfig>[], problems: InputProblem[]): void {
  const first = new Map<string, Loaded<EnvironmentConfig>>();
  for (const env of envs) {
    const c = env.value.repo.credentials;
    if (!c) continue;
    const url = c.urlPrefix ?? env.value.repo.url;
    const key = `${env.value.argocd.namespace}|${repoSecretTypeOf(c)}|${normalizeRepoUrl(url)}`;
    const seen = first.get(key);
    if (!seen) first.set(key, env);
    else if (credentialsIdentity(seen.value.repo.credentials!) !== credentialsIdentity(c)) {
      problems.push({
        file: env.file, line: env.lineOf(['repo', 'credentials']), field: 'repo.credentials',
        message: `differ from those of environment ${seen.value.name} (${seen.file}) for the same repository ${url} in Argo CD namespace ${env.value.argocd.namespace}: `
          + 'Argo CD would read it with either, whichever Secret it lists first; give both the same secretStore, key, type and properties, or a different argocd.namespace',
      });
    }
  }
}

/** A tenant may only use known environments, and reaches an environment only after the one it is promoted from. */
function checkTenantEnvironments(
  tenants: Loaded<TenantConfig>[], envs: Loaded<EnvironmentConfig>[], unreadable: ReadonlySet<string>, problems: InputProblem[],
): void {
  const byName = new Map(envs.map((e) => [e.value.name, e.value]));
  if (byName.size === 0 && unreadable.size === 0) return;
  for (const tenant of tenants) {
    // In every environment, not only those it is in today: promotion may take it anywhere.
    for (const env of envs) {
      const host = `${tenant.value.name}.${env.value.domain}`;
      const taken = envs.find((other) => other.value.domain === host);
      if (taken) {
        problems.push({
          file: tenant.file, line: tenant.lineOf(['name']), field: 'name',
          message: `"${tenant.value.name}" would serve ${host} in ${env.value.name}, the domain of environment ${taken.value.name}`,
        });
      }
    }
    const enabled = new Set(tenant.value.environments);
    const listed = [
      ...tenant.value.environments.map((name, i) => ({ name, i, list: 'environments' as const })),
      ...(tenant.value.leaving ?? []).map((name, i) => ({ name, i, list: 'leaving' as const })),
    ];
    listed.forEach(({ name, i, list }) => {
      const env = byName.get(name);
      const field = `${list}[${i}]`;
      const line = tenant.lineOf([list, i]);
      if (unreadable.has(name)) {
        // Its file already has a problem of its own; saying it is unknown would only be noise.
      } else if (!env) {
        problems.push({ file: tenant.file, line, field, message: `must be one of ${[...byName.keys()].join(', ')} (got "${name}")` });
      } else if (list === 'environments' && env.promotedFrom !== undefined && !enabled.has(env.promotedFrom)) {
        problems.push({ file: tenant.file, line, field, message: `"${name}" requires "${env.promotedFrom}" first: a tenant reaches ${name} only after ${env.promotedFrom}` });
      } else {
        const t = tenant.value;
        if ((t.secrets?.length || t.hooks) && !env.secretStore) {
          const at = t.secrets?.length ? 'secrets' : 'hooks';
          problems.push({ file: tenant.file, line: tenant.lineOf([at]), field: at, message: `environment "${name}" has no secretStore to read them from` });
        } else if ((t.hooks?.preSync || t.hooks?.postSync || t.hooks?.postDelete) && !env.awxToken) {
          problems.push({ file: tenant.file, line: tenant.lineOf(['hooks']), field: 'hooks', message: `environment "${name}" has no awxToken for the AWX hooks` });
        } else if (env.awxToken) {
          // The hook Job sends the platform's AWX token to this URL: only to the AWX the token belongs to.
          for (const hook of ['preSync', 'postSync', 'postDelete'] as const) {
            const url = t.hooks?.[hook];
            if (url !== undefined && originOf(url) !== originOf(env.awxToken.awxUrl)) {
              problems.push({ file: tenant.file, line: tenant.lineOf(['hooks', hook]), field: `hooks.${hook}`, message: `must be on the AWX of environment "${name}" (${originOf(env.awxToken.awxUrl)}): the hook sends the platform's AWX token there` });
            }
          }
        }
      }
    });
  }
}

/** `https://host[:port]` of a URL, lowercased; '' when it does not parse. */
function originOf(url: string): string {
  try {
    return new URL(url).origin.toLowerCase();
  } catch {
    return '';
  }
}
