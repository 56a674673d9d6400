import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { RenderedFile } from './render';

/*
 * A replace of folder `B` works with siblings of `B`, named from B's base name,
 * the pid of the process that made them and a random part:
 *
 *   .B-next-<pid>-<hex>   new output being written. Never trusted: it only
 *                         becomes `B` by a rename once every file is written.
 *   .B-old-<pid>-<hex>    the previous `B`, moved aside for the swap. Always
 *                         complete (it is only ever made by renaming `B`).
 *   .B-trash-<pid>-<hex>  a folder being deleted; may be partial.
 *
 * Killing the process at any point leaves `B` complete (old or new), or,
 * between the two renames, `B` missing and its complete `-old-` beside it.
 * recoverFolder puts that `-old-` back and deletes the rest, but only folders
 * whose process is gone: a live process may still be writing or swapping them.
 */

/** What {@link recoverFolder} found and did. */
export interface FolderRecovery {
  /** True when the output folder was missing and the previous output, moved aside by an interrupted replace, was put back. */
  readonly restored: boolean;
  /** Leftover folders of dead processes that were deleted (absolute paths). */
  readonly removed: readonly string[];
}

/**
 * Makes `outDir` hold exactly `files`, in one step as seen by a reader: the
 * files are written to a sibling folder first, and only when all
 * are written is it renamed into place. Files the input no longer produces
 * disappear with the old folder. If anything fails, `outDir` is left as it
 * was; if the process is killed, the next replace (or {@link recoverFolder})
 * finds `outDir` as it was before or as it was meant to become, never a mix.
 * When two processes replace the same folder at once, it ends up holding the
 * complete output of one of them; the other may throw. Folders are made
 * `0o777`, files `0o666`, both less the umask.
 */
export function replaceFolder(outDir: string, files: readonly RenderedFile[]): void {
  const replacement = beginFolderReplace(outDir);
  try {
    replacement.writeAll(files);
  } catch (e) {
    replacement.abort();
    throw e;
  }
  replacement.commit();
}

/**
 * A {@link replaceFolder} written file by file, for output too large to hold at once: files go
 * to a sibling folder as they come (an unchanged file is linked; while nothing differs from the
 * current output, nothing is written and an unchanged output is left in place),
 * {@link FolderReplacement.commit} puts it in place in one step,
 * {@link FolderReplacement.abort} deletes it and leaves `outDir` as it was. Killing the process at
 * any point has the same outcome as for replaceFolder.
 */
export interface FolderReplacement {
  /** The output folder being replaced (absolute). */
  readonly target: string;
  /** The folder being written, beside it (absolute); it becomes `target` on {@link FolderReplacement.commit}. Asking for it starts it. */
  readonly staging: string;
  /** Writes one file (its path must stay inside the folder), creating its folders. */
  write(relPath: string, content: string): void;
  /** Writes files, each folder made once. */
  writeAll(files: readonly Pick<RenderedFile, 'path' | 'content'>[]): void;
  /** Puts the new folder in place of `outDir`. */
  commit(): void;
  /** Deletes what was written; `outDir` stays as it was. */
  abort(): void;
}

