import { Command, Option } from 'commander';
import { packageVersion } from '../package-version';
import { checkCommand, mergeShardsCommand, Output, PROCESS_OUTPUT, synthCommand, validateCommand } from './commands';
import { EXIT_CODE_LINES } from './exit-codes';
import { VerbCommand } from './verb-command';

/** The workflow verbs (git, diff, publish), loaded when one runs: synth and check start without them. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const workflow = () => require('./workflow-commands') as typeof import('./workflow-commands');

/** `-f, --format <format>`: what a verb prints, `text` for people by default. */
const formatOption = (description: string, choices: readonly string[] = ['text', 'json'], fallback = 'text') =>
  new Option('-f, --format <format>', description).choices(choices).default(fallback);

/** What `stoa-manifests --help` ends with: the exit codes. */
const EPILOGUE = `
Exit codes (every verb; docs/cli.md):
${EXIT_CODE_LINES.map((l) => `  ${l}`).join('\n')}
With --format json, stdout holds one JSON document when the verb answered (exit 0 or 1); messages go to stderr.`;

/**
 * The `stoa-manifests` command line: argument parsing only; each verb calls one library function.
 * Help, usage errors and results go to `io`; a usage error exits with `ExitCode.USAGE` (docs/cli.md).
 */
export function buildProgram(io: Output = PROCESS_OUTPUT, setExitCode: (code: number) => void = (c) => { process.exitCode = c; }): Command {
  // Configured before any verb is added: each verb takes over its parent's output settings.
  const program = new VerbCommand('stoa-manifests')
    .configureOutput({ writeOut: (text) => io.out(text.replace(/\n$/, '')), writeErr: (text) => io.err(text.replace(/\n$/, '')) })
    .description('Render and check the Kubernetes and Argo CD manifests of the STOA platform')
    .version(packageVersion(), '-V, --version', 'print the version of stoa-manifests')
    .helpOption('-h, --help', 'print the help of stoa-manifests or of a verb')
    .addHelpText('after', EPILOGUE);
  const projectOption = () => new Option('-p, --project <dir>', 'project folder with environments/ and tenants/').default('.');

  program.command('synth')
    .description('render every environment into dist/ (replaced only when everything is valid)')
    .addOption(projectOption())
    .option('-o, --out <dir>', 'output folder (default: <project>/dist)')
    .option('--check', 'write nothing; fail if the output folder differs from what the sources produce')
    .option('--no-cache', 'render every unit again instead of reusing those whose inputs did not change (--check never reads the cache)')
    .option('--workers <n>', 'render worker threads (0: none; default: by the project\'s size)')
    .option('--shard <i/n>', 'render only slice i of n into --out, for a CI matrix; then merge-shards')
    .addOption(formatOption('what to print (json: outDir, changed, files, environments, cache; with --check: outDir, upToDate, missing, extra, changed)'))
    .action((opts) => setExitCode(opts.check ? checkCommand(opts, io) : synthCommand(opts, io)));

  program.command('merge-shards')
    .description('put the folders of every synth --shard i/n of one run together into dist/, validated as a whole')
    .argument('<dir...>', 'the shard folders')
    .addOption(projectOption())
    .option('-o, --out <dir>', 'output folder (default: <project>/dist)')
    .addOption(formatOption('what to print (json: outDir, shards, objects)'))
    .action((dirs, opts) => setExitCode(mergeShardsCommand(dirs, opts, io)));

  program.command('validate')
    .description('check a rendered folder against Kubernetes and CRD schemas and the platform rules')
    .argument('[dir]', 'folder to check (default: <project>/dist)')
    .addOption(projectOption())
    .addOption(formatOption('report format (json: ok, objects, violations)'))
    .option('--kubernetes-version <minor>', 'Kubernetes version of the clusters, for a folder without environment files (default: the oldest supported, 1.28)')
    .action((dir, opts) => setExitCode(validateCommand(dir, opts, io)));

  program.command('diff')
    .description('summarize how dist/ differs between two git refs, per environment and Application, for a pull request')
    .requiredOption('-b, --base <ref>', 'base git ref')
    .option('--head <ref>', 'head git ref (default: the working tree)')
    .addOption(projectOption())
    .addOption(formatOption('report format (json: every changed file per environment and Application, for bots)', ['markdown', 'text', 'json'], 'markdown'))
    .option('--max-bytes <n>', 'largest report in UTF-8 bytes, the least severe parts left out first (default 64000: a pull-request comment; 1000 to 1000000)')
    .action((opts) => setExitCode(workflow().diffCommand(opts, io)));

  program.command('plan')
    .description('say what Argo CD will do between two git refs of dist/, offline: per environment and Application, objects, hooks, rollouts, gates, quotas; exit 1 on data loss nobody acknowledged')
    .requiredOption('-b, --base <ref>', 'base git ref (what the clusters run now)')
    .option('--head <ref>', 'head git ref (default: HEAD)')
    .addOption(projectOption())
    .addOption(formatOption('report format (json: the findings and every Application, for bots)', ['markdown', 'text', 'json'], 'markdown'))
    .option('--max-bytes <n>', 'largest report in UTF-8 bytes, the least severe parts left out first (default 64000: a pull-request comment; 1000 to 1000000)')
    .action((opts) => setExitCode(workflow().planCommand(opts, io)));

  program.command('set-image')
    .description('set a component version in dev (the CI image bump); staging only as a recorded --hotfix; prod changes only by promote')
    .argument('<component>', 'stoa-gateway, control-plane-api, control-plane-ui or stoa-portal')
    .argument('<version>', 'a tag other than latest, or sha256:<digest>')
    .requiredOption('-e, --env <env>', 'environment to change (dev; staging with --hotfix)')
    .option('--hotfix <reason>', 'set it in an environment promoted from another (staging) without passing through its source; the reason is recorded in the environment file')
    .addOption(projectOption())
    .addOption(formatOption('what to print (json: environment, component, from, to, changed, hotfix, file)'))
    .action((component, version, opts) => setExitCode(workflow().setImageCommand(component, version, opts, io)));

  program.command('promote')
    .description('copy versions (and tenants) one step along the promotion order: dev -> staging, staging -> prod')
    .argument('<from>', 'environment to promote from')
    .argument('<to>', 'environment to promote to')
    .option('--no-tenants', 'promote versions only, not tenant enablement (default: tenants too)')
    .addOption(projectOption())
    .addOption(formatOption('what to print (json: from, to, changed, versions, hotfixesEnded, tenants)'))
    .action((from, to, opts) => setExitCode(workflow().promoteCommand(from, to, opts, io)));

  program.command('check-promotions')
    .description('fail when an environment runs a version its source environment did not run in an earlier commit, unless recorded as a hotfix (CI runs it)')
    .addOption(projectOption())
    .addOption(formatOption('what to print (json: ok, problems, hotfixes, downgrades)'))
    .action((opts) => setExitCode(workflow().checkPromotionsCommand(opts, io)));

  const tenant = program.command('tenant').description('manage tenant files');
  tenant.command('add')
    .description('write a validated tenants/<name>.yaml (what the control plane calls)')
    .argument('<name>', 'tenant name: a DNS label of at most 40 characters')
    .requiredOption('--owner <owner...>', 'owners: user names, or group:<name> for groups')
    .requiredOption('--tier <tier>', 'bronze, silver or gold')
    .option('--env <env...>', 'environments to enable (default: dev)')
    .option('--display-name <name>', 'human name (default: none)')
    .addOption(projectOption())
    .addOption(formatOption('what to print (json: file, tenant)'))
    .action((name, opts) => setExitCode(workflow().tenantAddCommand(name, opts, io)));
  tenant.command('remove')
    .description('remove a tenant from some environments (--env), or from all (its file is deleted)')
    .argument('<name>', 'tenant name')
    .option('--env <env...>', 'environments to remove it from (default: every one it is in)')
    .option('--allow-prod-removal', 'confirm removing it from a read-only environment (prod)')
    .addOption(projectOption())
    .addOption(formatOption('what to print (json: name, removedFrom, remaining, file, deleted, keptForDeprovision, finished, leaving)'))
    .action((name, opts) => setExitCode(workflow().tenantRemoveCommand(name, opts, io)));
  tenant.command('list')
    .description('list the tenants (validated): name, tier, environments, owners')
    .addOption(projectOption())
    .addOption(formatOption('what to print (text: a table, also as table; json: name, tier, environments, owners, displayName per tenant)', ['text', 'table', 'json']))
    .action((opts) => setExitCode(workflow().tenantListCommand(opts, io)));

  program.command('publish')
    .description('commit dist/ into the envs repo (one folder per environment) and push when it has a remote')
    .requiredOption('-r, --repo <path-or-url>', 'a clean checkout of the envs repo, or its URL')
    .option('--branch <branch>', 'branch to commit to', 'main')
    .option('--source-branch <branch>', 'the source repo branch publish takes commits from (default: origin\'s default branch; main without a remote)')
    .option('--rollback <reason>', 'publish a source commit older than (or unrelated to) the last published one; the reason is recorded')
    .option('--allow-downgrade', 'allow lower component versions in a read-only environment (prod)')
    .option('--allow-prod-removal', 'allow tenants to disappear from a read-only environment (prod)')
    .option('--override-audit <reason>', 'publish over an envs head that fails the audit (a direct push); the reason is recorded')
    .addOption(new Option('--layout <layout>', 'branch: every environment into --branch; hydrator: each environment to <prefix><env>-next with hydrator.metadata, for GitOps Promoter (docs/hydrator.md)').choices(['branch', 'hydrator']).default('branch'))
    .option('--branch-prefix <prefix>', 'with --layout hydrator: prefix of the environment branches', 'environment/')
    .addOption(projectOption())
    .addOption(formatOption('what to print (json: layout, repo, branch, committed, commit, pushed, direction, environments, message; with --layout hydrator: layout, repo, drySha, environments)'))
    .action((opts) => setExitCode(workflow().publishCommand(opts, io)));

  program.command('audit')
    .description('re-render the source commit each envs repo commit records and compare; check signatures when the environment files name signers (exit 1 on any finding)')
    .requiredOption('-r, --repo <path-or-url>', 'the envs repo: a path (checkout or bare repository) or a URL to clone')
    .option('--branch <branch>', 'branch to walk, first parent only (default: the repo.revision of the environment files)')
    .option('--ref <ref>', 'audit only this one commit of the envs repo')
    .option('--limit <n>', 'most commits to audit, newest first (default 50, at most 1000)')
    .option('--since <ref>', 'audit only the commits after this one (e.g. the last one before the environment files named signers)')
    .option('--source-branch <branch>', 'the source branch every recorded source commit must be on (default: origin\'s default branch)')
    .addOption(formatOption('report format (json: the AuditResult: ok, findings, commits, ...)'))
    .addOption(projectOption())
    .action((opts) => setExitCode(workflow().auditCommand(opts, io)));

  const preview = program.command('preview').description('pull request previews (pr-<number>): render one and push it to its envs repo branch, or delete that branch');
  preview.command('publish')
    .description('render the pull request\'s preview (validated) and push it to the envs repo branch preview/pr-<number>')
    .requiredOption('--pull-request <number>', 'the pull request number')
    .requiredOption('-r, --repo <path-or-url>', 'the envs repo (URL, or the path of a repository)')
    .addOption(formatOption('what to print (json: preview, branch, committed, commit, files, hosts, urls)'))
    .addOption(projectOption())
    .action((opts) => setExitCode(workflow().previewPublishCommand(opts, io)));
  preview.command('close')
    .description('delete the envs repo branch of a closed pull request\'s preview (its Application is gone with the pull request)')
    .requiredOption('--pull-request <number>', 'the pull request number')
    .requiredOption('-r, --repo <path-or-url>', 'the envs repo (URL, or the path of a repository)')
    .addOption(formatOption('what to print (json: preview, branch, deleted)'))
    .action((opts) => setExitCode(workflow().previewCloseCommand(opts, io)));

  return program;
}
