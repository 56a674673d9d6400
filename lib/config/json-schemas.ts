import { z } from 'zod';
import { compareStrings } from '../sort';
import { ComponentCatalog } from './component-catalog';
import { environmentFileSchemaFor } from './environment-config';
import { tenantFileSchema } from './tenant-config';

/**
 * JSON Schemas of the input files, generated from the zod schemas that validate them, for editors
 * (completion, hover text, checking as one types; see docs/editors.md). They describe what a person
 * writes (zod's input side: defaults may be left out), and never refuse a file `validate` accepts:
 * what a pattern, enum, bound or `additionalProperties` can say is in them, the refinements and the
 * rules between files are not (test/json-schemas.test.ts lists them).
 */

/** A JSON Schema, as a plain JSON value. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** The input files that have a JSON Schema: `tenants/<name>.yaml` and `environments/<name>.yaml`. */
export type InputFileKind = 'tenant' | 'environment';

/** The folder of the JSON Schemas in this package, from its root (`npm run json-schemas` writes them there). */
export const JSON_SCHEMA_FOLDER = 'schemas/json';

/** The file of the JSON Schema of `kind` in this package, from its root: `schemas/json/tenant.schema.json`. */
export function jsonSchemaPath(kind: InputFileKind): string {
  return `${JSON_SCHEMA_FOLDER}/${kind}.schema.json`;
}

/** The JSON Schemas of the input files. */
export interface InputJsonSchemas {
  /** Of `tenants/<name>.yaml`. */
  readonly tenant: JsonSchema;
  /** Of `environments/<name>.yaml`, with the components of the catalog. */
  readonly environment: JsonSchema;
}

/**
 * The JSON Schemas (draft-07) of the tenant and environment files, from `tenantFileSchema` and
 * `environmentFileSchemaFor(catalog)`: their input side, every pattern with the message zod gives
 * (`patternErrorMessage`, which the YAML and JSON language servers show), and the catalog's
 * components each required in `components`.
 *
 * Draft-07, not zod's default 2020-12: it is the draft the YAML language server (VS Code's Red Hat
 * YAML and the editors that embed it) implements, and the keywords used mean the same in both.
 *
 * @param catalog the platform components an environment file pins versions of
 */
export function inputJsonSchemas(catalog: ComponentCatalog = ComponentCatalog.stoa()): InputJsonSchemas {
  const environment = toJsonSchema(environmentFileSchemaFor(catalog));
  return { tenant: toJsonSchema(tenantFileSchema), environment: withCatalog(environment, catalog) };
}

/**
 * The text of the JSON Schema files, by their path in this package ({@link jsonSchemaPath}): what
 * `npm run json-schemas` writes and a test compares with the committed files.
 *
 * @param catalog the platform components an environment file pins versions of
 */
export function inputJsonSchemaFiles(catalog: ComponentCatalog = ComponentCatalog.stoa()): Record<string, string> {
  const schemas = inputJsonSchemas(catalog);
  return {
    [jsonSchemaPath('environment')]: jsonSchemaText(schemas.environment),
    [jsonSchemaPath('tenant')]: jsonSchemaText(schemas.tenant),
  };
}

/**
 * A JSON Schema as its file has it: keywords in one order everywhere (title and description first,
 * then the type and its bounds, the members, and the combinators), property names in the order of
 * the zod schema, 2-space indent, a final newline.
 */
export function jsonSchemaText(schema: JsonSchema): string {
  return `${JSON.stringify(canonical(schema), null, 2)}\n`;
}

function toJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, {
    target: 'draft-07',
    io: 'input',
    // A type without a JSON Schema form (a date, a bigint) is an error here, not a silently open schema.
    unrepresentable: 'throw',
    override: ({ zodSchema, jsonSchema }) => {
      withPatternMessages(zodSchema, jsonSchema as Record<string, unknown>);
      withoutNarrowedUnion(jsonSchema as Record<string, unknown>);
    },
  }) as JsonSchema;
}

/**
 * Drops the `anyOf` of bare types of a union whose metadata narrows it to one of them (the Kubernetes
 * version: `string | number`, of which only a quoted string passes): with that `type`, the branches add nothing.
 */
function withoutNarrowedUnion(json: Record<string, unknown>): void {
  const branches = json.anyOf;
  if (typeof json.type !== 'string' || !Array.isArray(branches)) return;
  const bare = branches.every((b) => b && typeof b === 'object' && Object.keys(b).length === 1 && 'type' in b);
  if (bare && branches.some((b) => (b as { type: unknown }).type === json.type)) delete json.anyOf;
}

