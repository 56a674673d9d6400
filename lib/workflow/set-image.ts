import { ComponentName, imageVersion, reasonText } from '../config/environment-config';
import { environmentGuards } from './promotion-check';
import { environmentFile, ProjectLocation, projectEnvironments, projectOf } from '../project/project';
import { EditableYaml, environmentNamed } from './project-files';
import { WorkflowError } from './workflow-error';

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
 * staging hotfix, then `promote staging prod` in a later commit.
 */
export function setImage(options: SetImageOptions): SetImageResult {
  const project = projectOf(options);
  const envs = projectEnvironments(project);
  const env = environmentNamed(envs, options.environment);
  if (env.components[options.component] === undefined) {
    throw new WorkflowError(`unknown component "${options.component}": ${env.name} runs ${Object.keys(env.components).join(', ')}`);
  }
  const component: ComponentName = options.component;
  const parsed = imageVersion.safeParse(options.version);
  if (!parsed.success) {
    throw new WorkflowError(`version "${options.version}": ${parsed.error.issues[0].message}`);
  }
  const first = envs.find((e) => !e.promotedFrom)?.name ?? 'dev';
  // Held to what the environment ever was: prod's file set to mode: full is still prod.
  const guard = environmentGuards(project, envs).get(env.name)!;
  if (guard.everReadOnly) {
    const source = env.promotedFrom ?? guard.sources[0];
    const upstream = envs.find((e) => e.name === source)?.promotedFrom;
    const bring = upstream
      ? `stoa-manifests set-image ${component} ${options.version} --env ${upstream}, commit, stoa-manifests promote ${upstream} ${source}; a fix that cannot wait: stoa-manifests set-image ${component} ${options.version} --env ${source} --hotfix "<reason>"`
      : `stoa-manifests set-image ${component} ${options.version} --env ${source}`;
    throw new WorkflowError(`${env.name} is read-only: its versions change only by promotion${source
      ? `. Bring the version to ${source} first (${bring}), commit, then run stoa-manifests promote ${source} ${env.name} in a later commit`
      : ''}`);
  }
  const promotedFrom = env.promotedFrom ?? guard.sources[0];
  if (promotedFrom && options.hotfix === undefined) {
    throw new WorkflowError(`${env.name} takes its versions from ${promotedFrom} by promotion: stoa-manifests set-image ${component} ${options.version} --env ${promotedFrom}, commit, then stoa-manifests promote ${promotedFrom} ${env.name} in a later commit. A fix that cannot wait for ${promotedFrom}: add --hotfix "<reason>"`);
  }
  if (!promotedFrom && options.hotfix !== undefined) {
    throw new WorkflowError(`--hotfix is for an environment promoted from another; ${env.name} takes versions directly (the first of the order is ${first}): leave --hotfix out`);
  }
  const reason = options.hotfix;
  if (reason !== undefined) {
    const check = reasonText.safeParse(reason);
    if (!check.success) throw new WorkflowError(`--hotfix ${JSON.stringify(reason)}: ${check.error.issues[0].message}`);
  }

  const file = environmentFile(project, env.name);
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
