import * as fs from 'fs';
import * as path from 'path';
import { checkRevision, filesAt, git, GitInputError, objectIds, readBlobsById, readFiles } from '../lib/git/git';
import { diffRefs, publish, setImage } from '../lib/cli';
import { synth } from '../lib';
import { bareRemote, commitAll, exampleRepo, readBranch } from './git-helpers';
import { tempDir } from './helpers';

// Values a user passes on the command line reach git. None of them may run a command,
// write a file, or be read by git as an option.

describe('diff --base / --head', () => {
  test('a ref that reads as an option, or uses reflog or search syntax, is refused before git sees it', () => {
    const repo = exampleRepo();
    const marker = path.join(tempDir(), 'written-by-git');
    for (const ref of [`--output=${marker}`, '-p', `--upload-pack=touch ${marker}`, 'HEAD@{1}', ':/example', 'a..b', 'x y', 'HEAD\nmain', '', 'main:dist']) {
      expect(() => diffRefs({ projectDir: repo, base: ref })).toThrow(/is not a valid base: give a commit id, or a branch or tag name/);
      expect(() => diffRefs({ projectDir: repo, base: 'HEAD', head: ref })).toThrow(/is not a valid head/);
    }
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('branches, tags, commit ids and ~N / ^N steps still work', () => {
    const repo = exampleRepo();
    const first = git(repo, ['rev-parse', 'HEAD']).trim();
    git(repo, ['tag', 'v1']);
    setImage({ projectDir: repo, environment: 'dev', component: 'stoa-gateway', version: '1.9.1' });
    synth({ projectDir: repo });
    commitAll(repo, 'bump');
    for (const base of ['main~1', 'HEAD^', 'HEAD~1^0', 'v1', first, first.slice(0, 10), 'refs/tags/v1']) {
      const result = diffRefs({ projectDir: repo, base, head: 'main' });
      expect(result.base.commit).toBe(first.slice(0, result.base.commit.length));
      expect(result.environments.map((e) => e.environment)).toEqual(['dev']);
    }
  });

  test('a valid name that is no commit here gets a clear error', () => {
    const repo = exampleRepo();
    expect(() => diffRefs({ projectDir: repo, base: 'no-such-branch' })).toThrow(/base "no-such-branch" does not name a commit in the repository/);
  });

  test('a committed file name with a line break cannot make diff read another object', () => {
    const repo = exampleRepo();
    fs.writeFileSync(path.join(repo, 'dist/dev/evil\nHEAD:README.md'), 'x');
    commitAll(repo, 'odd name');
    fs.writeFileSync(path.join(repo, 'dist/dev/evil\nHEAD:README.md'), 'y');
    commitAll(repo, 'odd name changed');
    expect(() => diffRefs({ projectDir: repo, base: 'HEAD~1', head: 'HEAD' })).toThrow(/file names with line breaks are not supported/);
  });

  test('checkRevision is the same check for library users', () => {
    expect(() => checkRevision('--all')).toThrow(/not a valid revision/);
    expect(() => checkRevision('origin/main~2')).not.toThrow();
  });
});

describe('publish --repo', () => {
  test('a repo value that reads as an option is not run as one', () => {
    const source = exampleRepo();
    const marker = path.join(tempDir(), 'written-by-git');
    // Not a folder, not a URL: refused before git sees it.
    expect(() => publish({ projectDir: source, repo: `--upload-pack=touch ${marker};` })).toThrow(/the envs repo --upload-pack=.* does not exist/);
    // One that reads as user@host:path reaches git, after "--": a repository name, never an option.
    expect(() => publish({ projectDir: source, repo: `--upload-pack=touch@${path.basename(marker)}:x` })).toThrow(/cannot clone the envs repo/);
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('the ext:: transport, which runs a command named in the URL, is refused even when the user allowed it', () => {
    const source = exampleRepo();
    const marker = path.join(tempDir(), 'written-by-ext');
    const before = process.env.GIT_CONFIG_PARAMETERS;
    process.env.GIT_CONFIG_PARAMETERS = "'protocol.ext.allow'='always'";
    try {
      expect(() => publish({ projectDir: source, repo: `ext::sh -c touch% ${marker}` })).toThrow(/cannot clone the envs repo/);
    } finally {
      if (before === undefined) delete process.env.GIT_CONFIG_PARAMETERS;
      else process.env.GIT_CONFIG_PARAMETERS = before;
    }
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('a branch name that is also a file name in the envs repo is checked out as the branch', () => {
    const source = exampleRepo();
    const { remote, clone } = bareRemote();
    fs.writeFileSync(path.join(clone, 'release'), 'a file named like the branch\n');
    commitAll(clone, 'file');
    git(clone, ['push', '--quiet', 'origin', 'HEAD:refs/heads/main']);
    git(clone, ['branch', 'release']);
    readBranch(source, 'release');
    expect(publish({ projectDir: source, repo: clone, branch: 'release' })).toMatchObject({ committed: true, pushed: true });
    expect(git(remote, ['ls-tree', '--name-only', 'release']).split('\n')).toEqual(expect.arrayContaining(['dev', 'release']));
  });
});

describe('names read through git cat-file --batch (one request per line, never an argument)', () => {
  test('objectIds: the id of each name, undefined where it names nothing; an option-like name is a name; a line break is refused', () => {
    const repo = exampleRepo();
    const head = git(repo, ['rev-parse', 'HEAD']).trim();
    const environments = git(repo, ['rev-parse', 'HEAD:environments']).trim();
    expect(objectIds(repo, [`${head}^{commit}`, 'HEAD:environments', 'HEAD:no-such-folder', '--output=/tmp/x', `${'0'.repeat(40)}^{commit}`]))
      .toEqual([head, environments, undefined, undefined, undefined]);
    expect(() => objectIds(repo, ['HEAD:environments\nHEAD:tenants'])).toThrow(GitInputError);
  });

  test('readBlobsById: texts by blob id; anything but an object id is refused before git sees it', () => {
    const repo = exampleRepo();
    const blob = git(repo, ['rev-parse', 'HEAD:environments/dev.yaml']).trim();
    expect(readBlobsById(repo, [blob, 'f'.repeat(40)])).toEqual([fs.readFileSync(path.join(repo, 'environments/dev.yaml'), 'utf8'), undefined]);
    expect(() => readBlobsById(repo, ['HEAD:environments/dev.yaml'])).toThrow(/is not an object id/);
  });

  test('filesAt lists a folder\'s files with mode and id (a folder named like pathspec magic is that folder); readFiles reads them by id', () => {
    const repo = exampleRepo();
    fs.mkdirSync(path.join(repo, ':(glob)odd'));
    fs.writeFileSync(path.join(repo, ':(glob)odd/a.yaml'), 'a: 1\n');
    fs.symlinkSync('../environments/dev.yaml', path.join(repo, ':(glob)odd/link.yaml'));
    commitAll(repo, 'an odd folder');
    const files = filesAt(repo, 'HEAD', ':(glob)odd');
    expect([...files.keys()]).toEqual([':(glob)odd/a.yaml', ':(glob)odd/link.yaml']);
    expect(files.get(':(glob)odd/link.yaml')?.mode).toBe('120000');
    expect(readFiles(repo, files, [':(glob)odd/a.yaml', ':(glob)odd/link.yaml', ':(glob)odd/none.yaml']))
      .toEqual(new Map([[':(glob)odd/a.yaml', 'a: 1\n'], [':(glob)odd/link.yaml', '../environments/dev.yaml'], [':(glob)odd/none.yaml', undefined]]));
    expect(filesAt(repo, 'HEAD', 'environments').get('environments/dev.yaml')?.mode).toBe('100644');
    expect(() => filesAt(repo, '--output=/tmp/x', '')).toThrow(GitInputError);
  });
});
