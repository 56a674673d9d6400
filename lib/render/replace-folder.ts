import * as fs from 'fs';
import * as path from 'path';
import { tempNameBeside } from '../files';
import type { RenderedFile } from './render';

/*
 * A replace of folder `B` is the temp-then-rename of writeFileAtomic (lib/files.ts) for a folder, with
 * siblings named by tempNameBeside (`.B-<kind>-<pid>-<hex>`): `-next-` the new output being written
 * (it becomes `B` by a rename once complete), `-old-` the previous `B` moved aside for the swap
 * (always complete), `-trash-` a folder being deleted (may be partial). A kill at any point leaves
 * `B` complete (old or new), or missing with its complete `-old-` beside it, which recoverFolder
 * puts back; it deletes only folders whose process is gone (two synths at once). Nothing is fsynced
 * (1-4 ms a file, minutes at 30,000); after an OS crash `synth --check` says whether to synth again.
 */

/** What {@link recoverFolder} found and did. */
export interface FolderRecovery {
  /** True when the output folder was missing and the previous output, moved aside by an interrupted replace, was put back. */
  readonly restored: boolean;
  /** Leftover folders of dead processes that were deleted (absolute paths). */
  readonly removed: readonly string[];
}

/**
 * Makes `outDir` hold exactly `files`, in one step as seen by a reader. If anything fails, `outDir`
 * is left as it was; if the process is killed, the next replace (or {@link recoverFolder}) finds
 * it as it was before or as it was meant to become, never a mix. Of two processes replacing it at
 * once, one's complete output is left; the other may throw. Folders are made `0o777`, files
 * `0o666`, both less the umask.
 */
export function replaceFolder(outDir: string, files: readonly RenderedFile[]): void {
  const replacement = beginFolderReplace(outDir);
  try {
    for (const f of files) replacement.write(f.path, f.content);
    replacement.commit();
  } catch (e) {
    replacement.abort();
    throw e;
  }
}

/** A {@link replaceFolder} written file by file, for output too large to hold at once. */
export interface FolderReplacement {
  /** The output folder being replaced (absolute). */
  readonly target: string;
  /** The folder being written, beside it (absolute); it becomes `target` on {@link FolderReplacement.commit}. Asking for it starts it. */
  readonly staging: string;
  /** Writes one file (its path must stay inside the folder), creating its folders. */
  write(relPath: string, content: string): void;
  /**
   * Puts the new folder in place of `outDir` (or leaves it, when it already holds exactly the files written).
   * @returns whether `outDir` changed: false when it was left in place
   */
  commit(): boolean;
  /** Deletes what was written; `outDir` stays as it was. Does nothing once committed. */
  abort(): void;
}

/**
 * Starts replacing `outDir` (recovering an interrupted replace first). A file whose bytes and mode
 * are those of the current output's is hard-linked from it: a link writes no data, and on a disk
 * most of a large output is unchanged (the old folder goes after the swap, so the output never
 * shares a file with a live folder). While nothing differs, nothing is written, and an output that
 * would not change is left in place; `keepUnchanged: false` always writes a new folder.
 */
