import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { git } from '../lib/git/git';
import { audit, AuditResult, formatAudit, publish, setImage } from '../lib/cli';
import { synth } from '../lib';
import { commitAll, commitChange, makePublishedExample, snapshotOf } from './git-helpers';
import { cli, tempDir } from './helpers';

/** A source commit setting the gateway in dev to `version`. */
const bumpGateway = (source: string, version: string, message: string) =>
  commitChange(source, message, () => setImage({ projectDir: source, environment: 'dev', component: 'stoa-gateway', version }));

/** The example published once into a new envs remote through a clone (made once for this file, copied for each caller). */
const publishedExample = snapshotOf(makePublishedExample);

/** {@link publishedExample}, then a source commit bumping the gateway in dev to 1.9.1, not yet published. */
const bumped = snapshotOf((parent) => {
  const made = publishedExample.into(parent);
  bumpGateway(made.source, '1.9.1', 'bump gateway in dev');
  return made;
});

/** Published twice: the first publish, then a bump of the gateway in dev ({@link bumped}, published). */
const publishedTwice = snapshotOf((parent) => {
  const made = bumped.into(parent);
  publish({ projectDir: made.source, repo: made.clone });
  return made;
});

/** {@link publishedTwice}, then a source commit bumping the gateway in dev again, to 1.9.2, not yet published. */
const bumpedAgain = snapshotOf((parent) => {
  const made = publishedTwice.into(parent);
  bumpGateway(made.source, '1.9.2', 'bump gateway in dev again');
  return made;
});

const FILE = 'dev/tenants/acme/deployment-gateway.yaml';

/** A commit in the envs clone, pushed to its remote, as a person with push access would: `edit`, then a commit with `message`. */
function directPush(clone: string, message: string, edit: () => void, extra: string[] = []): string {
  edit();
  git(clone, ['add', '--all']);
  git(clone, [...extra, 'commit', '--quiet', '--allow-empty', '--file=-'], { input: message });
  git(clone, ['push', '--quiet', 'origin', 'HEAD:refs/heads/main']);
  return git(clone, ['rev-parse', 'HEAD']).trim();
}

const editFile = (clone: string) => () => fs.appendFileSync(path.join(clone, FILE), '# changed by hand\n');
const lastMessage = (clone: string) => git(clone, ['log', '-1', '--format=%B']);
const kinds = (r: AuditResult) => r.findings.map((f) => [f.commit, f.kind]);

