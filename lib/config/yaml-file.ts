import * as fs from 'fs';
import { isMap, isPair, isScalar, LineCounter, Node, parseDocument } from 'yaml';
import { z } from 'zod';
import { InputProblem } from './input-error';
import { describeIssues } from './schema-issues';

/** What reading one YAML input file gave: the typed value, or the problems that stop it. */
export type YamlFileResult<T> =
  | { readonly ok: true; readonly value: T; readonly lineOf: (path: readonly (string | number)[]) => number | undefined }
  | { readonly ok: false; readonly problems: InputProblem[] };

/**
 * Reads one YAML file and checks it against `schema`. Every problem is located
 * by file, line and field path; nothing is thrown for bad content.
 *
 * @param file path to read
 * @param displayName how the file is named in messages (e.g. `tenants/acme.yaml`)
 */
export function readYamlFile<T>(file: string, displayName: string, schema: z.ZodType<T>): YamlFileResult<T> {
  const text = fs.readFileSync(file, 'utf8');
  const fail = (problems: InputProblem[]): YamlFileResult<T> => ({ ok: false, problems });
  if (text.trim() === '') {
    return fail([{ file: displayName, field: '', message: 'file is empty; expected a YAML mapping' }]);
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return fail(doc.errors.map((e) => ({
      file: displayName,
      line: e.linePos?.[0].line,
      field: '',
      message: `YAML syntax error: ${firstLine(e.message).replace(/ at line \d+, column \d+:?$/, '')}`,
    })));
  }
  if (!isMap(doc.contents)) {
    return fail([{ file: displayName, line: 1, field: '', message: 'expected a YAML mapping at the top of the file' }]);
  }

  const lineOf = (path: readonly (string | number)[]): number | undefined => {
    const offset = locate(doc.contents as Node, path);
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  const parsed = schema.safeParse(doc.toJS(), { reportInput: true });
  if (parsed.success) return { ok: true, value: parsed.data, lineOf };

  return fail(describeIssues(schema, parsed.error.issues).map((issue) => ({
    file: displayName,
    line: lineOf(issue.path),
    field: formatPath(issue.path),
    message: issue.message,
  })));
}

/** `owners.groups[0]` */
export function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((acc, step) =>
    typeof step === 'number' ? `${acc}[${step}]` : acc ? `${acc}.${step}` : step, '');
}

/**
 * Offset of the deepest node on `path` that exists: the key when the last step
 * names a key (so a missing or unknown field points at its parent or itself).
 */
function locate(root: Node, path: readonly (string | number)[]): number | undefined {
  let node: unknown = root;
  let offset = root.range?.[0];
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === step);
      if (!pair) return offset;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (node && typeof node === 'object' && 'items' in node && typeof step === 'number') {
      const item = (node as { items: unknown[] }).items[step] as Node | undefined;
      if (!item) return offset;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}
