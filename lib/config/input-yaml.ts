import { Composer, CST, Document, isMap, isScalar, isSeq, Lexer, LineCounter, Parser } from 'yaml';
import { MAX_INPUT_FILE_BYTES, printable } from './input-file';
import { InputProblem } from './input-error';
import { formatPath } from './field-path';

/**
 * The text of an input file as one YAML document, within limits a hostile file cannot get
 * past: what every reader of an environment or tenant file parses with, today's files and
 * those read from git history alike.
 */

/**
 * Most YAML values one input file may hold: scalars (keys included), aliases and flow
 * lists or mappings. A real environment file has a few hundred; the bound keeps the
 * parser, the checks and the error list of a hostile file small.
 */
export const MAX_INPUT_NODES = 10_000;

/** Deepest nesting of mappings and lists in one input file (real files nest 4 deep). */
export const MAX_INPUT_DEPTH = 32;

/**
 * Most aliases (`*name`) one input file may use, and the most nodes aliases may
 * expand to when the file is read (a "billion laughs" file expands exponentially).
 */
export const MAX_INPUT_ALIASES = 100;

/**
 * Most YAML tokens (values, indicators such as `:` `-` `,`, comments, line breaks)
 * one input file may hold: about 25 times a 20 KB environment file. Parsing time
 * follows the number of tokens, which a file of nothing but line breaks or commas
 * makes as large as its size.
 */
export const MAX_INPUT_TOKENS = 100_000;

/** Most problems listed for one input file; the rest are counted in a last "and N more" problem. */
export const MAX_PROBLEMS_PER_FILE = 20;

/** One input file parsed as a YAML document within the limits, or the problems that stop it. */
export type InputYamlResult =
  | { readonly ok: true; readonly doc: Document.Parsed; readonly lineCounter: LineCounter }
  | { readonly ok: false; readonly problems: InputProblem[] };

/**
 * Parses the text of one input file as a single YAML document, within
 * {@link MAX_INPUT_NODES}, {@link MAX_INPUT_DEPTH} and {@link MAX_INPUT_ALIASES}:
 * a file over a limit is refused while it is read, before the document is built.
 * Syntax errors and keys given twice in a mapping are located problems.
 *
 * @param text the file's text
 * @param displayName how the file is named in messages
 */
export function parseInputYaml(text: string, displayName: string): InputYamlResult {
  const lineCounter = new LineCounter();
  const at = (offset: number, message: string, field = ''): InputProblem =>
    ({ file: displayName, line: lineCounter.linePos(offset).line, field, message });
  const fail = (problems: InputProblem[]): InputYamlResult => ({ ok: false, problems });

  // Lex and parse by hand, counting on the way, so a hostile file stops at the limit
  // instead of reaching the library's recursive document builder.
  const parser = new Parser(lineCounter.addNewLine);
  lineCounter.addNewLine(0);
  const tokens: CST.Token[] = [];
  const syntax: InputProblem[] = [];
  let lexemes = 0;
  let values = 0;
  let aliases = 0;
  for (const lexeme of new Lexer().lex(text)) {
    const offset = parser.offset;
    const type = CST.tokenType(lexeme);
    // A plain scalar is two lexemes (a marker, then its text): counted once.
    if (type !== null && ++lexemes > MAX_INPUT_TOKENS) {
      return fail([at(offset, `has more than ${MAX_INPUT_TOKENS} YAML tokens; an input file may hold at most ${MAX_INPUT_TOKENS}`)]);
    }
    if (type === 'alias' && ++aliases > MAX_INPUT_ALIASES) {
      return fail([at(offset, `has more than ${MAX_INPUT_ALIASES} aliases; an input file may use at most ${MAX_INPUT_ALIASES}`)]);
    }
    if (type !== null && VALUE_TOKENS.has(type) && ++values > MAX_INPUT_NODES) {
      return fail([at(offset, `has more than ${MAX_INPUT_NODES} YAML values (keys, scalars, lists, mappings); an input file may hold at most ${MAX_INPUT_NODES}`)]);
    }
    for (const token of parser.next(lexeme)) {
      tokens.push(token);
      if (token.type === 'error') {
        syntax.push(at(token.offset, `YAML syntax error: ${printable(firstLine(token.message), 200)}`));
        if (syntax.length > MAX_PROBLEMS_PER_FILE) {
          return fail([...syntax.slice(0, MAX_PROBLEMS_PER_FILE), at(token.offset, `and more problems: reading stopped after ${MAX_PROBLEMS_PER_FILE}`)]);
        }
      }
    }
    if (parser.stack.length > MAX_INPUT_DEPTH + 1 && depthOf(parser.stack) > MAX_INPUT_DEPTH) {
      return fail([at(offset, `nests lists and mappings more than ${MAX_INPUT_DEPTH} levels deep; an input file may nest at most ${MAX_INPUT_DEPTH}`)]);
    }
  }
  for (const token of parser.end()) tokens.push(token);

  // uniqueKeys: false, as keys given twice are found below in one pass; the library's own
  // check compares every key with every earlier one, which takes minutes on a mapping with
  // many keys. A broken file can make one error per token: without stack traces (never
  // shown) they are cheap.
  const traces = Error.stackTraceLimit;
  let docs: Document.Parsed[];
  try {
    Error.stackTraceLimit = 0;
    docs = [...new Composer({ uniqueKeys: false }).compose(tokens, true, text.length)];
  } finally {
    Error.stackTraceLimit = traces;
  }
  const doc = docs[0];
  if (doc.errors.length > 0) {
    const shown = doc.errors.slice(0, MAX_PROBLEMS_PER_FILE).map((e) => at(e.pos[0], `YAML syntax error: ${printable(firstLine(e.message), 200)}`));
    const rest = doc.errors.length - shown.length;
    return fail(rest > 0 ? [...shown, at(doc.errors[MAX_PROBLEMS_PER_FILE].pos[0], andMore(rest))] : shown);
  }
  if (docs.length > 1) {
    return fail([at(docs[1].range[0], 'YAML syntax error: the file holds more than one YAML document; an input file is one mapping')]);
  }
  const duplicates = duplicateKeys(doc.contents, (offset, field, message) => at(offset, message, field));
  if (duplicates.length > 0) return fail(capProblems(duplicates, displayName));
  return { ok: true, doc, lineCounter };
}

