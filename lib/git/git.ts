import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';

/**
 * `text` with the credentials of every URL in it masked: `https://user:pass@host/x` becomes
 * `https://user:***@host/x`, and a user part alone (`https://TOKEN@host/x`, how tokens are often
 * given) becomes `***`, except for `ssh://` where it is a login name (`ssh://git@host/x`).
 * Used on every message and record that can hold a repository URL, so a token never reaches a log.
 */
export function redactUrl(text: string): string {
  // The user part ends at the last "@" before the host: a password may hold a raw "@".
  // All of it: tokens go in the user part too (`https://TOKEN:x-oauth-basic@host`). An ssh user without a password is a name, not a secret.
  return text.replace(/\b([a-z][a-z0-9+.-]*):\/\/([^\s/?#]*)@/gi, (_, scheme: string, userinfo: string) =>
    (/^(git\+)?ssh$/i.test(scheme) && !userinfo.includes(':') ? `${scheme}://${userinfo}@` : `${scheme}://***@`));
}

/** Thrown when a git command fails; carries git's own message, with the credentials of any URL in it masked. */
export class GitError extends Error {
  constructor(args: readonly string[], cwd: string, stderr: string) {
    super(redactUrl(`git ${args.join(' ')} failed in ${cwd}: ${stderr.trim() || 'no message'}`));
    this.name = 'GitError';
  }
}

/** Thrown when git itself cannot run (not installed, not on the PATH, not executable): no answer of git's, so never read as one. */
export class GitUnavailableError extends GitError {
  constructor(args: readonly string[], cwd: string, cause: Error & { code?: string }) {
    super(args, cwd, `git cannot run (${cause.code ?? cause.message}): git is not installed or not on the PATH`);
    this.name = 'GitUnavailableError';
  }
}

/**
 * Environment of every git call: output never localized or paged, no prompt, and only the
 * transports an envs repo lives on: `ext::` (which runs a command named in the URL) and the like
 * stay off whatever the user's git config says (GIT_ALLOW_PROTOCOL overrides protocol.*.allow).
 */
const SAFE_GIT_ENV: NodeJS.ProcessEnv = {
  LC_ALL: 'C', GIT_PAGER: 'cat', GIT_TERMINAL_PROMPT: '0', GIT_ALLOW_PROTOCOL: 'file:git:http:https:ssh',
};

/** Thrown when a user's branch, ref or revision is refused before any git call sees it. */
export class GitInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitInputError';
  }
}

/** Runs git in `cwd` and returns its stdout. Git's output is never localized or paged. */
export function git(cwd: string, args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): string {
  try {
    return execFileSync('git', [...args], {
      cwd,
      input: options.input,
      encoding: 'utf8',
      maxBuffer: 1024 * 1024 * 1024,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env, ...SAFE_GIT_ENV },
    });
  } catch (e: any) {
    // A spawn error (no status) in a folder that exists: git did not run at all. (A missing folder is ENOENT too.)
    if (typeof e?.status !== 'number' && (e?.code === 'ENOENT' || e?.code === 'EACCES') && fs.existsSync(cwd)) throw new GitUnavailableError(args, cwd, e);
    throw new GitError(args, cwd, String(e.stderr ?? e.message));
  }
}

/**
 * Like {@link git}, but returns undefined when git answers with a failure. When git cannot run at
 * all it throws ({@link GitUnavailableError}): "no" is git's answer, and without git there is none.
 */
export function tryGit(cwd: string, args: readonly string[]): string | undefined {
  try {
    return git(cwd, args);
  } catch (e) {
    if (e instanceof GitUnavailableError) throw e;
    return undefined;
  }
}

/** What {@link gitOutcome} returns: git's exit status (null when it could not run) and both outputs. */
export interface GitOutcome {
  /** Exit status; null when git did not run or was killed. */
  readonly status: number | null;
  /** Standard output. */
  readonly stdout: string;
  /** Standard error (or why git could not run). */
  readonly stderr: string;
}

/** Like {@link git}, but never throws: for commands whose answer is their exit status and their messages (`git verify-commit`). */
export function gitOutcome(cwd: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): GitOutcome {
  const r = spawnSync('git', [...args], {
    cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env, ...SAFE_GIT_ENV },
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr || (r.error ? r.error.message : '') };
}

/** Longest branch name accepted, in UTF-8 bytes: git checks no length, but a ref is a file, and a file name stops at 255 bytes. */
export const MAX_BRANCH_NAME_LENGTH = 200;

