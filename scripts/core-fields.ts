// Derives the field map of the core Kubernetes API types (schemas/core-fields.json) from the
// TypeScript declarations of `kubernetes-models`, the package whose compiled validators check
// core kinds: same version, so the field map and the validators describe the same API.
// Those validators accept unknown fields and cannot be made strict; the field map lets
// lib/validate/core-fields.ts reject them. Run by `npm run schemas`; the output is committed.
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { compareStrings } from '../lib/sort';

/**
 * Types the API server accepts any JSON for, or that we leave unchecked on purpose:
 * a CRD's openAPIV3Schema (JSONSchemaProps) is the CRD author's schema language, checked by
 * the API server's own structural-schema rules, not a fixed set of fields worth spelling out here.
 * Interfaces without properties (RawExtension, JSON, FieldsV1, JSONSchemaPropsOrBool, ...)
 * are open too: they are free-form in the OpenAPI spec.
 */
const OPEN_TYPES = new Set(['apiextensions.k8s.io/v1/JSONSchemaProps', 'apiextensions.k8s.io/v1beta1/JSONSchemaProps']);

/** The folder of the installed `kubernetes-models` package. */
export function kubernetesModelsDir(): string {
  return path.dirname(require.resolve('kubernetes-models'));
}

/**
 * The field map of every object type declared in `kubernetes-models` (`modelsDir`) and the
 * `@kubernetes-models/*` packages it refers to, as the JSON text of schemas/core-fields.json:
 * `{"source": "kubernetes-models@<version>", "types": {<type id>: {<field>: <ref>}}}`.
 * A type id is the declaring file without `.d.ts`, relative to `kubernetes-models` (`apps/v1/Deployment`,
 * so a kind's id is `<apiVersion>/<kind>`) or to `@kubernetes-models` (`apimachinery/apis/meta/v1/ObjectMeta`);
 * an inline object type is named after its field (`apps/v1/StatefulSetSpec.volumeClaimTemplates[]`).
 * A ref is `""` for a value not walked (scalar, IntOrString, Quantity, free-form), a type id,
 * `[]<ref>` for an array of it or `{}<ref>` for a string-keyed map of it.
 * Keys are sorted and each type is on its own line, so the file is deterministic and diffs read well.
 */
export function extractCoreFields(modelsDir: string = kubernetesModelsDir()): string {
  const version = JSON.parse(fs.readFileSync(path.join(modelsDir, 'package.json'), 'utf8')).version;
  const files = declarationFiles(modelsDir);
  const program = ts.createProgram(files, { strict: true, noEmit: true, skipLibCheck: true, types: [] });
  const checker = program.getTypeChecker();
  const types = new Map<string, Record<string, string>>();
  const pending: Array<[string, ts.Type]> = [];

  const idOf = (decl: ts.Declaration): string => {
    const file = decl.getSourceFile().fileName.replace(/\\/g, '/');
    const rel = file.slice(file.lastIndexOf('/node_modules/') + '/node_modules/'.length).replace(/\.d\.ts$/, '');
    return rel.startsWith('kubernetes-models/') ? rel.slice('kubernetes-models/'.length) : rel.replace(/^@kubernetes-models\//, '');
  };

  const refOf = (type: ts.Type, where: string): string => {
    const t = checker.getNonNullableType(type);
    if (t.flags & (ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.EnumLike)) return '';
    // No field is declared any: an any here is an import the compiler could not resolve, which would open the field silently.
    if (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) throw new Error(`${where}: type any (unresolved import?)`);
    if (t.isUnion()) {
      // IntOrString, Quantity and enums are unions of scalars; a union holding an object type would need a rule.
      const refs = new Set(t.types.map((m) => refOf(m, where)));
      if (refs.size === 1 && refs.has('')) return '';
      throw new Error(`${where}: union of object types is not supported: ${checker.typeToString(t)}`);
    }
    if (checker.isArrayType(t)) {
      const inner = refOf(checker.getTypeArguments(t as ts.TypeReference)[0], `${where}[]`);
      return inner && `[]${inner}`;
    }
    if (!(t.flags & ts.TypeFlags.Object)) throw new Error(`${where}: unsupported type ${checker.typeToString(t)}`);
    const props = checker.getPropertiesOfType(t);
    const index = checker.getIndexInfoOfType(t, ts.IndexKind.String);
    if (index && props.length > 0) throw new Error(`${where}: object with both fields and a string index: ${checker.typeToString(t)}`);
    if (index) {
      const inner = refOf(index.type, `${where}{}`);
      return inner && `{}${inner}`;
    }
    if (props.length === 0) return '';
    const decl = t.getSymbol()?.declarations?.[0];
    // Inline object types (StatefulSetSpec.volumeClaimTemplates, an embedded PVC) are named after where they are.
    const id = decl && ts.isInterfaceDeclaration(decl) ? idOf(decl) : decl && ts.isTypeLiteralNode(decl) ? where : undefined;
    if (id === undefined) throw new Error(`${where}: unsupported object type ${checker.typeToString(t)}`);
    if (OPEN_TYPES.has(id)) return '';
    if (!types.has(id) && !pending.some(([p]) => p === id)) pending.push([id, t]);
    return id;
  };

  for (const file of files) {
    const source = program.getSourceFile(file)!;
    for (const stmt of source.statements) {
      if (!ts.isInterfaceDeclaration(stmt) || !stmt.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
      refOf(checker.getTypeAtLocation(stmt.name), idOf(stmt));
    }
  }
  for (let next = pending.shift(); next; next = pending.shift()) {
    const [id, t] = next;
    const fields: Record<string, string> = {};
    for (const prop of [...checker.getPropertiesOfType(t)].sort((a, b) => compareStrings(a.name, b.name))) {
      fields[prop.name] = refOf(checker.getTypeOfSymbol(prop), `${id}.${prop.name}`);
    }
    types.set(id, fields);
  }

  const lines = [...types.keys()].sort(compareStrings).map((id) => `${JSON.stringify(id)}:${JSON.stringify(types.get(id))}`);
  return `{"source":${JSON.stringify(`kubernetes-models@${version}`)},"types":{\n${lines.join(',\n')}\n}}\n`;
}

/** The model declaration files of the package: one exported interface per file, indexes and validators left out. */
function declarationFiles(modelsDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => compareStrings(a.name, b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '_schemas' && entry.name !== 'node_modules') walk(full);
      } else if (entry.name.endsWith('.d.ts') && entry.name !== 'index.d.ts') {
        out.push(full);
      }
    }
  };
  walk(modelsDir);
  return out;
}
