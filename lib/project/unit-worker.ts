// Entry of a render worker thread (see unit-workers.ts): renders the units it is sent, one at a
// time, and answers each on its port, then bumps the shared counter the main thread waits on.
// The library is loaded inside the handler so that a failure to load is an answer too, not a
// silent death the main thread would wait on.
import { MessagePort, workerData } from 'worker_threads';
import type { ComponentCatalog, ComponentSpec } from '../config/component-catalog';
import type { RenderUnit } from './render-units';

interface WorkerInput {
  readonly port: MessagePort;
  readonly signal: Int32Array;
  readonly components: ReadonlyArray<readonly [string, ComponentSpec]>;
  /** Whether the thread that started this one loads the validators through their code cache. */
  readonly codeCache: boolean;
}

const { port, signal, components, codeCache } = workerData as WorkerInput;
// eslint-disable-next-line @typescript-eslint/no-require-imports
if (codeCache) (require('../validate/code-cache') as typeof import('../validate/code-cache')).enableCodeCache();
let catalog: ComponentCatalog | undefined;

port.on('message', (message: { seq: number; unit: RenderUnit }) => {
  try {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { ComponentCatalog: Catalog } = require('../config/component-catalog') as typeof import('../config/component-catalog');
    const { renderUnit } = require('./render-units') as typeof import('./render-units');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const stoa = Catalog.stoa();
    catalog ??= components.filter(([name]) => !stoa.has(name)).reduce((c, [name, spec]) => c.with(name, spec), stoa);
    port.postMessage({ seq: message.seq, output: renderUnit(message.unit, catalog) });
  } catch (e) {
    const error = e as Error & { errors?: unknown };
    port.postMessage({
      seq: message.seq,
      error: { name: error?.name, message: error?.message ?? String(e), errors: error?.name === 'ConstructValidationError' && Array.isArray(error.errors) ? error.errors : undefined },
    });
  }
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
