import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { compareStrings } from '../sort';

/** One schema file: `<group>/<version>/<Kind>.json` and its JSON text. */
export interface CrdSchemaFile {
  /** `<group>/<version>/<Kind>.json`. */
  readonly path: string;
  /** The schema as JSON text. */
  readonly content: string;
}

/**
 * Reads every CustomResourceDefinition in `dir` and returns the
 * openAPIV3Schema of each served version, one file per group/version/kind.
 */
export function extractCrdSchemas(dir: string): CrdSchemaFile[] {
  const out: CrdSchemaFile[] = [];
  for (const entry of fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, entry), 'utf8'))) {
      const crd = doc.toJS();
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      const { group, names, scope } = crd.spec;
      for (const version of crd.spec.versions) {
        if (!version.served || !version.schema?.openAPIV3Schema) continue;
        const schema = { 'x-stoa-scope': scope, ...version.schema.openAPIV3Schema };
        out.push({ path: `${group}/${version.name}/${names.kind}.json`, content: `${JSON.stringify(schema)}\n` });
      }
    }
  }
  return out.sort((a, b) => compareStrings(a.path, b.path));
}