/** Starts replacing `outDir` (recovering an interrupted replace first). */
export function beginFolderReplace(outDir: string, options: { readonly keepUnchanged?: boolean } = {}): FolderReplacement {
  const target = path.resolve(outDir);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  recoverFolder(target);
  const fileMode = 0o666 & ~currentUmask();
  const hasOld = fs.lstatSync(target, { throwIfNoEntry: false })?.isDirectory() ?? false;
  let linking = hasOld;
  // While every file so far is the current output's own (same bytes and mode), nothing is written:
  // an unchanged output is left as it is. The first difference starts the new folder.
  const same: string[] = [];
  let staging: string | undefined = hasOld && (options.keepUnchanged ?? true) ? undefined : makeOwnFolder(target, 'next');
  const made = new Set<string>();
  const folderFor = (relPath: string): string => {
    const dir = startStaging();
    const file = path.join(dir, relPath);
    if (path.isAbsolute(relPath) || !file.startsWith(dir + path.sep)) throw new Error(`rendered file path ${JSON.stringify(relPath)} is not inside the output folder`);
    const folder = path.dirname(file);
    if (!made.has(folder)) {
      fs.mkdirSync(folder, { recursive: true });
      made.add(folder);
    }
    return file;
  };
  /** The current output's file `old` when its bytes and mode are those of `content` (its stat), else undefined. */
  const sameAs = (old: string, content: string): fs.Stats | undefined => {
    try {
      const stat = fs.lstatSync(old, { throwIfNoEntry: false });
      return stat !== undefined && stat.isFile() && (stat.mode & 0o777) === fileMode && stat.size === Buffer.byteLength(content)
        && fs.readFileSync(old, 'utf8') === content ? stat : undefined;
    } catch {
      return undefined; // gone meanwhile (another process replaced the output): write it
    }
  };
  // A file whose bytes are those of the same file in the current output is linked to it, not
  // written again: on a large output most files are unchanged, and a link writes no data. The
  // old folder goes away after the swap, so the new one never shares a file with a live folder.
  const link = (relPath: string): boolean => {
    if (!linking) return false;
    try {
      fs.linkSync(path.join(target, relPath), folderFor(relPath));
      return true;
    } catch (e) {
      if (!isCode(e, 'ENOENT', 'ENOTDIR')) linking = false; // no hard links here: write every file
      return false;
    }
  };
  function startStaging(): string {
    if (staging === undefined) {
      staging = makeOwnFolder(target, 'next');
      // The files found unchanged so far go in first (linked; copied where links fail).
      for (const rel of same.splice(0)) {
        const old = path.join(target, rel);
        try {
          if (!(fs.lstatSync(old).nlink === 1 && link(rel))) fs.copyFileSync(old, folderFor(rel));
        } catch (e) {
          // Its bytes were only ever in the current output, and that is gone: another process replaced it.
          if (isCode(e, 'ENOENT', 'ENOTDIR')) throw new Error(`${target} was replaced by another process while this one was replacing it; it holds that process's output`, { cause: e });
          throw e;
        }
      }
    }
    return staging;
  }
  const writeOne = (relPath: string, content: string) => {
    if (path.isAbsolute(relPath) || !path.join(target, relPath).startsWith(target + path.sep)) {
      throw new Error(`rendered file path ${JSON.stringify(relPath)} is not inside the output folder`);
    }
    const unchanged = hasOld ? sameAs(path.join(target, relPath), content) : undefined;
    if (unchanged && staging === undefined) {
      same.push(relPath);
      return;
    }
    if (unchanged && unchanged.nlink === 1 && link(relPath)) return;
    fs.writeFileSync(folderFor(relPath), content);
  };
  let open = true;
  return {
    target,
    get staging() {
      return startStaging();
    },
    write(relPath, content) {
      writeOne(relPath, content);
    },
    writeAll(files) {
      for (const f of files) writeOne(f.path, f.content);
    },
    commit() {
      if (!open) throw new Error(`the replace of ${target} is already finished`);
      open = false;
      // Every file unchanged, and the current output holds no other: it already is the new output.
      if (staging === undefined && holdsExactly(target, same)) return;
      let complete: string;
      try {
        complete = startStaging();
      } catch (e) {
        if (staging !== undefined) fs.rmSync(staging, { recursive: true, force: true }); // never leave a partial folder behind
        throw e;
      }
      swapIn(complete, target);
    },
    abort() {
      if (!open) return;
      open = false;
      if (staging !== undefined) fs.rmSync(staging, { recursive: true, force: true });
    },
  };
}

/**
 * Repairs what an interrupted {@link replaceFolder} of `outDir` left in its
 * parent folder: when `outDir` is missing and the previous output had been
 * moved aside, renames it back; then deletes the other leftovers. Only
 * touches folders named like replaceFolder names them for this base name,
 * never follows symlinks, and leaves alone those of processes still running.
 * replaceFolder runs it first; call it before reading `outDir` elsewhere.
 */
export function recoverFolder(outDir: string): FolderRecovery {
  const target = path.resolve(outDir);
  const parent = path.dirname(target);
  const dead = leftoversOf(target).filter((l) => !isAlive(l.pid));
  let restored = false;
  if (!exists(target)) {
    const old = dead.find((l) => l.kind === 'old');
    if (old && renameIfThere(old.path, target, true)) {
      syncDir(parent);
      restored = true;
    }
  }
  const removed: string[] = [];
  for (const l of dead) {
    if (!exists(l.path)) continue; // restored above, or another recovery got there first
    // An -old- is the only complete copy while the output is missing.
    if (l.kind === 'old' && !exists(target)) continue;
    discard(l.path, target);
    removed.push(l.path);
  }
  return { restored, removed };
}

type Kind = 'next' | 'old' | 'trash';

interface Leftover {
  readonly path: string;
  readonly kind: Kind;
  /** Undefined for names made before the pid was part of them. */
  readonly pid?: number;
}

const OWN_NAME = /^(next|old|trash)-([1-9]\d{0,9})-[0-9a-f]{8}$/;
// fs.mkdtempSync names of earlier versions: `.B-next-XXXXXX`, and `.B-old-XXXXXX` from it.
const LEGACY_NAME = /^(next|old)-[A-Za-z0-9]{6}$/;

/** Real folders (not symlinks) beside `target` named as ours for its base name. */
function leftoversOf(target: string): Leftover[] {
  const parent = path.dirname(target);
  // The base name is matched as a literal prefix, so no part of the path but our own names matters.
  const prefix = `.${path.basename(target)}-`;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(parent, { withFileTypes: true });
  } catch (e) {
    if (isCode(e, 'ENOENT')) return [];
    throw e;
  }
  const found: Leftover[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !entry.name.startsWith(prefix)) continue;
    const rest = entry.name.slice(prefix.length);
    const own = OWN_NAME.exec(rest);
    const legacy = own ? null : LEGACY_NAME.exec(rest);
    if (own) found.push({ path: path.join(parent, entry.name), kind: own[1] as Kind, pid: Number(own[2]) });
    else if (legacy) found.push({ path: path.join(parent, entry.name), kind: legacy[1] as Kind });
  }
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Whether another running process may still be using its folders. This
 * process's own leftovers are from an earlier, interrupted call (the code is
 * synchronous) or from a dead process whose pid it reuses.
 */
