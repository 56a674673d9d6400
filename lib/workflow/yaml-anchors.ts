import { Alias, Document, isCollection, isPair, isScalar, Node, Pair, visit } from 'yaml';

/**
 * Anchors and aliases an in-place edit must respect (see yaml-splice.ts): an alias repeats
 * what its anchor holds, so changing the anchored text changes every alias of it too.
 */

/** An anchor and one alias of it. */
export interface AnchorUse {
  /** The anchor's name (`&name`). */
  readonly anchor: string;
  /** An alias standing for the anchored node. */
  readonly alias: Alias;
}

/** Every alias of `doc` that stands for `node` (the last anchor of its name before it). */
export function aliasesOf(doc: Document.Parsed, node: Node): Alias[] {
  const out: Alias[] = [];
  visit(doc, {
    Alias: (_, alias) => {
      if (alias.resolve(doc) === node) out.push(alias);
    },
  });
  return out;
}

/**
 * The first anchored collection holding `node` (or `node` itself, with `self`) that an alias
 * repeats: an edit of `node` would change that alias too. Undefined when there is none.
 */
export function sharedAnchor(doc: Document.Parsed, node: Node, self: boolean): AnchorUse | undefined {
  for (const n of [...ancestorsOf(doc, node), ...(self ? [node] : [])]) {
    if (!isCollection(n) || !n.anchor) continue;
    const alias = aliasesOf(doc, n)[0];
    if (alias) return { anchor: n.anchor, alias };
  }
  return undefined;
}

/**
 * An anchor inside `removed` (the text from `start` to `end`) that an alias outside it still
 * uses: removing it would leave that alias without its anchor. Undefined when there is none.
 */
export function anchorUsedOutside(doc: Document.Parsed, removed: Node | Pair, start: number, end: number): AnchorUse | undefined {
  for (const n of nodesIn(removed)) {
    if ((!isScalar(n) && !isCollection(n)) || !n.anchor) continue;
    const alias = aliasesOf(doc, n).find((a) => a.range![0] < start || a.range![0] > end);
    if (alias) return { anchor: n.anchor, alias };
  }
  return undefined;
}

/** The collections holding `node`, outermost first. */
function ancestorsOf(doc: Document.Parsed, node: Node): Node[] {
  let path: Node[] = [];
  visit(doc, (_, n, p) => {
    if (n !== node) return undefined;
    path = p.filter((x): x is Node => isCollection(x));
    return visit.BREAK;
  });
  return path;
}

/** `root` and every node below it. */
function nodesIn(root: Node | Pair | null | undefined): Node[] {
  if (!root) return [];
  if (isPair(root)) return [...nodesIn(root.key as Node | null), ...nodesIn(root.value as Node | null)];
  if (isCollection(root)) return [root, ...(root.items as (Node | Pair)[]).flatMap((i) => nodesIn(i))];
  return [root];
}