export function beginFolderReplace(outDir: string, options: { readonly keepUnchanged?: boolean } = {}): FolderReplacement {
  const target = path.resolve(outDir);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  recoverFolder(target);
  const fileMode = 0o666 & ~process.umask();
  const hasOld = fs.lstatSync(target, { throwIfNoEntry: false })?.isDirectory() ?? false;
  const same = new Set<string>(); // files found unchanged before the new folder started
  const written = new Set<string>(); // every path given, once
  let staging: string | undefined = hasOld && (options.keepUnchanged ?? true) ? undefined : makeOwnFolder(target, 'next');
  let linking = hasOld;
  let open = true;
  const made = new Set<string>();
  const fileIn = (dir: string, relPath: string): string => {
    const file = path.join(dir, relPath);
    if (!made.has(path.dirname(file))) {
      // Never made again if another process removed it: that would commit a partial folder.
      if (!exists(dir)) throw replacedError(target, new Error(`${dir} is gone`));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      made.add(path.dirname(file));
    }
    return file;
  };
  /** The current output's link count of `relPath` when it is a file of exactly `content` and the mode synth writes. */
  const unchanged = (relPath: string, content: string): number | undefined => {
    try {
      const old = path.join(target, relPath);
      const stat = fs.lstatSync(old, { throwIfNoEntry: false });
      const equal = stat?.isFile() && (stat.mode & 0o777) === fileMode && stat.size === Buffer.byteLength(content) && fs.readFileSync(old, 'utf8') === content;
      return equal ? stat!.nlink : undefined;
    } catch {
      return undefined; // gone meanwhile (another process replaced the output): write it
    }
  };
  /** Links the current output's `relPath` into the new folder; false where that cannot be done. */
  const link = (dir: string, relPath: string): boolean => {
    if (!linking) return false;
    try {
      fs.linkSync(path.join(target, relPath), fileIn(dir, relPath));
      return true;
    } catch (e) {
      if (!isCode(e, 'ENOENT', 'ENOTDIR')) linking = false; // no hard links here: write every file
      return false;
    }
  };
  const start = (): string => {
    if (staging !== undefined) return staging;
    const dir = (staging = makeOwnFolder(target, 'next'));
    // The files found unchanged so far go in first: linked, or copied where a link would share a file with another folder.
    const first = [...same];
    same.clear();
    for (const relPath of first) {
      const old = path.join(target, relPath);
      try {
        if (!(fs.lstatSync(old).nlink === 1 && link(dir, relPath))) fs.copyFileSync(old, fileIn(dir, relPath));
      } catch (e) {
        // Its bytes were only ever in the current output, and that is gone: another process replaced it.
        throw isCode(e, 'ENOENT', 'ENOTDIR') ? replacedError(target, e) : e;
      }
    }
    return dir;
  };
  const discardStaging = () => staging !== undefined && fs.rmSync(staging, { recursive: true, force: true });
  return {
    target,
    get staging() {
      return start();
    },
    write(relPath, content) {
      if (path.isAbsolute(relPath) || !path.join(target, relPath).startsWith(target + path.sep)) {
        throw new Error(`rendered file path ${JSON.stringify(relPath)} is not inside the output folder`);
      }
      if (written.has(relPath)) {
        // Given again: what stands for it goes first. Never written over, since a staged file may be a
        // hard link to the live output's, and writing through it would change the live output.
        same.delete(relPath);
        if (staging !== undefined) fs.rmSync(path.join(staging, relPath), { force: true });
      }
      written.add(relPath);
      const links = hasOld ? unchanged(relPath, content) : undefined;
      if (links !== undefined && staging === undefined) {
        same.add(relPath);
        return;
      }
      const dir = start();
      if (!(links === 1 && link(dir, relPath))) fs.writeFileSync(fileIn(dir, relPath), content);
    },
    commit() {
      if (!open) throw new Error(`the replace of ${target} is already finished`);
      open = false;
      // Every file unchanged, and the current output holds no other: it already is the new output.
      if (staging === undefined && holdsExactly(target, [...same])) return false;
      try {
        // Exactly what was written, or another process took the folder away meanwhile.
        if (!holdsExactly(start(), [...written])) throw replacedError(target, new Error(`${staging} does not hold what was written to it`));
      } catch (e) {
        discardStaging(); // never leave a partial folder behind
        throw e;
      }
      swapIn(staging!, target);
      return true;
    },
    abort() {
      if (open) discardStaging();
      open = false;
    },
  };
}

/**
 * Repairs what an interrupted {@link replaceFolder} of `outDir` left in its parent folder: when
 * `outDir` is missing and the previous output had been moved aside, renames it back; then deletes
 * the other leftovers. Only touches folders named like replaceFolder names them for this base
 * name, never follows symlinks, and leaves alone those of processes still running.
 * replaceFolder runs it first; call it before reading `outDir` elsewhere.
 */
export function recoverFolder(outDir: string): FolderRecovery {
  const target = path.resolve(outDir);
  const dead = leftoversOf(target).filter((l) => !isAlive(l.pid));
  const old = dead.find((l) => l.kind === 'old');
  const restored = !exists(target) && old !== undefined && renameIfThere(old.path, target, true);
  const removed: string[] = [];
  for (const l of dead) {
    if (!exists(l.path)) continue; // restored above, or another recovery got there first
    if (l.kind === 'old' && !exists(target)) continue; // the only complete copy while the output is missing
    discard(l.path, target);
    removed.push(l.path);
  }
  return { restored, removed };
}

