import { compareStrings } from '../sort';

/** One problem found in one input file. */
export interface InputProblem {
  /** Path of the file, as given to the loader (relative to the project when possible). */
  readonly file: string;
  /**
   * 1-based line in the file, when the problem can be located.
   * @default - not located (e.g. a missing folder)
   */
  readonly line?: number;
  /** Dotted path of the field, e.g. `owners.groups[0]`; empty for the whole file. */
  readonly field: string;
  /** What is wrong and what is allowed. */
  readonly message: string;
}

/**
 * Thrown when input files (tenants, environments) are invalid. Carries every
 * problem of the run, so a user fixes them all in one pass.
 */
export class InputError extends Error {
  /** Every problem found, in file then line order. */
  public readonly problems: readonly InputProblem[];

  constructor(problems: readonly InputProblem[]) {
    const sorted = [...problems].sort(compareProblems);
    super(formatProblems(sorted));
    this.name = 'InputError';
    this.problems = sorted;
  }
}

/** `file:line: field: message`, one line per problem, under a count. */
export function formatProblems(problems: readonly InputProblem[]): string {
  const lines = problems.map((p) => {
    const where = p.line !== undefined ? `${p.file}:${p.line}` : p.file;
    return p.field ? `${where}: ${p.field}: ${p.message}` : `${where}: ${p.message}`;
  });
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return `invalid input (${count}):\n  ${lines.join('\n  ')}`;
}

function compareProblems(a: InputProblem, b: InputProblem): number {
  if (a.file !== b.file) return compareStrings(a.file, b.file);
  return (a.line ?? 0) - (b.line ?? 0);
}