describe('audit', () => {
  test('a clean history passes: every commit is what its source commit renders, each source rendered once', () => {
    const { source, remote } = publishedTwice();
    const r = audit({ projectDir: source, repo: remote });
    expect(r.findings).toEqual([]);
    expect(r).toMatchObject({ ok: true, truncated: false, signers: 0, rendered: 2, walked: 'branch main' });
    expect(r.commits).toHaveLength(2);
    expect(r.commits.every((c) => c.sourceCommit && c.findings === 0)).toBe(true);
    expect(audit({ projectDir: source, repo: remote, limit: 1 })).toMatchObject({ ok: true, truncated: true, rendered: 1 });
  });

  test('a direct push changing one file is found, naming the file and the commit; one without a source record too', () => {
    const { source, remote, clone } = publishedExample();
    // A push that copies the last publish's message (its Source-Commit) but changes a file.
    const forged = directPush(clone, lastMessage(clone), editFile(clone));
    const r1 = audit({ projectDir: source, repo: remote });
    expect(kinds(r1)).toEqual([[forged, 'differs']]);
    expect(r1.findings[0].files).toEqual([{ path: FILE, change: 'changed' }]);
    expect(r1.findings[0].message).toContain(forged.slice(0, 12));
    expect(r1.findings[0].message).toContain(FILE);

    const plain = directPush(clone, 'quick fix\n', () => fs.rmSync(path.join(clone, 'dev/tenants/acme'), { recursive: true }));
    const r2 = audit({ projectDir: source, repo: remote });
    expect(kinds(r2)).toEqual([[plain, 'no-source-record'], [forged, 'differs']]);
    expect(r2.findings[0].message).toMatch(/records no Source-Commit/);
    // One ref only.
    expect(kinds(audit({ projectDir: source, repo: remote, ref: forged }))).toEqual([[forged, 'differs']]);
  });

  test('a source commit the source repository does not have is found', () => {
    const { source, remote, clone } = publishedExample();
    const ghost = 'f'.repeat(40);
    const commit = directPush(clone, lastMessage(clone).replace(/^Source-Commit: .*$/m, `Source-Commit: ${ghost}`), () => undefined);
    const r = audit({ projectDir: source, repo: remote });
    expect(kinds(r)).toEqual([[commit, 'source-missing']]);
    expect(r.findings[0].message).toContain(`source commit ${ghost.slice(0, 12)} is not in the source repository`);
  });

  test('a source commit that is not on the published branch (a pull request\'s) is found, though it renders the same', () => {
    const { source, remote, clone } = publishedExample();
    git(source, ['checkout', '--quiet', '-b', 'feature']);
    fs.appendFileSync(path.join(source, 'README.md'), '\nA pull request.\n');
    commitAll(source, 'a pull request');
    const pr = git(source, ['rev-parse', 'HEAD']).trim();
    git(source, ['checkout', '--quiet', 'main']);
    const commit = directPush(clone, lastMessage(clone).replace(/^Source-Commit: .*$/m, `Source-Commit: ${pr}`), () => undefined);
    const r = audit({ projectDir: source, repo: remote });
    expect(kinds(r)).toEqual([[commit, 'source-not-published']]);
    expect(r.findings[0].message).toContain(`its source commit ${pr.slice(0, 12)} is not on main, the branch publish takes its commits from`);
    // Named as the published branch, it passes.
    expect(audit({ projectDir: source, repo: remote, sourceBranch: 'feature' }).ok).toBe(true);
  });

  test('going back to an older source commit is found unless the commit records Rollback:', () => {
    const { source, remote, clone, first } = publishedTwice();
    const firstMessage = git(clone, ['log', '-1', '--format=%B', first.commit!]);
    const restore = () => git(clone, ['checkout', first.commit!, '--', 'dev', 'staging', 'prod']);
    const back = directPush(clone, firstMessage, restore);
    const r = audit({ projectDir: source, repo: remote });
    expect(kinds(r)).toEqual([[back, 'backward']]);
    expect(r.findings[0].message).toMatch(/publishes source commit [0-9a-f]{12}, which does not come after [0-9a-f]{12} \(published by envs commit [0-9a-f]{12}\), and records no Rollback/);
    git(clone, ['reset', '--quiet', '--hard', 'HEAD~1']);
    git(clone, ['push', '--quiet', '--force', 'origin', 'HEAD:refs/heads/main']);
    directPush(clone, firstMessage.replace(/^(Source-Commit: .*)$/m, '$1\nRollback: the dev gateway bump broke logins'), restore);
    expect(audit({ projectDir: source, repo: remote }).findings).toEqual([]);
  });

  test('a revert that restores exactly an earlier publish passes, and says so; --since and --ref bound the walk', () => {
    const { source, remote, clone, first } = publishedTwice();
    const revert = directPush(clone, 'Revert the gateway bump\n', () => git(clone, ['revert', '--no-commit', 'HEAD']));
    const r = audit({ projectDir: source, repo: remote });
    expect(r.findings).toEqual([]);
    expect(r.commits[0]).toMatchObject({ commit: revert, findings: 0, note: `not a publish, but restores exactly what envs commit ${first.commit!.slice(0, 12)} published (source commit ${git(clone, ['log', '-1', '--format=%(trailers:key=Source-Commit,valueonly)', first.commit!]).trim().slice(0, 12)}), undoing the last publish` });
    expect(formatAudit(r)).toContain(`ok   ${revert.slice(0, 12)} Revert the gateway bump\n       not a publish, but restores exactly`);
    // Without the publish it restores among the audited commits, it is a push like any other.
    expect(kinds(audit({ projectDir: source, repo: remote, limit: 2 }))).toEqual([[revert, 'no-source-record']]);
    expect(audit({ projectDir: source, repo: remote, since: first.commit! }).commits.map((c) => c.commit)).toHaveLength(2);
    expect(audit({ projectDir: source, repo: remote, ref: 'main~1' })).toMatchObject({ truncated: false, commits: [{ findings: 0 }] });
    expect(() => audit({ projectDir: source, repo: remote, since: git(source, ['rev-parse', 'HEAD']).trim() })).toThrow(/--since "[0-9a-f]{40}" is not a commit of the envs repo's main/);
    expect(() => audit({ projectDir: source, repo: remote, since: 'main~1', ref: 'main' })).toThrow('--ref audits one commit and --since a range: give one of them');
  });

  test('a commit another stoa-manifests rendered passes when it is what its source commit committed', () => {
    const { source, remote, clone } = publishedExample();
    // What an older version rendered: one file differs from what this version renders, in the source commit's dist/ and in the envs commit alike.
    fs.appendFileSync(path.join(source, 'dist', FILE), '# rendered by an older version\n');
    commitAll(source, 'dist/ as stoa-manifests 0.0.1 rendered it');
    const old = git(source, ['rev-parse', 'HEAD']).trim();
    const message = lastMessage(clone).replace(/^Source-Commit: .*$/m, `Source-Commit: ${old}`);
    expect(message).toMatch(/^Rendered-With: stoa-manifests@\d+\.\d+\.\d+/m);
    const byOld = directPush(clone, message.replace(/^Rendered-With: .*$/m, 'Rendered-With: stoa-manifests@0.0.1'), () => fs.appendFileSync(path.join(clone, FILE), '# rendered by an older version\n'));
    const r = audit({ projectDir: source, repo: remote });
    expect(r.findings).toEqual([]);
    expect(r.commits[0]).toMatchObject({ commit: byOld, note: expect.stringMatching(/^rendered with stoa-manifests@0\.0\.1: exactly the output source commit [0-9a-f]{12} committed \(reviewed, and checked by CI\); stoa-manifests@\S+ cdk8s@\S+ cdk8s-plus-28@\S+ catalog@[0-9a-f]{12} renders 1 file of it differently$/) });
    // Claiming this version, the same files are a finding: this version renders them otherwise.
    git(clone, ['commit', '--quiet', '--amend', '--file=-'], { input: message });
    git(clone, ['push', '--quiet', '--force', 'origin', 'HEAD:refs/heads/main']);
    const r2 = audit({ projectDir: source, repo: remote });
    expect(kinds(r2)).toEqual([[git(clone, ['rev-parse', 'HEAD']).trim(), 'differs']]);
    expect(r2.findings[0].message).toContain('(they are what it committed: its output folder was not what its sources render with stoa-manifests@');
    // No Rendered-With: in a commit newer than one that has it, or a malformed one: no fallback either.
    for (const trailer of ['', 'Rendered-With: stoa-manifests@0.0.1\x1b[2K\n']) {
      git(clone, ['commit', '--quiet', '--amend', '--file=-'], { input: message.replace(/^Rendered-With: .*\n/m, trailer) });
      git(clone, ['push', '--quiet', '--force', 'origin', 'HEAD:refs/heads/main']);
      const r3 = audit({ projectDir: source, repo: remote });
      expect(kinds(r3)).toEqual([[git(clone, ['rev-parse', 'HEAD']).trim(), 'differs']]);
      expect(formatAudit(r3)).not.toContain('\x1b');
    }
  });

  test('a revert back over more than the last publish is a rollback: found unless it records Rollback:', () => {
    // Published twice, then a source commit bumping the gateway again (bumpedAgain), published.
    const { source, remote, clone, first } = bumpedAgain();
    publish({ projectDir: source, repo: clone });
    const restore = () => git(clone, ['checkout', first.commit!, '--', 'dev', 'staging', 'prod']);
    const back = directPush(clone, 'Restore the first release\n', restore);
    const r = audit({ projectDir: source, repo: remote });
    expect(kinds(r)).toEqual([[back, 'backward']]);
    expect(r.findings[0].message).toContain(`restores exactly what envs commit ${first.commit!.slice(0, 12)} published`);
    expect(r.findings[0].message).toContain('going back over 2 publishes, and records no Rollback:');
    git(clone, ['commit', '--quiet', '--amend', '--file=-'], { input: 'Restore the first release\n\nRollback: the 1.9.x gateways drop connections\n' });
    git(clone, ['push', '--quiet', '--force', 'origin', 'HEAD:refs/heads/main']);
    expect(audit({ projectDir: source, repo: remote }).findings).toEqual([]);
  });

  test('the text report escapes what a commit says, and warns when a local checkout is not its remote', () => {
    const { source, clone } = publishedExample();
    directPush(clone, 'fix\x1b[2J\x1b[1;1Hok   all clean\n', editFile(clone));
    git(clone, ['reset', '--quiet', '--hard', 'HEAD~1']);
    const text = formatAudit(audit({ projectDir: source, repo: clone }));
    expect(text).toContain('warning: the local branch main (');
    expect(text).toContain('is not origin/main (');
    git(clone, ['reset', '--quiet', '--hard', 'origin/main']);
    const report = formatAudit(audit({ projectDir: source, repo: clone }));
    expect(report).not.toContain('\x1b');
    expect(report).toContain('fix\\x1b[2J\\x1b[1;1Hok   all clean');
  });

  test('hostile refs, branches and limits are refused before any git call sees them', () => {
    const { source, remote } = publishedExample();
    expect(() => audit({ projectDir: source, repo: remote, ref: '--output=/tmp/x' })).toThrow(/is not a valid ref/);
    expect(() => audit({ projectDir: source, repo: remote, ref: 'main@{1}' })).toThrow(/is not a valid ref/);
    expect(() => audit({ projectDir: source, repo: remote, branch: '--upload-pack=x' })).toThrow(/is not a valid branch name/);
    expect(() => audit({ projectDir: source, repo: remote, limit: 0 })).toThrow(/from 1 to 1000/);
    expect(() => audit({ projectDir: source, repo: remote, ref: 'nope' })).toThrow(/does not name a commit/);
  });

  test('the CLI: exit 0 and JSON for a clean history, 1 with the findings, 2 for a bad option value, 3 when it cannot run; a URL is cloned', () => {
    const { source, remote, clone } = publishedExample();
    const ok = cli('audit', '--repo', `file://${remote}`, '--project', source, '--format', 'json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, findings: [], commits: [{ findings: 0 }] });

    const bad = directPush(clone, 'by hand\n', editFile(clone));
    const text = cli('audit', '--repo', remote, '--project', source);
    expect(text.code).toBe(1);
    expect(text.stderr).toContain(`FAIL ${bad.slice(0, 12)} by hand`);
    expect(text.stderr).toContain('no-source-record');
    const json = cli('audit', '--repo', remote, '--project', source, '--format', 'json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).findings).toEqual([expect.objectContaining({ commit: bad, kind: 'no-source-record' })]);

    expect(cli('audit', '--repo', remote, '--project', source, '--limit', 'many').code).toBe(2);
    const masked = cli('audit', '--repo', 'https://release:s3cret-token@127.0.0.1:1/envs.git', '--project', source);
    expect(masked.code).toBe(4);
    expect(masked.stderr).toContain('https://***@127.0.0.1:1/envs.git');
    expect(masked.stderr).not.toContain('s3cret');
    expect(cli('audit', '--repo', path.join(remote, 'nowhere'), '--project', source).code).toBe(3);
  });
});

describe('publish audits the envs head', () => {
  test('refuses over a direct push, naming the commit and the finding, and leaves the checkout as it was', () => {
    // Published once, then a source commit bumping the gateway in dev (bumped).
    const { source, remote, clone } = bumped();
    const bad = directPush(clone, lastMessage(clone), editFile(clone));
    expect(() => publish({ projectDir: source, repo: clone })).toThrow(new RegExp(
      `publish refused: the head of the envs repo's main, ${bad.slice(0, 12)} .*fails the audit: .*${FILE}.*git revert.*--override-audit "<reason>"`));
    expect(git(remote, ['rev-parse', 'main']).trim()).toBe(bad);
    expect(git(clone, ['rev-parse', 'HEAD']).trim()).toBe(bad);
    expect(git(clone, ['status', '--porcelain'])).toBe('');

    expect(() => publish({ projectDir: source, repo: clone, overrideAudit: 'x' })).toThrow(/--override-audit "x": must say why/);
    const r = publish({ projectDir: source, repo: clone, overrideAudit: 'the hand edit was an approved incident fix, kept' });
    expect(r.committed).toBe(true);
    const message = git(remote, ['log', '-1', '--format=%B', 'main']);
    expect(message).toContain(`AUDIT OVERRIDDEN for envs commit ${bad.slice(0, 12)} (--override-audit): the hand edit was an approved incident fix, kept`);
    expect(message).toContain('Audit-Override: the hand edit was an approved incident fix, kept');
    expect(message).toContain(`Audit-Override-Of: ${bad}`);
    // The head is a publish again: the next publish needs no flag, and refuses one.
    expect(() => publish({ projectDir: source, repo: clone, overrideAudit: 'not needed now' })).toThrow(/passes the audit: nothing to override/);
    expect(audit({ projectDir: source, repo: remote, ref: 'main' }).ok).toBe(true);
  });

  test('a revert of the last publish (back to the one before) is not a finding: the next publish builds on it', () => {
    // Published twice, then a source commit with a fixed gateway in dev (bumpedAgain).
    const { source, remote, clone } = bumpedAgain();
    directPush(clone, 'Revert the gateway bump: it drops connections\n', () => git(clone, ['revert', '--no-commit', 'HEAD']));
    expect(publish({ projectDir: source, repo: clone })).toMatchObject({ committed: true });
    expect(audit({ projectDir: source, repo: remote }).findings).toEqual([]);
  });

  test('a revert of the direct push puts the head back as published: publish proceeds', () => {
    // Published once, then a source commit bumping the gateway in dev (bumped).
    const { source, clone } = bumped();
    const bad = directPush(clone, 'by hand\n', editFile(clone));
    directPush(clone, 'revert the hand edit\n', () => git(clone, ['revert', '--no-commit', bad]));
    expect(publish({ projectDir: source, repo: clone })).toMatchObject({ committed: true });
  });
});

const sshKeygen = spawnSync('ssh-keygen', ['-?'], { encoding: 'utf8' });
const haveSshKeygen = !sshKeygen.error;
if (!haveSshKeygen) {
  // eslint-disable-next-line no-console
  console.warn('audit.test.ts: ssh-keygen is not installed, so the signing tests are skipped (they sign and verify with SSH keys made by ssh-keygen)');
}
const signing = haveSshKeygen ? describe : describe.skip;

/** A new ed25519 key pair: the private key's path and the public key line. */
function sshKey(dir: string, name: string): { file: string; pub: string } {
  const file = path.join(dir, name);
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${name}@stoa.example`, '-f', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  return { file, pub: fs.readFileSync(`${file}.pub`, 'utf8').trim() };
}

/** Names `signers` in every environment file of the project (`repo.signers`). */
function trust(projectDir: string, signers: { name: string; key: string }[]): void {
  for (const file of fs.readdirSync(path.join(projectDir, 'environments'))) {
    const full = path.join(projectDir, 'environments', file);
    const list = signers.map((s) => `    - name: ${s.name}\n      key: ${JSON.stringify(s.key)}\n`).join('');
    fs.writeFileSync(full, fs.readFileSync(full, 'utf8').replace(/^( {2}revision: .*\n)/m, `$1  signers:\n${list}`));
  }
}

signing('signed envs commits', () => {
  /** The example trusting key A, published once with A through a clone whose git signs with A; B is a key nobody trusts. */
  const signedExample = snapshotOf((parent) => {
    const a = sshKey(parent, 'release-key');
    const b = sshKey(parent, 'other-key');
    const source = path.join(parent, 'source');
    fs.cpSync(publishedExample().source, source, { recursive: true });
    trust(source, [{ name: 'release bot', key: a.pub }]);
    synth({ projectDir: source });
    commitAll(source, 'trust the release key');
    const remote = path.join(parent, 'envs.git');
    const clone = path.join(parent, 'envs');
    git(parent, ['init', '--quiet', '--bare', '--initial-branch=main', remote]);
    git(parent, ['clone', '--quiet', remote, clone]);
    git(clone, ['config', 'gpg.format', 'ssh']);
    git(clone, ['config', 'user.signingkey', a.file]);
    publish({ projectDir: source, repo: clone });
    return { source, remote, clone, a, b };
  });

  /** {@link signedExample}, then a source commit bumping the gateway in dev, not yet published. */
  const signedBumped = snapshotOf((parent) => {
    const made = signedExample.into(parent);
    bumpGateway(made.source, '1.9.1', 'bump gateway in dev');
    return made;
  });

  test('publish signs with the key git is configured with; audit verifies it', () => {
    const { source, remote } = signedExample();
    expect(git(remote, ['cat-file', 'commit', 'main'])).toContain('-----BEGIN SSH SIGNATURE-----');
    const r = audit({ projectDir: source, repo: remote });
    expect(r.findings).toEqual([]);
    expect(r).toMatchObject({ ok: true, signers: 1, commits: [{ signer: 'release bot', findings: 0 }] });
  });

  test('an unsigned commit and one signed by an untrusted key are reported', () => {
    // Published signed, then a source commit bumping the gateway in dev (signedBumped).
    const { source, remote, clone, b } = signedBumped();
    const unsigned = directPush(clone, lastMessage(clone), () => undefined, ['-c', 'user.signingkey=', '-c', 'commit.gpgsign=false']);
    const other = directPush(clone, lastMessage(clone), () => undefined, ['-c', `user.signingkey=${b.file}`, '-c', 'commit.gpgsign=true']);
    const r = audit({ projectDir: source, repo: remote });
    expect(kinds(r)).toEqual([[other, 'untrusted-signature'], [unsigned, 'unsigned']]);
    expect(r.findings[0].message).toMatch(/signed by a key no environment file trusts \(SHA256:/);
    // And publish will not build on the untrusted head.
    expect(() => publish({ projectDir: source, repo: clone })).toThrow(new RegExp(`${other.slice(0, 12)}.*signed by a key no environment file trusts`));
  });

  test("the envs repo's git config cannot replace the verifier", () => {
    const { source, remote, clone, b } = signedExample();
    const other = directPush(clone, lastMessage(clone), () => undefined, ['-c', `user.signingkey=${b.file}`, '-c', 'commit.gpgsign=true']);
    // A verifier that calls every signature good, set in the repository audit reads.
    const fake = path.join(tempDir(), 'fake-ssh-keygen');
    fs.writeFileSync(fake, '#!/bin/sh\necho \'Good "git" signature for k0 with ED25519 key SHA256:forged\' >&2\nexit 0\n', { mode: 0o755 });
    git(remote, ['config', 'gpg.ssh.program', fake]);
    expect(kinds(audit({ projectDir: source, repo: remote }))).toEqual([[other, 'untrusted-signature']]);
  });

  test('a commit must be signed by a key of every environment whose folder it changes', () => {
    const { source, remote, clone, b } = signedExample();
    // dev also trusts key B (read from the working tree: audit takes the trusted keys from the project as it is).
    const dev = path.join(source, 'environments/dev.yaml');
    fs.writeFileSync(dev, fs.readFileSync(dev, 'utf8').replace(/^( {2}signers:\n)/m, `$1    - name: dev team\n      key: ${JSON.stringify(fs.readFileSync(`${b.file}.pub`, 'utf8').trim())}\n`));
    const signB = ['-c', `user.signingkey=${b.file}`, '-c', 'commit.gpgsign=true'];
    const devOnly = directPush(clone, lastMessage(clone), editFile(clone), signB);
    const prodToo = directPush(clone, lastMessage(clone), () => fs.appendFileSync(path.join(clone, 'prod/tenants/acme/deployment-gateway.yaml'), '# by hand\n'), signB);
    const r = audit({ projectDir: source, repo: remote });
    expect(kinds(r)).toEqual([[prodToo, 'differs'], [prodToo, 'untrusted-signature'], [devOnly, 'differs']]);
    expect(r.findings[1].message).toMatch(/signed by dev team \(SHA256:\S+\), whom prod does not trust \(repo\.signers of environments\/prod\.yaml\)/);
    expect(r.commits.find((c) => c.commit === devOnly)?.signer).toBe('dev team');
  });

  test('publish refuses to push a commit its signers would not trust, and leaves the checkout as it was', () => {
    // Published signed, then a source commit bumping the gateway in dev (signedBumped).
    const { source, remote, clone, b } = signedBumped();
    const head = git(remote, ['rev-parse', 'main']).trim();
    git(clone, ['config', '--unset', 'user.signingkey']);
    expect(() => publish({ projectDir: source, repo: clone })).toThrow(/is not signed: git has no signing key configured/);
    git(clone, ['config', 'user.signingkey', b.file]);
    expect(() => publish({ projectDir: source, repo: clone })).toThrow(/signed by a key no environment file trusts/);
    expect(git(remote, ['rev-parse', 'main']).trim()).toBe(head);
    expect(git(clone, ['rev-parse', 'HEAD']).trim()).toBe(head);
    expect(git(clone, ['status', '--porcelain'])).toBe('');
  });

  test('repo.signers takes SSH public keys only: a private key or a malformed key is refused', () => {
    const dir = tempDir();
    const { file, pub } = sshKey(dir, 'k');
    const source = path.join(dir, 'source');
    fs.cpSync(publishedExample().source, source, { recursive: true });
    trust(source, [{ name: 'leaked', key: fs.readFileSync(file, 'utf8') }]);
    expect(() => synth({ projectDir: source })).toThrow(/is a private key: give the public key/);
    fs.rmSync(source, { recursive: true });
    fs.cpSync(publishedExample().source, source, { recursive: true });
    trust(source, [{ name: 'bad', key: pub.replace('ssh-ed25519', 'ssh-rsa') }]);
    expect(() => synth({ projectDir: source })).toThrow(/must be an SSH public key/);
  });
});
