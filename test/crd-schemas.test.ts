import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_CRD_SCHEMA_DIR } from '../lib/validate/schema-catalog';
import { extractCrdSchemas } from '../lib/validate/crd-schemas';
import { goPatternToJs } from '../lib/validate/crd-validators';
import { checkSchemas } from '../lib/validate/validate';
import { readTree, REPO } from './helpers';

const SHARED_CRDS = path.resolve(REPO, 'crds');

/** What `npm run schemas` extracts from crds/ (4 MB of YAML): extracted once for both tests. */
let extraction: ReturnType<typeof extractCrdSchemas> | undefined;
const extractedNow = () => (extraction ??= extractCrdSchemas(SHARED_CRDS));

test('the committed CRD schemas are exactly what npm run schemas extracts from crds/', () => {
  const extracted = extractedNow();
  const committed = readTree(DEFAULT_CRD_SCHEMA_DIR);
  expect(extracted.map((f) => f.path)).toEqual([...committed.keys()]);
  for (const f of extracted) expect(committed.get(f.path)).toBe(f.content);
});

test('every served CRD version has a schema, with its scope', () => {
  const paths = extractedNow().map((f) => f.path);
  expect(paths).toContain('argoproj.io/v1alpha1/Application.json');
  expect(paths).toContain('external-secrets.io/v1/ExternalSecret.json');
  // v1beta1 of External Secrets is listed but not served.
  expect(paths.some((p) => p.startsWith('external-secrets.io/v1beta1/'))).toBe(false);
  const store = JSON.parse(fs.readFileSync(path.join(DEFAULT_CRD_SCHEMA_DIR, 'external-secrets.io/v1/ClusterSecretStore.json'), 'utf8'));
  expect(store['x-stoa-scope']).toBe('Cluster');
});

test('a Go pattern is read as the same set of strings, or refused when generating the schemas', () => {
  // PrometheusRule's partial_response_strategy: ^(?i)(abort|warn)?$ in Go.
  const rules = extractedNow().find((f) => f.path === 'monitoring.coreos.com/v1/PrometheusRule.json')!;
  const check = (strategy: string) => checkSchemas([{
    path: 'prod/platform/alerts/prometheusrule-x.yaml',
    object: { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'x', namespace: 'monitoring' }, spec: { groups: [{ name: 'g', partial_response_strategy: strategy, rules: [] }] } },
  }]);
  expect(rules).toBeDefined();
  for (const ok of ['abort', 'WARN', 'Abort', '']) expect(check(ok)).toEqual([]);
  for (const bad of ['ignore', 'aborts', ' warn']) expect(check(bad).map((v) => v.message).join('\n')).toMatch(/pattern/);
  expect(goPatternToJs('^[a-z]+$')).toBe('^[a-z]+$');
  expect(() => goPatternToJs('^(?s).*$')).toThrow(/Go regular expression syntax/);
  expect(() => goPatternToJs('^(?i)[a-z]+$')).toThrow(/Go regular expression syntax/);
});
