import * as fs from 'fs';
import * as path from 'path';
import { diffJson, diffRefs, formatDiff, setImage } from '../lib/cli';
import { synth } from '../lib';
import { commitAll, exampleRepo, read } from './git-helpers';

// A version set directly in an environment promoted from another (a hotfix) is flagged in the
// report at the top of its environment's section, with its reason.

/** Sets a staging version with a hotfix record by editing the file, as a person would. */
function hotfix(repo: string, version: string, reason: string): void {
  const text = read(repo, 'environments/staging.yaml').replace(/control-plane-api: .*/, `control-plane-api: ${version}`).replace(/\nhotfixes:[\s\S]*$/, '\n');
  fs.writeFileSync(path.join(repo, 'environments/staging.yaml'), `${text}hotfixes:\n  control-plane-api:\n    version: ${version}\n    reason: "${reason}"\n`);
}

test('a new hotfix record is a warning at the top of its environment, and in the JSON', () => {
  const repo = exampleRepo();
  hotfix(repo, '2.4.2', 'CVE-2025-0001: the `|` parser <crash>');
  synth({ projectDir: repo });
  const r = diffRefs({ projectDir: repo, base: 'HEAD' });
  const staging = r.environments.find((e) => e.environment === 'staging')!;
  expect(staging.hotfixes).toEqual([{ component: 'control-plane-api', version: '2.4.2', reason: 'CVE-2025-0001: the `|` parser <crash>', promotedFrom: 'dev' }]);

  const md = formatDiff(r, 'markdown');
  expect(md).toContain([
    '### staging',
    '',
    '> [!WARNING]',
    '> **Hotfix in staging (set directly, not promoted from dev):**',
    '> - `control-plane-api` `2.4.2` (new record): CVE-2025-0001: the \\`\\|\\` parser &lt;crash&gt;',
    '',
    '**staging-control-plane-api** (`staging/platform/control-plane-api`)',
  ].join('\n'));
  expect(formatDiff(r, 'text')).toContain('== staging ==\n\n!! Hotfix in staging (set directly, not promoted from dev):\n!!   control-plane-api 2.4.2 (new record): CVE-2025-0001: the `|` parser <crash>\n');
  const json = JSON.parse(diffJson(r));
  expect(json.environments.find((e: any) => e.environment === 'staging').hotfixes).toEqual([
    { component: 'control-plane-api', version: '2.4.2', reason: 'CVE-2025-0001: the `|` parser <crash>', promotedFrom: 'dev', previous: null },
  ]);
  expect(json.environments.find((e: any) => e.environment === 'dev')?.hotfixes ?? []).toEqual([]);
}, 60_000);

test('between commits: a changed record shows what it was; an unchanged one is not repeated', () => {
  const repo = exampleRepo();
  hotfix(repo, '2.4.2', 'CVE-2025-0001 in the parser');
  synth({ projectDir: repo });
  commitAll(repo, 'hotfix 2.4.2');
  hotfix(repo, '2.4.3', 'CVE-2025-0002, the fix of the fix');
  synth({ projectDir: repo });
  commitAll(repo, 'hotfix 2.4.3');

  const r = diffRefs({ projectDir: repo, base: 'HEAD~1', head: 'HEAD' });
  expect(r.environments.find((e) => e.environment === 'staging')!.hotfixes).toEqual([{
    component: 'control-plane-api', version: '2.4.3', reason: 'CVE-2025-0002, the fix of the fix', promotedFrom: 'dev',
    previous: { version: '2.4.2', reason: 'CVE-2025-0001 in the parser' },
  }]);
  expect(formatDiff(r, 'markdown')).toContain('> - `control-plane-api` `2.4.3` (replaces `2.4.2`: CVE-2025-0001 in the parser): CVE-2025-0002, the fix of the fix');

  // A later change elsewhere: the record is as it was, nothing to flag.
  setImage({ projectDir: repo, environment: 'dev', component: 'stoa-portal', version: '1.4.1' });
  synth({ projectDir: repo });
  const later = diffRefs({ projectDir: repo, base: 'HEAD' });
  expect(later.environments.map((e) => [e.environment, e.hotfixes])).toEqual([['dev', []]]);
  expect(formatDiff(later, 'markdown')).not.toContain('Hotfix');
}, 60_000);

test('a record whose reason alone changed renders nothing, and is still flagged', () => {
  const repo = exampleRepo();
  hotfix(repo, '2.4.2', 'first reason');
  synth({ projectDir: repo });
  commitAll(repo, 'hotfix');
  hotfix(repo, '2.4.2', 'a better reason');
  const r = diffRefs({ projectDir: repo, base: 'HEAD' });
  expect(r.files).toBe(0);
  expect(r.environments).toEqual([expect.objectContaining({ environment: 'staging', applications: [], hotfixes: [expect.objectContaining({ reason: 'a better reason', previous: { version: '2.4.2', reason: 'first reason' } })] })]);
  const md = formatDiff(r, 'markdown');
  expect(md).toContain('No changes to the rendered manifests.\n\n### staging\n\n> [!WARNING]\n> **Hotfix in staging (set directly, not promoted from dev):**\n> - `control-plane-api` `2.4.2` (same version, the reason was: first reason): a better reason');
}, 60_000);
