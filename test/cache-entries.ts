import * as fs from 'fs';
import * as path from 'path';
import { writeCacheEntry } from '../lib/cache-entry';

/** A render cache entry as the tests see it: its file, the header's key and tool, and its payload parsed. */
export interface CacheEntryFile {
  readonly file: string;
  readonly key: string;
  readonly tool: string;
  readonly payload: any;
  /** unit, report, input or input files. */
  readonly kind: 'unit' | 'report' | 'input' | 'input files';
}

/** The entries of a render cache folder, by kind. */
export function cacheEntries(dir: string): CacheEntryFile[] {
  return fs.readdirSync(dir).filter((f) => /^[0-9a-f]{64}\.json$/.test(f)).sort().map((name) => {
    const file = path.join(dir, name);
    const data = fs.readFileSync(file);
    const end = data.indexOf(0x0a);
    const [, , key, tool] = data.toString('latin1', 0, end).split(' ');
    const payload = JSON.parse(data.toString('utf8', end + 1));
    const kind = payload.files ? 'unit' : payload.report ? 'report' : payload.input ? 'input' : 'input files';
    return { file, key, tool, payload, kind };
  });
}

/**
 * Rewrites an entry with `payload` and a header that matches it: what someone who can write the cache
 * folder can always do (the checks catch damage, not a forger; CI's checks read no cache).
 */
export function forgeEntry(entry: CacheEntryFile, payload: unknown): void {
  fs.rmSync(entry.file);
  writeCacheEntry(entry.file, entry.key, entry.tool, JSON.stringify(payload));
}

/** Runs `run` and returns what it warned of (process.emitWarning) of type StoaCacheWarning. */
export function cacheWarningsOf<T>(run: () => T): { result: T; warnings: string[] } {
  const warnings: string[] = [];
  const spy = jest.spyOn(process, 'emitWarning').mockImplementation(((w: string, type?: string) => {
    if (type === 'StoaCacheWarning') warnings.push(w);
  }) as any);
  try {
    return { result: run(), warnings };
  } finally {
    spy.mockRestore();
  }
}
