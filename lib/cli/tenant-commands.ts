import * as path from 'path';
import { addTenant } from '../workflow/tenant-add';
import { formatTenants, listTenants } from '../workflow/tenant-list';
import { removeTenant } from '../workflow/tenant-remove';
import { guarded, json, Output, OutputFormat, PROCESS_OUTPUT, projectOfFlags } from './commands';
import { ExitCode } from './exit-codes';

/** `tenant add <name> --owner ... --tier ... [--env dev] [--format text|json]`. */
export function tenantAddCommand(
  name: string,
  options: { project?: string; owner: string[]; tier: string; env?: string[]; displayName?: string; format?: OutputFormat },
  io: Output = PROCESS_OUTPUT,
): number {
  return guarded(io, { name: 'tenant add' }, () => {
    const users = options.owner.filter((o) => !o.startsWith('group:')).map((o) => o.replace(/^user:/, ''));
    const groups = options.owner.filter((o) => o.startsWith('group:')).map((o) => o.slice('group:'.length));
    const r = addTenant({ ...projectOfFlags(options), name, tier: options.tier, users, groups, environments: options.env, displayName: options.displayName });
    const file = path.relative(process.cwd(), r.file);
    io.out(options.format === 'json'
      ? json({ file, tenant: r.tenant })
      : `added tenant ${r.tenant.name} (${r.tenant.tier}, ${r.tenant.environments.join(', ')}): ${file}; run synth to render it`);
    return ExitCode.OK;
  });
}

/** `tenant remove <name> [--env ...] [--allow-prod-removal] [--format text|json]`. */
export function tenantRemoveCommand(
  name: string, options: { project?: string; env?: string[]; allowProdRemoval?: boolean; format?: OutputFormat }, io: Output = PROCESS_OUTPUT,
): number {
  return guarded(io, { name: 'tenant remove' }, () => {
    const r = removeTenant({ ...projectOfFlags(options), name, environments: options.env, allowProdRemoval: options.allowProdRemoval });
    const file = path.relative(process.cwd(), r.file);
    if (options.format === 'json') {
      io.out(json({
        name: r.name, removedFrom: r.removedFrom, remaining: r.remaining, file, deleted: r.deleted,
        keptForDeprovision: r.keptForDeprovision, finished: r.finished, leaving: r.leaving,
      }));
      return ExitCode.OK;
    }
    const did = [
      ...(r.removedFrom.length ? [`removed tenant ${r.name} from ${r.removedFrom.join(', ')}`] : []),
      ...(r.finished.length ? [`removed tenant ${r.name}'s deprovision hook from ${r.finished.join(', ')}, which it was leaving`] : []),
    ].join(', and ');
    const left = [
      ...(r.remaining.length ? [`still in ${r.remaining.join(', ')}`] : []),
      ...(r.keptForDeprovision.length ? [`leaving ${r.keptForDeprovision.join(', ')}: its deprovision hook runs there first`] : []),
    ].join('; ');
    io.out(r.deleted ? `${did} and deleted ${file}; run synth to render it` : `${did} (${left}): ${file}; run synth to render it`);
    // What the cluster will do once this is synced, and what is left for a person.
    for (const l of r.leaving) {
      io.out(`${l.environment}: ${l.automatic}`);
      for (const k of l.kept) io.out(`  kept: ${k}`);
      l.steps.forEach((step, i) => io.out(`  ${i + 1}. ${step}`));
    }
    return ExitCode.OK;
  });
}

/** `tenant list [--format text|json]` (`table`: the same as `text`, its name before). */
export function tenantListCommand(options: { project?: string; format?: OutputFormat | 'table' }, io: Output = PROCESS_OUTPUT): number {
  return guarded(io, { name: 'tenant list' }, () => {
    io.out(formatTenants(listTenants(projectOfFlags(options)), options.format === 'json' ? 'json' : 'table'));
    return ExitCode.OK;
  });
}
