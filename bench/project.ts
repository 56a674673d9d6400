import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';

const TIERS = ['bronze', 'silver', 'gold'] as const;
const ENVS = [['dev'], ['dev', 'staging'], ['dev', 'staging', 'prod']];

/**
 * A project with the example's environments and `n` synthetic tenants across
 * tiers and environments; a third use KEDA, canary and secrets where allowed.
 */
export function makeProject(dir: string, n: number, exampleDir: string): void {
  fs.mkdirSync(path.join(dir, 'tenants'), { recursive: true });
  fs.cpSync(path.join(exampleDir, 'environments'), path.join(dir, 'environments'), { recursive: true });
  for (let i = 0; i < n; i++) {
    const name = `tenant-${String(i).padStart(4, '0')}`;
    const tier = TIERS[i % 3];
    const tenant: Record<string, unknown> = {
      name,
      tier,
      owners: { groups: [`${name}-team`] },
      environments: ENVS[Math.floor(i / 3) % 3],
    };
    if (tier !== 'bronze' && i % 2 === 0) {
      tenant.gateway = { autoscaler: 'keda', canary: true };
      tenant.secrets = [{ name: 'upstream', key: `tenants/${name}/upstream` }];
    }
    fs.writeFileSync(path.join(dir, 'tenants', `${name}.yaml`), stringify(tenant));
  }
}
