import * as path from 'path';
import * as ts from 'typescript';

/**
 * The public API's own standard, for both entry points of the package (`stoa-manifests`:
 * lib/index.ts, `stoa-manifests/cli`: lib/cli/index.ts): every exported declaration has a
 * JSDoc summary, every member of an exported interface or class too (a class member that
 * implements a documented member of an interface or base class it names has that doc, as
 * TypeDoc shows it), and every optional props field says its default with @default.
 */
const REPO = path.resolve(__dirname, '..');
const ENTRIES = { root: path.join(REPO, 'lib', 'index.ts'), cli: path.join(REPO, 'lib', 'cli', 'index.ts') };
const program = ts.createProgram(Object.values(ENTRIES), { allowJs: false, skipLibCheck: true });
const checker = program.getTypeChecker();
const exportsOf = (entry: string) => checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)!)!)
  .map((s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s));
const rootExports = exportsOf(ENTRIES.root);
const cliExports = exportsOf(ENTRIES.cli);
const exported = [...new Set([...rootExports, ...cliExports])];

const hasDoc = (node: ts.Node) => ts.getJSDocCommentsAndTags(node).some((d) => ts.isJSDoc(d) && (d.comment !== undefined || (d.tags?.length ?? 0) > 0));
const hasDefault = (node: ts.Node) => ts.getJSDocTags(node).some((t) => t.tagName.text === 'default');
/** Whether a member of `cls` without a doc of its own implements or overrides a documented member of a type the class names. */
const inheritsDoc = (cls: ts.ClassDeclaration, name: string) => (cls.heritageClauses ?? []).some((clause) => clause.types.some((t) => {
  const member = checker.getTypeAtLocation(t).getProperty(name);
  return (member?.declarations ?? []).some((d) => hasDoc(d));
}));
const where = (node: ts.Node) => `${path.relative(REPO, node.getSourceFile().fileName)}:${node.getSourceFile().getLineAndCharacterOfPosition(node.getStart()).line + 1}`;

function problemsOf(symbol: ts.Symbol): string[] {
  const out: string[] = [];
  for (const decl of symbol.declarations ?? []) {
    if (!decl.getSourceFile().fileName.startsWith(path.join(REPO, 'lib'))) continue;
    const docTarget = ts.isVariableDeclaration(decl) ? decl.parent.parent : decl;
    if (!hasDoc(docTarget)) out.push(`${where(decl)} ${symbol.name}: no JSDoc`);
    if (ts.isInterfaceDeclaration(decl) || ts.isClassDeclaration(decl)) {
      for (const member of decl.members) {
        const isPrivate = ts.getCombinedModifierFlags(member as ts.Declaration) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected);
        if (isPrivate || ts.isConstructorDeclaration(member) || !member.name || ts.isClassStaticBlockDeclaration(member)) continue;
        const name = `${symbol.name}.${member.name.getText()}`;
        if (!hasDoc(member)) {
          if (!(ts.isClassDeclaration(decl) && inheritsDoc(decl, member.name.getText()))) out.push(`${where(member)} ${name}: no JSDoc`);
        } else if (ts.isInterfaceDeclaration(decl) && ts.isPropertySignature(member) && member.questionToken && !hasDefault(member)) {
          out.push(`${where(member)} ${name}: optional without @default`);
        }
      }
    }
  }
  return out;
}

test('every export of the library is documented, and optional props say their default', () => {
  expect(rootExports.length).toBeGreaterThan(100);
  expect(cliExports.length).toBeGreaterThan(40);
  expect(exported.flatMap(problemsOf)).toEqual([]);
});
