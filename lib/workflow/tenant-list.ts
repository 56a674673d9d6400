import { TenantConfig } from '../config/tenant-config';
import { projectInput, ProjectLocation, projectOf } from '../project/project';

/**
 * Every tenant of a project, validated like synth validates them (an invalid tenant or
 * environment file is an `InputError`, not a partial list), sorted by name.
 *
 * @param project the project folder, or the project (default: the current working directory)
 */
export function listTenants(project?: string | ProjectLocation): readonly TenantConfig[] {
  return projectInput(projectOf(typeof project === 'string' ? { projectDir: project } : project)).tenants;
}

/** `tenant list` as a table for people (`table`) or JSON for tools (`json`: name, tier, environments, owners, display name). */
export function formatTenants(tenants: readonly TenantConfig[], format: 'table' | 'json'): string {
  const rows = tenants.map((t) => ({
    name: t.name,
    tier: t.tier,
    environments: [...t.environments],
    owners: { users: [...t.owners.users], groups: [...t.owners.groups] },
    displayName: t.displayName ?? null,
  }));
  if (format === 'json') return JSON.stringify(rows, null, 2);
  if (rows.length === 0) return 'no tenants';
  const cells = rows.map((r) => [r.name, r.tier, r.environments.join(','), [...r.owners.users, ...r.owners.groups.map((g) => `group:${g}`)].join(','), r.displayName ?? '']);
  const header = ['NAME', 'TIER', 'ENVIRONMENTS', 'OWNERS', 'DISPLAY NAME'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...cells.map(line)].join('\n');
}
