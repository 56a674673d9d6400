/*
 * jest setupFiles: within a test file (a group of modules, test/groups/), a render unit with the
 * same input as one rendered before is not rendered again: `renderUnit` (lib/project/render-units.ts)
 * answers with a copy of what the first, real render of that input gave.
 *
 * Why this holds: a unit's output is a function of its input alone (the environment, its tenants,
 * the component catalog), which is what the product's own render cache keys on too
 * (lib/project/render-cache.ts), and what test/output-folder.test.ts and test/render-units.test.ts
 * check by rendering every time ({@link rendersEveryTime}). The tests render the same example
 * project, or one a tenant apart, over and over: four renders in five were repeats (29 s of the
 * suite's 36 s of unit renders). Only what a render returned is kept (an input that throws throws
 * again, rendered anew), as JSON (what the render cache stores: each caller gets its own copy),
 * within a bound of memory. Worker threads (unit-worker.ts) render as they do in the product.
 */
import * as crypto from 'crypto';
import type * as RenderUnits from '../lib/project/render-units';

/** Stops keeping new entries beyond this many bytes of JSON (the first renders of a file are the ones repeated). */
const MAX_BYTES = 256 * 1024 * 1024;

const state = { on: true, bytes: 0, entries: new Map<string, string>() };

jest.mock('../lib/project/render-units', () => {
  const actual = jest.requireActual('../lib/project/render-units') as typeof RenderUnits;
  const renderUnit: typeof actual.renderUnit = (unit, catalog) => {
    if (!state.on) return actual.renderUnit(unit, catalog);
    const components = catalog.names.map((name) => [name, catalog.spec(name)]);
    const key = crypto.createHash('sha256').update(JSON.stringify({ components, environment: unit.environment, tenants: unit.tenants })).digest('hex');
    const kept = state.entries.get(key);
    if (kept !== undefined) return JSON.parse(kept);
    const output = actual.renderUnit(unit, catalog);
    const json = JSON.stringify(output);
    if (state.bytes + json.length <= MAX_BYTES) {
      state.entries.set(key, json);
      state.bytes += json.length;
    }
    return output;
  };
  return { ...actual, renderUnit };
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
