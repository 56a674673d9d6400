import { Document, isMap, isPair, isScalar, Node, Pair, visit, YAMLMap } from 'yaml';
import { z } from 'zod';
import { printable, readInputText } from './input-file';
import { InputProblem } from './input-error';
import { describeIssues } from './schema-issues';
import { formatPath } from './field-path';
import { capProblems, firstLine, MAX_INPUT_ALIASES, MAX_INPUT_DEPTH, MAX_INPUT_NODES, MAX_PROBLEMS_PER_FILE, parseInputYaml } from './input-yaml';

/**
 * An input file read against its schema: every problem located by file, line and field. The
 * parsing within limits is input-yaml's; its limits are re-exported here, where the package
 * root has always taken them from.
 */

export {
  MAX_INPUT_ALIASES, MAX_INPUT_DEPTH, MAX_INPUT_NODES, MAX_INPUT_TOKENS, MAX_PROBLEMS_PER_FILE,
} from './input-yaml';

/** What reading one YAML input file gave: the typed value, or the problems that stop it. */
export type YamlFileResult<T> =
  | { readonly ok: true; readonly value: T; readonly lineOf: (path: readonly (string | number)[]) => number | undefined }
  | { readonly ok: false; readonly problems: InputProblem[] };

/**
 * Reads one YAML file and checks it against `schema`. Every problem is located
 * by file, line and field path; nothing is thrown for bad content, nor for a file
 * that cannot be read (see {@link readInputText}) or is over a limit
 * ({@link MAX_INPUT_NODES}, {@link MAX_INPUT_DEPTH}, {@link MAX_INPUT_ALIASES}).
 * At most {@link MAX_PROBLEMS_PER_FILE} problems are listed.
 *
 * @param file path to read
 * @param displayName how the file is named in messages (e.g. `tenants/acme.yaml`)
 * @param schema what the file must hold
 * @param root folder a symbolic link may point into (see {@link readInputText})
 */
export function readYamlFile<T>(file: string, displayName: string, schema: z.ZodType<T>, root?: string): YamlFileResult<T> {
  const fail = (problems: InputProblem[]): YamlFileResult<T> => ({ ok: false, problems });
  const read = readInputText(file, displayName, root);
  if (!read.ok) return fail(read.problems);
  if (read.text.trim() === '') {
    return fail([{ file: displayName, field: '', message: 'file is empty; expected a YAML mapping' }]);
  }

  const parsed = parseInputYaml(read.text, displayName);
  if (!parsed.ok) return fail(parsed.problems);
  const { doc, lineCounter } = parsed;
  if (!isMap(doc.contents)) {
    return fail([{ file: displayName, line: 1, field: '', message: 'expected a YAML mapping at the top of the file' }]);
  }

  const contents = doc.contents as Node;
  const keyIndex = new WeakMap<YAMLMap, Map<unknown, Pair>>();
  const lineOf = (path: readonly (string | number)[]): number | undefined => {
    const offset = locate(contents, path, keyIndex);
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_INPUT_ALIASES });
  } catch (e) {
    // The library refuses an alias that expands too much (or cannot be resolved) by throwing.
    const alias = firstAlias(doc);
    return fail([{
      file: displayName,
      line: alias === undefined ? undefined : lineCounter.linePos(alias).line,
      field: '',
      message: e instanceof ReferenceError && /Excessive alias count/.test(e.message)
        ? `aliases expand to too many nodes: at most ${MAX_INPUT_ALIASES} are allowed`
        : `cannot resolve aliases: ${printable(firstLine(e instanceof Error ? e.message : String(e)), 200)}`,
    }]);
  }

  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return { ok: true, value: result.data, lineOf };

  return fail(capProblems(describeIssues(schema, result.error.issues).map((issue) => ({
    file: displayName,
    line: lineOf(issue.path),
    field: formatPath(issue.path),
    message: issue.message,
  })), displayName));
}

/**
 * Offset of the deepest node on `path` that exists: the key when the last step
 * names a key (so a missing or unknown field points at its parent or itself).
 * Keys are looked up through a per-mapping index, so locating many problems in a
 * large mapping stays linear.
 */
function locate(root: Node, path: readonly (string | number)[], index: WeakMap<YAMLMap, Map<unknown, Pair>>): number | undefined {
  let node: unknown = root;
  let offset = root.range?.[0];
  for (const step of path) {
    if (isMap(node)) {
      const pair = keysOf(node, index).get(step);
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

/** The pairs of `map` by key value (the first pair of a key, as a lookup in order would find). */
function keysOf(map: YAMLMap, index: WeakMap<YAMLMap, Map<unknown, Pair>>): Map<unknown, Pair> {
  let keys = index.get(map);
  if (!keys) {
    keys = new Map();
    for (const pair of map.items) {
      if (isPair(pair) && isScalar(pair.key) && !keys.has(pair.key.value)) keys.set(pair.key.value, pair);
    }
    index.set(map, keys);
  }
  return keys;
}

function firstAlias(doc: Document): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias: (_key, node) => {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}

