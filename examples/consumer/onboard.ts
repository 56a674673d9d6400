// The CLI's verbs are functions too (`stoa-manifests/cli`): a control plane's own tool adds
// a tenant to a checkout of the project and renders it, without spawning the CLI.
// node build/onboard.js <project folder> <tenant>
import { synth } from 'stoa-manifests';
import { addTenant, WorkflowError } from 'stoa-manifests/cli';
import type { AddTenantResult } from 'stoa-manifests/cli';

/** Adds tenant `name` (silver, owned by group `<name>-team`) to dev in `projectDir`, then renders `dist/`. */
export function onboard(projectDir: string, name: string): AddTenantResult {
  const added = addTenant({ projectDir, name, tier: 'silver', groups: [`${name}-team`] });
  synth({ projectDir });
  return added;
}

if (require.main === module) {
  const [projectDir, name] = process.argv.slice(2);
  try {
    const { file, tenant } = onboard(projectDir, name);
    console.log(`added ${tenant.name} (${file}) in ${tenant.environments.join(', ')}, rendered dist/`);
  } catch (e) {
    // A refusal (duplicate tenant, invalid name, ...) says what to do instead.
    console.error(e instanceof WorkflowError ? `refused: ${e.message}` : e);
    process.exitCode = 1;
  }
}
