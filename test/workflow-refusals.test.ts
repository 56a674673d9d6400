import * as fs from 'fs';
import * as path from 'path';
import { git } from '../lib/git/git';
import { promote } from '../lib/workflow/promote';
import { setImage } from '../lib/workflow/set-image';
import { WorkflowError } from '../lib/workflow/workflow-error';
import { commitAll, exampleRepo } from './git-helpers';
import { thrownMessage } from './helpers';

/** The 1-based line of `rel` in `repo` that starts with `start` (after the line that starts with `after`): the fixtures may gain head comments. */
function lineOf(repo: string, rel: string, start: string, after?: string): number {
  const lines = fs.readFileSync(path.join(repo, rel), 'utf8').split('\n');
  const from = after === undefined ? 0 : lines.findIndex((l) => l.startsWith(after));
  const i = lines.findIndex((l, n) => n >= from && l.startsWith(start));
  if (from < 0 || i < 0) throw new Error(`no line of ${rel} starts with ${start}${after ? ` after ${after}` : ''}`);
  return i + 1;
}

/** The message `run` throws (it must throw a WorkflowError). */
const refusal = (run: () => unknown) => thrownMessage(run, WorkflowError);

describe('a refused promotion lists every problem at once', () => {
  test('versions the source has not committed and a hotfix it would take back: one line each, with file, line and field', () => {
    const repo = exampleRepo();
    setImage({ projectDir: repo, environment: 'staging', component: 'stoa-gateway', version: '1.9.5', hotfix: 'memory leak' });
    commitAll(repo, 'hotfix in staging');
    setImage({ projectDir: repo, environment: 'dev', component: 'control-plane-api', version: '2.6.0' });
    setImage({ projectDir: repo, environment: 'dev', component: 'control-plane-ui', version: '2.6.1' });
    const status = git(repo, ['status', '--porcelain']);

    expect(refusal(() => promote({ projectDir: repo, from: 'dev', to: 'staging' })).split('\n')).toEqual([
      'cannot promote dev -> staging (3 problems):',
      `  environments/dev.yaml:${lineOf(repo, 'environments/dev.yaml', '  control-plane-api:')}: components.control-plane-api: 2.6.0 is not committed in dev yet: staging may only take a version dev had in an earlier commit (dev\'s last commit has 2.5.0). Commit environments/dev.yaml first, then promote dev staging`,
      `  environments/dev.yaml:${lineOf(repo, 'environments/dev.yaml', '  control-plane-ui:')}: components.control-plane-ui: 2.6.1 is not committed in dev yet: staging may only take a version dev had in an earlier commit (dev\'s last commit has 2.5.0). Commit environments/dev.yaml first, then promote dev staging`,
      `  environments/staging.yaml:${lineOf(repo, 'environments/staging.yaml', '  stoa-gateway:', 'hotfixes:')}: hotfixes.stoa-gateway: promoting dev -> staging would take back staging\'s hotfix: stoa-gateway 1.9.5 (memory leak; dev has 1.9.0). Bring the fix to dev first (stoa-manifests set-image stoa-gateway 1.9.5 --env dev or a later x.y.z version), commit, then promote dev staging`,
    ]);
    expect(git(repo, ['status', '--porcelain'])).toBe(status); // nothing written
  });

  test('unknown environments are named together; a wrong pair names the target\'s promotedFrom', () => {
    const repo = exampleRepo();
    expect(refusal(() => promote({ projectDir: repo, from: 'qa', to: 'uat' }))).toBe([
      'cannot promote qa -> uat (2 problems):',
      '  environments: unknown environment "qa": one of dev, staging, prod',
      '  environments: unknown environment "uat": one of dev, staging, prod',
    ].join('\n'));
    expect(refusal(() => promote({ projectDir: repo, from: 'dev', to: 'prod' }))).toBe([
      'cannot promote dev -> prod (1 problem):',
      `  environments/prod.yaml:${lineOf(repo, 'environments/prod.yaml', 'promotedFrom:')}: promotedFrom: prod is promoted from staging, not from dev (order: dev → staging → prod): promote staging prod`,
    ].join('\n'));
  });
});

describe('a refused set-image lists every problem at once', () => {
  test('an unknown component, a floating tag, a reason too short and a hotfix where none is taken', () => {
    const repo = exampleRepo();
    expect(refusal(() => setImage({ projectDir: repo, environment: 'dev', component: 'portal', version: 'latest', hotfix: 'x' })).split('\n')).toEqual([
      'cannot set portal to latest in dev (4 problems):',
      `  environments/dev.yaml:${lineOf(repo, 'environments/dev.yaml', 'components:')}: components: unknown component "portal": dev runs stoa-gateway, control-plane-api, control-plane-ui, stoa-portal`,
      '  environments/dev.yaml: components.portal: version "latest": "latest" is not pinned; use a version tag or a sha256: digest',
      '  environments/dev.yaml: hotfixes.portal.reason: --hotfix "x": must say why, in at least 3 characters',
      '  environments/dev.yaml: hotfixes.portal: --hotfix is for an environment promoted from another; dev takes versions directly (the first of the order is dev): leave --hotfix out',
    ]);
  });

  test('prod: read-only and a version that is no tag, both said', () => {
    const repo = exampleRepo();
    const message = refusal(() => setImage({ projectDir: repo, environment: 'prod', component: 'stoa-gateway', version: 'v1 beta' }));
    expect(message).toMatch(/^cannot set stoa-gateway to v1 beta in prod \(2 problems\):\n/);
    expect(message).toContain(`\n  environments/prod.yaml:${lineOf(repo, 'environments/prod.yaml', '  stoa-gateway:')}: components.stoa-gateway: version "v1 beta": must be an image tag`);
    expect(message).toContain(`\n  environments/prod.yaml:${lineOf(repo, 'environments/prod.yaml', '  stoa-gateway:')}: components.stoa-gateway: prod is read-only: its versions change only by promotion. Bring the version to staging first`);
    expect(fs.readFileSync(path.join(repo, 'environments/prod.yaml'), 'utf8')).toContain('stoa-gateway: 1.8.2');
  });
});
