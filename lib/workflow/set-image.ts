import { COMPONENT_NAMES, ComponentName, imageVersion } from '../config/environment-config';
import { EditableYaml, environmentFile, environmentNamed, environmentsOf, projectPaths } from './project-files';
import { WorkflowError } from './workflow-error';

/** Options of {@link setImage}. */
export interface SetImageOptions {
  /**
   * Project folder.
   * @default - the current working directory
   */
  readonly projectDir?: string;
  /** Environment to change; must be a full (not read-only) one. */
  readonly environment: string;
  /** Platform component. */
  readonly component: string;
  /** New pinned version: a tag other than `latest`, or `sha256:<digest>`. */
  readonly version: string;
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
  /** False when the environment already had this version (nothing written). */
  readonly changed: boolean;
  /** File written. */
  readonly file: string;
}

/**
 * The CI image bump: sets one component's version in one environment file.
 * Read-only environments (prod) are refused: they change only by promotion.
 */
export function setImage(options: SetImageOptions): SetImageResult {
  const paths = projectPaths(options.projectDir);
  const envs = environmentsOf(paths);
  const env = environmentNamed(envs, options.environment);
  if (!(COMPONENT_NAMES as readonly string[]).includes(options.component)) {
    throw new WorkflowError(`unknown component "${options.component}": one of ${COMPONENT_NAMES.join(', ')}`);
  }
  const component = options.component as ComponentName;
  if (env.mode === 'read-only') {
    const source = env.promotedFrom;
    throw new WorkflowError(`${env.name} is read-only: its versions change only by promotion${source ? `. Set the version in ${source}, then run: stoa-manifests promote ${source} ${env.name}` : ''}`);
  }
  const parsed = imageVersion.safeParse(options.version);
  if (!parsed.success) {
    throw new WorkflowError(`version "${options.version}": ${parsed.error.issues[0].message}`);
  }
  const file = environmentFile(paths, env.name);
  const from = env.components[component];
  if (from === options.version) return { environment: env.name, component, from, to: from, changed: false, file };

  const yaml = EditableYaml.open(file);
  yaml.set(['components', component], options.version);
  yaml.save();
  return { environment: env.name, component, from, to: options.version, changed: true, file };
}
