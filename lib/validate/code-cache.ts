import * as crypto from 'crypto';
import * as fs from 'fs';
import { createRequire, wrap } from 'module';
import * as path from 'path';
import * as vm from 'vm';
import { userCacheRoot } from '../cache-root';

/*
 * The precompiled CRD validators are large generated modules (12 MB of JavaScript; ApplicationSet's
 * alone is 8 MB): compiling them and their first calls cost about 0.7 s in every process that
 * validates, more than the rest of a synth of the example. Node 20 keeps no compiled code between
 * runs (module.enableCompileCache is Node 22.1+), so these modules are loaded through V8's code
 * cache ourselves: the code V8 compiled, including the functions the first call compiled lazily, is
 * stored beside the user's other caches and handed back to V8 on the next load. V8 checks that the
 * data fits the source and its own version and flags, and rejects it otherwise (then the module is
 * compiled as usual and the data written again). A cache that cannot be read or written only costs
 * time.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const libraryRequire = createRequire(__filename);

/** Where the compiled code is kept: `<user cache>/stoa-manifests/v8`. */
export function codeCacheDir(): string {
  return path.join(userCacheRoot(), 'v8');
}

/**
 * Loads the CommonJS module `file` whose text is `source`, with V8's code cache from `cacheDir` (no
 * cache when undefined). What it requires (ajv's runtime, for the validators) is resolved from this
 * library, wherever the file is. When no usable cache data was there, it is written after the module's export
 * (a function) is first called, so it holds what that call compiled too; the function returned then
 * is a wrapper that keeps `errors` as the export sets it (ajv's validators report through it).
 */
export function loadWithCodeCache(file: string, source: string, cacheDir: string | undefined): unknown {
  const cacheFile = cacheDir && path.join(cacheDir, `${moduleName(file)}.${runtimeAndSource(source)}.bin`);
  let cachedData: Buffer | undefined;
  if (cacheFile) {
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
  }
  const script = new vm.Script(wrap(source), { filename: file, cachedData });
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, libraryRequire, module, file, path.dirname(file));
  const exported = module.exports;
  if (!cacheFile || (cachedData !== undefined && !script.cachedDataRejected) || typeof exported !== 'function') return exported;
  const fn = exported as ((...args: unknown[]) => unknown) & { errors?: unknown };
  let saved = false;
  const wrapper = (...args: unknown[]): unknown => {
    const result = fn(...args);
    wrapper.errors = fn.errors;
    if (!saved) {
      saved = true;
      store(cacheFile, `${moduleName(file)}.`, script.createCachedData());
    }
    return result;
  };
  wrapper.errors = undefined as unknown;
  return wrapper;
}

/*
 * An entry is named `<module>.<runtime and source>.bin`: the module by the last three parts of its path
 * (group, version, kind), then Node's ABI, the architecture and a hash of the source.
 */
function moduleName(file: string): string {
  return file.split(/[\\/]/).slice(-3).join('_').replace(/[^A-Za-z0-9_-]/g, '_');
}

function runtimeAndSource(source: string): string {
  return `${process.versions.modules}-${process.arch}-${crypto.createHash('sha256').update(source).digest('hex').slice(0, 32)}`;
}

function store(cacheFile: string, prefix: string, data: Buffer): void {
  try {
    const dir = path.dirname(cacheFile);
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${cacheFile}.${process.pid}-${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, cacheFile);
    // Older entries of the same module (another source or runtime) are not read again: keep the folder bounded.
    const base = path.basename(cacheFile);
    for (const other of fs.readdirSync(dir)) {
      if (other !== base && other.startsWith(prefix) && other.endsWith('.bin')) fs.rmSync(path.join(dir, other), { force: true });
    }
  } catch {
    /* only time is lost */
  }
}
