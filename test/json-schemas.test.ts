import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import * as fc from 'fast-check';
import { z } from 'zod';
import { environmentFileSchema } from '../lib/config/environment-config';
import { parseInputYaml } from '../lib/config/input-yaml';
import { InputFileKind, inputJsonSchemaFiles, inputJsonSchemas, JSON_SCHEMA_FOLDER, jsonSchemaPath } from '../lib/config/json-schemas';
import { tenantFileSchema } from '../lib/config/tenant-config';
import { readYamlFile } from '../lib/config/yaml-file';
import { tenantSchemaLine } from '../lib/workflow/schema-line';
import { addTenant } from '../lib/workflow/tenant-add';
import { EXAMPLE, exampleProject, REPO, tempDir, writeFile } from './helpers';

/**
 * The JSON Schemas editors check input files with (schemas/json/, docs/editors.md) against the runtime
 * validation (`validate`, every command that reads the files): both accept every bundled and fixture
 * file; the JSON Schema never refuses a file the runtime accepts; and the runtime's refusals the JSON
 * Schema cannot make are listed here (KNOWN_GAPS), so that list grows only on purpose.
 */

const SCHEMAS = inputJsonSchemas();
// Strict, but for subschemas (if/then, anyOf) that name a type or a required property the schema around them defines.
const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
// The YAML and JSON language servers' message of a failed pattern: no keyword of the draft.
ajv.addKeyword('patternErrorMessage');
const validators: Record<InputFileKind, ValidateFunction> = { tenant: ajv.compile(SCHEMAS.tenant), environment: ajv.compile(SCHEMAS.environment) };
const runtimeSchemas: Record<InputFileKind, z.ZodType> = { tenant: tenantFileSchema, environment: environmentFileSchema };
const FOLDERS: Record<InputFileKind, string> = { tenant: 'tenants', environment: 'environments' };

/** The JSON Schema's verdict on a file: its errors, or [] when it accepts it. The file is read as the runtime reads it. */
function jsonSchemaErrors(kind: InputFileKind, file: string): string[] {
  const parsed = parseInputYaml(fs.readFileSync(file, 'utf8'), file);
  if (!parsed.ok) throw new Error(`${file} is not YAML the JSON Schema can judge: ${parsed.problems[0].message}`);
  return dataErrors(kind, parsed.doc.toJS());
}

function dataErrors(kind: InputFileKind, data: unknown): string[] {
  return validators[kind](data) ? [] : (validators[kind].errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

/** The runtime's verdict on one file (its own checks, not those across files): its problems, or [] when it accepts it. */
function runtimeProblems(kind: InputFileKind, file: string): Array<{ field: string; message: string }> {
  const result = readYamlFile(file, path.relative(REPO, file), runtimeSchemas[kind]);
  return result.ok ? [] : result.problems.map((p) => ({ field: p.field, message: p.message }));
}

const yamlFiles = (dir: string) => fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f));
const KINDS: InputFileKind[] = ['tenant', 'environment'];

/** The repository's own input files (the product's example) and the tests' example. */
const INPUT_FILES = KINDS.flatMap((kind) => [REPO, EXAMPLE].flatMap((root) => yamlFiles(path.join(root, FOLDERS[kind])).map((file) => ({ kind, file }))));

const BAD_INPUT = path.join(__dirname, 'fixtures', 'bad-input');
/** Each file of the bad-input corpus: its first line says the field and what is wrong (`# owners.groups[0]: is "*"`). */
const CORPUS = KINDS.flatMap((kind) => yamlFiles(path.join(BAD_INPUT, FOLDERS[kind])).map((file) => {
  const first = fs.readFileSync(file, 'utf8').split('\n')[0];
  const m = /^# ([^:]+): (.+)$/.exec(first);
  if (!m) throw new Error(`${file}: the first line must be "# <field>: <what is wrong>"`);
  return { kind, file, name: `${FOLDERS[kind]}/${path.basename(file)}`, field: m[1] === '(file)' ? '' : m[1], what: m[2] };
}));

/**
 * The bad inputs the runtime refuses and the JSON Schema accepts, and why it cannot refuse them: a rule
 * between fields (or with a value of another field), a check no JSON Schema keyword makes, or a length a
 * refinement counts in UTF-16 units where a pattern counts code points. `stoa-manifests validate` reports
 * them, and what no single file shows: the checks across files (docs/editors.md lists them) and the
 * limits of the YAML reader (size, depth, aliases, keys given twice).
 */