/** Lexical tokens that start a value: scalars (plain, quoted or block), aliases and flow collections. */
const VALUE_TOKENS: ReadonlySet<string> = new Set<string>([
  'scalar', 'single-quoted-scalar', 'double-quoted-scalar', 'alias', 'flow-map-start', 'flow-seq-start',
]);

function depthOf(stack: readonly CST.Token[]): number {
  return stack.filter((t) => t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection').length;
}

/** Every key given a second time in the same mapping, at the second one. Linear in the size of the document. */
function duplicateKeys(
  root: unknown, problem: (offset: number, field: string, message: string) => InputProblem,
): InputProblem[] {
  const out: InputProblem[] = [];
  const lineAt = (offset: number) => problem(offset, '', '').line;
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (isMap(node)) {
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : undefined;
        const step = String(key);
        if (isScalar(pair.key)) {
          const id = `${typeof key}:${step}`;
          const offset = pair.key.range?.[0] ?? 0;
          const first = seen.get(id);
          if (first === undefined) {
            seen.set(id, offset);
          } else {
            out.push(problem(offset, formatPath([...path, step]), `is given twice in this mapping (first on line ${lineAt(first)}); a key may appear only once`));
          }
        }
        walk(pair.value, [...path, step]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    }
  };
  walk(root, []);
  return out;
}

/** Sorts by line and keeps the first {@link MAX_PROBLEMS_PER_FILE}, with one last problem counting the rest. */
export function capProblems(problems: InputProblem[], file: string): InputProblem[] {
  if (problems.length <= MAX_PROBLEMS_PER_FILE) return problems;
  const sorted = [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const rest = sorted.length - MAX_PROBLEMS_PER_FILE;
  return [...sorted.slice(0, MAX_PROBLEMS_PER_FILE), { file, line: sorted[MAX_PROBLEMS_PER_FILE].line, field: '', message: andMore(rest) }];
}

function andMore(rest: number): string {
  return `and ${rest} more problem${rest === 1 ? '' : 's'} (only the first ${MAX_PROBLEMS_PER_FILE} of a file are listed)`;
}

/**
 * The value of an input file's text read from git history (an old commit, a base ref): the same
 * size and YAML limits as the files of today, so an old, hostile commit cannot hang a reader.
 * Undefined when the text is missing, too big, not one valid YAML document, or an alias bomb.
 */
export function parseHistoricInput(text: string | undefined, displayName: string): unknown {
  if (text === undefined || Buffer.byteLength(text) > MAX_INPUT_FILE_BYTES) return undefined;
  const parsed = parseInputYaml(text, displayName);
  if (!parsed.ok) return undefined;
  try {
    return parsed.doc.toJS({ maxAliasCount: 100 });
  } catch {
    return undefined; // an alias bomb: not a file anyone deployed
  }
}

/** The first line of a message. */
export function firstLine(message: string): string {
  return message.split('\n')[0];
}
