import * as fs from 'fs';
import { App, Chart, Testing } from 'cdk8s';
import { SYNC_WAVE_ANNOTATION } from '../lib/argocd/sync-policy';
import { ExternalSecretRef, ExternalSecretRefProps } from '../lib/secrets/external-secret';

// ExternalSecretRef alone, in a plain test chart (no Tenant, no HooksNamespace). Imports come from
// the defining modules: the package index also loads the validators and the CLI.

// Testing.chart() makes a temp outdir for its app; nothing is written there, and it is removed after the file.
const charts: Chart[] = [];
afterAll(() => {
  for (const c of charts.splice(0)) fs.rmSync(App.of(c).outdir, { recursive: true, force: true });
});

const awxToken: ExternalSecretRefProps = {
  name: 'awx-token',
  namespace: 'stoa-hooks',
  store: { kind: 'ClusterSecretStore', name: 'stoa-qa' },
  remoteKey: 'platform/awx',
  property: 'token',
};

/** The one ExternalSecret of an ExternalSecretRef with `props` (over the AWX token above), and the construct. */
function synth(props: Partial<ExternalSecretRefProps> = {}): { secret: any; ref: ExternalSecretRef } {
  const chart = Testing.chart();
  charts.push(chart);
  const ref = new ExternalSecretRef(chart, 'secret', { ...awxToken, ...props });
  const objects = Testing.synth(chart);
  expect(objects).toHaveLength(1);
  return { secret: objects[0], ref };
}

describe('ExternalSecretRef', () => {
  test('reads one property of a key through the ClusterSecretStore into a Secret of the same name, with no value in git', () => {
    const { secret } = synth();
    expect(secret.apiVersion).toBe('external-secrets.io/v1');
    expect(secret.kind).toBe('ExternalSecret');
    // The whole object, so nothing else (no data, no stringData) could carry a value.
    expect(Object.keys(secret).sort()).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(secret.metadata).toEqual({ name: 'awx-token', namespace: 'stoa-hooks' });
    expect(secret.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'stoa-qa' },
      target: { name: 'awx-token' },
      data: [{ secretKey: 'token', remoteRef: { key: 'platform/awx', property: 'token' } }],
    });
  });

  test("a workload finds the value at secretName / secretKey, the property's name unless a key is given", () => {
    const { ref } = synth();
    expect({ name: ref.secretName, key: ref.secretKey }).toEqual({ name: 'awx-token', key: 'token' });
    const renamed = synth({ secretKey: 'AWX_TOKEN' });
    expect(renamed.ref.secretKey).toBe('AWX_TOKEN');
    expect(renamed.secret.spec.data).toEqual([{ secretKey: 'AWX_TOKEN', remoteRef: { key: 'platform/awx', property: 'token' } }]);
  });

  test("without a property the whole value lands under the key 'value'", () => {
    const { secret, ref } = synth({ name: 'upstream-api-key', namespace: 'tenant-acme', remoteKey: 'tenants/acme/upstream', property: undefined });
    expect(ref.secretKey).toBe('value');
    expect(secret.spec.data).toEqual([{ secretKey: 'value', remoteRef: { key: 'tenants/acme/upstream' } }]);
    expect(secret.spec.target).toEqual({ name: 'upstream-api-key' });
  });

  test("a tenant's secret reads through the namespace's own SecretStore", () => {
    const { secret } = synth({
      name: 'upstream-api-key', namespace: 'tenant-acme', store: { kind: 'SecretStore', name: 'tenant-secrets' }, remoteKey: 'tenants/acme/upstream',
    });
    expect(secret.metadata.namespace).toBe('tenant-acme');
    expect(secret.spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: 'tenant-secrets' });
  });

  test('annotations such as a sync wave are carried, and the refresh interval can be changed', () => {
    const { secret } = synth({ annotations: { [SYNC_WAVE_ANNOTATION]: '-1' }, refreshInterval: '15m' });
    expect(secret.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-1' });
    expect(secret.spec.refreshInterval).toBe('15m');
  });
});