const KNOWN_GAPS: Record<string, string> = {
  'tenants/secret-other-tenant.yaml': 'a secret key must start with tenants/<name>/: a prefix taken from the name field',
  'tenants/secret-climbing.yaml': 'the same rule: a path under tenants/<name>/ without "..", "." or empty segments',
  'tenants/secret-named-twice.yaml': 'a field unique across the items of a list (uniqueItems compares whole items)',
  'tenants/leaving-also-deployed.yaml': 'no environment both in environments and in leaving: a rule between two lists',
  'environments/component-unknown.yaml': 'components may name the catalog\'s and those of extraComponents: keys from another field',
  'environments/extra-component-host-taken.yaml': 'host prefixes unique across the catalog and extraComponents',
  'environments/hotfix-version-mismatch.yaml': 'a hotfix\'s version equals components.<name>: a value compared with another field',
  'environments/hotfix-reason-short.yaml': 'at least 3 characters after trimming, counted in UTF-16 units, as a pattern cannot',
  'environments/repo-credentials-type-mismatch.yaml': 'the login type matches the scheme of repo.url',
  'environments/repo-credentials-property-of-other-type.yaml': 'the credential properties allowed depend on the login type',
  'environments/repo-credentials-url-prefix.yaml': 'urlPrefix is a prefix of repo.url',
  'environments/repo-signer-not-a-key.yaml': 'the base64 of an SSH key decodes to a key of its type',
  'environments/sync-window-time-zone.yaml': 'a time zone of the runtime\'s time zone database (Intl)',
};

describe('the committed JSON Schemas', () => {
  test('are the generated ones, byte for byte (npm run json-schemas writes them)', () => {
    const generated = inputJsonSchemaFiles();
    for (const [file, text] of Object.entries(generated)) {
      const committed = fs.existsSync(path.join(REPO, file)) ? fs.readFileSync(path.join(REPO, file), 'utf8') : '(missing)';
      // A mismatch: run `npm run json-schemas` and commit schemas/json/.
      expect({ file, text: committed }).toEqual({ file, text });
    }
    expect(fs.readdirSync(path.join(REPO, JSON_SCHEMA_FOLDER)).sort()).toEqual(Object.keys(generated).map((f) => path.basename(f)).sort());
  });

  test('are draft-07 schemas, titled, with a description of every field', () => {
    const undescribed: string[] = [];
    const walk = (schema: Record<string, any>, at: string) => {
      for (const [name, sub] of Object.entries<Record<string, any>>(schema.properties ?? {})) {
        if (typeof sub.description !== 'string' || sub.description.length < 10) undescribed.push(`${at}${name}`);
        walk(sub, `${at}${name}.`);
      }
      // Into list items, map values and the alternatives of a union (not the anyOf of a rule, which names fields again).
      for (const sub of [schema.items, schema.additionalProperties, ...(schema.anyOf ?? []).filter((b: Record<string, unknown>) => 'type' in b)]) {
        if (sub && typeof sub === 'object') walk(sub, at);
      }
    };
    for (const kind of KINDS) {
      expect(SCHEMAS[kind].$schema).toBe('http://json-schema.org/draft-07/schema#');
      expect(ajv.validateSchema(SCHEMAS[kind])).toBe(true);
      expect(SCHEMAS[kind].title).toMatch(new RegExp(`^STOA ${kind} file`));
      walk(SCHEMAS[kind], `${kind}: `);
    }
    expect(undescribed).toEqual([]);
  });

  test('state every default in the description, as the hover text shows it', () => {
    const missing: string[] = [];
    const walk = (schema: Record<string, any>, at: string) => {
      for (const [name, sub] of Object.entries<Record<string, any>>(schema.properties ?? {})) {
        if ('default' in sub && !/Default: /.test(sub.description)) missing.push(`${at}${name}`);
        walk(sub, `${at}${name}.`);
      }
    };
    for (const kind of KINDS) walk(SCHEMAS[kind], `${kind}: `);
    expect(missing).toEqual([]);
  });
});

