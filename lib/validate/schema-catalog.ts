import * as fs from 'fs';
import * as path from 'path';
import type { ErrorObject } from 'ajv';
import { CoreFields } from './core-fields';
import { compileCrdSchema, CrdValidator, loadPrecompiled } from './crd-validators';

/** Result of checking one object against its schema. */
export type SchemaResult =
  | { readonly known: true; readonly errors: readonly string[] }
  | { readonly known: false };

/**
 * Folder of the CRD schemas shipped with the package (`npm run schemas` writes it):
 * `schemas/crds` at the package root, found from the sources (`lib/validate`) and
 * from the compiled code (`build/lib/validate`) alike.
 */
export const DEFAULT_CRD_SCHEMA_DIR = findUp(path.join('schemas', 'crds'), __dirname);

/**
 * Field map of the core Kubernetes types shipped with the package (`npm run schemas` writes it
 * from the declarations of `kubernetes-models`), used to reject unknown fields of core kinds.
 */
export const DEFAULT_CORE_FIELDS_FILE = findUp(path.join('schemas', 'core-fields.json'), __dirname);

function findUp(rel: string, from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, rel))) return path.join(dir, rel);
    if (path.dirname(dir) === dir) return path.resolve(from, '..', '..', rel);
  }
}

type Check = (obj: unknown) => string[];

/**
 * Pod templates inside custom resources whose CRD leaves parts of the template
 * unchecked (Argo Rollouts drops container fields from its schema to stay small):
 * they are checked again with the core PodTemplateSpec schema.
 */
const EMBEDDED_POD_TEMPLATES: Readonly<Record<string, readonly string[]>> = {
  'argoproj.io/v1alpha1/Rollout': ['spec', 'template'],
};

/**
 * Finds and runs the schema of a Kubernetes object, offline:
 * core kinds with the precompiled OpenAPI validators of `kubernetes-models`
 * (Kubernetes 1.33 API, a superset of the 1.28+ we target) plus its field map for
 * unknown fields, custom resources with the openAPIV3Schema of the pinned CRDs
 * (Argo CD, Argo Rollouts, KEDA, External Secrets). Validators are loaded on first use and kept:
 * precompiled ones from `validators/` beside the schema folder when made from the same schema text,
 * else compiled then.
 */
export class SchemaCatalog {
  private readonly checks = new Map<string, Check | null>();
  private coreFields?: CoreFields;

  /**
   * @param crdSchemaDir folder with `<group>/<version>/<Kind>.json` CRD schemas
   * @param coreFieldsFile field map of the core types (see {@link DEFAULT_CORE_FIELDS_FILE})
   */
  constructor(
    private readonly crdSchemaDir: string = DEFAULT_CRD_SCHEMA_DIR,
    private readonly coreFieldsFile: string = DEFAULT_CORE_FIELDS_FILE,
  ) {}

  /** Checks `obj` against the schema of its apiVersion and kind. */
  public check(obj: { apiVersion?: unknown; kind?: unknown }): SchemaResult {
    if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return { known: false };
    const key = `${obj.apiVersion}/${obj.kind}`;
    let check = this.checks.get(key);
    if (check === undefined) {
      check = this.withEmbeddedTemplate(key, this.crdCheck(obj.apiVersion, obj.kind) ?? this.coreCheck(obj.apiVersion, obj.kind));
      this.checks.set(key, check);
    }
    return check ? { known: true, errors: check(obj) } : { known: false };
  }

  private crdCheck(apiVersion: string, kind: string): Check | null {
    if (!apiVersion.includes('/') || !/^[A-Za-z0-9]+$/.test(kind)) return null;
    const file = path.join(this.crdSchemaDir, apiVersion, `${kind}.json`);
    if (!fs.existsSync(file)) return null;
    const text = fs.readFileSync(file, 'utf8');
    // The validator compiled ahead of time for exactly this schema text, else compiled now (up to a second).
    const validate = loadPrecompiled(file, text, this.crdSchemaDir, path.join(path.dirname(this.crdSchemaDir), 'validators')) ?? compileCrdSchema(text);
    return (obj) => (validate(obj) ? [] : describeErrors(validate));
  }

  private withEmbeddedTemplate(key: string, check: Check | null): Check | null {
    const at = EMBEDDED_POD_TEMPLATES[key];
    const templateCheck = at && this.coreCheck('v1', 'PodTemplateSpec');
    if (!check || !at || !templateCheck) return check;
    return (obj) => {
      const template = at.reduce<any>((o, k) => o?.[k], obj);
      const nested = template === undefined ? [] : templateCheck(template).map((e) => `${at.join('.')}.${e}`.replace('.(root):', ':'));
      // The CRD still checks what it keeps of the template (e.g. its metadata): one message per finding.
      return [...new Set([...check(obj), ...nested])];
    };
  }

  private coreCheck(apiVersion: string, kind: string): Check | null {
    if (!/^[A-Za-z0-9]+$/.test(kind) || !/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion)) return null;
    let model: any;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      model = require(`kubernetes-models/${apiVersion}/${kind}`)[kind];
    } catch {
      return null;
    }
    if (typeof model !== 'function' || typeof model.prototype?.validate !== 'function') return null;
    const validate: (this: unknown) => void = model.prototype.validate;
    // The compiled validators accept any field; the field map (same kubernetes-models version) finds the unknown ones.
    const unknownFields = (this.coreFields ??= new CoreFields(this.coreFieldsFile)).checker(`${apiVersion}/${kind}`);
    return (obj) => {
      let errors: string[] = [];
      try {
        // The model's validate() on the object itself: constructing the model would only copy it (our objects hold no undefined).
        validate.call(obj);
      } catch (e: any) {
        errors = Array.isArray(e?.errors) ? describeAjvErrors(e.errors) : [String(e?.message ?? e)];
      }
      return unknownFields ? [...errors, ...unknownFields(obj)] : errors;
    };
  }
}

function describeErrors(validate: CrdValidator): string[] {
  return describeAjvErrors(validate.errors ?? []);
}

function describeAjvErrors(errors: readonly ErrorObject[]): string[] {
  const seen = new Set<string>();
  for (const e of errors) {
    const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '(root)';
    const detail = e.keyword === 'additionalProperties'
      ? `unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`
      : e.keyword === 'enum'
        ? `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`
        : e.message ?? e.keyword;
    seen.add(`${where}: ${detail}`);
  }
  return [...seen];
}
