import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { listFiles } from '../lib/files';
import { compileCrdSchema, crdValidatorSource, loadPrecompiled } from '../lib/validate/crd-validators';
import { DEFAULT_CRD_SCHEMA_DIR, SchemaCatalog } from '../lib/validate/schema-catalog';
import { REPO, tempDir } from './helpers';

const VALIDATORS = path.join(REPO, 'schemas', 'validators');
const schemaFiles = listFiles(DEFAULT_CRD_SCHEMA_DIR).filter((f) => f.endsWith('.json'));

/**
 * What crdValidatorSource (lib/validate/crd-validators.ts, as `npm run schemas` runs it) generates
 * now for every schema, by path: seconds of ajv's code generation, so made on a worker thread
 * started as this file loads, while the other test modules of its group run. The worker loads the
 * library's sources through tsx, as the render workers do from a checkout (lib/project/unit-workers.ts).
 */
const regenerated: Promise<Record<string, string>> = new Promise((resolve, reject) => {
  const worker = new Worker(`
const { parentPort, workerData } = require('worker_threads');
const fs = require('fs');
const path = require('path');
require(workerData.tsx);
const { crdValidatorSource } = require(workerData.module);
const out = {};
for (const rel of workerData.files) out[rel] = crdValidatorSource(fs.readFileSync(path.join(workerData.dir, rel), 'utf8'));
parentPort.postMessage(out);
`, {
    eval: true,
    workerData: { tsx: require.resolve('tsx/cjs'), module: path.join(REPO, 'lib', 'validate', 'crd-validators.ts'), dir: DEFAULT_CRD_SCHEMA_DIR, files: schemaFiles },
  });
  worker.unref();
  worker.once('message', resolve);
  worker.once('error', reject);
  worker.once('exit', (code) => reject(new Error(`the validator worker exited (${code}) without an answer`)));
});
// Awaited by the tests; a run that leaves them out (-t) must not fail on an unhandled rejection.
regenerated.catch(() => undefined);

/**
 * The schema of a kind compiled at run time, by ajv directly and by a catalog of that schema alone
 * in a folder without validators/: once per kind, for both objects of the kind below (ajv sets a
 * validator's errors at every call; a catalog keeps what it compiled).
 */
const compiled = new Map<string, { runtime: ReturnType<typeof compileCrdSchema>; alone: SchemaCatalog }>();
function compiledNow(apiVersion: string, kind: string, text: string): { runtime: ReturnType<typeof compileCrdSchema>; alone: SchemaCatalog } {
  const key = `${apiVersion}/${kind}`;
  if (!compiled.has(key)) {
    const alone = path.join(tempDir('stoa-runtime-'), 'crds');
    fs.mkdirSync(path.join(alone, apiVersion), { recursive: true });
    fs.writeFileSync(path.join(alone, apiVersion, `${kind}.json`), text);
    compiled.set(key, { runtime: compileCrdSchema(text), alone: new SchemaCatalog(alone) });
  }
  return compiled.get(key)!;
}