describe('the line that gives editors the schema', () => {
  test.each(INPUT_FILES.map((f) => [path.relative(REPO, f.file), f.kind] as const))('%s starts with it, and its path leads to the %s schema', (rel, kind) => {
    const first = fs.readFileSync(path.join(REPO, rel), 'utf8').split('\n')[0];
    const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    expect(m).not.toBeNull();
    expect(path.resolve(path.dirname(path.join(REPO, rel)), m![1])).toBe(path.join(REPO, jsonSchemaPath(kind)));
  });
});

describe('the JSON Schema and the runtime agree', () => {
  test.each(INPUT_FILES.map((f) => [path.relative(REPO, f.file), f.kind] as const))('%s is accepted by both', (rel, kind) => {
    expect(runtimeProblems(kind, path.join(REPO, rel))).toEqual([]);
    expect(jsonSchemaErrors(kind, path.join(REPO, rel))).toEqual([]);
  });

  test.each(CORPUS.map((c) => [c.name, c] as const))('bad input %s is refused by the runtime at the field its first line names', (_name, c) => {
    const problems = runtimeProblems(c.kind, c.file);
    expect(problems.map((p) => p.field)).toContain(c.field);
  });

  test('the JSON Schema refuses every bad input but the known gaps, each for a reason JSON Schema cannot state', () => {
    const accepted = CORPUS.filter((c) => jsonSchemaErrors(c.kind, c.file).length === 0).map((c) => c.name);
    // A new name here: express the rule in the zod schema as a pattern or its JSON Schema metadata, or list it
    // with the reason. A name gone from here: the JSON Schema now refuses it, drop it from the list.
    expect(accepted.sort()).toEqual(Object.keys(KNOWN_GAPS).sort());
  });

  /** Files the runtime accepts, near the edges of what the patterns refuse: the JSON Schema must accept them too. */
  const TENANT = 'name: acme\ntier: gold\nowners:\n  groups: [acme-platform-team]\nenvironments: [dev, staging, prod]\n';
  const ENVIRONMENT = fs.readFileSync(path.join(BAD_INPUT, 'environments', 'mode-unknown.yaml'), 'utf8').replace('mode: readonly', 'mode: full');
  const STORE = 'secretStore:\n  name: stoa-dev\n  infisical:\n    projectSlug: stoa\n    environmentSlug: dev\n    identityId: { name: infisical, namespace: external-secrets, key: id }\n';
  // An ssh-ed25519 public key: a blob of its type and 32 bytes.
  const blob = (type: string) => Buffer.concat([Buffer.from([0, 0, 0, type.length]), Buffer.from(type), Buffer.from([0, 0, 0, 32]), Buffer.alloc(32, 7)]).toString('base64');
  const edges: Array<[string, InputFileKind, string]> = [
    ['owners with spaces inside, letters of any script, "@", ":" after other words', 'tenant',
      TENANT.replace('groups: [acme-platform-team]', 'users: ["Zoë Müller", "ops@acme.example", "oidc:team", "systems:x", "System", "rolex:x", "proj-x"]')],
    ['a display name of exactly 128 characters', 'tenant', TENANT.replace('tier:', `displayName: ${'A'.repeat(128)}\ntier:`)],
    ['a display name of 128 emoji, 256 UTF-16 units (zod counts code points, as JSON Schema does)', 'tenant', TENANT.replace('tier:', `displayName: "${'\u{1F600}'.repeat(128)}"\ntier:`)],
    ['a tenant leaving its only environment, with its deprovision hook', 'tenant',
      TENANT.replace('[dev, staging, prod]', '[]') + 'leaving: [dev]\nhooks:\n  postDelete: https://awx.stoa.example.com:8443/api/v2/workflow_job_templates/14/launch\n'],
    ['secrets with dots in their paths, an autoscaled tier with keda', 'tenant',
      TENANT.replace('gold', 'silver') + 'gateway:\n  autoscaler: keda\nsecrets:\n  - name: api\n    key: tenants/acme/a.b/c\n    property: api-key.v2\n'],
    ['the newest two-digit Kubernetes version, a 63-character domain label', 'environment',
      ENVIRONMENT.replace('"1.30"', '"1.99"').replace('domain: dev.stoa', `domain: ${'d'.repeat(63)}.stoa`)],
    ['the oldest Kubernetes version, admission off', 'environment', ENVIRONMENT.replace('"1.30"', '"1.28"') + 'admission: false\n'],
    ['admission on 1.30 and a plain http webhook inside the cluster', 'environment',
      ENVIRONMENT + 'admission: {}\ntenantReady:\n  url: http://control-plane.stoa-system.svc.cluster.local:8080/ready\n'],
    ['cron names, steps and lists; CIDRs /32 and /1', 'environment',
      ENVIRONMENT + 'syncWindows:\n  - schedule: "0 8,12 1-15/2 JAN MON-FRI"\n    duration: 90m\n  - schedule: "*/5  * * * *"\n    duration: 1h\n    timeZone: UTC\ninternalCidrs: [10.0.0.0/32, 0.0.0.0/1]\n'],
    ['a revision with slashes and dots, a signer\'s key with a comment', 'environment',
      ENVIRONMENT.replace('revision: main', `revision: release/v1.2.0-rc.1\n  signers:\n    - name: CI bot@stoa+1\n      key: ssh-ed25519 ${blob('ssh-ed25519')} ci@stoa`)],
    ['infisical alone; an Argo CD namespace that starts like a tenant\'s', 'environment', ENVIRONMENT + STORE + 'argocd:\n  namespace: tenantx\n'],
    ['project groups with spaces inside', 'environment', ENVIRONMENT + 'access:\n  viewers: ["Platform Team", "proj-x"]\n  releasers: ["stoa:release"]\n'],
    ['a hotfix in a full environment promoted from another', 'environment',
      ENVIRONMENT.replace('color: green', 'color: green\npromotedFrom: staging') + 'hotfixes:\n  stoa-gateway: { version: 1.9.0, reason: CVE-2026-1234 }\n'],
    ['previews in a full environment', 'environment',
      ENVIRONMENT + 'previews:\n  pullRequests:\n    gitea: { owner: stoa, repo: stoa-manifests, api: "https://gitea.stoa.example.com" }\n  tokenSecret: { name: scm, key: token }\n  targetBranch: release/2026.1\n'],
  ];
  test.each(edges)('both accept %s', (_name, kind, text) => {
    const file = path.join(tempDir(), `${kind}.yaml`);
    fs.writeFileSync(file, text);
    expect(runtimeProblems(kind, file)).toEqual([]);
    expect(jsonSchemaErrors(kind, file)).toEqual([]);
  });

  /** Strings made of the pieces the owner and group patterns turn on. */
  const tricky = fc.array(fc.constantFrom(
    'a', 'Z', '0', '-', '.', ':', '@', ' ', '\t', '\n', '\u0085', '\u200b', '\u2028', '\u00a0', 'é', '\u{1F600}',
    '*', ',', '"', 'system:', 'SyStEm:', 'sys', 'role:', 'ROLE:', 'proj:', 'Proj:', 'group:', 'rolex:', '\u212a',
  ), { maxLength: 8 }).map((parts) => parts.join(''));
  const refusedByRuntime = (schema: { safeParse: (d: unknown) => { success: boolean } }, data: unknown) => !schema.safeParse(data).success;

  test('an owner is refused by the JSON Schema exactly when the runtime refuses it (every owner rule is a pattern)', () => {
    const base = { name: 'acme', tier: 'gold', environments: ['dev'] };
    fc.assert(fc.property(tricky, fc.boolean(), (owner, asGroup) => {
      const tenant = { ...base, owners: asGroup ? { groups: [owner] } : { users: [owner] } };
      expect(dataErrors('tenant', tenant).length > 0).toBe(refusedByRuntime(tenantFileSchema, tenant));
    }), { numRuns: 1000 });
  });

  test('a project group is refused by the JSON Schema exactly when the runtime refuses it', () => {
    const parsed = parseInputYaml(ENVIRONMENT, 'dev.yaml');
    if (!parsed.ok) throw new Error('the base environment does not parse');
    const base = parsed.doc.toJS();
    fc.assert(fc.property(tricky, (group) => {
      const env = { ...base, access: { viewers: [group], releasers: ['stoa-release-managers'] } };
      expect(dataErrors('environment', env).length > 0).toBe(refusedByRuntime(environmentFileSchema, env));
    }), { numRuns: 1000 });
  });

  test('a display name the runtime accepts is accepted by the JSON Schema, whatever its characters', () => {
    const text = fc.array(fc.constantFrom('A', ' ', 'é', '\u{1F600}', '\u4e2d'), { minLength: 1, maxLength: 140 }).map((p) => p.join(''));
    fc.assert(fc.property(text, (displayName) => {
      const tenant = { name: 'acme', displayName, tier: 'gold', owners: { users: ['alice'] }, environments: ['dev'] };
      if (!refusedByRuntime(tenantFileSchema, tenant)) expect(dataErrors('tenant', tenant)).toEqual([]);
    }), { numRuns: 500 });
  });
});