/**
 * Adds zod's message of each regex check to its pattern (`patternErrorMessage`). A pattern with flags
 * is an error: JSON Schema patterns have none (editors and ajv add `u`), so an `i` would be lost.
 */
function withPatternMessages(zodSchema: z.core.$ZodType, json: Record<string, unknown>): void {
  const def = zodSchema._zod.def;
  if (def.type !== 'string') return;
  const messages = new Map<string, string>();
  for (const check of def.checks ?? []) {
    const c = check._zod.def as { check?: string; format?: string; pattern?: RegExp; error?: (issue: unknown) => unknown };
    if (c.check !== 'string_format' || c.format !== 'regex' || !c.pattern) continue;
    if (c.pattern.flags.replace('u', '') !== '') {
      throw new Error(`the pattern /${c.pattern.source}/${c.pattern.flags} has flags JSON Schema cannot carry`);
    }
    const message = messageOf(c.error, c.pattern);
    if (message !== undefined) messages.set(c.pattern.source, message);
  }
  const annotate = (node: Record<string, unknown>) => {
    const message = typeof node.pattern === 'string' ? messages.get(node.pattern) : undefined;
    if (message !== undefined && node.patternErrorMessage === undefined) node.patternErrorMessage = message;
  };
  annotate(json);
  for (const entry of Array.isArray(json.allOf) ? json.allOf : []) annotate(entry as Record<string, unknown>);
}

/** The message a check's error map gives for a failed pattern, if it gives a fixed one. */
function messageOf(error: ((issue: unknown) => unknown) | undefined, pattern: RegExp): string | undefined {
  const out = error?.({ code: 'invalid_format', format: 'regex', pattern: pattern.source, input: '', path: [] });
  if (typeof out === 'string') return out;
  if (out && typeof out === 'object' && typeof (out as { message?: unknown }).message === 'string') return (out as { message: string }).message;
  return undefined;
}

/** The environment schema with each component of `catalog` required in `components`, and described (for completion). */
function withCatalog(environment: JsonSchema, catalog: ComponentCatalog): JsonSchema {
  const properties = environment.properties as Record<string, Record<string, unknown>>;
  const components = properties.components;
  const version = components.additionalProperties as Record<string, unknown>;
  return {
    ...environment,
    properties: {
      ...properties,
      components: {
        ...components,
        properties: Object.fromEntries(catalog.names.map((name) => [name, { ...version, description: `Pinned version of ${name} (${catalog.spec(name).description}).` }])),
        required: [...catalog.names],
      },
    },
  };
}

/** Keywords in the order a schema file shows them; any other keyword follows, in alphabetical order. */
const KEYWORD_ORDER = [
  '$schema', '$id', 'title', 'description', 'type', 'const', 'enum', 'default', 'format',
  'minLength', 'maxLength', 'pattern', 'patternErrorMessage',
  'exclusiveMinimum', 'minimum', 'exclusiveMaximum', 'maximum', 'multipleOf',
  'minItems', 'maxItems', 'uniqueItems', 'items',
  'minProperties', 'maxProperties', 'properties', 'required', 'propertyNames', 'additionalProperties',
  'not', 'anyOf', 'oneOf', 'allOf', 'if', 'then', 'else',
];
/** Keywords whose value is a schema. */
const SCHEMA_KEYWORDS = new Set(['items', 'additionalProperties', 'propertyNames', 'not', 'if', 'then', 'else', 'contains']);
/** Keywords whose value is a list of schemas. */
const SCHEMA_LIST_KEYWORDS = new Set(['anyOf', 'oneOf', 'allOf']);
/** Keywords whose value maps names to schemas (kept in their order). */
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'definitions', '$defs']);

function canonical(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return schema;
  const rank = (k: string) => (KEYWORD_ORDER.includes(k) ? KEYWORD_ORDER.indexOf(k) : KEYWORD_ORDER.length);
  const keys = Object.keys(schema).sort((a, b) => rank(a) - rank(b) || compareStrings(a, b));
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const value = (schema as Record<string, unknown>)[key];
    if (SCHEMA_KEYWORDS.has(key)) out[key] = canonical(value);
    else if (SCHEMA_LIST_KEYWORDS.has(key) && Array.isArray(value)) out[key] = value.map(canonical);
    else if (SCHEMA_MAP_KEYWORDS.has(key) && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, canonical(s)]));
    } else out[key] = value;
  }
  return out;
}
