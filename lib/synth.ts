import * as path from 'path';
import { loadProjectInput } from './config/load';
import { buildPlatform } from './platform/build-platform';
import { RenderedFile, renderConstructs } from './render/render';
import { replaceFolder } from './render/replace-folder';

/** Options of {@link synth}. */
export interface SynthOptions {
  /**
   * Project folder holding `environments/` and `tenants/`.
   * @default - the current working directory
   */
  readonly projectDir?: string;
  /**
   * Folder to write; replaced as a whole when everything rendered.
   * @default '<projectDir>/dist'
   */
  readonly outDir?: string;
}

/** What a synth wrote. */
export interface SynthResult {
  /** Folder written. */
  readonly outDir: string;
  /** Every file, sorted by path. */
  readonly files: readonly RenderedFile[];
  /** Environments rendered, in promotion order. */
  readonly environments: readonly string[];
}

/**
 * Renders every environment of a project into memory and validates it; only
 * then replaces `outDir` in one step. On any error it throws and `outDir` is
 * exactly as it was.
 */
export function synth(options: SynthOptions = {}): SynthResult {
  const files = render(options);
  const outDir = path.resolve(options.outDir ?? path.join(projectDirOf(options), 'dist'));
  replaceFolder(outDir, files.files);
  return { ...files, outDir };
}

/** Loads, builds and renders a project without writing anything. */
export function render(options: Pick<SynthOptions, 'projectDir'> = {}): Omit<SynthResult, 'outDir'> {
  const projectDir = projectDirOf(options);
  const input = loadProjectInput({
    environmentsDir: path.join(projectDir, 'environments'),
    tenantsDir: path.join(projectDir, 'tenants'),
    displayRoot: projectDir,
  });
  const files = renderConstructs(buildPlatform(input));
  return { files, environments: input.environments.map((e) => e.name) };
}

function projectDirOf(options: Pick<SynthOptions, 'projectDir'>): string {
  return path.resolve(options.projectDir ?? process.cwd());
}