describe('owners that mean everyone', () => {
  test.each([
    ['a group "*" (tenant add --owner "group:*")', { groups: ['*'] }, /owners\.groups\[0\]: must not contain ",", '"' or "\*": it is written into Argo CD's RBAC policy, where they add fields or match everyone/],
    ['a group "system:*"', { groups: ['system:*'] }, /owners\.groups\[0\]: must not be a Kubernetes "system:" user or group \(e\.g\. system:authenticated means every user\)/],
    ['a user "system:anonymous"', { users: ['system:anonymous'] }, /owners\.users\[0\]: must not be a Kubernetes "system:" user or group/],
    ['a user "*"', { users: ['*'] }, /owners\.users\[0\]: must not contain ",", '"' or "\*"/],
  ])('tenant add refuses %s, naming the rule, and writes nothing', (_name, owners, expected) => {
    const project = exampleProject();
    expect(() => addTenant({ projectDir: project, name: 'umbrella', tier: 'bronze', ...owners })).toThrow(expected);
    expect(fs.existsSync(path.join(project, 'tenants', 'umbrella.yaml'))).toBe(false);
  });
});

describe('tenant add writes the line that gives editors the schema', () => {
  const add = (project: string) => {
    addTenant({ projectDir: project, name: 'umbrella', tier: 'bronze', groups: ['umbrella-team'] });
    return fs.readFileSync(path.join(project, 'tenants', 'umbrella.yaml'), 'utf8').split('\n');
  };

  test('the line of an existing tenant file, as it is', () => {
    const project = exampleProject();
    writeFile(project, 'tenants/acme.yaml', fs.readFileSync(path.join(project, 'tenants', 'acme.yaml'), 'utf8')
      .replace(/^# yaml-language-server: .*$/m, '# yaml-language-server: $schema=https://schemas.example.com/tenant.json'));
    expect(add(project).slice(0, 2)).toEqual(['# yaml-language-server: $schema=https://schemas.example.com/tenant.json', '# Written by stoa-manifests tenant add.']);
  });

  test('else the path to the schema of the stoa-manifests installed in the project\'s node_modules', () => {
    const project = exampleProject();
    for (const f of fs.readdirSync(path.join(project, 'tenants'))) fs.rmSync(path.join(project, 'tenants', f));
    writeFile(project, `node_modules/stoa-manifests/${jsonSchemaPath('tenant')}`, '{}');
    expect(add(project)[0]).toBe('# yaml-language-server: $schema=../node_modules/stoa-manifests/schemas/json/tenant.schema.json');
  });

  test('else, for a project inside this package (this repository), the path to its own schema', () => {
    // Asked, not written: a tenants/ folder of this repository without files.
    expect(tenantSchemaLine(path.join(REPO, 'no-such-folder', 'tenants'), REPO)).toBe('# yaml-language-server: $schema=../../schemas/json/tenant.schema.json');
    expect(tenantSchemaLine(path.join(REPO, 'tenants'), REPO)).toBe('# yaml-language-server: $schema=../schemas/json/tenant.schema.json');
  });

  test('and none when the package is outside the project: a path to it would hold on this machine only', () => {
    const project = exampleProject();
    for (const f of fs.readdirSync(path.join(project, 'tenants'))) fs.rmSync(path.join(project, 'tenants', f));
    expect(add(project)[0]).toBe('# Written by stoa-manifests tenant add.');
  });

  test('the file written is accepted by the JSON Schema too', () => {
    const project = exampleProject();
    add(project);
    expect(jsonSchemaErrors('tenant', path.join(project, 'tenants', 'umbrella.yaml'))).toEqual([]);
  });
});
