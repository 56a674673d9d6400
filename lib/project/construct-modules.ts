/*
 * The construct side of synth (cdk8s, cdk8s-plus, the model), loaded on first use: a run whose
 * units all come from the cache, a check of an up-to-date output, never loads it (a third of
 * the start-up time of the everyday loop).
 */
import type { buildPlatform, validationOptionsOf } from './build-platform';
import type { renderUnvalidated } from '../render/render';
import type { environmentValidationOf } from '../app/environment-facts';

/** What rendering a model needs. */
export interface ConstructModules {
  readonly buildPlatform: typeof buildPlatform;
  readonly validationOptionsOf: typeof validationOptionsOf;
  readonly renderUnvalidated: typeof renderUnvalidated;
  readonly environmentValidationOf: typeof environmentValidationOf;
}

/** The modules, required now (Node caches them). */
export function constructModules(): ConstructModules {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const platform = require('./build-platform') as typeof import('./build-platform');
  const render = require('../render/render') as typeof import('../render/render');
  const facts = require('../app/environment-facts') as typeof import('../app/environment-facts');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return {
    buildPlatform: platform.buildPlatform,
    validationOptionsOf: platform.validationOptionsOf,
    renderUnvalidated: render.renderUnvalidated,
    environmentValidationOf: facts.environmentValidationOf,
  };
}
