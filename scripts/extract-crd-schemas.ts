// Writes the openAPIV3Schema of every served version of every CRD in crds/ (vendored upstream copies, see crds/SOURCES.md)
// to schemas/crds/<group>/<version>/<Kind>.json, and the field map of the core Kubernetes types (from the declarations
// of kubernetes-models, see core-fields.ts) to schemas/core-fields.json, and each schema's validator compiled ahead of
// time to schemas/validators/<group>/<version>/<Kind>.js, for offline validation.
// Run with `npm run schemas`; the output is committed (like imports/).
import * as fs from 'fs';
import * as path from 'path';
import { extractCrdSchemas } from '../lib/validate/crd-schemas';
import { crdValidatorSource } from '../lib/validate/crd-validators';
import { extractCoreFields } from './core-fields';

const source = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'crds'));
const target = path.resolve(process.argv[3] ?? path.join(__dirname, '..', 'schemas', 'crds'));
const files = extractCrdSchemas(source);
fs.rmSync(target, { recursive: true, force: true });
for (const f of files) {
  fs.mkdirSync(path.dirname(path.join(target, f.path)), { recursive: true });
  fs.writeFileSync(path.join(target, f.path), f.content);
}
console.log(`wrote ${files.length} schemas from ${source} to ${path.relative(process.cwd(), target)}`);

// Their validators compiled ahead of time (ajv standalone code), so a run loads instead of compiling them.
const validators = path.join(path.dirname(target), 'validators');
fs.rmSync(validators, { recursive: true, force: true });
for (const f of files) {
  const out = path.join(validators, f.path.replace(/\.json$/, '.js'));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, crdValidatorSource(f.content));
}
console.log(`wrote ${files.length} precompiled validators to ${path.relative(process.cwd(), validators)}`);

const coreFields = path.join(path.dirname(target), 'core-fields.json');
fs.writeFileSync(coreFields, extractCoreFields());
console.log(`wrote the core field map to ${path.relative(process.cwd(), coreFields)}`);
