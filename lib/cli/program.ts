import { Command, Option } from 'commander';
import { checkCommand, Output, PROCESS_OUTPUT, synthCommand, validateCommand } from './commands';

/** The `stoa-manifests` command line: argument parsing only; each verb calls one library function. */
export function buildProgram(io: Output = PROCESS_OUTPUT, setExitCode: (code: number) => void = (c) => { process.exitCode = c; }): Command {
  const program = new Command('stoa-manifests')
    .description('Render and check the Kubernetes and Argo CD manifests of the STOA platform')
    .showHelpAfterError();
  const projectOption = () => new Option('-p, --project <dir>', 'project folder with environments/ and tenants/').default('.');

  program.command('synth')
    .description('render every environment into dist/ (replaced only when everything is valid)')
    .addOption(projectOption())
    .option('-o, --out <dir>', 'output folder (default: <project>/dist)')
    .option('--check', 'write nothing; fail if the output folder differs from what the sources produce')
    .action((opts) => setExitCode(opts.check ? checkCommand(opts, io) : synthCommand(opts, io)));

  program.command('validate')
    .description('check a rendered folder against Kubernetes and CRD schemas and the platform rules')
    .argument('[dir]', 'folder to check (default: <project>/dist)')
    .addOption(projectOption())
    .addOption(new Option('-f, --format <format>', 'report format').choices(['text', 'json']).default('text'))
    .action((dir, opts) => setExitCode(validateCommand(dir, opts, io)));

  return program;
}