describe('precompiled CRD validators', () => {
  test('there is one for every CRD schema, made from exactly its text', () => {
    expect(listFiles(VALIDATORS).sort()).toEqual(schemaFiles.map((f) => f.replace(/\.json$/, '.js')).sort());
    for (const rel of schemaFiles) {
      const file = path.join(DEFAULT_CRD_SCHEMA_DIR, rel);
      expect({ rel, loaded: typeof loadPrecompiled(file, fs.readFileSync(file, 'utf8'), DEFAULT_CRD_SCHEMA_DIR, VALIDATORS) }).toEqual({ rel, loaded: 'function' });
    }
  });

  // What `npm run schemas` writes for each schema (scripts/extract-crd-schemas.ts calls crdValidatorSource),
  // regenerated for every kind and compared byte for byte: a changed ajv, ajv option or schema transform
  // fails here until the validators are regenerated (their header only names the schema text's hash).
  test('the committed code is what npm run schemas generates now, for every kind', async () => {
    const generated = await regenerated;
    expect(Object.keys(generated).sort()).toEqual([...schemaFiles].sort());
    const stale = schemaFiles.filter((rel) => fs.readFileSync(path.join(VALIDATORS, rel.replace(/\.json$/, '.js')), 'utf8') !== generated[rel]);
    expect(stale).toEqual([]);
  }, 300_000);

  test('the worker thread generates what crdValidatorSource generates here', async () => {
    // One kind, the smallest, generated on this thread too: the worker runs the same code.
    const rel = [...schemaFiles].sort((a, b) => fs.statSync(path.join(DEFAULT_CRD_SCHEMA_DIR, a)).size - fs.statSync(path.join(DEFAULT_CRD_SCHEMA_DIR, b)).size)[0];
    expect((await regenerated)[rel]).toBe(crdValidatorSource(fs.readFileSync(path.join(DEFAULT_CRD_SCHEMA_DIR, rel), 'utf8')));
  });

  test('a validator made from another schema text is not used', () => {
    const dir = tempDir('stoa-validators-');
    const crds = path.join(dir, 'crds', 'keda.sh', 'v1alpha1');
    fs.mkdirSync(crds, { recursive: true });
    fs.mkdirSync(path.join(dir, 'validators', 'keda.sh', 'v1alpha1'), { recursive: true });
    const text = fs.readFileSync(path.join(DEFAULT_CRD_SCHEMA_DIR, 'keda.sh/v1alpha1/ScaledObject.json'), 'utf8');
    fs.writeFileSync(path.join(crds, 'ScaledObject.json'), text.replace('"description"', '"title":"changed","description"'));
    fs.copyFileSync(path.join(VALIDATORS, 'keda.sh/v1alpha1/ScaledObject.js'), path.join(dir, 'validators', 'keda.sh/v1alpha1/ScaledObject.js'));
    const changed = fs.readFileSync(path.join(crds, 'ScaledObject.json'), 'utf8');
    expect(loadPrecompiled(path.join(crds, 'ScaledObject.json'), changed, path.join(dir, 'crds'), path.join(dir, 'validators'))).toBeUndefined();
    // The catalog then compiles the schema itself, and still checks.
    const catalog = new SchemaCatalog(path.join(dir, 'crds'));
    expect(catalog.check({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'x' } } as any)).toEqual({ known: true, errors: ["(root): must have required property 'spec'"] });
  });

  test.each<[string, unknown]>([
    ['Application, valid', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'a' }, spec: { project: 'p', destination: { server: 'https://k', namespace: 'n' }, source: { repoURL: 'https://g', path: 'x', targetRevision: 'main' } } }],
    ['Application, unknown field and wrong type', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'a' }, spec: { project: 1, destination: {}, source: { repoURL: 'https://g', pathh: 'x' }, syncPolicy: { automated: { prune: 'yes' } } } }],
    ['AppProject, valid', { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'p' }, spec: { sourceRepos: ['https://g'], destinations: [{ server: 'https://k', namespace: 'n' }], roles: [{ name: 'r', policies: ['p, proj:p:r, applications, get, p/*, allow'] }] } }],
    ['AppProject, bad roles', { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'p' }, spec: { roles: [{ policies: 'p' }], destinations: [{ server: 1 }] } }],
    ['Rollout, bad strategy', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'r' }, spec: { strategy: { canary: { steps: [{ setWeight: 'ten' }, { pause: { duration: [] } }] } }, selector: {} } }],
    ['Rollout, valid', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'r' }, spec: { replicas: 2, selector: { matchLabels: { app: 'r' } }, strategy: { canary: { steps: [{ setWeight: 20 }, { pause: { duration: '1m' } }] } }, template: { metadata: { labels: { app: 'r' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } } } }],
    ['ScaledObject, valid', { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 's' }, spec: { scaleTargetRef: { name: 'd' }, minReplicaCount: 1, triggers: [{ type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } }] } }],
    ['ScaledObject, missing target', { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 's' }, spec: { triggers: [{ type: 'cpu', metadata: { value: 1 } }] } }],
    ['ExternalSecret, valid', { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'e' }, spec: { refreshInterval: '1h', secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' }, target: { name: 't' }, data: [{ secretKey: 'k', remoteRef: { key: 'a/b', property: 'p' } }] } }],
    ['ExternalSecret, bad refresh and data', { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'e' }, spec: { refreshInterval: 5, data: [{ secretKey: 1, remoteRef: {} }], extra: true } }],
  ])('%s: the same findings as a validator compiled now', (name, object) => {
    const { apiVersion, kind } = object as { apiVersion: string; kind: string };
    const file = path.join(DEFAULT_CRD_SCHEMA_DIR, apiVersion, `${kind}.json`);
    const text = fs.readFileSync(file, 'utf8');
    const precompiled = loadPrecompiled(file, text, DEFAULT_CRD_SCHEMA_DIR, VALIDATORS)!;
    const { runtime, alone } = compiledNow(apiVersion, kind, text);
    expect(precompiled(object)).toBe(runtime(object));
    expect(precompiled.errors ?? null).toEqual(runtime.errors ?? null);
    expect(precompiled(object)).toBe(name.endsWith(', valid'));
    // And the catalog's messages (describeAjvErrors): with the committed validators, and with the schema
    // alone in a folder without validators/ (compiled at run time).
    const withPrecompiled = new SchemaCatalog().check(object as { apiVersion: string; kind: string });
    expect(withPrecompiled).toEqual(alone.check(object as { apiVersion: string; kind: string }));
    expect(withPrecompiled).toEqual({ known: true, errors: name.endsWith(', valid') ? [] : expect.arrayContaining([expect.any(String)]) });
  });
});
