import * as fs from 'fs';
import * as path from 'path';
import { git } from '../lib/git/git';
import { promote, publish, PublishOptions, removeTenant } from '../lib/cli';
import { bareRemote, commitAll, commitChange, exampleRepo, show, snapshotOf } from './git-helpers';
import { tempDir } from './helpers';

interface SourceWithRemote { source: string; sourceRemote: string; envs: string; envsRemote: string }

/** The example as a clone of a bare source remote (origin/HEAD set), plus a bare envs remote and its clone, in `parent`. */
function makeSourceWithRemote(parent: string): SourceWithRemote {
  const seed = exampleRepo();
  const sourceRemote = path.join(parent, 'source.git');
  git(parent, ['clone', '--quiet', '--bare', seed, sourceRemote]);
  const source = path.join(parent, 'source');
  git(parent, ['clone', '--quiet', sourceRemote, source]);
  const envsRemote = path.join(parent, 'envs.git');
  git(parent, ['init', '--quiet', '--bare', '--initial-branch=main', envsRemote]);
  git(parent, ['clone', '--quiet', envsRemote, path.join(parent, 'envs')]);
  return { source, sourceRemote, envs: path.join(parent, 'envs'), envsRemote };
}

/**
 * {@link makeSourceWithRemote}, copied from the one made for this file: each caller has
 * repositories of its own, with the same source history (the same commit ids) as the others.
 */
const sourceWithRemote = snapshotOf(makeSourceWithRemote);

/** {@link sourceWithRemote} (a copy, in `parent`), then its HEAD published into the envs checkout (pushed to the envs remote). */
function makePublishedOnce(parent: string): SourceWithRemote {
  const made = sourceWithRemote.into(parent);
  publish({ projectDir: made.source, repo: made.envs });
  return made;
}

/** {@link makePublishedOnce}, made once for this file and copied for each caller. */
const publishedOnce = snapshotOf(makePublishedOnce);

/** A source commit after the one published or checked out first: staging promoted from dev (with dist/), not pushed. */
function promoteDevToStaging(source: string): string {
  return commitChange(source, 'promote dev to staging', () => promote({ projectDir: source, from: 'dev', to: 'staging' }));
}

/**
 * {@link sourceWithRemote} with {@link promoteDevToStaging} committed on main, not pushed and
 * nothing published: `a` the commit origin/main has, `b` the promote (made once, copied for each caller).
 */
const promoted = snapshotOf((parent) => {
  const made = sourceWithRemote.into(parent);
  const a = git(made.source, ['rev-parse', 'HEAD']).trim();
  return { ...made, a, b: promoteDevToStaging(made.source) };
});

/**
 * {@link publishedOnce} (`a` published), then {@link promoteDevToStaging} (`b`) committed, not
 * pushed nor published (made once, copied for each caller).
 */
const promotedAfterPublish = snapshotOf((parent) => {
  const made = publishedOnce.into(parent);
  const a = git(made.source, ['rev-parse', 'HEAD']).trim();
  return { ...made, a, b: promoteDevToStaging(made.source) };
});

/** {@link promotedAfterPublish} with `b` pushed to the source remote (made once, copied for each caller). */
const pushedAfterPublish = snapshotOf((parent) => {
  const made = promotedAfterPublish.into(parent);
  git(made.source, ['push', '--quiet', 'origin', 'main']);
  return made;
});

function envsHead(remote: string): string {
  return git(remote, ['rev-parse', 'main']).trim();
}

/** Published A then B; the source checked out at A again (made once, copied for each test). */
const publishedTwice = snapshotOf((parent) => {
  const { source, envs, envsRemote, a, b } = pushedAfterPublish.into(parent);
  publish({ projectDir: source, repo: envs });
  git(source, ['checkout', '--quiet', a]);
  return { source, envs, envsRemote, a, b };
});