function isAlive(pid: number | undefined): boolean {
  if (pid === undefined || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return isCode(e, 'EPERM'); // exists, owned by another user
  }
}

/** A new, empty folder beside `target` named `.B-<kind>-<pid>-<hex>`, mode 0o777 less the umask (mkdtemp would make 0o700). */
function makeOwnFolder(target: string, kind: Kind): string {
  for (let attempt = 0; ; attempt++) {
    const dir = ownName(target, kind);
    try {
      fs.mkdirSync(dir, { mode: 0o777 });
      return dir;
    } catch (e) {
      if (!isCode(e, 'EEXIST') || attempt >= 9) throw e;
    }
  }
}

/** The process's umask, read without changing it where Node allows (worker threads cannot set it). */
function currentUmask(): number {
  return process.umask();
}

function ownName(target: string, kind: Kind): string {
  const name = `.${path.basename(target)}-${kind}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  return path.join(path.dirname(target), name);
}

// Files are not fsynced one by one: that costs 1-4 ms a file (minutes at 30,000 files), and a
// killed process loses nothing the kernel has accepted. After an OS crash or power loss,
// `synth --check` says whether to run synth again.

/** Puts the complete folder `staging` at `target`, moving the previous one aside and deleting it afterwards. */
function swapIn(staging: string, target: string): void {
  const parent = path.dirname(target);
  const old = ownName(target, 'old');
  let moved: boolean;
  try {
    moved = renameIfThere(target, old);
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  try {
    fs.renameSync(staging, target);
  } catch (e) {
    // Put the previous output back, unless another process put its own
    // (complete) output there meanwhile. Best effort: the error to report is
    // the first one, and whatever is left here is recoverFolder's to clean.
    try {
      if (moved && !renameIfThere(old, target, true)) discard(old, target);
      fs.rmSync(staging, { recursive: true, force: true });
      syncDir(parent);
    } catch {
      /* left for recoverFolder */
    }
    if (isCode(e, 'ENOTEMPTY', 'EEXIST')) {
      throw new Error(`${target} was replaced by another process while this one was replacing it; it holds that process's output`, { cause: e });
    }
    throw e;
  }
  syncDir(parent);
  // The new output is in place: failing to delete the old one
  // must not fail the call. recoverFolder deletes it next time.
  if (moved) {
    try {
      discard(old, target);
    } catch {
      /* left for recoverFolder */
    }
  }
}

/**
 * Deletes `dir`, a leftover of `target`. It is renamed to a -trash- name
 * first, so a folder partly deleted when the process dies is never taken for
 * a complete -old- one.
 */
function discard(dir: string, target: string): void {
  const trash = ownName(target, 'trash');
  if (!renameIfThere(dir, trash)) return; // another process's recovery took it
  // rmSync removes symlinks inside the folder, never what they point to.
  fs.rmSync(trash, { recursive: true, force: true });
}

/** Renames `from` to `to`; false when `from` is gone (or, with `mayBeTaken`, when another process made `to` meanwhile). */
function renameIfThere(from: string, to: string, mayBeTaken = false): boolean {
  try {
    fs.renameSync(from, to);
    return true;
  } catch (e) {
    if (isCode(e, 'ENOENT') || (mayBeTaken && isCode(e, 'ENOTEMPTY', 'EEXIST'))) return false;
    throw e;
  }
}

/** Flushes a folder's entries (new names, renames) to disk. */
function syncDir(dir: string): void {
  if (process.platform === 'win32') return; // a folder cannot be opened there; NTFS journals names itself
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    if (!isCode(e, 'EINVAL', 'ENOTSUP')) throw e; // file systems that do not sync folders
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Whether `dir` holds the files `paths` (known to be there) and nothing else: no other file,
 * link or special file, and no folder but theirs. Self-contained: the crash tests run this module alone.
 */
function holdsExactly(dir: string, paths: readonly string[]): boolean {
  const folders = new Set<string>();
  for (const p of paths) for (let d = path.posix.dirname(p); d !== '.'; d = path.posix.dirname(d)) folders.add(d);
  let files = 0;
  let dirs = 0;
  const walk = (sub: string) => {
    for (const e of fs.readdirSync(sub, { withFileTypes: true })) {
      if (e.isDirectory()) {
        dirs++;
        walk(path.join(sub, e.name));
      } else {
        files++;
      }
    }
  };
  try {
    walk(dir);
  } catch (e) {
    if (isCode(e, 'ENOENT', 'ENOTDIR')) return false; // being replaced by another process: write ours
    throw e;
  }
  return files === paths.length && dirs === folders.size;
}

function exists(p: string): boolean {
  return fs.lstatSync(p, { throwIfNoEntry: false }) !== undefined;
}

function isCode(e: unknown, ...codes: string[]): boolean {
  return codes.includes((e as NodeJS.ErrnoException)?.code ?? '');
}