/** Names `git check-ref-format --allow-onelevel` answered for in this process: its answer depends on the name alone. */
const refFormatAnswers = new Map<string, boolean>();

/** Whether `git check-ref-format --allow-onelevel` accepts `name`; asked once per name and process (a workflow checks the same branches many times). */
function refFormatAccepted(name: string): boolean {
  let accepted = refFormatAnswers.get(name);
  if (accepted === undefined) {
    accepted = tryGit(os.tmpdir(), ['check-ref-format', '--allow-onelevel', name]) !== undefined;
    // Bounded: a long-lived process (a server importing the library) asks about names without end.
    if (refFormatAnswers.size >= 1000) refFormatAnswers.clear();
    refFormatAnswers.set(name, accepted);
  }
  return accepted;
}

/**
 * Refuses a branch name that git would refuse (`git check-ref-format`) or could read as
 * an option: checked as `refs/heads/<name>`, so the name never reaches git as an argument of its own.
 * Also refuses names over {@link MAX_BRANCH_NAME_LENGTH} bytes, which pass the format check
 * but fail when git writes the ref, and `HEAD` and `@`, which git reads as the current commit.
 */
export function checkBranchName(branch: string): void {
  const bytes = Buffer.byteLength(branch, 'utf8');
  const shown = JSON.stringify(bytes > MAX_BRANCH_NAME_LENGTH ? `${branch.slice(0, 40)}...` : branch).slice(1, -1);
  if (bytes > MAX_BRANCH_NAME_LENGTH) {
    throw new GitInputError(`"${shown}" is not a valid branch name: ${bytes} bytes long, at most ${MAX_BRANCH_NAME_LENGTH}`);
  }
  if (branch === 'HEAD' || branch === '@') {
    throw new GitInputError(`"${shown}" is not a valid branch name: git reads it as the current commit`);
  }
  const refused = branch === '' || branch.startsWith('-') || /[\0-\x1f\x7f]/.test(branch)
    || !refFormatAccepted(`refs/heads/${branch}`);
  if (refused) {
    throw new GitInputError(`"${shown}" is not a valid branch name (see git check-ref-format: no leading "-", no "..", spaces, "~^:?*[\\", control characters, or ".lock" ends)`);
  }
}

/**
 * Refuses a revision given by a user (e.g. `diff --base`) unless it is an object id, or a ref name
 * that `git check-ref-format --allow-onelevel` accepts, followed only by `~N` / `^N` ancestry steps.
 * That keeps out options (`--output=...`), reflog and search syntax (`@{...}`, `:/text`) and control
 * characters before any git call sees the value.
 */
export function checkRevision(revision: string, what = 'revision'): void {
  const shown = JSON.stringify(revision).slice(1, -1);
  const match = /^(.*?)((?:[~^][0-9]*)*)$/s.exec(revision);
  const name = match?.[1] ?? '';
  const refused = name === '' || name.startsWith('-') || /[\0-\x1f\x7f]/.test(revision) || revision.length > 256
    || (!/^[0-9a-f]{4,64}$/.test(name) && !refFormatAccepted(name));
  if (refused) {
    throw new GitInputError(`"${shown}" is not a valid ${what}: give a commit id, or a branch or tag name git check-ref-format accepts, optionally followed by ~N or ^N`);
  }
}

