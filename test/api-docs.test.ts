import * as path from 'path';
import * as ts from 'typescript';

/**
 * The public API's own standard: every exported declaration of lib/ has a JSDoc
 * summary, every member of an exported interface or class too, and every
 * optional props field says its default with @default.
 */
const REPO = path.resolve(__dirname, '..');
const program = ts.createProgram([path.join(REPO, 'lib', 'index.ts')], { allowJs: false, skipLibCheck: true });
const checker = program.getTypeChecker();
const index = program.getSourceFile(path.join(REPO, 'lib', 'index.ts'))!;
const exported = checker.getExportsOfModule(checker.getSymbolAtLocation(index)!)
  .map((s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s));

const hasDoc = (node: ts.Node) => ts.getJSDocCommentsAndTags(node).some((d) => ts.isJSDoc(d) && (d.comment !== undefined || (d.tags?.length ?? 0) > 0));
const hasDefault = (node: ts.Node) => ts.getJSDocTags(node).some((t) => t.tagName.text === 'default');
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
        if (!hasDoc(member)) out.push(`${where(member)} ${name}: no JSDoc`);
        else if (ts.isInterfaceDeclaration(decl) && ts.isPropertySignature(member) && member.questionToken && !hasDefault(member)) {
          out.push(`${where(member)} ${name}: optional without @default`);
        }
      }
    }
  }
  return out;
}

test('every export of the library is documented, and optional props say their default', () => {
  expect(exported.length).toBeGreaterThan(100);
  expect(exported.flatMap(problemsOf)).toEqual([]);
});
