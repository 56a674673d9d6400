import * as fs from 'fs';
import * as path from 'path';
import { filesAt, git, isSymbolicLink, readFiles, tryGit } from '../git/git';
import { Project } from '../project/project';
import { WorkflowError } from './workflow-error';

/** Working-tree files larger than this (10 MB) are summarized in a diff, not read. */
export const MAX_DIFF_FILE_BYTES = 10 * 1024 * 1024;

/** Files at `commit`, a symbolic link shown as in the working tree: `symlink -> <its link text>`. */
export function readCommitted(top: string, commit: string, dir: string, paths: readonly string[]): Map<string, string | undefined> {
  if (paths.length === 0) return new Map();
  const tree = filesAt(top, commit, dir);
  const files = readFiles(top, tree, paths);
  // Git stores a link's text as its blob; the mode tells it from a file holding that text.
  for (const [file, text] of files) {
    if (text !== undefined && isSymbolicLink(tree.get(file))) files.set(file, `symlink -> ${text}\n`);
  }
  return files;
}

/** The folders (relative to `dir`, `.` for its top) holding a file at `commit`. */
export function foldersAt(top: string, commit: string, dir: string): Set<string> {
  const folders = new Set<string>();
  for (const file of git(top, ['ls-tree', '-r', '-z', '--name-only', '--full-tree', commit, '--', dir]).split('\0').filter(Boolean)) {
    const rel = file.slice(dir.length + 1);
    folders.add(rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '.');
  }
  return folders;
}

/**
 * A working-tree file as the diff shows it, never following a link: a symbolic link is its
 * link text (`symlink -> target`), as git stores it, since its target may be any file of the
 * machine (`/proc/self/environ` in CI); anything but a regular file, and a file over
 * {@link MAX_DIFF_FILE_BYTES}, is a one-line note. Undefined when the file is gone.
 */
export function readWorkingFile(file: string): string | undefined {
  const stat = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!stat) return undefined;
  if (stat.isSymbolicLink()) return `symlink -> ${fs.readlinkSync(file)}\n`;
  if (!stat.isFile()) return `(not shown: not a regular file, but ${kindOf(stat)})\n`;
  // O_NOFOLLOW and O_NONBLOCK: a file swapped for a link or a FIFO since the lstat is neither followed nor waited on.
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const opened = fs.fstatSync(fd);
    if (!opened.isFile()) return `(not shown: not a regular file, but ${kindOf(opened)})\n`;
    if (opened.size > MAX_DIFF_FILE_BYTES) return `(not shown: ${opened.size} bytes, over the ${MAX_DIFF_FILE_BYTES / 1024 / 1024} MB a diff reads)\n`;
    // Room for the stated size and one byte more, to see a file that grew since; grown when it did.
    let buffer = Buffer.allocUnsafe(Math.min(opened.size, MAX_DIFF_FILE_BYTES) + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length;) {
      n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      length += n;
      if (length === buffer.length && buffer.length <= MAX_DIFF_FILE_BYTES) {
        const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, MAX_DIFF_FILE_BYTES + 1));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
    }
    // A file that grew past the limit after the fstat.
    if (length > MAX_DIFF_FILE_BYTES) return `(not shown: over the ${MAX_DIFF_FILE_BYTES / 1024 / 1024} MB a diff reads)\n`;
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'a special file';
}

/** Where a project's output is committed: the top of its git work tree, the project's folder in it, and the output folder's path from the top. */
export interface CommittedOutput {
  /** The top of the work tree (where git runs). */
  readonly top: string;
  /** The project folder's path from the top, with a trailing `/` (`''` at the top). */
  readonly prefix: string;
  /** The output folder's path from the top (`dist`, `project/dist`). */
  readonly inRepo: string;
}

/**
 * Where `project`'s output is committed in the git work tree the project is in; refuses an output
 * folder outside it (diff and plan read the output committed in git). `verb` says who reads it.
 */
export function committedOutputOf(project: Project, verb: string): CommittedOutput {
  // Both in one call: the prefix (an empty line at the top), then the top.
  const [prefix, top] = tryGit(project.projectDir, ['rev-parse', '--show-prefix', '--show-toplevel'])?.split('\n').map((l) => l.trim()) ?? [];
  if (prefix === undefined || !top) throw new WorkflowError(`${project.projectDir} is not in a git repository: ${verb} the output committed in git. Run it in a clone of the source repository, or give --project a folder of one`);
  const outRel = path.relative(project.projectDir, project.outDir).split(path.sep).join('/');
  const inRepo = path.posix.normalize(`${prefix}${outRel}`);
  if (outRel === '' || inRepo === '.' || inRepo.startsWith('../') || path.isAbsolute(outRel)) {
    throw new WorkflowError(`the output folder ${project.outDir} is not a folder of the git work tree the project is in: ${verb} the output committed in git`);
  }
  return { top, prefix, inRepo };
}
