import { Command, Option } from 'commander';

// Reading shell scripts and Markdown code blocks for the CLI calls they make, and checking each against the
// commander program: shared by the CI workflow tests and the docs tests.

/** Shell words of a command line, quotes removed (enough for the commands these scripts hold). */
export function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s"'])+/g)) {
    const w = m[0];
    if (/^\d*>/.test(w) || w === '|' || w === '||' || w === '&&' || w === ';' || w.startsWith('#')) break;
    out.push(w.replace(/"((?:[^"\\]|\\.)*)"|'([^']*)'/g, (_, d, s) => d ?? s));
  }
  return out;
}

/** Every npm command of a script, as words after `npm`. */
export function npmCommands(text: string): string[][] {
  const out: string[][] = [];
  for (const line of text.replace(/\\\n/g, ' ').split('\n')) {
    for (const m of line.matchAll(/(?:^|[\s;&|(])npm\s+([^;&|\n]*)/g)) out.push(words(m[1]));
  }
  return out;
}

/** An npm command read as what it runs: a lifecycle or package script, and the words after `--`. */
export function npmScript(command: string[]): { builtin?: string; script?: string; args: string[] } {
  const [verb, ...rest] = command;
  if (verb === 'ci') return { builtin: 'ci', args: rest };
  if (verb === 'test' || verb === 't') return { script: 'test', args: rest };
  if (verb === 'run' || verb === 'run-script') {
    const i = rest.findIndex((w) => !w.startsWith('-'));
    const script = rest[i];
    const after = rest.slice(i + 1);
    return { script, args: after[0] === '--' ? after.slice(1) : after };
  }
  throw new Error(`unexpected npm command: npm ${command.join(' ')}`);
}

/** The long and short names of a command's options, `--help` included. */
export function optionNames(cmd: Command): Map<string, Option> {
  const names = new Map<string, Option>();
  for (const o of cmd.options) for (const n of [o.long, o.short]) if (n) names.set(n, o);
  return names;
}

/**
 * Checks one CLI call against the commander program: the verb (and sub-verb) exists, each flag
 * is an option of it, a literal value is one of the option's choices, and mandatory options are given.
 */
export function checkCliCall(program: Command, args: string[]): string[] {
  const problems: string[] = [];
  let cmd = program.commands.find((c) => c.name() === args[0]);
  let rest = args.slice(1);
  if (!cmd) return [`unknown verb ${args[0]}`];
  if (cmd.commands.length > 0) {
    const sub = cmd.commands.find((c) => c.name() === rest[0]);
    if (!sub) return [`unknown verb ${args[0]} ${rest[0]}`];
    cmd = sub;
    rest = rest.slice(1);
  }
  const options = optionNames(cmd);
  const given = new Set<Option>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    if (!rest[i].startsWith('-')) {
      // A shell expansion ("${extra[@]}") may be options: it is not counted.
      if (!rest[i].includes('$')) positional.push(rest[i]);
      continue;
    }
    const [flag, inline] = rest[i].split('=', 2);
    const option = options.get(flag);
    if (!option) {
      problems.push(`${cmd.name()}: unknown option ${flag}`);
      continue;
    }
    given.add(option);
    if (option.required || option.optional) {
      const value = inline ?? rest[++i];
      if (option.argChoices && value !== undefined && !value.includes('$') && !option.argChoices.includes(value)) {
        problems.push(`${cmd.name()} ${flag}: ${value} is not one of ${option.argChoices.join(', ')}`);
      }
      // A variadic option takes every word up to the next option.
      if (option.variadic) while (i + 1 < rest.length && !rest[i + 1].startsWith('-')) i++;
    }
  }
  const declared = cmd.registeredArguments;
  const required = declared.filter((a) => a.required).length;
  const most = declared.some((a) => a.variadic) ? Infinity : declared.length;
  if (positional.length < required || positional.length > most) {
    problems.push(`${cmd.name()}: takes ${required === most ? required : `${required} to ${most}`} argument(s) (${declared.map((a) => a.name()).join(', ') || 'none'}), got ${positional.length}`);
  }
  for (const o of cmd.options) if (o.mandatory && !given.has(o)) problems.push(`${cmd.name()}: mandatory ${o.long} missing`);
  return problems;
}
