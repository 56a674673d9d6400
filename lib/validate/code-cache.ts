import * as crypto from 'crypto';
import { createRequire, wrap } from 'module';
import * as path from 'path';
import * as vm from 'vm';
import { userCacheRoot } from '../cache-root';
import { readCacheEntry, writeCacheEntry } from '../cache-entry';

/*
 * The precompiled CRD validators are large generated modules (12 MB of JavaScript; ApplicationSet's
 * alone is 8 MB). Node's own compile cache (module.enableCompileCache, Node 22.1+) keeps only the
 * code V8 compiles when a module loads: 114 KB of the Application validator's 1.4 MB, measured on
 * Node 24. Most of a validator's functions are compiled lazily, at its first call: about 0.4 s in
 * every process that validates, more than the rest of a synth of the example. So these modules are
 * loaded through V8's code cache here, written after the first call so that it holds what that call
 * compiled. An entry is checked before V8 sees it (cache-entry.ts: key, runtime, length and hash of
 * the data; V8 itself does not checksum code cache data and may crash on damaged bytes), and V8
 * still rejects data that does not fit the source or its flags: then the module is compiled as usual
 * and the entry written again. A cache that cannot be read or written only costs time.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const libraryRequire = createRequire(__filename);

let enabled = false;

/**
 * Loads the validators of this process through the code cache from now on. Off unless asked: only
 * the CLI's synth asks. Everything that decides (check, validate, diff, publish, the library's
 * functions) reads no cache, since a forged entry would be code run by it.
 */
export function enableCodeCache(): void {
  enabled = true;
}

/** Where the compiled code is kept: `<user cache>/stoa-manifests/v8`, once {@link enableCodeCache} was called; else undefined. */
export function codeCacheDir(): string | undefined {
  return enabled ? path.join(userCacheRoot(), 'v8') : undefined;
}

/**
 * Loads the CommonJS module `file` whose text is `source`, with V8's code cache from `cacheDir` (no
 * cache when undefined). What it requires (ajv's runtime, for the validators) is resolved from this
 * library, wherever the file is. When no usable cache data was there, it is written after the module's export
 * (a function) is first called, so it holds what that call compiled too; the function returned then
 * is a wrapper that keeps `errors` as the export sets it (ajv's validators report through it).
 */
export function loadWithCodeCache(file: string, source: string, cacheDir: string | undefined): unknown {
  const name = moduleName(file);
  const key = crypto.createHash('sha256').update(source).digest('hex');
  const cacheFile = cacheDir && path.join(cacheDir, `${name}.${RUNTIME}.bin`); // two Node versions never take each other's
  const cachedData = cacheFile ? readCacheEntry(cacheFile, key, RUNTIME) : undefined;
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
      writeCacheEntry(cacheFile, key, RUNTIME, script.createCachedData());
    }
    return result;
  };
  wrapper.errors = undefined as unknown;
  return wrapper;
}

/** An entry is named by the last three parts of the module's path (group, version, kind) and the runtime: one entry per validator and runtime, replaced when its source changes. */
function moduleName(file: string): string {
  return file.split(/[\\/]/).slice(-3).join('_').replace(/[^A-Za-z0-9_-]/g, '_');
}

/** V8 reads only data made by the same build (Node version, ABI, architecture). */
const RUNTIME = `node-${process.version}-${process.versions.modules}-${process.arch}`.replace(/[^\w.-]/g, '_');
