import { ComponentName, EnvironmentConfig, imageVersion, reasonText } from '../config/environment-config';
import { formatPath } from '../config/field-path';
import { printable } from '../config/input-file';
import { displayPath } from '../files';
import { environmentGuards } from './promotion-check';
import { environmentFile, Project, ProjectLocation, projectEnvironments, projectOf } from '../project/project';
import { EditableYaml } from './project-files';
import { lineOfField, Refusal, refusalError } from './refusal';

/** Options of {@link setImage}. */
export interface SetImageOptions extends ProjectLocation {
  /** Environment to change: one that takes versions directly (dev), or with `hotfix`, one promoted from another (staging). */
  readonly environment: string;
  /** Platform component. */
  readonly component: string;
  /** New pinned version: a tag other than `latest`, or `sha256:<digest>`. */
  readonly version: string;
  /**
   * Why this version goes into an environment promoted from another without passing through it:
   * recorded in the environment file (`hotfixes`), accepted by `check-promotions`, shown in the PR report.
   * @default - none: a normal change, refused in an environment promoted from another
   */
  readonly hotfix?: string;
}

/** What {@link setImage} did. */
export interface SetImageResult {
  /** The environment changed. */
  readonly environment: string;
  /** The component changed. */
  readonly component: ComponentName;
  /** Version before. */
  readonly from: string;
  /** Version after. */
  readonly to: string;
  /** False when the environment already had this version and record (nothing written). */
  readonly changed: boolean;
  /** File written. */
  readonly file: string;
  /**
   * The hotfix reason recorded.
   * @default - none: not a hotfix
   */
  readonly hotfix?: string;
}

/**
 * The CI image bump: sets one component's version in one environment file.
 * Only the first environment of the promotion order (dev) takes versions
 * directly. An environment promoted from another (staging) takes one only as a
 * hotfix, with its reason recorded in the file. A read-only environment
 * (prod) never: it changes only by promotion, so a prod fix goes in as a
 * staging hotfix, then `promote staging prod` in a later commit. A refused
 * request lists every problem at once (unknown component, version not pinned,
 * hotfix reason, promotion order), one per line with its file, line and field.
 */
export function setImage(options: SetImageOptions): SetImageResult {
  const project = projectOf(options);
  const envs = projectEnvironments(project);
  const env = envs.find((e) => e.name === options.environment);
  const component: ComponentName = options.component;
  const reason = options.hotfix;
  // Every problem of the request at once, each in the file and field it is about.
  const file = env ? environmentFile(project, env.name) : undefined;
  const shown = file ? displayPath(project.projectDir, file) : displayPath(project.projectDir, project.environmentsDir);
  const at = (keys: readonly string[], message: string): Refusal =>
    ({ file: shown, ...(file ? { line: lineOfField(file, keys) } : {}), field: formatPath(keys), message });
  const refusals: Refusal[] = [];
  if (!env) refusals.push({ file: shown, field: '', message: `unknown environment "${options.environment}": one of ${envs.map((e) => e.name).join(', ')}` });
  if (env && env.components[component] === undefined) {
    refusals.push(at(['components'], `unknown component "${component}": ${env.name} runs ${Object.keys(env.components).join(', ')}`));
  }
  const parsed = imageVersion.safeParse(options.version);
  if (!parsed.success) refusals.push(at(['components', component], `version "${options.version}": ${parsed.error.issues.map((i) => i.message).join('; ')}`));
  if (reason !== undefined) {
    const check = reasonText.safeParse(reason);
    if (!check.success) refusals.push(at(['hotfixes', component, 'reason'], `--hotfix ${JSON.stringify(reason)}: ${check.error.issues.map((i) => i.message).join('; ')}`));
  }
  if (env) refusals.push(...orderRefusals(options, project, envs, env).map(([keys, message]) => at(keys, message)));
  if (refusals.length > 0 || !env || !file) throw refusalError(`cannot set ${printable(component)} to ${printable(options.version)} in ${printable(options.environment)}`, refusals);

  const from = env.components[component];
  const recorded = env.hotfixes?.[component];
  if (from === options.version && (reason === undefined || (recorded?.version === from && recorded.reason === reason))) {
    return { environment: env.name, component, from, to: from, changed: false, file, ...(reason ? { hotfix: reason } : {}) };
  }

  const yaml = EditableYaml.open(file);
  yaml.set(['components', component], options.version);
  if (reason !== undefined) yaml.setMapping(['hotfixes', component], { version: options.version, reason });
  yaml.save();
  return { environment: env.name, component, from, to: options.version, changed: true, file, ...(reason ? { hotfix: reason } : {}) };
}

/**
 * What the promotion order says against setting a version of `env` directly: never in an
 * environment that is or was read-only (prod), only with a hotfix reason in one promoted from
 * another (staging), never with one in the first (dev). Each is the field it is about and the way
 * to do it instead.
 */
function orderRefusals(options: SetImageOptions, project: Project, envs: readonly EnvironmentConfig[], env: EnvironmentConfig): [string[], string][] {
  const component = options.component;
  const first = envs.find((e) => !e.promotedFrom)?.name ?? 'dev';
  // Held to what the environment ever was: prod's file set to mode: full is still prod. Only its own
  // file's history says that: the other environments' histories (a `git log --follow` each) are not read.
  const guard = environmentGuards(project, [env]).get(env.name)!;
  if (guard.everReadOnly) {
    const source = env.promotedFrom ?? guard.sources[0];
    const upstream = envs.find((e) => e.name === source)?.promotedFrom;
    const bring = upstream
      ? `stoa-manifests set-image ${component} ${options.version} --env ${upstream}, commit, stoa-manifests promote ${upstream} ${source}; a fix that cannot wait: stoa-manifests set-image ${component} ${options.version} --env ${source} --hotfix "<reason>"`
      : `stoa-manifests set-image ${component} ${options.version} --env ${source}`;
    return [[['components', component], `${env.name} is read-only: its versions change only by promotion${source
      ? `. Bring the version to ${source} first (${bring}), commit, then run stoa-manifests promote ${source} ${env.name} in a later commit`
      : ''}`]];
  }
  const promotedFrom = env.promotedFrom ?? guard.sources[0];
  if (promotedFrom && options.hotfix === undefined) {
    return [[['components', component], `${env.name} takes its versions from ${promotedFrom} by promotion: stoa-manifests set-image ${component} ${options.version} --env ${promotedFrom}, commit, then stoa-manifests promote ${promotedFrom} ${env.name} in a later commit. A fix that cannot wait for ${promotedFrom}: add --hotfix "<reason>"`]];
  }
  if (!promotedFrom && options.hotfix !== undefined) {
    return [[['hotfixes', component], `--hotfix is for an environment promoted from another; ${env.name} takes versions directly (the first of the order is ${first}): leave --hotfix out`]];
  }
  return [];
}
