import { EditableYaml } from './project-files';
import { WorkflowError } from './workflow-error';

/**
 * The refusals of one workflow step, gathered so that one run lists every problem, one per
 * line, each where it is (file, line, field) and what is allowed or what to do: as an
 * {@link InputError} lists every problem of the input files.
 */

/** One reason a workflow step is refused. */
export interface Refusal {
  /** The file, as messages name it (relative to the project, e.g. `environments/staging.yaml`). */
  readonly file: string;
  /**
   * 1-based line of the field in the file.
   * @default - not located (a field the file does not have yet, or a file that cannot be read)
   */
  readonly line?: number;
  /** Dotted path of the field, e.g. `components.stoa-gateway`; empty for the file as a whole. */
  readonly field: string;
  /** What is wrong, and what is allowed or what to do instead. */
  readonly message: string;
}

/**
 * One {@link WorkflowError} for every refusal: `what (N problems):` and then one line each,
 * `file:line: field: message`.
 *
 * @param what the step refused, e.g. `cannot promote staging -> prod`
 * @param refusals every problem found (at least one), in the order to show them
 */
export function refusalError(what: string, refusals: readonly Refusal[]): WorkflowError {
  const lines = refusals.map((r) => {
    const where = r.line !== undefined ? `${r.file}:${r.line}` : r.file;
    return `  ${r.field ? `${where}: ${r.field}` : where}: ${r.message}`;
  });
  return new WorkflowError(`${what} (${refusals.length === 1 ? '1 problem' : `${refusals.length} problems`}):\n${lines.join('\n')}`);
}

/**
 * The line of the field at `keys` in the YAML file `file`, for a {@link Refusal}; undefined
 * when the file cannot be read or has no such field.
 */
export function lineOfField(file: string, keys: readonly string[]): number | undefined {
  try {
    return EditableYaml.open(file).lineOf(keys);
  } catch {
    return undefined; // a file that cannot be read is refused by name elsewhere; the line is only a help
  }
}
