/**
 * A refused workflow step (wrong order, read-only environment, duplicate, ...): the message says what to do instead.
 * When a failure of the environment is why (git could not reach a remote, a disk is full), it is the `cause`,
 * and the CLI exits with the environment's code rather than the refused input's (docs/cli.md).
 */
export class WorkflowError extends Error {
  /**
   * @param message what was refused, and what to do instead
   * @param options `cause`: the error that made the step fail, when it is not the request itself
   */
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.name = 'WorkflowError';
  }
}
