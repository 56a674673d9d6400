import { spawn, SpawnOptions, spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { buildProgram } from '../lib/cli/program';
import { renderProject, synth } from '../lib/project/synth-project';

/**
 * The repository root: its sources (lib/, package.json, README.md, ...). Its own environments/,
 * tenants/ and dist/ are the product's working data, changed by every promote, set-image and
 * tenant add or remove: only the test that the committed dist/ is current reads them.
 */
export const REPO = path.resolve(__dirname, '..');

/**
 * The example project the tests use: environments/ and tenants/ as the repository first bundled
 * them (three environments; tenants acme, globex and initech), kept here so that the tests do not
 * change when the repository's own files do.
 */
export const EXAMPLE = path.join(__dirname, 'fixtures', 'example');

const made: string[] = [];
const shared: string[] = [];
const removeAll = (dirs: string[]) => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
};
afterAll(() => {
  removeAll(made);
  removeAll(shared);
});

/**
 * A temp folder removed after the test file; in a group of test modules (test/groups/), one made
 * while a module's tests run is removed when that module's tests end ({@link removeTempDirsAfter}).
 */
export function tempDir(prefix = 'stoa-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/**
 * A temp folder removed after the test file only: for what is made once and copied by every test
 * module of a group (the synthesized example, the staged example repository).
 */
export function sharedTempDir(prefix = 'stoa-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  shared.push(dir);
  return dir;
}

/**
 * For the group runner (test/groups/): marks the temp folders made so far, and returns a function
 * that removes those made since. The mark is set when a module's tests start, after every module of
 * the group has been loaded: folders a module makes as it loads stay until the end of the file.
 */
export function removeTempDirsAfter(): () => void {
  const mark = made.length;
  return () => removeAll(made.splice(mark));
}

/** A temp project holding a copy of the example's environments and tenants ({@link EXAMPLE}), in `dir` (a new temp folder by default). */
export function exampleProject(dir = tempDir('stoa-project-')): string {
  for (const folder of ['environments', 'tenants']) {
    fs.cpSync(path.join(EXAMPLE, folder), path.join(dir, folder), { recursive: true });
  }
  return dir;
}

/**
 * A temp project holding a copy of the example ({@link exampleProject}) with its dist/ synthesized,
 * no git repository: synthesized once per test file (for every module of a group), copied for each call.
 */
let synthesized: string | undefined;
export function synthesizedExample(): string {
  if (synthesized === undefined || !fs.existsSync(synthesized)) {
    const dir = exampleProject(sharedTempDir('stoa-project-'));
    synth({ projectDir: dir });
    synthesized = dir;
  }
  const copy = tempDir('stoa-project-');
  fs.cpSync(synthesized, copy, { recursive: true });
  return copy;
}

/**
 * What validation learns from a project's environment files that matters for objects judged on their
 * own: each environment's Kubernetes version (the output targets 1.30; without it, validation assumes
 * the oldest supported, 1.28, where admissionregistration.k8s.io/v1 policies are not served).
 */
export function clustersOf(projectDir: string): { environments: Record<string, { kubernetesVersion: string }> } {
  const environments: Record<string, { kubernetesVersion: string }> = {};
  for (const file of fs.readdirSync(path.join(projectDir, 'environments')).filter((f) => f.endsWith('.yaml'))) {
    const env = parse(fs.readFileSync(path.join(projectDir, 'environments', file), 'utf8'));
    environments[env.name] = { kubernetesVersion: String(env.cluster?.kubernetesVersion ?? '1.28') };
  }
  return { environments };
}

/** Every file under `dir`, by path relative to it (with `/`), with its content. */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else out.set(rel, fs.readFileSync(path.join(dir, rel), 'utf8'));
    }
  };
  walk('');
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Parses one YAML file of an output folder. */
export function readObject(outDir: string, rel: string): any {
  return parse(fs.readFileSync(path.join(outDir, rel), 'utf8'));
}

/** An object of a rendered output, by its path in the output. */
export type RenderedObject = { path: string; object: any };

/** The objects of a copy of the example rendered (not written) after `edit` changes its files. */
export function renderedExample(edit: (project: string) => void = () => undefined): RenderedObject[] {
  const project = exampleProject();
  edit(project);
  return renderProject({ projectDir: project }).files.map((f) => ({ path: f.path, object: f.object as any }));
}

/** Parses a YAML file of a project, lets `change` edit it, and writes it back. */
export function editYaml(projectDir: string, rel: string, change: (doc: any) => void): void {
  const doc = parse(fs.readFileSync(path.join(projectDir, rel), 'utf8'));
  change(doc);
  writeFile(projectDir, rel, stringify(doc));
}

/** Writes a file of a project, creating its folder. */
export function writeFile(projectDir: string, rel: string, content: string): void {
  fs.mkdirSync(path.dirname(path.join(projectDir, rel)), { recursive: true });
  fs.writeFileSync(path.join(projectDir, rel), content);
}

/**
 * The environment of a Node process a test starts (`npx cdk8s synth`: the cdk8s CLI loads half a
 * second's worth of modules before it runs the app), with Node's compile cache on
 * (`NODE_COMPILE_CACHE`), in the run's own cache folder (jest.config.js: `XDG_CACHE_HOME`): the
 * first such process compiles them, the next ones read V8's code for the same sources (Node checks
 * it against them). For tests where how the process loads its code is not what they check: it
 * changes nothing a process does or prints. Not for the CLI's own caches (bin/stoa-manifests.js and
 * cache-tamper decide about compile caches themselves).
 */
export function withCompileCache(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return { ...env, NODE_COMPILE_CACHE: path.join(cacheHome, 'stoa-test-node-compile-cache') };
}

/** Runs the app entry (`main.ts`, as `npm run synth` does) in `projectDir`. */
export function runMain(projectDir: string, env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const loader = path.join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs');
  return spawnSync(process.execPath, ['--import', `file://${loader}`, path.join(REPO, 'main.ts')], {
    cwd: projectDir,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
}

/** Runs the CLI in-process, capturing what it prints and the exit code. */
export function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const out: string[] = [];
  const err: string[] = [];
  let code = 0;
  const program = buildProgram({ out: (t) => out.push(t), err: (t) => err.push(t) }, (c) => { code = c; });
  for (const cmd of [program, ...program.commands]) {
    cmd.exitOverride().configureOutput({ writeOut: (t) => out.push(t), writeErr: (t) => err.push(t) });
  }
  try {
    program.parse(['node', 'stoa-manifests', ...args]);
  } catch (e: any) {
    code = e.exitCode ?? 1;
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** The message of the error `run` throws, which must be a `kind` (a test fails when it throws another, or nothing). */
export function thrownMessage(run: () => unknown, kind: new (...args: any[]) => Error): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(kind);
    return (e as Error).message;
  }
  throw new Error(`expected a ${kind.name}`);
}

/** How a process {@link runProcess} started ended, and what it printed. */
export interface ProcessRun {
  /** Exit status; null when a signal ended it. */
  readonly status: number | null;
  /** The signal that ended it, if one did. */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `file` without blocking the test's process (other tests, or another process, run meanwhile;
 * a test can kill it at a moment of its choosing elsewhere): resolves when it has ended, with its
 * outputs, or rejects when it could not start.
 */
export function runProcess(file: string, args: readonly string[], options: Omit<SpawnOptions, 'stdio'> = {}): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}
