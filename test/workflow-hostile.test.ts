import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { checkBranchName, git, redactUrl, tryGit } from '../lib/git/git';
import { checkPromotions, promote, DiffResult, diffRefs, formatDiff, MAX_DIFF_FILE_BYTES, publish, setImage } from '../lib/cli';
import { synth } from '../lib';
import { bareRemote, commitAll, exampleRepo, makePublishedExample, readBranch, show, snapshotOf } from './git-helpers';
import { tempDir } from './helpers';

// Hostile repository content and failures half-way through: what the workflow verbs read,
// print and leave behind.

/** Everything that tells a checkout's state: where HEAD points, its commit, the index and the files. */
function stateOf(checkout: string): { head?: string; commit?: string; status: string; files: string[] } {
  return {
    head: tryGit(checkout, ['symbolic-ref', '--quiet', 'HEAD'])?.trim(),
    commit: tryGit(checkout, ['rev-parse', '--verify', '--quiet', 'HEAD'])?.trim(),
    status: git(checkout, ['status', '--porcelain', '--ignored']),
    files: git(checkout, ['ls-files']).split('\n').filter(Boolean).concat(fs.readdirSync(checkout).filter((f) => f !== '.git')).sort(),
  };
}

/** The state of a checkout on an unborn branch (an empty repository), which has no commit. */
function unbornState(checkout: string): { head?: string; commit?: string; status: string; files: string[] } {
  return { head: tryGit(checkout, ['symbolic-ref', '--quiet', 'HEAD'])?.trim(), commit: tryGit(checkout, ['rev-parse', '--verify', '--quiet', 'HEAD'])?.trim(), status: git(checkout, ['status', '--porcelain', '--ignored']), files: fs.readdirSync(checkout).sort() };
}

/** The example published once into a new envs remote through a clone (made once for this file, copied for each caller). */
const publishedExample = snapshotOf(makePublishedExample);

function hook(gitDir: string, name: string): { remove: () => void } {
  const file = path.join(gitDir, 'hooks', name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '#!/bin/sh\necho "refused by the test hook" >&2\nexit 1\n', { mode: 0o755 });
  return { remove: () => fs.rmSync(file) };
}

describe('publish: only environment folders leave the output folder', () => {
  test('an empty dist/.git/ (invisible to git and to synth --check) is refused and the envs .git is untouched', () => {
    const { source, clone } = publishedExample();
    const before = stateOf(clone);
    const objects = git(clone, ['count-objects', '-v']);

    fs.mkdirSync(path.join(source, 'dist/.git'));
    fs.mkdirSync(path.join(source, 'dist/qa'));
    expect(() => publish({ projectDir: source, repo: clone }))
      .toThrow(/dist\/ holds "\.git", "qa", which are not the folder of an environment \(dev, staging, prod\); publish replaces each folder it copies/);
    expect(stateOf(clone)).toEqual(before);
    expect(git(clone, ['count-objects', '-v'])).toBe(objects);
  });

  test('a symbolic link inside an environment folder is refused, even when synth --check reads the same content through it', () => {
    const source = exampleRepo();
    const { remote } = bareRemote();
    const rel = 'dist/dev/apps/appproject-dev-platform.yaml';
    const outside = path.join(tempDir(), 'copy.yaml');
    fs.copyFileSync(path.join(source, rel), outside);
    fs.rmSync(path.join(source, rel));
    fs.symlinkSync(outside, path.join(source, rel));
    commitAll(source, 'a link in dist');
    expect(() => publish({ projectDir: source, repo: remote }))
      .toThrow(/dist\/dev\/apps\/appproject-dev-platform\.yaml is a symbolic link; publish copies only folders and regular files/);
    expect(git(remote, ['branch', '--list']).trim()).toBe('');
  });

  test('a dist/ that is a symbolic link is refused', () => {
    const source = exampleRepo();
    const { remote } = bareRemote();
    const elsewhere = path.join(tempDir(), 'dist');
    fs.renameSync(path.join(source, 'dist'), elsewhere);
    fs.symlinkSync(elsewhere, path.join(source, 'dist'));
    commitAll(source, 'dist elsewhere');
    expect(() => publish({ projectDir: source, repo: remote })).toThrow(/^dist is a symbolic link: publish copies the folder synth writes/);
  });
});

