import * as os from 'os';
import * as path from 'path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';
import { ComponentCatalog } from '../config/component-catalog';
import { ConstructValidationError } from '../render/construct-validation-error';
import { RenderCache } from './render-cache';
import { codeCacheDir } from '../validate/code-cache';
import { RenderUnit, renderUnit, UnitOutput } from './render-units';

/** Below this many units a project renders on the main thread: starting workers would cost more than they save. */
const MIN_UNITS_FOR_WORKERS = 8;
/** A worker that answers nothing for this long has died (out of memory, killed): fail rather than wait forever. */
const STALL_MS = 300_000;

/**
 * How many render worker threads a run of `unitCount` units uses when the caller does not say:
 * none for small projects, else one per core (up to 4; the main thread validates and writes meanwhile).
 */
export function defaultWorkerCount(unitCount: number): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return unitCount < MIN_UNITS_FOR_WORKERS || cores < 2 ? 0 : Math.min(cores, 4);
}

/**
 * The outputs of `units`, in their order: from the cache when it has them, else rendered, on
 * `workers` worker threads (0: on this thread). Synchronous like the rest of synth: the main
 * thread blocks on a shared counter the workers bump after each answer, and reads the answers
 * with `receiveMessageOnPort`. Rendered outputs go into the cache.
 */
export function* unitOutputs(
  units: readonly RenderUnit[], catalog: ComponentCatalog, cache: RenderCache | undefined, workers: number,
): Generator<{ unit: RenderUnit; output: UnitOutput }> {
  if (workers <= 0) {
    for (const unit of units) {
      let output = cache?.get(unit, catalog);
      if (!output) {
        output = renderUnit(unit, catalog);
        cache?.put(unit, catalog, output);
      }
      yield { unit, output };
    }
    return;
  }
  const pool = new WorkerPool(workers, catalog);
  try {
    const done = new Map<number, { output?: UnitOutput; error?: Error; rendered: boolean }>();
    const window = workers * 3;
    let sent = 0;
    for (let next = 0; next < units.length; next++) {
      // Keep every worker busy a few units ahead of the one the pipeline needs next.
      for (; sent < units.length && sent - next < window; sent++) {
        const hit = cache?.get(units[sent], catalog);
        if (hit) done.set(sent, { output: hit, rendered: false });
        else pool.send(sent, units[sent]);
      }
      while (!done.has(next)) {
        for (const answer of pool.answers()) done.set(answer.seq, { ...answer, rendered: true });
      }
      const result = done.get(next)!;
      done.delete(next);
      if (result.error) throw result.error;
      if (result.rendered) cache?.put(units[next], catalog, result.output!);
      yield { unit: units[next], output: result.output! };
    }
  } finally {
    pool.close();
  }
}

interface Answer {
  readonly seq: number;
  readonly output?: UnitOutput;
  readonly error?: Error;
}

class WorkerPool {
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly workers: Array<{ worker: Worker; port: MessagePort; busy: number }> = [];
  private readonly workerOf = new Map<number, number>();

  constructor(count: number, catalog: ComponentCatalog) {
    const components = catalog.names.map((name) => [name, catalog.spec(name)]);
    const source = __filename.endsWith('.ts');
    const entry = path.join(__dirname, `unit-worker.${source ? 'ts' : 'js'}`);
    // From the TypeScript sources (tests, tsx), the worker needs tsx too; the package runs compiled code.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const execArgv = source ? ['--require', require.resolve('tsx/cjs')] : [];
    for (let i = 0; i < count; i++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(entry, { workerData: { port: port2, signal: this.signal, components, codeCache: codeCacheDir() !== undefined }, transferList: [port2], execArgv });
      worker.on('error', () => { /* answered on the port; an unanswered worker stalls into STALL_MS */ });
      this.workers.push({ worker, port: port1, busy: 0 });
    }
  }

  public send(seq: number, unit: RenderUnit): void {
    let index = 0;
    this.workers.forEach((w, i) => { if (w.busy < this.workers[index].busy) index = i; });
    this.workers[index].busy++;
    this.workerOf.set(seq, index);
    this.workers[index].port.postMessage({ seq, unit });
  }

  /** Blocks until at least one worker answered; returns every answer waiting. */
  public answers(): Answer[] {
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      const out: Answer[] = [];
      for (const w of this.workers) {
        for (let m = receiveMessageOnPort(w.port); m; m = receiveMessageOnPort(w.port)) {
          const message = m.message;
          if (typeof message?.seq !== 'number') continue;
          w.busy--;
          out.push({ seq: message.seq, output: message.output, error: message.error && errorOf(message.error) });
        }
      }
      if (out.length > 0) return out;
      if (Atomics.wait(this.signal, 0, seen, STALL_MS) === 'timed-out') {
        // A failure of the machine, not of the input: said as a system error (code and syscall), which the CLI exits 4 for.
        throw Object.assign(new Error(`a render worker did not answer for ${STALL_MS / 1000} s (out of memory or killed?); run again with workers: 0 (--workers 0) to render on one thread`), { code: 'ETIMEDOUT', syscall: 'worker' });
      }
    }
  }

  public close(): void {
    for (const w of this.workers) {
      w.port.close();
      void w.worker.terminate();
    }
  }
}

/** The worker's error as the main thread's: a ConstructValidationError stays one (its errors listed). */
function errorOf(e: { name?: string; message: string; errors?: string[] }): Error {
  if (e.errors) return new ConstructValidationError(e.errors);
  const error = new Error(e.message);
  if (e.name) error.name = e.name;
  return error;
}
