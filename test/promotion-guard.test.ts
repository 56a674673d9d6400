import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { checkPromotions, checkPromotionsCommand, formatPromotionCheck, promote, setImage } from '../lib/cli';
import { git } from '../lib/git/git';
import { projectOf } from '../lib/project/project';
import { environmentGuards } from '../lib/workflow/promotion-check';
import { loadEnvironments, synth } from '../lib';
import { commitAll, exampleRepo, read } from './git-helpers';

const envsOf = (repo: string) => loadEnvironments({ environmentsDir: path.join(repo, 'environments'), displayRoot: repo });

/** An Output that keeps what a command prints. */
function captured() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) }, out, err };
}

/** The example with dev at gateway 1.9.1, committed. */
function devAhead(): string {
  const repo = exampleRepo();
  setImage({ projectDir: repo, environment: 'dev', component: 'stoa-gateway', version: '1.9.1' });
  commitAll(repo, 'dev gets gateway 1.9.1');
  return repo;
}

describe('check-promotions: a version reaches an environment only after its source ran it in an earlier commit', () => {
  test('promote dev staging and promote staging prod in one commit fail, naming the commit', () => {
    const repo = devAhead();
    promote({ projectDir: repo, from: 'dev', to: 'staging' });
    commitAll(repo, 'staging');
    // The usual mistake: promote twice, commit once (here prod's step is forced by editing the file).
    fs.writeFileSync(path.join(repo, 'environments/dev.yaml'), read(repo, 'environments/dev.yaml').replace('control-plane-api: 2.5.0', 'control-plane-api: 2.5.1'));
    fs.writeFileSync(path.join(repo, 'environments/staging.yaml'), read(repo, 'environments/staging.yaml').replace('control-plane-api: 2.5.0', 'control-plane-api: 2.5.1'));
    const both = commitAll(repo, 'dev and staging at once');
    const check = checkPromotions({ projectDir: repo });
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual([{ environment: 'staging', source: 'dev', component: 'control-plane-api', version: '2.5.1', reason: 'not-earlier', commit: both }]);
    expect(formatPromotionCheck(check, envsOf(repo))).toContain(
      `staging: control-plane-api 2.5.1 was not in dev in any commit before the one that brought it here (commit ${both.slice(0, 12)}), so dev never ran it first; leave staging out of this commit: commit dev's change alone, then run promote dev staging in a later commit (a fix that cannot wait for dev: stoa-manifests set-image control-plane-api 2.5.1 --env staging --hotfix "<reason>")`);
  });

  test('the same two promotions in two commits pass', () => {
    const repo = devAhead();
    promote({ projectDir: repo, from: 'dev', to: 'staging' });
    commitAll(repo, 'staging');
    promote({ projectDir: repo, from: 'staging', to: 'prod' });
    commitAll(repo, 'prod');
    expect(checkPromotions({ projectDir: repo })).toEqual({ ok: true, problems: [], hotfixes: [], downgrades: [] });
  });

  test('an uncommitted prod change passes only if staging had the version in HEAD or before', () => {
    const repo = devAhead();
    promote({ projectDir: repo, from: 'dev', to: 'staging' });
    expect(checkPromotions({ projectDir: repo }).ok).toBe(true); // staging's change is uncommitted, dev had it in HEAD
    // prod cannot be promoted from an uncommitted staging: promote refuses at once.
    expect(() => promote({ projectDir: repo, from: 'staging', to: 'prod' }))
      .toThrow(/^cannot promote staging -> prod \(3 problems\):\n {2}environments\/staging\.yaml:\d+: components\.stoa-gateway: 1\.9\.1 is not committed in staging yet: prod may only take a version staging had in an earlier commit \(staging's last commit has 1\.8\.2\)\. Commit environments\/staging\.yaml first, then promote staging prod\n.*control-plane-api: 2\.5\.0 is not committed in staging yet.*\n.*control-plane-ui: 2\.5\.0 is not committed in staging yet/);
    // Forced by hand, check-promotions catches it.
    fs.writeFileSync(path.join(repo, 'environments/prod.yaml'), read(repo, 'environments/prod.yaml').replace('stoa-gateway: 1.8.2', 'stoa-gateway: 1.9.1'));
    expect(checkPromotions({ projectDir: repo }).problems).toEqual([
      { environment: 'prod', source: 'staging', component: 'stoa-gateway', version: '1.9.1', reason: 'not-earlier' },
    ]);
  });

  test('a version the source never had fails, and the CLI exits 1 with the way to do it', () => {
    const repo = exampleRepo();
    fs.writeFileSync(path.join(repo, 'environments/prod.yaml'), read(repo, 'environments/prod.yaml').replace('stoa-gateway: 1.8.2', 'stoa-gateway: 9.9.9'));
    const { io, err } = captured();
    expect(checkPromotionsCommand({ project: repo }, io)).toBe(1);
    // prod is read-only: no hotfix advice of its own, the fix goes through staging.
    expect(err.join('\n')).toContain('prod: stoa-gateway 9.9.9 was never in staging; bring it to staging first (by promotion, or a hotfix there), commit, then run promote staging prod in a later commit');
    expect(err.join('\n')).not.toMatch(/--env prod --hotfix/);
  });

  test('an environment file\'s first versions are its baseline; a later edit is not', () => {
    const repo = exampleRepo();
    expect(checkPromotions({ projectDir: repo }).ok).toBe(true); // one commit: every file is new
  });
});

describe('the hotfix path: set-image --env staging --hotfix, then promote staging prod in a later commit', () => {
  test('set-image records the hotfix; check-promotions accepts it and says so; prod takes it one commit later', () => {
    const repo = exampleRepo();
    const result = setImage({ projectDir: repo, environment: 'staging', component: 'stoa-gateway', version: '1.8.3', hotfix: 'CVE-2026-1234 in the TLS stack' });
    expect(result).toMatchObject({ environment: 'staging', from: '1.8.2', to: '1.8.3', changed: true, hotfix: 'CVE-2026-1234 in the TLS stack' });
    const staging = parse(read(repo, 'environments/staging.yaml'));
    expect(staging.components['stoa-gateway']).toBe('1.8.3');
    expect(staging.hotfixes).toEqual({ 'stoa-gateway': { version: '1.8.3', reason: 'CVE-2026-1234 in the TLS stack' } });
    expect(read(repo, 'environments/staging.yaml')).toContain('# Staging: pre-production validation');

    const check = checkPromotions({ projectDir: repo });
    expect(check).toEqual({ ok: true, problems: [], hotfixes: [{ environment: 'staging', component: 'stoa-gateway', version: '1.8.3', reason: 'CVE-2026-1234 in the TLS stack' }], downgrades: [] });
    expect(formatPromotionCheck(check)).toContain('hotfix accepted: staging stoa-gateway 1.8.3 (CVE-2026-1234 in the TLS stack)');

    synth({ projectDir: repo });
    commitAll(repo, 'hotfix staging');
    promote({ projectDir: repo, from: 'staging', to: 'prod', tenants: false });
    commitAll(repo, 'prod takes the hotfix');
    expect(parse(read(repo, 'environments/prod.yaml')).components['stoa-gateway']).toBe('1.8.3');
    expect(checkPromotions({ projectDir: repo }).ok).toBe(true);
  });

  test('prod never takes --hotfix, dev does not need it, staging needs it', () => {
    const repo = exampleRepo();
    expect(() => setImage({ projectDir: repo, environment: 'prod', component: 'stoa-gateway', version: '1.8.3', hotfix: 'urgent fix' }))
      .toThrow(/prod is read-only: its versions change only by promotion\. Bring the version to staging first \(.*a fix that cannot wait: stoa-manifests set-image stoa-gateway 1\.8\.3 --env staging --hotfix "<reason>"\)/);
    expect(() => setImage({ projectDir: repo, environment: 'dev', component: 'stoa-gateway', version: '1.8.3', hotfix: 'urgent fix' }))
      .toThrow(/--hotfix is for an environment promoted from another; dev takes versions directly/);
    expect(() => setImage({ projectDir: repo, environment: 'staging', component: 'stoa-gateway', version: '1.8.3' }))
      .toThrow('staging takes its versions from dev by promotion: stoa-manifests set-image stoa-gateway 1.8.3 --env dev, commit, then stoa-manifests promote dev staging in a later commit. A fix that cannot wait for dev: add --hotfix "<reason>"');
    expect(() => setImage({ projectDir: repo, environment: 'staging', component: 'stoa-gateway', version: '1.8.3', hotfix: 'x\u202ey' }))
      .toThrow(/--hotfix .*control characters/);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
  });

  test('promoting dev over a hotfix it does not have yet is refused; once dev has the fix or later, the record ends', () => {
    const repo = exampleRepo();
    setImage({ projectDir: repo, environment: 'staging', component: 'stoa-gateway', version: '1.9.5', hotfix: 'memory leak' });
    commitAll(repo, 'hotfix');
    expect(() => promote({ projectDir: repo, from: 'dev', to: 'staging' }))
      .toThrow(/promoting dev -> staging would take back staging's hotfix: stoa-gateway 1\.9\.5 \(memory leak; dev has 1\.9\.0\)\. Bring the fix to dev first/);

    setImage({ projectDir: repo, environment: 'dev', component: 'stoa-gateway', version: '1.9.6' });
    commitAll(repo, 'dev has the fix and more');
    const result = promote({ projectDir: repo, from: 'dev', to: 'staging' });
    expect(result.hotfixesEnded).toEqual(['stoa-gateway']);
    const staging = parse(read(repo, 'environments/staging.yaml'));
    expect(staging.hotfixes).toBeUndefined();
    expect(staging.components['stoa-gateway']).toBe('1.9.6');
  });

  test('a hotfix tag with a suffix ends only when the source has the very same tag', () => {
    const repo = exampleRepo();
    setImage({ projectDir: repo, environment: 'staging', component: 'stoa-gateway', version: '1.8.2-hotfix.1', hotfix: 'CVE fix on 1.8.2' });
    commitAll(repo, 'hotfix');
    setImage({ projectDir: repo, environment: 'dev', component: 'stoa-gateway', version: '1.8.2' });
    commitAll(repo, 'dev at 1.8.2, without the fix');
    expect(() => promote({ projectDir: repo, from: 'dev', to: 'staging' })).toThrow(/would take back staging's hotfix: stoa-gateway 1\.8\.2-hotfix\.1/);
  });

  test('a hand-edited hotfix record that names another version is refused when the file is read', () => {
    const repo = exampleRepo();
    fs.appendFileSync(path.join(repo, 'environments/staging.yaml'), 'hotfixes:\n  stoa-gateway:\n    version: 1.8.9\n    reason: pretend\n');
    expect(() => checkPromotions({ projectDir: repo })).toThrow(/environments\/staging\.yaml:\d+: hotfixes\.stoa-gateway\.version: is 1\.8\.9 but components\.stoa-gateway is 1\.8\.2/);
    fs.writeFileSync(path.join(repo, 'environments/prod.yaml'), `${read(repo, 'environments/prod.yaml')}hotfixes:\n  stoa-gateway:\n    version: 1.8.2\n    reason: sneaky\n`);
    expect(() => checkPromotions({ projectDir: repo })).toThrow(/prod\.yaml:\d+: hotfixes\.stoa-gateway: is not allowed in a read-only environment/);
  });
});

describe('a downgrade of a read-only environment is found in the pull request', () => {
  test('a lower version that reaches prod by the hotfix path fails check-promotions until the commit says it is meant', () => {
    const repo = exampleRepo();
    setImage({ projectDir: repo, environment: 'staging', component: 'stoa-gateway', version: '1.8.1', hotfix: '1.8.2 leaks connections' });
    commitAll(repo, 'hotfix staging: gateway back to 1.8.1');
    // staging (never read-only) may go down; nothing to say yet.
    expect(checkPromotions({ projectDir: repo })).toMatchObject({ ok: true, problems: [], downgrades: [] });
    // The pull request's branch: main (without a remote, the published branch) does not have it yet.
    git(repo, ['checkout', '--quiet', '-b', 'rollback-prod']);
    promote({ projectDir: repo, from: 'staging', to: 'prod', tenants: false });
    // Before the commit: the working tree's change, found already.
    expect(checkPromotions({ projectDir: repo }).downgrades).toEqual([{ environment: 'prod', component: 'stoa-gateway', from: '1.8.2', to: '1.8.1', acknowledged: false }]);
    const commit = commitAll(repo, 'promote the rollback to prod');
    const check = checkPromotions({ projectDir: repo });
    expect(check).toMatchObject({ ok: false, problems: [], downgrades: [{ environment: 'prod', component: 'stoa-gateway', from: '1.8.2', to: '1.8.1', commit, acknowledged: false }] });
    expect(formatPromotionCheck(check)).toBe(`1 downgrade in a read-only environment, which publish refuses without --allow-downgrade:\n  prod: stoa-gateway 1.8.2 -> 1.8.1 (commit ${commit.slice(0, 12)}); if it is meant (a rollback), add the line "Allow-Downgrade: prod/stoa-gateway" to the message of the commit that brings it, and publish with --allow-downgrade\n  hotfix accepted: staging stoa-gateway 1.8.1 (1.8.2 leaks connections)`);
    expect(checkPromotionsCommand({ project: repo }, { out: () => undefined, err: () => undefined })).toBe(1);
    git(repo, ['commit', '--quiet', '--amend', '-m', 'promote the rollback to prod\n\nAllow-Downgrade: prod/stoa-gateway']);
    const after = checkPromotions({ projectDir: repo });
    expect(after).toMatchObject({ ok: true, downgrades: [{ component: 'stoa-gateway', acknowledged: true }] });
    expect(formatPromotionCheck(after)).toContain('downgrade acknowledged (Allow-Downgrade): prod stoa-gateway 1.8.2 -> 1.8.1; publish it with --allow-downgrade');
    // Once on the published branch, it is history: publish refuses it without --allow-downgrade, check-promotions no longer asks.
    git(repo, ['commit', '--quiet', '--amend', '-m', 'promote the rollback to prod']);
    git(repo, ['checkout', '--quiet', 'main']);
    git(repo, ['merge', '--quiet', '--ff-only', 'rollback-prod']);
    expect(checkPromotions({ projectDir: repo })).toMatchObject({ ok: true, downgrades: [] });
  });
});

describe('downgrades behind a merge, and under a later step up', () => {
  const downTo = (repo: string, version: string, message: string) => {
    fs.writeFileSync(path.join(repo, 'environments/prod.yaml'), read(repo, 'environments/prod.yaml').replace(/stoa-gateway: [\d.]+/, `stoa-gateway: ${version}`));
    return commitAll(repo, message);
  };

  test('the trailer on a commit that a merge brings in counts (GitHub\'s refs/pull/N/merge, a merge commit)', () => {
    const repo = exampleRepo();
    git(repo, ['checkout', '--quiet', '-b', 'fix']);
    downTo(repo, '1.8.1', 'prod back to 1.8.1\n\nAllow-Downgrade: prod/stoa-gateway');
    git(repo, ['checkout', '--quiet', '-b', 'pull-7-merge', 'main']);
    git(repo, ['merge', '--quiet', '--no-ff', '-m', 'Merge pull request #7', 'fix']);
    expect(checkPromotions({ projectDir: repo }).downgrades).toEqual([expect.objectContaining({ from: '1.8.2', to: '1.8.1', acknowledged: true })]);
  });

  test('a step up after an unacknowledged step down does not hide it; a trailer on any step of the way covers it', () => {
    const repo = exampleRepo();
    git(repo, ['checkout', '--quiet', '-b', 'pr']);
    const down = downTo(repo, '1.7.0', 'prod down');
    downTo(repo, '1.8.0', 'prod up a little');
    expect(checkPromotions({ projectDir: repo }).downgrades).toEqual([{ environment: 'prod', component: 'stoa-gateway', from: '1.8.2', to: '1.8.0', commit: down, acknowledged: false }]);
    git(repo, ['commit', '--quiet', '--amend', '-m', 'prod up a little\n\nAllow-Downgrade: prod/stoa-gateway']);
    expect(checkPromotions({ projectDir: repo }).downgrades).toEqual([expect.objectContaining({ from: '1.8.2', to: '1.8.0', acknowledged: true })]);
  });
});

describe('guard rails an edit of the environment file cannot take away', () => {
  const edit = (repo: string, file: string, from: string | RegExp, to: string) =>
    fs.writeFileSync(path.join(repo, file), read(repo, file).replace(from, to));

  test('deleting and re-creating prod.yaml starts no new baseline', () => {
    const repo = exampleRepo();
    const text = read(repo, 'environments/prod.yaml');
    fs.rmSync(path.join(repo, 'environments/prod.yaml'));
    commitAll(repo, 'drop prod');
    fs.writeFileSync(path.join(repo, 'environments/prod.yaml'), text.replace('stoa-gateway: 1.8.2', 'stoa-gateway: 6.6.6'));
    const again = commitAll(repo, 'prod is back');
    // Every version of the re-created file is checked: 6.6.6, and 1.3.2, which staging never had in this history either.
    expect(checkPromotions({ projectDir: repo }).problems).toEqual([
      { environment: 'prod', source: 'staging', component: 'stoa-gateway', version: '6.6.6', reason: 'never-in-source', commit: again },
      { environment: 'prod', source: 'staging', component: 'stoa-portal', version: '1.3.2', reason: 'never-in-source', commit: again },
    ]);
  });

  test('prod re-created as a copy of staging keeps its own history, not staging\'s', () => {
    const repo = exampleRepo();
    fs.rmSync(path.join(repo, 'environments/prod.yaml'));
    commitAll(repo, 'drop prod');
    // Near enough to staging's file that git's --follow would call it a copy of it.
    fs.writeFileSync(path.join(repo, 'environments/prod.yaml'), read(repo, 'environments/staging.yaml').replace(/^name: staging$/m, 'name: prod').replace(/^promotedFrom: dev$/m, 'promotedFrom: staging')
      .replace('domain: staging.', 'domain: prod.').replace('server: https://staging.k8s', 'server: https://prod.k8s'));
    commitAll(repo, 'prod is back, as full');
    const guard = environmentGuards(projectOf({ projectDir: repo })).get('prod')!;
    expect(guard).toEqual({ sources: ['staging'], everReadOnly: true });
  });

  test('renaming prod.yaml away and back keeps its history', () => {
    const repo = exampleRepo();
    git(repo, ['mv', 'environments/prod.yaml', 'environments/prod.yml.bak']);
    commitAll(repo, 'away');
    git(repo, ['mv', 'environments/prod.yml.bak', 'environments/prod.yaml']);
    edit(repo, 'environments/prod.yaml', 'stoa-gateway: 1.8.2', 'stoa-gateway: 6.6.6');
    commitAll(repo, 'back, with a version');
    expect(checkPromotions({ projectDir: repo }).problems.map((p) => `${p.environment} ${p.version}`)).toEqual(['prod 6.6.6']);
  });

  test('prod set to mode: full cannot take a hotfix, and a record there is not accepted', () => {
    const repo = exampleRepo();
    edit(repo, 'environments/prod.yaml', 'mode: read-only', 'mode: full');
    commitAll(repo, 'prod is full now');
    expect(() => setImage({ projectDir: repo, environment: 'prod', component: 'stoa-gateway', version: '6.6.6', hotfix: 'urgent fix' })).toThrow(/prod is read-only/);
    fs.appendFileSync(path.join(repo, 'environments/prod.yaml'), 'hotfixes:\n  stoa-gateway:\n    version: 6.6.6\n    reason: urgent fix\n');
    edit(repo, 'environments/prod.yaml', 'stoa-gateway: 1.8.2', 'stoa-gateway: 6.6.6');
    const check = checkPromotions({ projectDir: repo });
    expect(check.hotfixes).toEqual([]);
    expect(check.problems.map((p) => `${p.environment} ${p.component} ${p.version}`)).toEqual(['prod stoa-gateway 6.6.6']);
  });

  test('removing promotedFrom, or pointing it at dev, still holds prod to staging', () => {
    const repo = exampleRepo();
    edit(repo, 'environments/prod.yaml', 'promotedFrom: staging\n', '');
    edit(repo, 'environments/prod.yaml', 'stoa-gateway: 1.8.2', 'stoa-gateway: 1.9.0'); // dev's version
    expect(checkPromotions({ projectDir: repo }).problems.map((p) => `${p.environment} ${p.source} ${p.version}`)).toEqual(['prod staging 1.9.0']);
    commitAll(repo, 'prod promoted from nothing');
    edit(repo, 'environments/prod.yaml', 'mode: read-only', 'mode: read-only\npromotedFrom: dev');
    expect(checkPromotions({ projectDir: repo }).problems.map((p) => `${p.environment} ${p.source} ${p.version}`)).toEqual(['prod staging 1.9.0']);
  });

  test('a merge that brings the staging change and the prod change at once fails: main saw them in one commit', () => {
    const repo = devAhead();
    git(repo, ['checkout', '--quiet', '-b', 'release']);
    promote({ projectDir: repo, from: 'dev', to: 'staging', tenants: false });
    commitAll(repo, 'staging');
    promote({ projectDir: repo, from: 'staging', to: 'prod', tenants: false });
    commitAll(repo, 'prod');
    expect(checkPromotions({ projectDir: repo }).ok).toBe(true); // on the branch: two commits
    git(repo, ['checkout', '--quiet', 'main']);
    git(repo, ['merge', '--quiet', '--no-ff', '-m', 'merge release', 'release']);
    const problems = checkPromotions({ projectDir: repo }).problems;
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.environment === 'prod' && p.reason === 'not-earlier')).toBe(true);
  });
});
