import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { git } from '../lib/git/git';
import { ExitCode, EXIT_CODE_LINES } from '../lib/cli/exit-codes';
import { buildProgram } from '../lib/cli/program';
import { promote } from '../lib/workflow/promote';
import { publish } from '../lib/workflow/publish';
import { setImage } from '../lib/workflow/set-image';
import { synth } from '../lib';
import { bareRemote, commitAll, exampleRepo } from './git-helpers';
import { ProcessRun, REPO, runProcess, tempDir, writeFile } from './helpers';

/*
 * One behaviour for every verb (docs/cli.md): the exit code says what happened (2 the command line,
 * 3 what it names, 4 the environment), the headline says which verb, the message what was wrong;
 * --help marks what is required; --format json prints one JSON document.
 */

interface Run { code: number; stdout: string; stderr: string }

/** Runs the CLI in-process: what it prints and its exit code. Unlike helpers' cli(), sub-verbs (tenant add) too never exit the process. */
function run(...args: string[]): Run {
  const out: string[] = [];
  const err: string[] = [];
  let code = 0;
  const program = buildProgram({ out: (t) => out.push(`${t}\n`), err: (t) => err.push(`${t}\n`) }, (c) => { code = c; });
  for (const cmd of commandsOf(program)) cmd.exitOverride();
  try {
    program.parse(['node', 'stoa-manifests', ...args]);
  } catch (e: any) {
    code = e.exitCode;
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** A command and every command under it. */
function commandsOf(command: Command): Command[] {
  return [command, ...command.commands.flatMap(commandsOf)];
}

/** Every verb of the program as typed (`tenant add`), with its command. */
function verbs(): Array<[string, Command]> {
  const out: Array<[string, Command]> = [];
  const walk = (c: Command, prefix: string[]) => {
    for (const sub of c.commands) {
      if (sub.commands.length > 0) walk(sub, [...prefix, sub.name()]);
      else out.push([[...prefix, sub.name()].join(' '), sub]);
    }
  };
  walk(buildProgram(), []);
  return out;
}

/** The headline of a failure of `verb` (`synth --check` names itself so; `synth --shard` is synth). */
const HEADLINE = (verb: string) => new RegExp(`^stoa-manifests: ${verb.replace(/ --(?!check)\S+/, '')} (failed|refused)[.;]`);

/*
 * The two claims about a process of its own (its exit code without git on the PATH; a reader that
 * closes the pipe early) each need a CLI process: both start when the module's tests do, and run
 * while the in-process tests below do; their tests wait for them.
 */
const bin = path.join(REPO, 'bin', 'stoa-manifests.js');
let withoutGit: Promise<ProcessRun>;
let pipedDiff: { child: ChildProcess; stderr: () => string; closed: Promise<number | null> } | undefined;
beforeAll(() => {
  const project = exampleRepo();
  withoutGit = runProcess(process.execPath, [bin, 'diff', '--base', 'HEAD', '--project', project], { env: { ...process.env, PATH: path.dirname(process.execPath) } });
  const large = exampleRepo();
  fs.rmSync(path.join(large, 'dist', 'dev'), { recursive: true });
  const child = spawn(process.execPath, [bin, 'diff', '--base', 'HEAD', '--format', 'text', '--project', large], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  // Nothing reads its stdout until its test does: the report fills the pipe and waits there.
  pipedDiff = { child, stderr: () => stderr, closed: new Promise((resolve) => child.on('close', resolve)) };
});
afterAll(async () => {
  // Only when its test did not run (a -t filter): the process waits on a full pipe.
  if (pipedDiff && pipedDiff.child.exitCode === null && pipedDiff.child.signalCode === null) {
    pipedDiff.child.kill();
  }
  await Promise.all([withoutGit, pipedDiff?.closed]);
});

describe('a usage error exits 2 and says what was wrong, for every verb', () => {
  const empty = () => tempDir('stoa-empty-');
  const cases: Array<[verb: string, args: () => string[], says: RegExp]> = [
    ['synth', () => ['synth', '--workers', 'many'], /--workers must be a whole number from 0 to 99 \(got "many"\)/],
    ['synth --check', () => ['synth', '--check', '--workers', '100'], /--workers must be a whole number from 0 to 99/],
    ['synth --shard', () => ['synth', '--shard', '1/2', '--project', empty()], /--shard needs --out <dir>/],
    ['merge-shards', () => ['merge-shards'], /missing required argument 'dir'/],
    ['validate', () => ['validate', '--kubernetes-version', '1.3', '--project', empty()], /--kubernetes-version must be a minor version such as 1\.30 \(got "1\.3"\)/],
    ['diff', () => ['diff', '--head', 'HEAD'], /required option '-b, --base <ref>' not specified/],
    ['plan', () => ['plan', '--base', 'HEAD', '--max-bytes', '5'], /--max-bytes "5": must be a whole number from 1000 to 1000000/],
    ['set-image', () => ['set-image', 'stoa-gateway', '1.9.9'], /required option '-e, --env <env>' not specified/],
    ['promote', () => ['promote', 'dev'], /missing required argument 'to'/],
    ['check-promotions', () => ['check-promotions', '--format', 'xml'], /argument 'xml' is invalid\. Allowed choices are text, json/],
    ['tenant add', () => ['tenant', 'add', 'umbrella', '--owner', 'ada'], /required option '--tier <tier>' not specified/],
    ['tenant remove', () => ['tenant', 'remove'], /missing required argument 'name'/],
    ['tenant list', () => ['tenant', 'list', '--format', 'yaml'], /Allowed choices are text, table, json/],
    ['publish', () => ['publish', '--branch', 'main'], /required option '-r, --repo <path-or-url>' not specified/],
    ['audit', () => ['audit', '--repo', 'x', '--limit', '0'], /--limit "0": must be a whole number from 1 to 1000/],
    ['audit', () => ['audit', '--repo', 'x', '--ref', 'HEAD', '--since', 'HEAD~3'], /--ref audits one commit and --since a range: give one of them/],
    ['preview publish', () => ['preview', 'publish', '--pull-request', '12x', '--repo', 'x'], /--pull-request: "12x" is not a pull request number: a whole number from 1 to 999999999/],
    ['preview close', () => ['preview', 'close', '--pull-request', '12'], /required option '-r, --repo <path-or-url>' not specified/],
  ];

  test.each(cases)('%s: %p', (verb, args, says) => {
    const r = run(...args());
    expect(r).toMatchObject({ code: ExitCode.USAGE, stdout: '' });
    expect(r.stderr).toMatch(HEADLINE(verb));
    expect(r.stderr).toMatch(says);
    if (!/(--workers|--shard|--kubernetes|--max-bytes|--limit|--ref|--pull-request)/.test(says.source)) {
      expect(r.stderr).toContain(`(stoa-manifests ${verb} --help lists its options)`);
    }
  });

  test('the cases cover every verb of the program', () => {
    expect(new Set(cases.map(([verb]) => verb.replace(/ --\S+/, '')))).toEqual(new Set(verbs().map(([verb]) => verb)));
  });

  test('an unknown verb, or a verb group without its verb, is the command line\'s error', () => {
    const unknown = run('deploy');
    expect(unknown).toMatchObject({ code: ExitCode.USAGE, stdout: '' });
    expect(unknown.stderr).toBe('stoa-manifests: command line refused.\nunknown command \'deploy\'\n(stoa-manifests --help lists its verbs)\n');
    const group = run('tenant');
    expect(group.code).toBe(ExitCode.USAGE);
    expect(group.stderr).toMatch(/^Usage: stoa-manifests tenant /);
    expect(group.stderr).toContain('stoa-manifests: command line refused.\na verb is needed after tenant: one of add, remove, list\n');
  });
});

describe('a bad input file exits 3, naming the file, the line and the field', () => {
  /** The example, committed, with environments/dev.yaml's color no color of the list: every verb that reads the project reads it. */
  let project = '';
  let says = /./;
  beforeAll(() => {
    project = exampleRepo();
    const file = path.join(project, 'environments/dev.yaml');
    const text = fs.readFileSync(file, 'utf8');
    const line = text.split('\n').indexOf('color: green') + 1;
    fs.writeFileSync(file, text.replace(/^color: green$/m, 'color: mauve'));
    commitAll(project, 'dev in mauve');
    says = new RegExp(`environments/dev\\.yaml:${line}: color: must be one of "green", "amber", "red" \\(got "mauve"\\)`);
  });
  const p = () => ['--project', project];

  const cases: Array<[verb: string, args: () => string[]]> = [
    ['synth', () => ['synth', ...p()]],
    ['synth --check', () => ['synth', '--check', ...p()]],
    ['validate', () => ['validate', ...p()]],
    ['diff', () => ['diff', '--base', 'HEAD', ...p()]],
    ['merge-shards', () => ['merge-shards', tempDir('stoa-shard-'), ...p()]],
    ['set-image', () => ['set-image', 'stoa-gateway', '1.9.9', '--env', 'dev', ...p()]],
    ['promote', () => ['promote', 'dev', 'staging', ...p()]],
    ['check-promotions', () => ['check-promotions', ...p()]],
    ['tenant add', () => ['tenant', 'add', 'umbrella', '--owner', 'ada', '--tier', 'bronze', ...p()]],
    ['tenant remove', () => ['tenant', 'remove', 'globex', '--env', 'staging', ...p()]],
    ['tenant list', () => ['tenant', 'list', ...p()]],
    ['publish', () => ['publish', '--repo', bareRemote().remote, ...p()]],
    ['audit', () => ['audit', '--repo', bareRemote().remote, ...p()]],
    ['preview publish', () => ['preview', 'publish', '--pull-request', '12', '--repo', bareRemote().remote, ...p()]],
  ];

  test('the cases cover every verb that reads a project: plan (below) reads only capacity, preview close none', () => {
    expect(new Set([...cases.map(([verb]) => verb.replace(/ --\S+/, '')), 'plan'])).toEqual(new Set(verbs().map(([verb]) => verb).filter((v) => v !== 'preview close')));
  });

  test('plan, which reads only the capacity of the environment files at head', () => {
    const repo = exampleRepo();
    const file = path.join(repo, 'environments/dev.yaml');
    setImage({ projectDir: repo, environment: 'dev', component: 'stoa-gateway', version: '1.9.1' });
    synth({ projectDir: repo });
    fs.appendFileSync(file, 'capacity:\n  cpu: lots\n  memory: 64Gi\n');
    commitAll(repo, 'dev: gateway 1.9.1, and a capacity');
    const r = run('plan', '--base', 'HEAD~1', '--project', repo);
    expect(r.code).toBe(ExitCode.INPUT);
    expect(r.stderr).toMatch(/^stoa-manifests: plan failed\.\nenvironments\/dev\.yaml: capacity cpu: must be a CPU amount such as 64 or 64000m/);
  });

  test.each(cases)('%s', (verb, args) => {
    const r = run(...args());
    expect(r.code).toBe(ExitCode.INPUT);
    expect(r.stderr).toMatch(HEADLINE(verb));
    expect(r.stderr).toMatch(says);
  });

  test('a refused request is input too: the message says what to do instead', () => {
    const r = run('promote', 'dev', 'prod', '--project', exampleRepo());
    expect(r.code).toBe(ExitCode.INPUT);
    expect(r.stderr).toMatch(/^stoa-manifests: promote refused\.\n[^]*prod is promoted from staging, not from dev/);
  });
});

describe('a failure of the environment exits 4', () => {
  test('diff and plan in a project folder that is not a git repository: the request is refused (3), saying where to run them', () => {
    const project = tempDir('stoa-not-git-');
    fs.cpSync(path.join(exampleRepo(), 'environments'), path.join(project, 'environments'), { recursive: true });
    for (const verb of ['diff', 'plan']) {
      const r = run(verb, '--base', 'HEAD', '--project', project);
      expect([verb, r.code]).toEqual([verb, ExitCode.INPUT]);
      expect(r.stderr).toMatch(new RegExp(`^stoa-manifests: ${verb} failed\\.\\n.* is not in a git repository: (diff compares|plan reads) the output committed in git\\. Run it in a clone of the source repository, or give --project a folder of one`));
    }
  });

  test('preview close on a repository path that is not a repository', () => {
    const r = run('preview', 'close', '--pull-request', '12', '--repo', path.join(tempDir(), 'nowhere'));
    expect(r.code).toBe(ExitCode.ENVIRONMENT);
    expect(r.stderr).toMatch(/^stoa-manifests: preview close failed\.\ngit ls-remote .* failed/);
  });

  test('publish whose push the remote refuses: failed, not refused, and nothing is kept', () => {
    const source = exampleRepo();
    const { remote, clone } = bareRemote();
    fs.writeFileSync(path.join(remote, 'hooks', 'pre-receive'), '#!/bin/sh\necho "pushes are closed" >&2\nexit 1\n', { mode: 0o755 });
    const r = run('publish', '--repo', clone, '--project', source);
    expect(r.code).toBe(ExitCode.ENVIRONMENT);
    expect(r.stderr).toMatch(/^stoa-manifests: publish failed\.\nthe push to origin \(branch main\) failed, so nothing was published/);
    expect(r.stderr).toContain('pushes are closed');
  });

  test('audit of a repository URL that cannot be reached', () => {
    expect(run('audit', '--repo', 'https://127.0.0.1:1/envs.git', '--project', exampleRepo()).code).toBe(ExitCode.ENVIRONMENT);
  });

  test('without git on the PATH, as a process of its own', async () => {
    const r = await withoutGit;
    expect(r.stderr).toMatch(/^stoa-manifests: diff failed\.\ngit .* failed in .*: git cannot run \(ENOENT\): git is not installed or not on the PATH/);
    expect(r.status).toBe(ExitCode.ENVIRONMENT);
  }, 60_000);

  test('without git on the PATH: every verb that reads git says git is missing, and exits 4', () => {
    // The same PATH as the process above, in-process (that one proves the exit of a process of its own).
    const project = exampleRepo();
    const pathBefore = process.env.PATH;
    const results: Array<[string, number, string]> = [];
    process.env.PATH = path.dirname(process.execPath);
    try {
      // Not "an invalid branch" nor "not in a git repository": the first git call says git is missing.
      for (const args of [['diff', '--base', 'HEAD'], ['audit', '--repo', project, '--branch', 'main'], ['check-promotions'], ['publish', '--repo', project, '--branch', 'main']]) {
        const x = run(...args, '--project', project);
        results.push([args[0], x.code, x.stderr]);
      }
    } finally {
      process.env.PATH = pathBefore;
    }
    for (const [verb, code, stderr] of results) {
      expect([verb, code, stderr]).toEqual([verb, ExitCode.ENVIRONMENT, expect.stringContaining('git is not installed or not on the PATH')]);
    }
  });
});

describe('--help', () => {
  test.each(verbs())('%s marks each required option (required), and only those; every option says what it does', (_verb, command) => {
    const help = command.helpInformation().replace(/\s+/g, ' ');
    for (const option of command.options) {
      expect([option.flags, option.description.length > 10]).toEqual([option.flags, true]);
      const described = command.createHelp().optionDescription(option);
      expect([option.flags, described.endsWith('(required)')]).toEqual([option.flags, option.mandatory]);
      expect(help).toContain(`${option.flags} ${described.replace(/\s+/g, ' ')}`);
    }
  });

  test('stoa-manifests --help ends with the exit codes, which docs/cli.md tabulates', () => {
    const r = run('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Exit codes (every verb; docs/cli.md):\n${EXIT_CODE_LINES.map((l) => `  ${l}`).join('\n')}`);
    const table = fs.readFileSync(path.join(REPO, 'docs/cli.md'), 'utf8');
    const documented = [...table.matchAll(/^\| (\d) \|/gm)].map((m) => Number(m[1]));
    expect(documented).toEqual(Object.values(ExitCode).filter((v): v is number => typeof v === 'number'));
  });
});

describe('--format json: one JSON document on stdout, the same for the same input', () => {
  test('synth, synth --check, merge-shards, validate, diff, plan, check-promotions and tenant list', () => {
    const project = exampleRepo();
    const p = ['--project', project];
    const shard = tempDir('stoa-shard-');
    const calls: string[][] = [
      ['synth', ...p, '--no-cache'], ['synth', '--check', ...p], ['synth', '--shard', '1/1', '--out', shard, ...p], ['merge-shards', shard, ...p],
      ['validate', ...p], ['diff', '--base', 'HEAD', ...p], ['plan', '--base', 'HEAD', ...p], ['check-promotions', ...p], ['tenant', 'list', ...p],
    ];
    for (const args of calls) {
      const first = run(...args, '--format', 'json');
      expect([args.join(' '), first.code, first.stderr]).toEqual([args.join(' '), 0, '']);
      expect(() => JSON.parse(first.stdout)).not.toThrow();
      if (args[0] !== 'merge-shards' && !args.includes('--shard')) expect(run(...args, '--format', 'json').stdout).toBe(first.stdout);
    }
    expect(JSON.parse(run('synth', ...p, '--no-cache', '--format', 'json').stdout)).toMatchObject({ outDir: 'dist', changed: false, environments: ['dev', 'staging', 'prod'] });
    expect(JSON.parse(run('synth', '--check', ...p, '--format', 'json').stdout)).toEqual({ outDir: 'dist', upToDate: true, missing: [], extra: [], changed: [] });
    expect(JSON.parse(run('check-promotions', ...p, '--format', 'json').stdout)).toMatchObject({ ok: true, problems: [] });
    expect(run('tenant', 'list', ...p, '--format', 'table').stdout).toBe(run('tenant', 'list', ...p).stdout);
  });

  test('a "no" prints its JSON on stdout and exits 1: synth --check', () => {
    const project = exampleRepo();
    fs.rmSync(path.join(project, 'dist/dev/tenants/acme/service-gateway.yaml'));
    const r = run('synth', '--check', '--project', project, '--format', 'json');
    expect(r).toMatchObject({ code: ExitCode.NO, stderr: '' });
    expect(JSON.parse(r.stdout)).toEqual({ outDir: 'dist', upToDate: false, missing: ['dev/tenants/acme/service-gateway.yaml'], extra: [], changed: [] });
  });

  test('set-image, promote, tenant add, tenant remove, publish and preview close', () => {
    const project = exampleRepo();
    const p = ['--project', project, '--format', 'json'];
    const json = (...args: string[]) => {
      const r = run(...args, ...p);
      expect([args.join(' '), r.code, r.stderr]).toEqual([args.join(' '), 0, '']);
      return JSON.parse(r.stdout);
    };
    expect(json('set-image', 'stoa-gateway', '1.9.1', '--env', 'dev')).toEqual({
      environment: 'dev', component: 'stoa-gateway', from: '1.9.0', to: '1.9.1', changed: true, hotfix: null, file: path.relative(process.cwd(), path.join(project, 'environments/dev.yaml')),
    });
    commitAll(project, 'gateway 1.9.1 in dev');
    expect(json('promote', 'dev', 'staging')).toMatchObject({ from: 'dev', to: 'staging', changed: true, versions: expect.arrayContaining([{ component: 'stoa-gateway', from: expect.any(String), to: '1.9.1' }]) });
    expect(json('tenant', 'add', 'umbrella', '--owner', 'ada', 'group:umbrella-team', '--tier', 'bronze')).toMatchObject({
      tenant: { name: 'umbrella', tier: 'bronze', environments: ['dev'], owners: { users: ['ada'], groups: ['umbrella-team'] } },
    });
    expect(json('tenant', 'remove', 'umbrella')).toMatchObject({ name: 'umbrella', removedFrom: ['dev'], remaining: [], deleted: true });
    synth({ projectDir: project });
    commitAll(project, 'staging takes 1.9.1');
    const { remote } = bareRemote();
    const published = json('publish', '--repo', remote);
    expect(published).toMatchObject({ layout: 'branch', branch: 'main', committed: true, commit: expect.stringMatching(/^[0-9a-f]{40}$/), pushed: true, direction: 'first' });
    expect(json('publish', '--repo', remote)).toMatchObject({ committed: false, commit: null, direction: null, environments: [] });
    const close = run('preview', 'close', '--pull-request', '12', '--repo', remote, '--format', 'json');
    expect(close).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(close.stdout)).toEqual({ preview: 'pr-12', branch: 'preview/pr-12', deleted: false });
  }, 60_000);
});

describe('synth says whether dist/ changed', () => {
  test('a synth that changes nothing says dist/ unchanged, with the file count; a change says wrote', () => {
    const project = exampleRepo();
    const same = run('synth', '--project', project, '--no-cache');
    expect(same.code).toBe(0);
    const files = fs.readdirSync(path.join(project, 'dist'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
    expect(same.stdout).toBe(`stoa-manifests: dist/ unchanged, ${files} files (dev, staging, prod)\n`);
    writeFile(project, 'tenants/umbrella.yaml', 'name: umbrella\ntier: bronze\nowners: {users: [ada]}\nenvironments: [dev]\n');
    expect(run('synth', '--project', project, '--no-cache').stdout).toMatch(/^stoa-manifests: wrote \d+ files to dist\/ \(dev, staging, prod\)\n$/);
  });
});

describe('publish lists every refusal at once, one per line', () => {
  test('a rollback without --rollback that also downgrades prod and removes its tenants: three lines, exit 3, nothing pushed', () => {
    const source = exampleRepo();
    const { remote } = bareRemote();
    publish({ projectDir: source, repo: remote });
    const first = git(source, ['rev-parse', 'HEAD']).trim();
    for (const [from, to] of [['dev', 'staging'], ['staging', 'prod']]) {
      promote({ projectDir: source, from, to });
      synth({ projectDir: source });
      commitAll(source, `promote ${from} ${to}`);
    }
    publish({ projectDir: source, repo: remote });
    const head = git(remote, ['rev-parse', 'main']).trim();
    git(source, ['checkout', '--quiet', first]);

    const r = run('publish', '--repo', remote, '--project', source);
    expect(r.code).toBe(ExitCode.INPUT);
    const lines = r.stderr.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual(['stoa-manifests: publish refused.', 'publish refused (3 problems; fix each, or allow it on purpose with the flag it names):']);
    expect(lines.slice(2)).toEqual([
      expect.stringMatching(/^ {2}the source commit [0-9a-f]{12} is older than the last published source commit .*--rollback "<reason>"/),
      expect.stringMatching(/^ {2}a read-only environment: it downgrades prod .* -> .*: if that is meant, pass --allow-downgrade$/),
      expect.stringMatching(/^ {2}a read-only environment: it removes tenants? prod .*: if that is meant, pass --allow-prod-removal$/),
    ]);
    expect(git(remote, ['rev-parse', 'main']).trim()).toBe(head);
  }, 60_000);
});

test('a reader that stops early (| head) ends the verb quietly: no EPIPE stack, the exit code it had', async () => {
  const { child, stderr, closed } = pipedDiff!;
  // Read the first chunk of a report far larger than a pipe holds, then close the pipe.
  await new Promise<void>((resolve) => child.stdout!.once('data', () => { child.stdout!.destroy(); resolve(); }));
  const code = await closed;
  expect({ code, stderr: stderr() }).toEqual({ code: 0, stderr: '' });
}, 60_000);

test('a file where a folder belongs is the user\'s input (3), named as the file it is', () => {
  const project = exampleRepo();
  const file = path.join(project, 'tenants', 'acme.yaml');
  for (const args of [['validate', file], ['synth', '--project', file]]) {
    const r = run(...args);
    expect([args[0], r.code]).toEqual([args[0], ExitCode.INPUT]);
    expect(r.stderr).toContain(`${file} is not a folder: give the folder it asks for`);
  }
});

test('tenant add says a wrong value as a file would: what is allowed, and what it got', () => {
  const r = run('tenant', 'add', 'umbrella', '--owner', 'ada', '--tier', 'platinum', '--project', exampleRepo());
  expect(r.code).toBe(ExitCode.INPUT);
  expect(r.stderr).toContain('tier: must be one of "bronze", "silver", "gold" (got "platinum")');
});

test('a usage error a verb finds itself points to its --help; a failed synth names the folder it left as it was', () => {
  const project = exampleRepo();
  const usage = run('synth', '--workers', '100', '--project', project);
  expect(usage.code).toBe(ExitCode.USAGE);
  expect(usage.stderr).toMatch(/\n\(stoa-manifests synth --help lists its options\)\n?$/);
  fs.appendFileSync(path.join(project, 'tenants', 'acme.yaml'), 'replicas: 3\n');
  const bad = run('synth', '--project', project, '--out', path.join(project, 'out'));
  expect(bad.code).toBe(ExitCode.INPUT);
  expect(bad.stderr).toMatch(new RegExp(`^stoa-manifests: synth failed; ${path.join(project, 'out').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/ was not changed\\.`));
});