type Kind = 'next' | 'old' | 'trash';

const OWN_NAME = /^(next|old|trash)-([1-9]\d{0,9})-[0-9a-f]{8}$/;

/** Real folders (not symlinks) beside `target` named as ours for its base name, sorted. */
function leftoversOf(target: string): { readonly path: string; readonly kind: Kind; readonly pid: number }[] {
  // The base name is matched as a literal prefix, so no part of the path but our own names matters.
  const prefix = `.${path.basename(target)}-`;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.dirname(target), { withFileTypes: true });
  } catch (e) {
    if (isCode(e, 'ENOENT')) return [];
    throw e;
  }
  return entries
    .map((entry) => ({ entry, own: entry.isDirectory() && entry.name.startsWith(prefix) ? OWN_NAME.exec(entry.name.slice(prefix.length)) : null }))
    .filter(({ own }) => own !== null)
    .map(({ entry, own }) => ({ path: path.join(path.dirname(target), entry.name), kind: own![1] as Kind, pid: Number(own![2]) }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Whether another running process may still be using its folders (this process's own are from an earlier, interrupted call). */
function isAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return isCode(e, 'EPERM'); // exists, owned by another user
  }
}

/** A new, empty folder `.B-<kind>-<pid>-<hex>` beside `target`, mode 0o777 less the umask (mkdtemp would make 0o700). */
function makeOwnFolder(target: string, kind: Kind): string {
  const dir = tempNameBeside(target, kind); // this pid's earlier ones are gone (recoverFolder), and 32 random bits
  fs.mkdirSync(dir, { mode: 0o777 });
  return dir;
}

/** Puts the complete folder `staging` at `target`, moving the previous one aside and deleting it afterwards. */
function swapIn(staging: string, target: string): void {
  const old = tempNameBeside(target, 'old');
  let moved = false;
  try {
    moved = renameIfThere(target, old);
    fs.renameSync(staging, target);
  } catch (e) {
    // Put the previous output back, unless another process put its own (complete) output there
    // meanwhile. Best effort: the error to report is this one; what is left is recoverFolder's.
    try {
      if (moved && !renameIfThere(old, target, true)) discard(old, target);
      fs.rmSync(staging, { recursive: true, force: true });
    } catch {
      /* left for recoverFolder */
    }
    throw isCode(e, 'ENOTEMPTY', 'EEXIST') ? replacedError(target, e) : e;
  }
  // The new output is in place: failing to delete the old one must not fail the call.
  try {
    if (moved) discard(old, target);
  } catch {
    /* left for recoverFolder */
  }
}

function replacedError(target: string, cause: unknown): Error {
  return new Error(`${target} was replaced by another process while this one was replacing it; it holds that process's output`, { cause });
}

/**
 * Deletes `dir`, a leftover of `target`. It is renamed to a -trash- name first, so a folder partly
 * deleted when the process dies is never taken for a complete -old- one.
 */
function discard(dir: string, target: string): void {
  const trash = tempNameBeside(target, 'trash');
  if (!renameIfThere(dir, trash)) return; // another process's recovery took it
  fs.rmSync(trash, { recursive: true, force: true }); // removes symlinks inside, never what they point to
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

/** Whether `dir` holds the files `paths` (known to be there) and nothing else: no other file, link or special file, and no folder but theirs. */
function holdsExactly(dir: string, paths: readonly string[]): boolean {
  const folders = new Set<string>();
  for (const p of paths) for (let d = path.posix.dirname(p); d !== '.'; d = path.posix.dirname(d)) folders.add(d);
  try {
    const entries = fs.readdirSync(dir, { recursive: true, withFileTypes: true });
    const dirs = entries.filter((e) => e.isDirectory()).length;
    return dirs === folders.size && entries.length - dirs === paths.length;
  } catch (e) {
    if (isCode(e, 'ENOENT', 'ENOTDIR')) return false; // being replaced by another process: write ours
    throw e;
  }
}

const exists = (p: string): boolean => fs.lstatSync(p, { throwIfNoEntry: false }) !== undefined;

const isCode = (e: unknown, ...codes: string[]): boolean => codes.includes((e as NodeJS.ErrnoException)?.code ?? '');