describe('publish takes only commits of the published branch', () => {
  test('an unpushed commit is refused until it is on origin/main; the envs repo is untouched', () => {
    // Published, then a commit made and not pushed (promotedAfterPublish).
    const { source, envs, envsRemote, b: commit } = promotedAfterPublish();
    const before = envsHead(envsRemote);
    expect(() => publish({ projectDir: source, repo: envs }))
      .toThrow(new RegExp(`the source commit ${commit.slice(0, 12)} is not on origin/main, the branch publish takes its commits from: merge it there and push first`));
    expect(envsHead(envsRemote)).toBe(before);
    expect(git(envs, ['status', '--porcelain'])).toBe('');

    git(source, ['push', '--quiet', 'origin', 'main']);
    expect(publish({ projectDir: source, repo: envs })).toMatchObject({ committed: true, direction: 'forward' });
  });

  test('a commit of another branch is refused, and accepted when that branch is named as the published one', () => {
    // The promote (promoted: committed on main, not pushed) made a commit of a release branch; main is back at origin/main.
    const { source, envs } = promoted();
    git(source, ['checkout', '--quiet', '-b', 'release']);
    git(source, ['branch', '--quiet', '--force', 'main', 'origin/main']);
    git(source, ['push', '--quiet', 'origin', 'release']);
    expect(() => publish({ projectDir: source, repo: envs })).toThrow(/is not on origin\/main/);
    expect(publish({ projectDir: source, repo: envs, sourceBranch: 'release' })).toMatchObject({ committed: true });
  });

  test('a --source-branch git refuses is refused before any git call', () => {
    const { source, envs } = sourceWithRemote();
    expect(() => publish({ projectDir: source, repo: envs, sourceBranch: '--upload-pack=touch /tmp/x' })).toThrow(/--upload-pack/);
    expect(() => publish({ projectDir: source, repo: envs, sourceBranch: 'a..b' })).toThrow(/a\.\.b/);
  });

  test('without a remote the published branch is the local main', () => {
    const source = exampleRepo();
    const { clone } = bareRemote();
    git(source, ['checkout', '--quiet', '-b', 'topic']);
    const commit = commitChange(source, 'topic', () => promote({ projectDir: source, from: 'dev', to: 'staging' }));
    expect(() => publish({ projectDir: source, repo: clone })).toThrow(new RegExp(`${commit.slice(0, 12)} is not on main`));
  });
});

describe('publish goes only forward', () => {
  test('an older source commit is refused, naming the last published one and the way out', () => {
    const { source, envs, envsRemote, a, b } = publishedTwice();
    const before = envsHead(envsRemote);
    expect(() => publish({ projectDir: source, repo: envs })).toThrow(new RegExp(
      `the source commit ${a.slice(0, 12)} is older than the last published source commit ${b.slice(0, 12)} \\(its ancestor\\): publishing it would roll the environments back .*--rollback "<reason>"`));
    expect(envsHead(envsRemote)).toBe(before);
    expect(git(envs, ['rev-parse', 'HEAD']).trim()).toBe(before);
  });

  test('--rollback publishes it and the envs commit records why and from where', () => {
    const { source, envs, envsRemote, a, b } = publishedTwice();
    const result = publish({ projectDir: source, repo: envs, rollback: 'gateway 1.9.0 drops connections in staging' });
    expect(result).toMatchObject({ committed: true, direction: 'backward' });
    const message = git(envsRemote, ['log', '-1', '--format=%B', 'main']);
    expect(message).toMatch(new RegExp(`^Roll back ${a.slice(0, 12)} to staging`));
    expect(message).toContain(`ROLLBACK from ${b.slice(0, 12)}: gateway 1.9.0 drops connections in staging`);
    expect(message).toContain('Rollback: gateway 1.9.0 drops connections in staging');
    expect(message).toContain(`Rollback-From: ${b}`);
    expect(message).toContain(`Source-Commit: ${a}`);
    // After the rollback, the rolled-back commit is the last published one: going forward again needs no flag.
    git(source, ['checkout', '--quiet', 'main']);
    expect(publish({ projectDir: source, repo: envs })).toMatchObject({ committed: true, direction: 'forward' });
  });

  test('--rollback on a forward publish is refused: nothing would be rolled back', () => {
    // A published, then the forward commit b pushed (pushedAfterPublish).
    const { source, envs } = pushedAfterPublish();
    expect(() => publish({ projectDir: source, repo: envs, rollback: 'just in case' })).toThrow(/--rollback was given, but the source commit [0-9a-f]{12} comes after the last published one .*leave --rollback out/);
  });

  test('a rollback reason must be one line of words', () => {
    const { source, envs } = sourceWithRemote();
    expect(() => publish({ projectDir: source, repo: envs, rollback: 'a\nSource-Commit: 0000' })).toThrow(/--rollback .*control characters/s);
    expect(() => publish({ projectDir: source, repo: envs, rollback: ' ' })).toThrow(/must say why/);
  });

  test('a source commit unrelated to the last published one is refused without --rollback', () => {
    const { envs } = sourceWithRemote();
    const other = sourceWithRemote();
    // Its own commit: two copies of the example made in the same second share their commit ids.
    git(other.source, ['-c', 'user.name=other', '-c', 'user.email=other@stoa.example', 'commit', '--quiet', '--allow-empty', '-m', 'another history']);
    git(other.source, ['push', '--quiet', 'origin', 'main']);
    publish({ projectDir: other.source, repo: envs });
    const { source } = sourceWithRemote();
    // The same example, but another repository's history: the last Source-Commit is not in it.
    expect(() => publish({ projectDir: source, repo: envs })).toThrow(/does not come after the last published source commit [0-9a-f]{12} \(which this repository does not have\)/);
  });

  test('a shallow source clone without the last published commit is asked for its history', () => {
    // A published, then the next commit b pushed (pushedAfterPublish): a depth-1 clone has b only.
    const { sourceRemote, envs } = pushedAfterPublish();
    const shallow = path.join(tempDir('stoa-shallow-'), 'source');
    git(path.dirname(shallow), ['clone', '--quiet', '--depth=1', `file://${sourceRemote}`, shallow]);
    expect(() => publish({ projectDir: shallow, repo: envs })).toThrow(/shallow clone without it\. Fetch the full history .*fetch-depth: 0/);
  });
});

