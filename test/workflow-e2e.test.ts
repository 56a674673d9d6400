import * as path from 'path';
import { git } from '../lib/git/git';
import { synth } from '../lib';
import { commitAll, exampleRepo } from './git-helpers';
import { cli, tempDir } from './helpers';

/**
 * The day-to-day workflow of the README through the CLI, on real repositories: a source repo
 * cloned from a bare remote (as CI checks it out) and a bare envs remote that publish clones.
 */
test('the guard rails of the workflow, end to end through the CLI', () => {
  const parent = tempDir('stoa-e2e-');
  const sourceRemote = path.join(parent, 'source.git');
  const envsRemote = path.join(parent, 'envs.git');
  git(parent, ['clone', '--quiet', '--bare', exampleRepo(), sourceRemote]);
  git(parent, ['init', '--quiet', '--bare', '--initial-branch=main', envsRemote]);
  const source = path.join(parent, 'source');
  git(parent, ['clone', '--quiet', sourceRemote, source]);
  const p = ['--project', source];
  const step = (message: string) => {
    synth({ projectDir: source });
    commitAll(source, message);
    git(source, ['push', '--quiet', 'origin', 'HEAD:main']);
  };
  const publish = (...flags: string[]) => cli('publish', ...p, '--repo', envsRemote, ...flags);

  expect(publish()).toMatchObject({ code: 0 });
  const first = git(source, ['rev-parse', 'HEAD']).trim();

  // 1. CI bumps dev; staging and prod refuse a direct bump, each naming the right way.
  expect(cli('set-image', 'stoa-gateway', '1.9.1', '--env', 'dev', ...p).code).toBe(0);
  const staging = cli('set-image', 'stoa-gateway', '1.9.1', '--env', 'staging', ...p);
  expect(staging.code).toBe(3);
  expect(staging.stderr).toContain('staging takes its versions from dev by promotion');
  expect(cli('set-image', 'stoa-gateway', '1.9.1', '--env', 'prod', ...p).stderr).toContain('prod is read-only');
  step('dev gets gateway 1.9.1');

  // 2. Promoting twice before committing: the second promotion is refused at once.
  expect(cli('promote', 'dev', 'staging', ...p).code).toBe(0);
  const squeezed = cli('promote', 'staging', 'prod', ...p);
  expect(squeezed.code).toBe(3);
  expect(squeezed.stderr).toContain('not committed in staging yet: prod may only take a version staging had in an earlier commit');
  step('promote dev -> staging');
  expect(publish()).toMatchObject({ code: 0 });
  expect(cli('promote', 'staging', 'prod', ...p).code).toBe(0);
  step('promote staging -> prod');
  expect(cli('check-promotions', ...p)).toMatchObject({ code: 0, stdout: expect.stringContaining('promotion order holds') });
  const published = publish();
  expect(published.code).toBe(0);
  expect(published.stdout).toContain('stoa-gateway 1.8.2 -> 1.9.1');

  // 3. The hotfix path: staging with a reason, check-promotions accepts it, prod one commit later.
  const hotfix = cli('set-image', 'stoa-gateway', '1.9.2', '--env', 'staging', '--hotfix', 'CVE-2026-1234', ...p);
  expect(hotfix).toMatchObject({ code: 0, stdout: expect.stringContaining('staging: stoa-gateway 1.9.1 -> 1.9.2 as a HOTFIX (recorded: CVE-2026-1234)') });
  step('hotfix staging');
  expect(cli('check-promotions', ...p).stdout).toContain('hotfix accepted: staging stoa-gateway 1.9.2 (CVE-2026-1234)');
  expect(cli('promote', 'staging', 'prod', '--no-tenants', ...p).code).toBe(0);
  step('hotfix to prod');
  expect(cli('check-promotions', ...p).code).toBe(0);
  expect(publish().code).toBe(0);

  // 4. Removing a tenant from prod needs the flag, in the source and again at publish.
  const removal = cli('tenant', 'remove', 'acme', '--env', 'prod', ...p);
  expect(removal.code).toBe(3);
  expect(removal.stderr).toContain('confirm with --allow-prod-removal');
  expect(cli('tenant', 'remove', 'acme', '--env', 'prod', '--allow-prod-removal', ...p).code).toBe(0);
  step('acme leaves prod');
  const unconfirmed = publish();
  expect(unconfirmed.code).toBe(3);
  expect(unconfirmed.stderr).toContain('it removes tenant prod acme');
  expect(publish('--allow-prod-removal').code).toBe(0);

  // 5. An old checkout cannot roll prod back by accident; a rollback says why and allows the downgrade.
  const envsBefore = git(envsRemote, ['rev-parse', 'main']).trim();
  git(source, ['checkout', '--quiet', first]);
  const back = publish();
  expect(back.code).toBe(3);
  expect(back.stderr).toContain('is older than the last published source commit');
  expect(git(envsRemote, ['rev-parse', 'main']).trim()).toBe(envsBefore);
  const rollback = publish('--rollback', 'gateway 1.9.x leaks memory', '--allow-downgrade', '--allow-prod-removal');
  expect(rollback.code).toBe(0);
  const message = git(envsRemote, ['log', '-1', '--format=%B', 'main']);
  expect(message).toContain('Rollback: gateway 1.9.x leaks memory');
  expect(message).toMatch(/^DOWNGRADES in read-only environments \(--allow-downgrade\): .*prod stoa-gateway 1\.9\.2 -> 1\.8\.2/m);
  expect(message).toContain('TENANTS REMOVED from read-only environments (--allow-prod-removal): prod globex');

  // 6. An unpushed commit is never published.
  git(source, ['checkout', '--quiet', 'main']);
  expect(cli('set-image', 'stoa-portal', '1.5.0', '--env', 'dev', ...p).code).toBe(0);
  synth({ projectDir: source });
  commitAll(source, 'not pushed');
  expect(publish().stderr).toContain('is not on origin/main');
});