describe('publish: a failure leaves the local envs checkout as it was', () => {
  test('branch names of more than 200 bytes, HEAD and @ are refused before any git call', () => {
    const source = exampleRepo();
    const { clone } = bareRemote();
    for (const branch of ['a'.repeat(300), 'é'.repeat(101), 'HEAD', '@']) {
      expect(() => publish({ projectDir: source, repo: clone, branch })).toThrow(/is not a valid branch name/);
    }
    expect(() => checkBranchName('a'.repeat(300))).toThrow(/"a{40}\.\.\." is not a valid branch name: 300 bytes long, at most 200/);
    expect(unbornState(clone)).toEqual({ head: 'refs/heads/main', commit: undefined, status: '', files: ['.git'] });
    readBranch(source, 'b'.repeat(200));
    expect(publish({ projectDir: source, repo: clone, branch: 'b'.repeat(200) })).toMatchObject({ committed: true, pushed: true });
  });

  test('a failed commit into an empty repository unstages and removes everything; the next publish works', () => {
    const source = exampleRepo();
    const { remote, clone } = bareRemote();
    const refuse = hook(path.join(clone, '.git'), 'pre-commit');
    expect(() => publish({ projectDir: source, repo: clone })).toThrow(/git commit .*refused by the test hook/s);
    expect(unbornState(clone)).toEqual({ head: 'refs/heads/main', commit: undefined, status: '', files: ['.git'] });

    refuse.remove();
    expect(publish({ projectDir: source, repo: clone })).toMatchObject({ committed: true, pushed: true });
    expect(git(remote, ['rev-list', '--count', 'main']).trim()).toBe('1');
  });

  test('a failed commit after earlier publishes puts back the commit, the files, and the branch it started on', () => {
    const { source, remote, clone } = publishedExample();
    setImage({ projectDir: source, environment: 'dev', component: 'stoa-gateway', version: '1.9.1' });
    fs.rmSync(path.join(source, 'tenants/initech.yaml'));
    synth({ projectDir: source });
    commitAll(source, 'bump, remove initech');
    const before = stateOf(clone);
    const deployment = 'dev/platform/stoa-gateway/deployment-stoa-gateway.yaml';
    const published = fs.readFileSync(path.join(clone, deployment), 'utf8');

    const refuse = hook(path.join(clone, '.git'), 'pre-commit');
    expect(() => publish({ projectDir: source, repo: clone })).toThrow(/refused by the test hook/);
    expect(stateOf(clone)).toEqual(before);
    expect(fs.readFileSync(path.join(clone, deployment), 'utf8')).toBe(published);
    expect(fs.existsSync(path.join(clone, 'dev/tenants/initech'))).toBe(true);

    // Into a new branch (started without history): back on main, and no branch left behind.
    readBranch(source, 'release');
    expect(() => publish({ projectDir: source, repo: clone, branch: 'release' })).toThrow(/refused by the test hook/);
    expect(stateOf(clone)).toEqual(before);
    expect(git(clone, ['branch', '--list', 'release']).trim()).toBe('');
    readBranch(source, 'main');

    // From a detached HEAD: still detached, at the same commit.
    git(clone, ['checkout', '--quiet', '--detach']);
    expect(() => publish({ projectDir: source, repo: clone })).toThrow(/refused by the test hook/);
    expect(tryGit(clone, ['symbolic-ref', '--quiet', 'HEAD'])).toBeUndefined();
    expect(git(clone, ['rev-parse', 'HEAD']).trim()).toBe(before.commit);
    expect(git(clone, ['rev-parse', 'main']).trim()).toBe(before.commit);
    expect(git(clone, ['status', '--porcelain'])).toBe('');

    git(clone, ['checkout', '--quiet', 'main']);
    refuse.remove();
    expect(publish({ projectDir: source, repo: clone })).toMatchObject({ committed: true, pushed: true });
    expect(show(remote, 'main', deployment)).toContain('stoa-gateway:1.9.1');
  });

  test('a push the remote rejects is undone locally and said; a retry publishes', () => {
    const source = exampleRepo();
    const { remote, clone } = bareRemote();
    const reject = hook(remote, 'pre-receive');
    expect(() => publish({ projectDir: source, repo: clone }))
      .toThrow(/the push to origin \(branch main\) failed, so nothing was published; the commit was not kept[\s\S]*refused by the test hook/);
    expect(unbornState(clone)).toEqual({ head: 'refs/heads/main', commit: undefined, status: '', files: ['.git'] });
    expect(git(remote, ['branch', '--list']).trim()).toBe('');

    reject.remove();
    expect(publish({ projectDir: source, repo: clone })).toMatchObject({ committed: true, pushed: true });
    expect(git(remote, ['rev-list', '--count', 'main']).trim()).toBe('1');

    // The same after earlier publishes: the branch goes back to the commit the remote has.
    setImage({ projectDir: source, environment: 'dev', component: 'stoa-gateway', version: '1.9.1' });
    synth({ projectDir: source });
    commitAll(source, 'bump');
    const before = stateOf(clone);
    const rejectAgain = hook(remote, 'pre-receive');
    expect(() => publish({ projectDir: source, repo: clone })).toThrow(/the push to origin \(branch main\) failed/);
    expect(stateOf(clone)).toEqual(before);
    rejectAgain.remove();
    expect(publish({ projectDir: source, repo: clone })).toMatchObject({ committed: true, pushed: true });
    expect(git(remote, ['rev-list', '--count', 'main']).trim()).toBe('2');
  });
});