describe('publish guards read-only environments', () => {
  /** prod at stoa-portal 1.4.0 and with initech, published (made once, copied for each test). */
  const prodPublished = snapshotOf((parent) => {
    // Staging promoted from dev (promoted), then prod from staging.
    const { source, envs, envsRemote } = promoted.into(parent);
    commitChange(source, 'prod', () => promote({ projectDir: source, from: 'staging', to: 'prod' }));
    git(source, ['push', '--quiet', 'origin', 'main']);
    publish({ projectDir: source, repo: envs });
    return { source, envs, envsRemote };
  });

  test('a prod downgrade (a rollback) needs --allow-downgrade and is listed in the message', () => {
    const { source, envs, envsRemote } = prodPublished();
    git(source, ['checkout', '--quiet', 'HEAD~1']);
    const options: PublishOptions = { projectDir: source, repo: envs, rollback: 'portal 1.4.0 breaks logins' };
    const before = envsHead(envsRemote);
    // Every problem at once, one per line, each with the flag that allows it.
    expect(() => publish(options)).toThrow(/^publish refused \(2 problems; fix each, or allow it on purpose with the flag it names\):\n {2}a read-only environment: it downgrades prod control-plane-api 2\.5\.0 -> 2\.4\.1, prod control-plane-ui 2\.5\.0 -> 2\.4\.1, prod stoa-gateway 1\.9\.0 -> 1\.8\.2, prod stoa-portal 1\.4\.0 -> 1\.3\.2: if that is meant, pass --allow-downgrade\n {2}a read-only environment: it removes tenants prod globex, prod initech .*: if that is meant, pass --allow-prod-removal$/);
    expect(envsHead(envsRemote)).toBe(before);
    expect(git(envs, ['status', '--porcelain'])).toBe('');
    expect(git(envs, ['rev-parse', 'HEAD']).trim()).toBe(before);

    publish({ ...options, allowDowngrade: true, allowProdRemoval: true });
    const message = git(envsRemote, ['log', '-1', '--format=%B', 'main']);
    expect(message).toContain('DOWNGRADES in read-only environments (--allow-downgrade): prod control-plane-api 2.5.0 -> 2.4.1, prod control-plane-ui 2.5.0 -> 2.4.1, prod stoa-gateway 1.9.0 -> 1.8.2, prod stoa-portal 1.4.0 -> 1.3.2');
    expect(message).toContain('TENANTS REMOVED from read-only environments (--allow-prod-removal): prod globex, prod initech');
    expect(show(envsRemote, 'main', 'prod/platform/stoa-portal/deployment-stoa-portal.yaml')).toContain(':1.3.2');
  });

  test('removing a tenant from prod needs --allow-prod-removal, and the message names it', () => {
    const { source, envs, envsRemote } = prodPublished();
    commitChange(source, 'remove globex from prod', () => removeTenant({ projectDir: source, name: 'globex', environments: ['prod'], allowProdRemoval: true }));
    git(source, ['push', '--quiet', 'origin', 'main']);
    expect(() => publish({ projectDir: source, repo: envs })).toThrow(/it removes tenant prod globex \(their gateways go once a person deletes their Applications; their namespaces are kept\): if that is meant, pass --allow-prod-removal/);
    expect(fs.existsSync(path.join(envs, 'prod/tenants/globex'))).toBe(true);

    expect(publish({ projectDir: source, repo: envs, allowProdRemoval: true })).toMatchObject({ committed: true });
    const message = git(envsRemote, ['log', '-1', '--format=%B', 'main']);
    expect(message).toContain('TENANTS REMOVED from read-only environments (--allow-prod-removal): prod globex');
    expect(message).toContain('  tenants removed: globex');
  });

  test('a downgrade in dev needs no flag', () => {
    const { source, envs } = prodPublished();
    commitChange(source, 'dev back', () => fs.writeFileSync(path.join(source, 'environments/dev.yaml'),
      fs.readFileSync(path.join(source, 'environments/dev.yaml'), 'utf8').replace('stoa-gateway: 1.9.0', 'stoa-gateway: 1.8.9')));
    git(source, ['push', '--quiet', 'origin', 'main']);
    const result = publish({ projectDir: source, repo: envs });
    expect(result.environments.find((e) => e.environment === 'dev')?.versions).toEqual([{ component: 'stoa-gateway', from: '1.9.0', to: '1.8.9' }]);
  });
});

