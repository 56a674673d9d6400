// Its own module, without cdk8s: the main thread of a worker-rendered synth rethrows it without loading the model.

/** Thrown when the construct tree fails its own validations. Lists every error with its construct path. */
export class ConstructValidationError extends Error {
  constructor(public readonly errors: readonly string[]) {
    super(`the model is invalid (${errors.length} error${errors.length === 1 ? '' : 's'}):\n  ${errors.join('\n  ')}`);
    this.name = 'ConstructValidationError';
  }
}
