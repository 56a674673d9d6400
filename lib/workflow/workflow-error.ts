/** A refused workflow step (wrong order, read-only environment, duplicate, ...): the message says what to do instead. */
export class WorkflowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkflowError';
  }
}
