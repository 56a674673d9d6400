import { APPLICATION_HEALTH_LUA } from '../lib/argocd/argocd-settings';
import { renderProject } from '../lib';
import { exampleProject } from './helpers';
import { luaHealth } from './replay/lua-health';

const health = luaHealth;

const automated = { spec: { syncPolicy: { automated: { prune: true, selfHeal: true } } } };
const manual = { spec: { syncPolicy: { retry: { limit: 5 } } } };

describe('the Application health check of argocd-cm', () => {
  test('a child delivered once (a sync in its history) is Healthy to the root, whatever its own health: a paused canary or a Degraded app never holds back the next wave', () => {
    const delivered = (health: string) => ({ ...automated, status: { history: [{ revision: 'abc', id: 0 }], health: { status: health }, operationState: { phase: 'Succeeded' } } });
    for (const own of ['Healthy', 'Suspended', 'Progressing', 'Degraded', 'Missing']) {
      expect(health(APPLICATION_HEALTH_LUA, delivered(own))).toEqual({ status: 'Healthy', message: `delivered (its own health: ${own})` });
    }
    // A prod child after its first manual sync: the same.
    expect(health(APPLICATION_HEALTH_LUA, { ...manual, status: { history: [{ id: 0 }], health: { status: 'Suspended' } } }).status).toBe('Healthy');
  });

  test('a child whose first sync failed is Degraded: the root fails that wave instead of waiting forever', () => {
    expect(health(APPLICATION_HEALTH_LUA, { ...automated, status: { health: { status: 'Missing' }, operationState: { phase: 'Failed', message: 'namespaces "monitoring" not found' } } }))
      .toEqual({ status: 'Degraded', message: 'its first sync failed: namespaces "monitoring" not found' });
    expect(health(APPLICATION_HEALTH_LUA, { ...automated, status: { operationState: { phase: 'Error' } } }))
      .toEqual({ status: 'Degraded', message: 'its first sync failed: Error' });
  });

  test('an automated child not reconciled yet is Progressing: the root waits for it', () => {
    expect(health(APPLICATION_HEALTH_LUA, automated).status).toBe('Progressing');
  });

  test('a manually synced child (prod) never synced does not hold the root forever; once synced it counts', () => {
    expect(health(APPLICATION_HEALTH_LUA, { ...manual, status: { health: { status: 'Missing' } } }))
      .toEqual({ status: 'Healthy', message: 'waiting for its first manual sync' });
    expect(health(APPLICATION_HEALTH_LUA, { ...manual, status: { health: { status: 'Progressing' }, operationState: { phase: 'Running' } } }).status).toBe('Progressing');
  });

  test('is what the rendered argocd-cm patch carries, in every environment', () => {
    const files = renderProject({ projectDir: exampleProject() }).files.filter((f) => f.path.endsWith('/argocd-config/configmap-argocd-cm.yaml'));
    expect(files.map((f) => f.path)).toEqual(['dev/argocd-config/configmap-argocd-cm.yaml', 'prod/argocd-config/configmap-argocd-cm.yaml', 'staging/argocd-config/configmap-argocd-cm.yaml']);
    for (const f of files) expect((f.object as any).data['resource.customizations.health.argoproj.io_Application']).toBe(APPLICATION_HEALTH_LUA);
  });
});
