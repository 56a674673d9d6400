import { statSync } from 'fs';
import { dirname } from 'path';
import { InputError } from '../config/input-error';
import { GitError, GitInputError, redactUrl } from '../git/git';
import { PreviewError } from '../project/preview-input';
import { QuantityError } from '../quantity';
import { ConstructValidationError } from '../render/construct-validation-error';
import { ValidationFailedError } from '../validate/validate';
import { WorkflowError } from '../workflow/workflow-error';

/**
 * The exit codes of every `stoa-manifests` verb (the table in docs/cli.md). `1` is the one CI gates
 * on: the verb ran and its answer is no. `2` to `5` say it could not answer, and why: the command
 * line, what the command names, the machine, or a bug; their messages go to stderr.
 */
export enum ExitCode {
  /** The verb did what was asked, and its answer is yes. */
  OK = 0,
  /**
   * The verb ran and its answer is no: a finding (audit, check-promotions, plan's unacknowledged data
   * loss), a validation violation (synth, validate, merge-shards), an output that is not what the
   * sources produce (synth --check). The report says what.
   */
  NO = 1,
  /**
   * The command line is wrong: an unknown verb or option, a required option or argument missing, an
   * option value of the wrong form (not one of its choices, not a number in range). Nothing was changed.
   */
  USAGE = 2,
  /**
   * What the command names is wrong: a tenant or environment file that is invalid, a request refused
   * (a downgrade of prod without --allow-downgrade, promote dev prod, a tenant that exists), a ref that
   * names no commit, an output folder that is not what publish expects. The message names the file or
   * the option, what is allowed, and what to do.
   */
  INPUT = 3,
  /**
   * The environment failed: git missing or failing (a folder that is not a repository, a remote that
   * cannot be reached, a push refused), a full disk, a permission denied. Run it again once fixed.
   */
  ENVIRONMENT = 4,
  /** An error stoa-manifests did not expect: a bug. The message and its stack are printed; please report them. */
  INTERNAL = 5,
}

/** One line per exit code, as `stoa-manifests --help` ends with them (docs/cli.md has the table). */
export const EXIT_CODE_LINES: readonly string[] = [
  `${ExitCode.OK}  done, and the answer is yes`,
  `${ExitCode.NO}  the answer is no: a finding, a validation violation, data loss nobody acknowledged (what CI gates on)`,
  `${ExitCode.USAGE}  the command line is wrong: an unknown option, a required option missing, a bad option value`,
  `${ExitCode.INPUT}  what it names is wrong: an invalid tenant or environment file, a refused request (a prod downgrade without --allow-downgrade)`,
  `${ExitCode.ENVIRONMENT}  the environment failed: git missing or failing, a remote out of reach, a full disk, a permission denied`,
  `${ExitCode.INTERNAL}  a bug in stoa-manifests: please report it with the stack it printed`,
];

/**
 * A command line the verb cannot run with (a bad option value, options that exclude each other),
 * found by the verb rather than by commander: exits with {@link ExitCode.USAGE} as commander's own.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** What a verb that could not answer prints, and its exit code. */
export interface Failure {
  /** The exit code: never {@link ExitCode.OK}. */
  readonly code: ExitCode;
  /** What went wrong and what to do, with the credentials of any URL masked. */
  readonly message: string;
}

/**
 * The one mapping of an error to its exit code and message (docs/cli.md). Errors that say what was
 * wrong with the request (`InputError`, `WorkflowError`, `GitInputError`, the model's own refusals)
 * are input; `GitError` and Node's system errors (`ENOSPC`, `EACCES`...) the environment, also as the
 * `cause` of another error; `ValidationFailedError` is an answer (no); JavaScript's own errors
 * (`TypeError`...) and `internal error:` messages are bugs.
 */
export function failureOf(error: unknown): Failure {
  const code = exitCodeOf(error);
  const path = notAFolder(error);
  const text = path !== undefined ? `${path} is not a folder: give the folder it asks for (the project, its output, a rendered folder), not a file`
    : error instanceof Error ? error.message : String(error);
  const message = code === ExitCode.INTERNAL
    ? `${error instanceof Error && error.stack ? error.stack : text}\nThis is a bug in stoa-manifests: please report it with the lines above.`
    : text;
  return { code, message: redactUrl(message) };
}

function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof UsageError) return ExitCode.USAGE;
  if (error instanceof ValidationFailedError) return ExitCode.NO;
  // A file where a folder belongs is a path the user named wrong, not the machine failing.
  if (notAFolder(error) !== undefined) return ExitCode.INPUT;
  if (causedByEnvironment(error)) return ExitCode.ENVIRONMENT;
  if (error instanceof InputError || error instanceof WorkflowError || error instanceof GitInputError
    || error instanceof ConstructValidationError || error instanceof PreviewError || error instanceof QuantityError) return ExitCode.INPUT;
  // The library throws a plain Error when a value of the project cannot be built (a tenant's secret
  // outside its path, two objects on one file, a shard folder of another run): the input's.
  if (error instanceof Error && Object.getPrototypeOf(error) === Error.prototype && !error.message.startsWith('internal error:')) return ExitCode.INPUT;
  return ExitCode.INTERNAL;
}

/** Whether `error`, or an error it was caused by, is git failing or a system call failing. */
/** The path of an ENOTDIR system error (a file given where a folder belongs), or undefined. */
function notAFolder(error: unknown): string | undefined {
  const { code, path } = (error ?? {}) as { code?: unknown; path?: unknown };
  if (code !== 'ENOTDIR' || typeof path !== 'string') return undefined;
  // The file on the way: `project.yaml/dist` names `project.yaml`.
  for (let p = path; ; p = dirname(p)) {
    try {
      if (statSync(p).isFile()) return p;
    } catch { /* not there: look above */ }
    if (dirname(p) === p) return path;
  }
}

function causedByEnvironment(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 8; depth++, e = e.cause) {
    if (e instanceof GitError || isSystemError(e)) return true;
  }
  return false;
}

/** Node's errors of a system call: `code` (`ENOSPC`, `EACCES`, `ENOENT`...) and `syscall`. */
function isSystemError(e: Error): boolean {
  const { code, syscall } = e as { code?: unknown; syscall?: unknown };
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && typeof syscall === 'string';
}

/**
 * The verbs that change files or branches on request, and so refuse (`set-image refused.`) what they
 * will not do; the others read or check, and fail (`diff failed.`). The command line itself, without a
 * verb, is refused. A failure of the environment, or a bug, is `failed` for every verb.
 */
const REFUSING_VERBS: ReadonlySet<string> = new Set(['', 'set-image', 'promote', 'tenant add', 'tenant remove', 'publish', 'preview publish']);

/** How a verb names itself when it cannot answer. */
export interface Verb {
  /** The verb as typed: `synth`, `tenant add`; '' for the command line without one. */
  readonly name: string;
  /**
   * What stayed as it was, said after the headline: `dist/ was not changed`.
   * @default - nothing said
   */
  readonly kept?: string;
}

/**
 * `stoa-manifests: <verb> <failed|refused>.` (with `; <kept>` before the full stop when given): the
 * headline of every failure, above its message.
 */
export function headline(verb: Verb, code: ExitCode): string {
  const refused = REFUSING_VERBS.has(verb.name) && code !== ExitCode.ENVIRONMENT && code !== ExitCode.INTERNAL;
  return `stoa-manifests: ${verb.name === '' ? 'command line' : verb.name} ${refused ? 'refused' : 'failed'}${verb.kept ? `; ${verb.kept}` : ''}.`;
}
