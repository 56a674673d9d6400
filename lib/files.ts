import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { compareStrings } from './sort';

/** Every file under `dir`, as `/`-separated paths relative to it, sorted; none when `dir` does not exist. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  if (!fs.existsSync(dir)) return out;
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else out.push(rel);
    }
  };
  walk('');
  return out.sort(compareStrings);
}

/** `target` as messages show it: relative to `from` (with `/`) when inside it, else absolute. */
export function displayPath(from: string, target: string): string {
  const rel = path.relative(from, target);
  if (rel === '') return '.';
  return !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : target;
}

/** Whether `target` is `dir` itself or inside it (compare real paths where links matter). */
export function isWithin(dir: string, target: string): boolean {
  const rel = path.relative(dir, target);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/*
 * The library's one way to write a file that someone may read meanwhile or that a kill may cut
 * short: the bytes go to a temporary file beside it, which a rename puts in its place. A reader,
 * and whatever is left after `kill -9`, sees the old file or the new one, never part of it.
 */

/** How {@link writeFileAtomic} writes. */
export interface AtomicWriteOptions {
  /** The file's mode, exactly (the umask does not apply). Default: `0o666` less the umask, like a checkout. */
  readonly mode?: number;
  /** Refuse to replace an existing file (throws `EEXIST`, as flag `'wx'` does). */
  readonly exclusive?: boolean;
}

/**
 * A name beside `target` for a temporary of it: `.<name>-<tag>-<pid>-<8 hex digits>`, so that it
 * says whose temporary it is and which process made it, and two never meet.
 */
export function tempNameBeside(target: string, tag: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}-${tag}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
}

/**
 * Writes `content` to `file` in one step: to a new temporary file beside it (never one already
 * there, nor through a symbolic link), then renamed over it. On any error the temporary file is
 * removed and `file` is as it was. A killed process leaves `file` old or new and, at most, its
 * temporary (`.<name>-tmp-<pid>-<hex>`). Not fsynced: a killed process loses nothing the kernel has accepted.
 */
export function writeFileAtomic(file: string, content: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const temp = tempNameBeside(file, 'tmp');
  const fd = fs.openSync(temp, 'wx', options.mode ?? 0o666); // from here on, `temp` is ours to remove
  try {
    try {
      if (options.mode !== undefined) fs.fchmodSync(fd, options.mode);
      fs.writeFileSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    } finally {
      fs.closeSync(fd);
    }
    if (options.exclusive) linkUnlessTaken(temp, file);
    else fs.renameSync(temp, file);
  } catch (e) {
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      /* the error to report is the first one */
    }
    throw e;
  }
  if (options.exclusive) fs.rmSync(temp, { force: true }); // `file` is in place; this was its second name
}

/** Gives the complete `temp` the name `file` unless that exists: a rename would replace it, a link fails with EEXIST. */
function linkUnlessTaken(temp: string, file: string): void {
  try {
    fs.linkSync(temp, file);
  } catch (e) {
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
    fs.copyFileSync(temp, file, fs.constants.COPYFILE_EXCL); // no hard links on this file system
  }
}

/**
 * Makes the folder `to` hold exactly what the folder `from` holds (folders and regular files): a
 * file whose bytes and mode are the same already is left untouched, so that git's index still knows
 * it clean and does not read it again; every other file is written, and whatever `from` does not
 * have (a file, a folder, a symbolic link, where `from` has something else or nothing) is removed.
 * Not atomic: for a git work tree, whose commit is the step that counts.
 */
export function mirrorFolder(from: string, to: string): void {
  const target = fs.lstatSync(to, { throwIfNoEntry: false });
  if (target && !target.isDirectory()) fs.rmSync(to, { force: true });
  if (!target?.isDirectory()) fs.mkdirSync(to);
  const wanted = new Map(fs.readdirSync(from, { withFileTypes: true }).map((e) => [e.name, e] as const));
  for (const entry of fs.readdirSync(to, { withFileTypes: true })) {
    const source = wanted.get(entry.name);
    const sameKind = source !== undefined && (source.isDirectory() ? entry.isDirectory() : source.isFile() && entry.isFile());
    if (!sameKind) fs.rmSync(path.join(to, entry.name), { recursive: true, force: true });
  }
  for (const [name, entry] of wanted) {
    const [src, dst] = [path.join(from, name), path.join(to, name)];
    if (entry.isDirectory()) {
      mirrorFolder(src, dst);
    } else if (!entry.isFile()) {
      throw new Error(`${src} is neither a file nor a folder: an output folder holds only those`);
    } else if (!sameBytesAndMode(src, dst)) {
      fs.rmSync(dst, { force: true });
      fs.copyFileSync(src, dst);
    }
  }
}

/** Whether the regular files `a` and `b` (which may not exist) have the same bytes and permission bits. */
function sameBytesAndMode(a: string, b: string): boolean {
  const [sa, sb] = [fs.statSync(a), fs.lstatSync(b, { throwIfNoEntry: false })];
  if (!sb?.isFile() || sa.size !== sb.size || (sa.mode & 0o7777) !== (sb.mode & 0o7777)) return false;
  return fs.readFileSync(a).equals(fs.readFileSync(b));
}
