// Writes the JSON Schemas of the input files (tenants/*.yaml, environments/*.yaml), generated from the zod
// schemas that validate them, to schemas/json/ for editors (see docs/editors.md).
// Run with `npm run json-schemas`; the output is committed and shipped, and a test fails when it is stale.
import * as fs from 'fs';
import * as path from 'path';
import { inputJsonSchemaFiles } from '../lib/config/json-schemas';

const root = path.join(__dirname, '..');
for (const [file, text] of Object.entries(inputJsonSchemaFiles())) {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), text);
  console.log(`wrote ${file}`);
}
