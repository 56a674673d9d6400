/*
 * jest setupFiles: within a test file (a group of modules, test/groups/), a render unit with the
 * same input as one rendered before is not rendered again: `renderUnit` (lib/project/render-units.ts)
 * answers with a copy of what the first, real render of that input gave, under the key of the
 * product's own render cache (`unitKey` in lib/project/render-cache.ts).
 *
 * Why this holds: a unit's output is a function of its input alone (the environment, its tenants,
 * the component catalog), which is what that key hashes, and what test/output-folder.test.ts and
 * test/render-units.test.ts check by rendering every time ({@link rendersEveryTime}). The tests
 * render the same example project, or one a tenant apart, over and over: four renders in five were
 * repeats (29 s of the suite's 36 s of unit renders); so were most validations of an environment's
 * rendered objects (`validateCheckedObjects`, memoized the same way). Only what a render returned
 * is kept (an input that throws throws again, rendered anew), as JSON (what the render cache
 * stores: each caller gets its own copy), within a bound of memory. Worker threads
 * (unit-worker.ts) render as they do in the product.
 */
import * as crypto from 'crypto';
import type * as RenderCache from '../lib/project/render-cache';
import type * as RenderUnits from '../lib/project/render-units';
import type * as Validate from '../lib/validate/validate';

/** Stops keeping new entries beyond this many bytes of JSON (the first renders of a file are the ones repeated). */
const MAX_BYTES = 256 * 1024 * 1024;

const state = { on: true, bytes: 0, entries: new Map<string, string>() };

/** What `compute` returns under `key`: kept as JSON, computed at most once. */
function memo<T>(key: string, compute: () => T): T {
  const kept = state.entries.get(key);
  if (kept !== undefined) return JSON.parse(kept);
  const output = compute();
  const json = JSON.stringify(output);
  if (state.bytes + json.length <= MAX_BYTES) {
    state.entries.set(key, json);
    state.bytes += json.length;
  }
  return output;
}

jest.mock('../lib/project/render-units', () => {
  const actual = jest.requireActual('../lib/project/render-units') as typeof RenderUnits;
  const renderUnit: typeof actual.renderUnit = (unit, catalog) => {
    if (!state.on) return actual.renderUnit(unit, catalog);
    const { unitKey } = jest.requireActual('../lib/project/render-cache') as typeof RenderCache;
    return memo(`unit\0${unitKey(unit, catalog)}`, () => actual.renderUnit(unit, catalog));
  };
  return { ...actual, renderUnit };
});

// The validation of an environment's checked objects (synth's report): the same objects, schema
// findings and options give the same report (the render cache keys reports on them too). Options
// with a schema catalog of the caller's own (not data) are validated every time.
jest.mock('../lib/validate/validate', () => {
  const actual = jest.requireActual('../lib/validate/validate') as typeof Validate;
  const validateCheckedObjects: typeof actual.validateCheckedObjects = (objects, schemaViolations, options = {}) => {
    if (!state.on || options.schemas !== undefined) return actual.validateCheckedObjects(objects, schemaViolations, options);
    const key = crypto.createHash('sha256').update(JSON.stringify({ objects, schemaViolations, options })).digest('hex');
    return memo(`report\0${key}`, () => actual.validateCheckedObjects(objects, schemaViolations, options));
  };
  return { ...actual, validateCheckedObjects };
});

/**
 * For a test module whose claim is about rendering itself (two renders give the same bytes): every
 * render of its tests is a real one. Call it at the top of the module (its describe block).
 */
export function rendersEveryTime(): void {
  beforeAll(() => {
    state.on = false;
  });
  afterAll(() => {
    state.on = true;
  });
}