describe('publish trusts only what it can check', () => {
  test('the published branch is asked of the remote: a commit a force-push dropped, or a hand-set origin/main, is refused', () => {
    // The commit b (promoted: committed, not pushed yet) is pushed, then force-pushed away.
    const { source, envs, b: dropped } = promoted();
    git(source, ['push', '--quiet', 'origin', 'main']);
    git(source, ['push', '--quiet', '--force', 'origin', 'HEAD~1:main']);
    // The local origin/main still says the commit is there; the remote does not.
    expect(() => publish({ projectDir: source, repo: envs })).toThrow(new RegExp(`${dropped.slice(0, 12)} is not on origin/main`));
    git(source, ['update-ref', 'refs/remotes/origin/main', 'HEAD']);
    expect(() => publish({ projectDir: source, repo: envs })).toThrow(/is not on origin\/main/);
  });

  test('the envs commit records the branch the source commit was checked to be on', () => {
    // The publish of the source's HEAD into envs, made once (publishedOnce).
    const { envsRemote } = publishedOnce();
    expect(git(envsRemote, ['log', '-1', '--format=%B', 'main'])).toContain('Source-Branch: origin/main');
  });

  test('a "Source-Commit:" line in some other envs commit is not taken for the last publish', () => {
    // Published the old commit, then a forward one (publishedTwice: a, then b; the source is at a again).
    const { source, envs, envsRemote, a: old } = publishedTwice();
    // Someone commits to the envs repo with the old commit in the body.
    git(envs, ['commit', '--quiet', '--allow-empty', '-m', `docs: notes\n\nSource-Commit: ${old}`]);
    git(envs, ['push', '--quiet', 'origin', 'main']);
    git(source, ['checkout', '--quiet', old]);
    expect(() => publish({ projectDir: source, repo: envsRemote })).toThrow(/is older than the last published source commit/);
  });

  test('an envs checkout with commits its remote lacks is refused, not pushed along', () => {
    // A published, then the forward commit b pushed (pushedAfterPublish); the envs checkout gets a commit of its own.
    const { source, envs, envsRemote } = pushedAfterPublish();
    fs.writeFileSync(path.join(envs, 'extra.txt'), 'local tweak\n');
    commitAll(envs, 'local tweak');
    const remoteBefore = envsHead(envsRemote);
    expect(() => publish({ projectDir: source, repo: envs })).toThrow(/the envs checkout's main has 1 commit that origin\/main does not: publish would push it along unseen/);
    expect(envsHead(envsRemote)).toBe(remoteBefore);
  });

  test('a branch no environment reads is refused', () => {
    const { source, envs } = sourceWithRemote();
    expect(() => publish({ projectDir: source, repo: envs, branch: 'release' }))
      .toThrow('--branch release is not what Argo CD reads: dev reads main, staging reads main, prod reads main (repo.revision in its environment file); publish to that branch');
  });
});

test('only plain x.y.z versions are ordered: suffixes, commit tags and digests are never called downgrades', () => {
  const { isDowngrade } = require('../lib/workflow/publish-guard');
  const d = (from: string, to: string) => isDowngrade({ component: 'c', from, to });
  expect(d('1.10.0', '1.9.0')).toBe(true);
  expect(d('v1.9.0', 'v1.8.2')).toBe(true);
  expect(d('1.9.0', '1.10.0')).toBe(false);
  expect(d('1.9.0', '1.9.0-hotfix1')).toBe(false);
  expect(d('1.8.2-hotfix.1', '1.8.2')).toBe(false);
  expect(d('1.9.0', 'a1b2c3d')).toBe(false);
  expect(d('9f3e2a1', '1.2.3')).toBe(false);
  expect(d(`sha256:${'a'.repeat(64)}`, '1.0.0')).toBe(false);
});