/** The full commit id that a user's `revision` names in the repository at `cwd`, after {@link checkRevision}. */
export function resolveCommit(cwd: string, revision: string, what = 'revision'): string {
  checkRevision(revision, what);
  const commit = tryGit(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${revision}^{commit}`])?.trim();
  if (!commit) throw new GitInputError(`${what} "${revision}" does not name a commit in the repository at ${cwd}`);
  return commit;
}

/** The top folder of the git work tree holding `dir`, or undefined outside git. */
export function repoRoot(dir: string): string | undefined {
  return tryGit(dir, ['rev-parse', '--show-toplevel'])?.trim();
}

/** A file of a tree as git lists it. */
export interface TreeFile {
  /** `100644`, `100755`, or `120000`: a symbolic link, whose blob is the link's text. */
  readonly mode: string;
  /** The blob's object id. */
  readonly id: string;
}

/** Whether `file` is a symbolic link (mode `120000`): its blob is the link's text, not a file's content. */
export function isSymbolicLink(file: TreeFile | undefined): boolean {
  return file?.mode === '120000';
}

/**
 * Every file under the folder `dir` (from the top, with `/`; `''` for the whole tree) at `commit`,
 * by its path from the top: one `git ls-tree -r`. A submodule (a commit in the tree) is not a file.
 */
export function filesAt(cwd: string, commit: string, dir: string): Map<string, TreeFile> {
  checkRevision(commit, 'commit');
  // Literal: a folder named like pathspec magic (":(glob)...") is that folder.
  const listing = git(cwd, ['--literal-pathspecs', 'ls-tree', '-r', '-z', '--full-tree', commit, '--', ...(dir ? [dir] : [])]);
  const files = new Map<string, TreeFile>();
  for (const entry of listing.split('\0')) {
    // "<mode> <type> <id>\t<path>"
    const tab = entry.indexOf('\t');
    const [mode, type, id] = entry.slice(0, tab).split(' ');
    if (type === 'blob') files.set(entry.slice(tab + 1), { mode, id });
  }
  return files;
}

/**
 * The texts of `paths` among `files` (from {@link filesAt}), undefined for a path not among them:
 * one `git cat-file --batch` by blob id, each blob read once. By id, not by `<commit>:<path>`, for
 * which git walks the trees from the top again for each file (at 1,000 tenants, 45,000 files, each
 * lookup read the folder of every tenant again: 11 s instead of a fraction of one).
 */
export function readFiles(cwd: string, files: ReadonlyMap<string, TreeFile>, paths: Iterable<string> = files.keys()): Map<string, string | undefined> {
  const wanted = [...paths];
  // Read by id, such a name could not ask for another object; it is refused as everywhere else.
  const broken = wanted.find((p) => /[\n\r]/.test(p));
  if (broken !== undefined) throw new GitInputError(`${JSON.stringify(broken)}: file names with line breaks are not supported`);
  const ids = [...new Set(wanted.map((p) => files.get(p)?.id).filter((id): id is string => id !== undefined))];
  const byId = new Map(readBlobsById(cwd, ids).map((text, i) => [ids[i], text]));
  return new Map(wanted.map((p) => [p, byId.get(files.get(p)?.id ?? '')]));
}

/**
 * Texts of blobs named by their object ids, in one `git cat-file --batch` call; a missing one is
 * undefined. For readers that meet the same file in several trees: an unchanged file is one blob.
 */
export function readBlobsById(cwd: string, ids: readonly string[]): (string | undefined)[] {
  const odd = ids.find((id) => !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(id));
  if (odd !== undefined) throw new GitInputError(`${JSON.stringify(odd)} is not an object id`);
  return readBlobs(cwd, ids);
}

/**
 * The object id each of `specs` names (`<rev>^{commit}`, `<rev>:<path>`...), or undefined where it
 * names nothing: one `git cat-file --batch-check` call for what would be one `rev-parse` each.
 */
export function objectIds(cwd: string, specs: readonly string[]): (string | undefined)[] {
  // One request per line: a name with a line break would ask for another object.
  const broken = specs.find((s) => /[\n\r]/.test(s));
  if (broken !== undefined) throw new GitInputError(`${JSON.stringify(broken)}: names with line breaks are not supported`);
  if (specs.length === 0) return [];
  const lines = git(cwd, ['cat-file', '--batch-check=%(objectname) %(objecttype)'], { input: `${specs.join('\n')}\n` }).split('\n');
  // Found: "<id> <type>"; not found: "<spec> missing" (or "ambiguous").
  return specs.map((_, i) => /^[0-9a-f]{40}([0-9a-f]{24})? [a-z]+$/.test(lines[i] ?? '') ? lines[i].split(' ')[0] : undefined);
}

/** One commit that changed a file, and the file's text in it. */
export interface FileVersion {
  /** The commit. */
  readonly commit: string;
  /** Its parents (none for a root commit, or the oldest commit of a shallow clone). */
  readonly parents: readonly string[];
  /**
   * The file's text in that commit.
   * @default - none: the commit deleted it
   */
  readonly text?: string;
}

/**
 * For each of `files` (paths relative to the repository root): every commit of HEAD's first-parent
 * line (the branch's own history: a merge counts as one change) that changed it, newest first,
 * following renames, with the file's text in each (undefined where the commit deleted it).
 * One `git log` per file and one `git cat-file --batch` for all, whatever the length.
 */
export function fileHistories(cwd: string, files: readonly string[]): FileVersion[][] {
  const broken = files.find((f) => /[\n\r]/.test(f));
  if (broken !== undefined) throw new GitInputError(`${JSON.stringify(broken)}: file names with line breaks are not supported`);
  const logs = files.map((file) => followedLog(cwd, file, 'HEAD'));
  const texts = readBlobs(cwd, logs.flat().map((c) => `${c.commit}:${c.path}`));
  let next = 0;
  return logs.map((commits) => commits.map((c) => {
    const text = texts[next++];
    return { commit: c.commit, parents: c.parents, text: c.deleted ? undefined : text };
  }));
}

/**
 * The commits of `start`'s first-parent line that changed `file`, newest first, following renames
 * (a rename changes the file little: 90 % similar or more). A copy is not the file's history: where
 * git's --follow would continue into the file another one was copied from (a file re-created from
 * another environment's, say), the file's own older history is read on.
 */
function followedLog(cwd: string, file: string, start: string, depth = 0): Array<{ commit: string; parents: string[]; path: string; deleted: boolean }> {
  const log = tryGit(cwd, ['log', '--first-parent', '--follow', '-M90%', '--no-color', '-z', '--format=%x01%H %P', '--name-status', '--end-of-options', start, '--', file]);
  const out: Array<{ commit: string; parents: string[]; path: string; deleted: boolean }> = [];
  for (const record of (log ?? '').split('\x01').filter((r) => r.trim())) {
    // -z: "<commit> <parents>", the status and the file's paths, NUL-separated; its path in this commit is the last.
    const fields = record.split('\0').map((f) => f.trim()).filter(Boolean);
    const [commit, ...parents] = fields[0].split(' ').filter(Boolean);
    const status = fields[1] ?? '';
    const path = fields.length > 2 ? fields[fields.length - 1] : file;
    if (status.startsWith('C')) {
      // Created here as a copy: its own history goes on before this commit, under its own name.
      out.push({ commit, parents, path, deleted: false });
      if (parents[0] && depth < 20) out.push(...followedLog(cwd, path, parents[0], depth + 1));
      return out;
    }
    out.push({ commit, parents, path, deleted: status.startsWith('D') });
  }
  return out;
}

/**
 * The values of the trailer `key` in the messages of the commits `revisions` select (as git log
 * reads them, e.g. `base..head`), parsed by git's own trailer parser: only a message's last paragraph.
 */
export function trailerValues(cwd: string, key: string, revisions: readonly string[]): string[] {
  const log = git(cwd, ['log', `--format=%(trailers:key=${key},valueonly,separator=%x00)%x00`, '--end-of-options', ...revisions, '--']);
  return log.split('\0').map((v) => v.trim()).filter(Boolean);
}

/** Whether `ancestor` is `descendant` or one of its ancestors (git exits 1 when not). */
export function isAncestor(cwd: string, ancestor: string, descendant: string): boolean {
  return tryGit(cwd, ['merge-base', '--is-ancestor', '--end-of-options', ancestor, descendant]) !== undefined;
}

/** Whether the repository holding `cwd` is a shallow clone (its history stops at a fetched edge). */
export function isShallow(cwd: string): boolean {
  return tryGit(cwd, ['rev-parse', '--is-shallow-repository'])?.trim() === 'true';
}

/** The blobs named by `object` specs (`<commit>:<path>`), in order; undefined for a missing one. */
function readBlobs(cwd: string, specs: readonly string[]): (string | undefined)[] {
  if (specs.length === 0) return [];
  const raw = execFileSync('git', ['cat-file', '--batch'], {
    cwd, input: specs.join('\n') + '\n', maxBuffer: 1024 * 1024 * 1024,
    env: { ...process.env, ...SAFE_GIT_ENV },
  });
  const out: (string | undefined)[] = [];
  let pos = 0;
  for (let i = 0; i < specs.length; i++) {
    const eol = raw.indexOf(0x0a, pos);
    const header = raw.subarray(pos, eol).toString('utf8');
    pos = eol + 1;
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
      out.push(undefined);
      continue;
    }
    const size = Number(header.split(' ')[2]);
    out.push(raw.subarray(pos, pos + size).toString('utf8'));
    pos += size + 1;
  }
  return out;
}

/** One line of `git diff --name-status`: added, deleted, or modified (anything else). */
export interface NameStatus {
  /** `A`, `D` or `M`. */
  readonly status: 'A' | 'D' | 'M';
  /** Path relative to the repository root. */
  readonly path: string;
}

/** Runs `git diff --name-status --no-renames -z <args>` and parses it. */
export function diffNameStatus(cwd: string, args: readonly string[]): NameStatus[] {
  const fields = git(cwd, ['diff', '--name-status', '--no-renames', '-z', ...args]).split('\0').filter((f) => f !== '');
  const out: NameStatus[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const s = fields[i][0];
    out.push({ status: s === 'A' ? 'A' : s === 'D' ? 'D' : 'M', path: fields[i + 1] });
  }
  return out;
}