describe('publish: credentials in repository URLs', () => {
  test('redactUrl masks the password, or a user part alone, of every URL in a text', () => {
    expect(redactUrl('https://user:pass@host/x.git')).toBe('https://***@host/x.git');
    expect(redactUrl("fatal: unable to access 'https://ci:p@ss:w0rd@git.example:8443/a/b.git/': refused"))
      .toBe("fatal: unable to access 'https://***@git.example:8443/a/b.git/': refused");
    expect(redactUrl('clone https://ghp_TOKEN@github.com/o/r and http://u:p@h')).toBe('clone https://***@github.com/o/r and http://***@h');
    for (const kept of ['ssh://git@github.com/o/r.git', 'git@github.com:o/r.git', 'https://github.com/o/r.git', '/srv/envs.git', 'mail me: a@b.example']) {
      expect(redactUrl(kept)).toBe(kept);
    }
  });

  test('no message of a failed publish shows the password of the --repo URL', () => {
    const source = exampleRepo();
    const repo = 'https://deploy:s3cret-pass@127.0.0.1:9/envs.git';
    let error: Error | undefined;
    try {
      publish({ projectDir: source, repo });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(/^cannot clone the envs repo https:\/\/\*\*\*@127\.0\.0\.1:9\/envs\.git: git clone /);
    expect(error?.message).not.toContain('s3cret-pass');
    expect(error?.stack).not.toContain('s3cret-pass');
  });

  test('the commit message records the source remote without its token', () => {
    const source = exampleRepo();
    git(source, ['remote', 'add', 'origin', 'https://ci-bot:tok3n-value@git.example/stoa/manifests.git']);
    // As if fetched: the published branch is origin/main.
    git(source, ['update-ref', 'refs/remotes/origin/main', 'HEAD']);
    git(source, ['symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main']);
    const { remote, clone } = bareRemote();
    const result = publish({ projectDir: source, repo: clone });
    expect(result.message).toContain('Source-Repo: https://***@git.example/stoa/manifests.git');
    expect(git(remote, ['log', '-1', '--format=%B', 'main'])).not.toContain('tok3n-value');
  });
});

describe('diff of the working tree reads only what is in it', () => {
  test('a committed symbolic link is shown as its link text, never as the file it names', () => {
    const repo = exampleRepo();
    const secret = path.join(tempDir(), 'secret.txt');
    fs.writeFileSync(secret, 'TOP-SECRET-VALUE\n');
    fs.symlinkSync(secret, path.join(repo, 'dist/dev/apps/leak.yaml'));
    commitAll(repo, 'a link');

    for (const head of [undefined, 'HEAD']) {
      const result = diffRefs({ projectDir: repo, base: 'HEAD~1', head });
      const file = result.environments[0].applications[0].files[0];
      expect(file).toEqual({ path: 'dev/apps/leak.yaml', status: 'added', before: undefined, after: `symlink -> ${secret}\n` });
      expect(formatDiff(result, 'markdown')).not.toContain('TOP-SECRET-VALUE');
    }
  });

  test('a socket or pipe in place of a file is marked, not read; a file over the limit is summarized', async () => {
    const repo = exampleRepo();
    const apps = path.join(repo, 'dist/dev/apps');
    const [first, second, third] = fs.readdirSync(apps).sort();
    fs.rmSync(path.join(apps, first));
    // A read of the socket fails and a read of the pipe waits for a writer forever.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(apps, first), resolve));
    try {
      fs.rmSync(path.join(apps, second));
      execFileSync('mkfifo', [path.join(apps, second)]);
      fs.writeFileSync(path.join(apps, third), Buffer.alloc(MAX_DIFF_FILE_BYTES + 1, 'a'));

      const files = diffRefs({ projectDir: repo, base: 'HEAD' }).environments[0].applications[0].files;
      expect(files.map((f) => [f.path, f.status, f.after])).toEqual([
        [`dev/apps/${first}`, 'changed', '(not shown: not a regular file, but a socket)\n'],
        [`dev/apps/${second}`, 'changed', '(not shown: not a regular file, but a named pipe)\n'],
        [`dev/apps/${third}`, 'changed', `(not shown: ${MAX_DIFF_FILE_BYTES + 1} bytes, over the 10 MB a diff reads)\n`],
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('the Markdown report escapes what the repository names', () => {
  const change = (p: string, before: string, after: string) => ({ path: p, status: 'changed' as const, before, after });
  const result = (files: { path: string; status: 'changed'; before: string; after: string }[], environment = 'prod', application = 'prod-root'): DiffResult => ({
    base: { ref: 'main', commit: 'abc1234' },
    environments: [{ environment, readOnly: true, applications: [{ application, folder: `${environment}/apps`, added: 0, removed: 0, changed: files.length, files }] }],
    files: files.length,
  });

  test('a committed file named "0<!--.yaml" cannot hide the diffs after it', () => {
    const repo = exampleRepo();
    fs.writeFileSync(path.join(repo, 'dist/prod/apps/0<!--.yaml'), 'kind: Hidden\n');
    const report = formatDiff(diffRefs({ projectDir: repo, base: 'HEAD' }), 'markdown');
    expect(report).not.toContain('<!--');
    expect(report).toContain('<details><summary><code>prod/apps/0&lt;!--.yaml</code> added (+1 −0)</summary>');
  });

  test('names are escaped for HTML, table cells and code spans; control characters are made visible', () => {
    const files = [change('prod/apps/a"&<b>`|.yaml', 'x\n', 'y\n'), change('prod/apps/\x1b[31mred\n.yaml', 'x\n', 'y\n')];
    const base: DiffResult = { ...result(files, 'a|b<x>', 'app`*_<!--'), base: { ref: '`<!--`', commit: 'abc1234' }, head: { ref: "$(touch pwned)'", commit: 'def5678' } };
    const md = formatDiff(base, 'markdown', { maxDiffChars: 5 });
    expect(md).toContain('## stoa-manifests diff: `` `<!--` `` (abc1234) → `$(touch pwned)\'` (def5678)');
    expect(md).toContain('| a\\|b&lt;x&gt; | app\\`\\*\\_&lt;!-- | 0 | 0 | 2 |');
    expect(md).toContain('> **a\\|b&lt;x&gt; changes: 2 files in 1 Application (app\\`\\*\\_&lt;!--).');
    expect(md).toContain('- ``prod/apps/a"&<b>`|.yaml`` changed (+1 −1): diff omitted');
    expect(md).toContain('- `prod/apps/\\x1b[31mred\\x0a.yaml` changed');
    expect(md).toContain("run ``stoa-manifests diff --base '`<!--`' --head '$(touch pwned)'\\'''`` locally");

    const shown = formatDiff({ ...base, base: { ref: 'main', commit: 'abc1234' }, head: undefined }, 'markdown');
    expect(shown).toContain('<summary><code>prod/apps/a&quot;&amp;&lt;b&gt;`|.yaml</code> changed');
    expect(shown).toContain('<summary><code>prod/apps/\\x1b[31mred\\x0a.yaml</code> changed');
    const text = formatDiff(base, 'text');
    expect(text).not.toMatch(/[\x1b\r]|\nred|red\n/);
    expect(text).toContain('--- prod/apps/\\x1b[31mred\\x0a.yaml changed (+1 −1)');
  });

  test('a line of backticks in a diff cannot close its code fence', () => {
    const md = formatDiff(result([change('prod/apps/readme.yaml', '```\n  ````\nold\n', '```\n  ````\nnew\n')]), 'markdown');
    const lines = md.split('\n');
    const open = lines.findIndex((l) => /^`{3,}diff$/.test(l));
    const fence = lines[open].replace('diff', '');
    expect(fence.length).toBeGreaterThan(4);
    // The first line after the opening fence that Markdown reads as a closing fence is the real one.
    const close = lines.findIndex((l, i) => i > open && /^ {0,3}`{3,}\s*$/.test(l) && l.trim().length >= fence.length);
    expect(lines.slice(open + 1, close)).toEqual(['@@ -1,3 +1,3 @@', ' ```', '   ````', '-old', '+new']);
    expect(lines.slice(close, close + 3)).toEqual([fence, '', '</details>']);
  });
});

describe('check-promotions in a shallow clone', () => {
  test('says the history is shallow instead of judging versions whose arrival it cannot see', () => {
    const repo = exampleRepo();
    setImage({ projectDir: repo, environment: 'dev', component: 'stoa-gateway', version: '1.9.1' });
    commitAll(repo, 'dev gets gateway 1.9.1');
    promote({ projectDir: repo, from: 'dev', to: 'staging' });
    commitAll(repo, 'promote dev staging');

    const parent = tempDir();
    git(parent, ['clone', '--quiet', `file://${repo}`, 'full']);
    git(parent, ['clone', '--quiet', '--depth', '1', `file://${repo}`, 'shallow']);
    expect(checkPromotions({ projectDir: path.join(parent, 'full') })).toEqual({ ok: true, problems: [], hotfixes: [], downgrades: [] });
    // Depth 1: dev's 1.9.1 looks as old as the shallow edge, so staging's promotion cannot be proven, nor prod's baseline.
    expect(() => checkPromotions({ projectDir: path.join(parent, 'shallow') }))
      .toThrow(/cannot check the promotion order: .*shallow is a shallow clone, so the history of the environment files is incomplete and versions that look like an environment file's first ones may only be the oldest fetched\. Fetch the full history and run it again: git fetch --unshallow \(in GitHub Actions: actions\/checkout with fetch-depth: 0\)/);
  });
});

test('check-promotions reads old versions of environment files within the input limits: a hostile commit in history cannot hang it', () => {
  const { checkPromotions } = require('../lib/cli');
  const repo = exampleRepo();
  const file = path.join(repo, 'environments/staging.yaml');
  const original = fs.readFileSync(file, 'utf8');
  const before = checkPromotions({ projectDir: repo }).problems;
  fs.writeFileSync(file, `a: &a [${'x,'.repeat(50)}x]\n${Array.from({ length: 12 }, (_, i) => `b${i}: &b${i} [*${i === 0 ? 'a' : `b${i - 1}`}, *${i === 0 ? 'a' : `b${i - 1}`}]`).join('\n')}\n`);
  commitAll(repo, 'alias bomb in history');
  fs.writeFileSync(file, original);
  commitAll(repo, 'restored');
  // The hostile version is skipped (it names no version); the answer is the one before it.
  expect(checkPromotions({ projectDir: repo }).problems).toEqual(before);
});

test('set-image keeps a CRLF file CRLF and its byte order mark, changing only the version line, and leaves no temp file', () => {
  const { setImage } = require('../lib/cli');
  const repo = exampleRepo();
  const file = path.join(repo, 'environments/dev.yaml');
  const crlf = '\ufeff' + fs.readFileSync(file, 'utf8').replace(/\n/g, '\r\n');
  fs.writeFileSync(file, crlf);
  setImage({ projectDir: repo, environment: 'dev', component: 'stoa-gateway', version: '1.9.7' });
  const after = fs.readFileSync(file, 'utf8');
  expect(after.startsWith('\ufeff')).toBe(true);
  expect(after.replace(/\r\n/g, '').includes('\n')).toBe(false);
  const changed = after.split('\r\n').filter((line, i) => line !== crlf.split('\r\n')[i]);
  expect(changed).toEqual(['  stoa-gateway: 1.9.7']);
  expect(fs.readdirSync(path.dirname(file)).filter((f) => f.startsWith('.'))).toEqual([]);
});
