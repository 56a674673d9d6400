import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from './files';

/*
 * One format for every entry this library keeps in a cache folder (rendered units, validated input,
 * V8 code of the schema validators), so that no entry can change what a run produces:
 *
 *   stoa-cache 1 <key> <tool> <sha256 of the payload> <payload bytes>\n<payload>
 *
 * An entry is used only when it is a regular file (never a link), its header names the key asked for
 * (a swapped or renamed entry is refused) and the tool that reads it (this library's fingerprint, or
 * the V8 build), and its payload has exactly the length and the hash the header names (cut short,
 * edited or flipped bytes are refused). A refused entry is reported as a warning (`StoaCacheWarning`,
 * through `process.emitWarning`), never used and never blamed on a user file: the caller computes
 * the value again and writes a new entry.
 *
 * What this cannot catch is a forged entry whose header was recomputed: anyone who can write the
 * cache folder can do that. That is why the checks CI runs (`synth --check`, `validate`, `diff`)
 * never read a cache (see docs/architecture.md, "Caches").
 */

const MAGIC = 'stoa-cache 1';
/** Entries above this size are refused unread (the largest real ones, V8 code of the ApplicationSet validator, are ~10 MB). */
const MAX_ENTRY_BYTES = 256 * 1024 * 1024;
const HEADER_MAX = 512;

/** The warning type of a refused cache entry (`process.on('warning', w => w.name === CACHE_WARNING)`). */
export const CACHE_WARNING = 'StoaCacheWarning';

/**
 * The payload of the entry `file`, when it is there and passes every check (see above); undefined
 * when there is none; undefined with a `StoaCacheWarning` when there is one that fails a check.
 */
export function readCacheEntry(file: string, key: string, tool: string): Buffer | undefined {
  let data: Buffer;
  try {
    const stat = fs.lstatSync(file, { throwIfNoEntry: false });
    if (stat === undefined) return undefined;
    if (!stat.isFile()) return refuse(file, 'it is not a regular file');
    if (stat.size > MAX_ENTRY_BYTES) return refuse(file, `it is larger than ${MAX_ENTRY_BYTES} bytes`);
    // Opened without following a link or blocking on a pipe, and judged by what was opened: a swap
    // between the check above and the read is refused too.
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    try {
      const opened = fs.fstatSync(fd);
      if (!opened.isFile() || opened.size > MAX_ENTRY_BYTES) return refuse(file, 'it changed while it was read');
      data = fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    return refuse(file, `it cannot be read (${(e as Error).message})`);
  }
  const end = data.subarray(0, HEADER_MAX).indexOf(0x0a);
  const header = end < 0 ? [] : data.toString('latin1', 0, end).split(' ');
  if (header.length !== 6 || `${header[0]} ${header[1]}` !== MAGIC) return refuse(file, 'its header is damaged');
  const [, , entryKey, entryTool, digest, length] = header;
  if (entryKey !== key) return refuse(file, 'it holds another entry');
  if (entryTool !== tool) return refuse(file, 'it was written by another version of the library or runtime');
  const payload = data.subarray(end + 1);
  if (String(payload.length) !== length) return refuse(file, 'it is cut short or has bytes added');
  if (sha256(payload) !== digest) return refuse(file, 'its content does not match its hash');
  return payload;
}

/**
 * Writes the entry `file` (temp file, then rename: a reader sees the whole entry or none). A folder
 * that cannot be written only costs time. Keys and tools are single words (hex digits, dots, dashes).
 */
export function writeCacheEntry(file: string, key: string, tool: string, payload: Buffer | string): void {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  if (!/^[\w.-]+$/.test(key) || !/^[\w.-]+$/.test(tool)) throw new Error(`internal error: cache key or tool is not a single word: ${key} ${tool}`);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, Buffer.concat([Buffer.from(`${MAGIC} ${key} ${tool} ${sha256(body)} ${body.length}\n`, 'latin1'), body]));
  } catch {
    /* nothing was written */
  }
}

function refuse(file: string, why: string): undefined {
  process.emitWarning(`cache entry ${file} is not used: ${why}; computed again and replaced`, CACHE_WARNING);
  try {
    // Gone now, so a run that cannot write the new entry does not warn about the old one again.
    if (!fs.lstatSync(file).isDirectory()) fs.rmSync(file, { force: true });
  } catch {
    /* the next run warns again */
  }
  return undefined;
}

function sha256(data: Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}
