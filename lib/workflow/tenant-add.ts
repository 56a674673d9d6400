import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { writeFileAtomic } from '../files';
import { InputError } from '../config/input-error';
import { TenantConfig, tenantFileSchema } from '../config/tenant-config';
import { formatPath } from '../config/field-path';
import { projectInput, ProjectLocation, projectOf } from '../project/project';
import { tenantSchemaLine } from './schema-line';
import { describeIssues } from '../config/schema-issues';
import { WorkflowError } from './workflow-error';

/** Options of {@link addTenant}. */
export interface AddTenantOptions extends ProjectLocation {
  /** Tenant name: a DNS label of at most 40 characters. */
  readonly name: string;
  /** Size class. */
  readonly tier: string;
  /**
   * Owning users.
   * @default - none (then at least one group)
   */
  readonly users?: readonly string[];
  /**
   * Owning groups.
   * @default - none (then at least one user)
   */
  readonly groups?: readonly string[];
  /**
   * Environments to enable the tenant in.
   * @default ['dev']
   */
  readonly environments?: readonly string[];
  /**
   * Human name.
   * @default - none
   */
  readonly displayName?: string;
}

/** What {@link addTenant} wrote. */
export interface AddTenantResult {
  /** The file written. */
  readonly file: string;
  /** Its validated content. */
  readonly tenant: TenantConfig;
}

/**
 * Writes `tenants/<name>.yaml` for a new tenant: what the control plane calls.
 * The file is checked like any tenant file (schema, environments, promotion
 * order); duplicates and invalid values are refused and nothing is left behind.
 */
export function addTenant(options: AddTenantOptions): AddTenantResult {
  const project = projectOf(options);
  const raw = {
    name: options.name,
    ...(options.displayName ? { displayName: options.displayName } : {}),
    tier: options.tier,
    owners: {
      ...(options.users?.length ? { users: [...options.users] } : {}),
      ...(options.groups?.length ? { groups: [...options.groups] } : {}),
    },
    environments: [...(options.environments ?? ['dev'])],
  };
  const parsed = tenantFileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    // In the words a file's problems are said in (describeIssues), so `--tier platinum` reads as `tier: platinum` would.
    const problems = describeIssues(tenantFileSchema, parsed.error.issues).map((i) => `${formatPath(i.path) || 'tenant'}: ${i.message}`);
    throw new WorkflowError(`tenant "${options.name}" is invalid:\n  ${problems.join('\n  ')}`);
  }
  const file = path.join(project.tenantsDir, `${options.name}.yaml`);
  const existing = [file, file.replace(/\.yaml$/, '.yml')].find((f) => fs.existsSync(f));
  if (existing) {
    throw new WorkflowError(`tenant "${options.name}" already exists: ${path.relative(project.projectDir, existing)}. Edit that file to change the tenant, or choose another name (tenant remove ${options.name} first to re-create it)`);
  }

  fs.mkdirSync(project.tenantsDir, { recursive: true });
  // First the line that gives editors the tenant file's JSON Schema (docs/editors.md), when there is one to point at.
  const schemaLine = tenantSchemaLine(project.tenantsDir, project.projectDir);
  const header = `${schemaLine === undefined ? '' : `${schemaLine}\n`}# Written by stoa-manifests tenant add.\n`;
  writeFileAtomic(file, `${header}${stringify(raw, { lineWidth: 0 })}`, { exclusive: true });
  try {
    projectInput(project);
  } catch (e) {
    fs.rmSync(file, { force: true });
    if (e instanceof InputError) throw new WorkflowError(`tenant "${options.name}" was not added:\n${e.message}`);
    throw e;
  }
  return { file, tenant: parsed.data };
}
