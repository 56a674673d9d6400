import * as fs from 'fs';
import * as path from 'path';
import { isUtf8 } from 'buffer';
import { z } from 'zod';
import { isWithin } from '../files';
import { InputProblem } from './input-error';

export { MAX_INPUT_FILE_BYTES } from './names';
import { MAX_INPUT_FILE_BYTES } from './names';

/**
 * Characters refused in any input text that reaches the output: C0 and C1 controls
 * (tab and line breaks included), Unicode line and paragraph separators, and every format
 * character (bidirectional controls, zero-width spaces and joiners, the byte order mark):
 * they make a reviewer read something else than what is there.
 */
export const CONTROL_CHARACTERS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/**
 * A whole text without {@link CONTROL_CHARACTERS}: the same test as a pattern, so a schema that
 * refuses them with `.regex(NO_CONTROL_CHARACTERS)` says so in its JSON Schema too.
 */
export const NO_CONTROL_CHARACTERS = new RegExp(`^[^${CONTROL_CHARACTERS.source.slice(1, -1)}]*$`, 'u');

/** A one-line text of 1 to `max` characters without {@link CONTROL_CHARACTERS}: free text that is rendered into manifests. */
export function plainText(max: number) {
  return z.string()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` })
    .regex(NO_CONTROL_CHARACTERS, { error: 'must not contain control characters or line breaks' });
}

/**
 * `text` as one line of a message can show it: every control character (see
 * {@link CONTROL_CHARACTERS}) escaped as `\uXXXX`, and cut after `max` characters.
 */
export function printable(text: string, max = 60): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(new RegExp(CONTROL_CHARACTERS.source, 'gu'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** What reading one input file gave: its text, or why it was refused. */
export type InputTextResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly problems: InputProblem[] };

/**
 * Reads one input file (an environment or tenant file) as UTF-8 text. Only a regular
 * file of at most {@link MAX_INPUT_FILE_BYTES} is read: folders, named pipes, sockets
 * and devices are refused without reading (or blocking on) them. A symbolic link is
 * followed only to a file inside `root`, so a link to `/dev/zero` or to a file
 * elsewhere on the machine is refused. Nothing is thrown: every refusal is a problem
 * that names the file.
 *
 * @param file path to read
 * @param displayName how the file is named in messages (e.g. `tenants/acme.yaml`)
 * @param root folder a symbolic link must point into (default: the folder above the
 *   file's folder, i.e. the project of `tenants/acme.yaml`)
 */
export function readInputText(file: string, displayName: string, root?: string): InputTextResult {
  const fail = (message: string, line?: number): InputTextResult =>
    ({ ok: false, problems: [{ file: displayName, ...(line !== undefined ? { line } : {}), field: '', message }] });

  let entry: fs.Stats;
  try {
    entry = fs.lstatSync(file);
  } catch (e) {
    return fail(describeFsError(e));
  }
  if (entry.isSymbolicLink()) {
    const within = root ?? path.dirname(path.dirname(path.resolve(file)));
    let target: string;
    try {
      target = fs.realpathSync(file);
    } catch (e) {
      return fail(`is a symbolic link that cannot be followed: ${describeFsError(e)}`);
    }
    const base = realpathOr(within);
    // Strictly inside: a link to the project folder itself is no file of it.
    if (target === base || !isWithin(base, target)) {
      return fail(`is a symbolic link to ${target}, outside the project (${base}); only links to files inside the project are read`);
    }
  } else if (!entry.isFile()) {
    return fail(`is ${kindOf(entry)}, not a regular file`);
  }

  // Non-blocking, so a named pipe put in its place after the check cannot hang the read;
  // what counts is the file actually opened, checked again below.
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    return fail(describeFsError(e));
  }
  let bytes: Buffer;
  try {
    const opened = fs.fstatSync(fd);
    if (!opened.isFile()) return fail(`is ${kindOf(opened)}, not a regular file`);
    if (opened.size > MAX_INPUT_FILE_BYTES) return fail(tooLarge(`${opened.size} bytes`));
    // Read at most one byte over the limit: the size may change between fstat and read.
    const read = readAtMost(fd, opened.size, MAX_INPUT_FILE_BYTES + 1);
    if (read.length > MAX_INPUT_FILE_BYTES) return fail(tooLarge(`more than ${MAX_INPUT_FILE_BYTES} bytes`));
    bytes = read;
  } catch (e) {
    return fail(describeFsError(e));
  } finally {
    fs.closeSync(fd);
  }

  if (!isUtf8(bytes)) return fail('is not UTF-8 text', firstNonUtf8Line(bytes));
  // A byte order mark is left in: the YAML parser skips it, and offsets stay those of the file.
  return { ok: true, text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes) };
}

function readAtMost(fd: number, expected: number, limit: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  let next = Math.min(Math.max(expected + 1, 4096), limit);
  while (total < limit) {
    const chunk = Buffer.allocUnsafe(Math.min(next, limit - total));
    const n = fs.readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    total += n;
    next = 64 * 1024;
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
}

function tooLarge(size: string): string {
  return `is too large (${size}); an input file may have at most ${MAX_INPUT_FILE_BYTES} bytes (1 MiB)`;
}

/** 1-based line of the first byte sequence that is not UTF-8 (a line break byte is never inside a character). */
function firstNonUtf8Line(bytes: Buffer): number | undefined {
  let start = 0;
  for (let line = 1; start <= bytes.length; line++) {
    const end = bytes.indexOf(0x0a, start);
    const stop = end === -1 ? bytes.length : end;
    if (!isUtf8(bytes.subarray(start, stop))) return line;
    if (end === -1) break;
    start = end + 1;
  }
  return undefined;
}

function kindOf(stats: fs.Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT': return 'does not exist (or is a broken symbolic link)';
    case 'EACCES':
    case 'EPERM': return 'cannot be read: permission denied';
    case 'EISDIR': return 'is a folder, not a regular file';
    case 'ELOOP': return 'is a loop of symbolic links';
    case 'ENXIO': return 'is a socket or device, not a regular file';
    default: return `cannot be read (${code ?? (e instanceof Error ? e.message : String(e))})`;
  }
}

function realpathOr(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}
