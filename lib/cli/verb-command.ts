import { Command, ErrorOptions, Help, HelpContext, Option } from 'commander';
import { ExitCode, headline } from './exit-codes';

/** Help that marks the options a verb cannot run without: commander's own shows nothing special. */
class VerbHelp extends Help {
  override optionDescription(option: Option): string {
    const text = super.optionDescription(option);
    return option.mandatory ? `${text} (required)` : text;
  }
}

/**
 * A commander command of `stoa-manifests` (its subcommands too): usage errors exit with
 * {@link ExitCode.USAGE}, not commander's 1 (which means "no" here), under the headline every
 * failure has, followed by where to look; `--help` marks required options `(required)`.
 * Done in the command rather than with `exitOverride()`, so a caller's own `exitOverride()`
 * (tests, an embedding program) still sees the usage code.
 */
export class VerbCommand extends Command {
  override createCommand(name?: string): VerbCommand {
    return new VerbCommand(name);
  }

  override createHelp(): Help {
    return Object.assign(new VerbHelp(), this.configureHelp());
  }

  override error(message: string, errorOptions?: ErrorOptions): never {
    const verb = verbOf(this);
    // The program and a verb group (tenant, preview) are the command line; a verb is itself.
    const group = this.commands.length > 0;
    const hint = `stoa-manifests${verb === '' ? '' : ` ${verb}`} --help lists its ${group ? 'verbs' : 'options'}`;
    const text = `${headline({ name: group ? '' : verb }, ExitCode.USAGE)}\n${message.replace(/^error: /, '')}\n(${hint})`;
    return super.error(text, { ...errorOptions, exitCode: ExitCode.USAGE });
  }

  /** A verb group (`stoa-manifests`, `tenant`) run without its verb: its help, then a usage error. */
  override help(context?: HelpContext | ((str: string) => string)): never {
    if (typeof context === 'object' && context.error) {
      this.outputHelp(context);
      const verbs = this.commands.filter((c) => c.name() !== 'help').map((c) => c.name()).join(', ');
      const verb = verbOf(this);
      return this.error(`a verb is needed${verb === '' ? '' : ` after ${verb}`}: one of ${verbs}`, { code: 'stoa.missingVerb' });
    }
    return typeof context === 'function' ? super.help(context) : super.help(context);
  }
}

/** The verb as typed (`tenant add`), '' for the program itself. */
function verbOf(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
