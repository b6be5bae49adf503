import { readSourceFile, resolveModule, type ProjectHost } from './host.js';
import type { Declaration } from './scope.js';
import { propertyNameText, ts } from './ts.js';

export interface ImportTarget {
  /** The module specifier as written (`openai`, `@/lib/openai`, `./tracking`). */
  module: string;
  /** The exported name imported: a name, `default`, or `*` for a namespace import. */
  imported: string;
}

/** Where an import binding comes from; also understands `const { x } = require('m')` in JavaScript files. */
export function importTarget(decl: Declaration): ImportTarget | undefined {
  if (ts.isImportSpecifier(decl)) {
    const module = (decl.parent.parent.parent.moduleSpecifier as ts.StringLiteral).text;
    return { module, imported: (decl.propertyName ?? decl.name).text };
  }
  if (ts.isImportClause(decl))
    return { module: (decl.parent.moduleSpecifier as ts.StringLiteral).text, imported: 'default' };
  if (ts.isNamespaceImport(decl))
    return { module: (decl.parent.parent.moduleSpecifier as ts.StringLiteral).text, imported: '*' };
  if (ts.isImportEqualsDeclaration(decl) && ts.isExternalModuleReference(decl.moduleReference)) {
    const expr = decl.moduleReference.expression;
    return ts.isStringLiteral(expr) ? { module: expr.text, imported: '*' } : undefined;
  }
  const required = (init: ts.Expression | undefined) => {
    if (init && ts.isAwaitExpression(init)) init = init.expression;
    if (init && ts.isCallExpression(init) && init.arguments.length === 1 && ts.isStringLiteral(init.arguments[0])) {
      const callee = init.expression;
      if ((ts.isIdentifier(callee) && callee.text === 'require') || callee.kind === ts.SyntaxKind.ImportKeyword) {
        return init.arguments[0].text;
      }
    }
    return undefined;
  };
  if (ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name)) {
    const module = required(decl.initializer);
    return module ? { module, imported: '*' } : undefined;
  }
  if (
    ts.isBindingElement(decl) &&
    ts.isObjectBindingPattern(decl.parent) &&
    ts.isVariableDeclaration(decl.parent.parent)
  ) {
    const module = required(decl.parent.parent.initializer);
    const imported =
      decl.propertyName && ts.isIdentifier(decl.propertyName)
        ? decl.propertyName.text
        : (decl.name as ts.Identifier).text;
    return module ? { module, imported } : undefined;
  }
  return undefined;
}

export type ExportedNode =
  | ts.FunctionDeclaration
  | ts.VariableDeclaration
  | ts.ClassDeclaration
  | ts.InterfaceDeclaration
  | ts.TypeAliasDeclaration;

export interface Located<T extends ts.Node = ExportedNode> {
  node: T;
  sourceFile: ts.SourceFile;
}

function hasExportModifier(node: ts.Node): boolean {
  return !!ts.canHaveModifiers(node) && !!ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** A top-level declaration (value or type) named `name` in a file, exported or not. */
export function topLevelDeclaration(sourceFile: ts.SourceFile, name: string): ExportedNode | undefined {
  for (const statement of sourceFile.statements) {
    if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement)) &&
      statement.name?.text === name
    ) {
      return statement;
    }
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations)
        if (ts.isIdentifier(d.name) && d.name.text === name) return d;
    }
  }
  return undefined;
}

/**
 * The declaration a module exports under `name`, following `export { a as b }`, `export { x } from`, `export *`,
 * `export default <identifier>` and imports that the file re-exports. Depth-limited: re-export cycles end.
 */
export function findExport(host: ProjectHost, path: string, name: string, depth = 0): Located | undefined {
  if (depth > 5) return undefined;
  const sourceFile = readSourceFile(host, path);
  if (!sourceFile) return undefined;
  for (const statement of sourceFile.statements) {
    if (
      name === 'default' &&
      ts.isFunctionDeclaration(statement) &&
      hasExportModifier(statement) &&
      statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)
    ) {
      return { node: statement, sourceFile };
    }
    if (name === 'default' && ts.isExportAssignment(statement) && ts.isIdentifier(statement.expression)) {
      return findLocal(host, sourceFile, statement.expression.text, depth);
    }
    if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      for (const spec of statement.exportClause.elements) {
        if (spec.name.text !== name) continue;
        const local = (spec.propertyName ?? spec.name).text;
        if (statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
          const target = resolveModule(host, statement.moduleSpecifier.text, path);
          return target ? findExport(host, target, local, depth + 1) : undefined;
        }
        return findLocal(host, sourceFile, local, depth);
      }
    }
  }
  const direct = topLevelDeclaration(sourceFile, name);
  if (direct) {
    const statement = ts.isVariableDeclaration(direct) ? direct.parent.parent : direct;
    if (hasExportModifier(statement)) return { node: direct, sourceFile };
  }
  const commonJs = /\.(c|m)?jsx?$/i.test(path) ? commonJsExport(sourceFile, name) : undefined;
  if (commonJs) return findLocal(host, sourceFile, commonJs, depth);
  for (const statement of sourceFile.statements) {
    if (
      ts.isExportDeclaration(statement) &&
      !statement.exportClause &&
      statement.moduleSpecifier &&
      ts.isStringLiteral(statement.moduleSpecifier)
    ) {
      const target = resolveModule(host, statement.moduleSpecifier.text, path);
      const found = target && findExport(host, target, name, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * CommonJS: the local name a JavaScript module exports as `name` (`module.exports = { name }`, `{ name: local }`,
 * `exports.name = local`, `module.exports.name = local`), at the top level of the file.
 */
function commonJsExport(sourceFile: ts.SourceFile, name: string): string | undefined {
  const isModuleExports = (e: ts.Expression) =>
    ts.isPropertyAccessExpression(e) &&
    ts.isIdentifier(e.expression) &&
    e.expression.text === 'module' &&
    e.name.text === 'exports';
  for (const statement of sourceFile.statements) {
    if (
      !ts.isExpressionStatement(statement) ||
      !ts.isBinaryExpression(statement.expression) ||
      statement.expression.operatorToken.kind !== ts.SyntaxKind.EqualsToken
    )
      continue;
    const { left, right } = statement.expression;
    if (isModuleExports(left) && ts.isObjectLiteralExpression(right)) {
      for (const p of right.properties) {
        if (ts.isShorthandPropertyAssignment(p) && p.name.text === name) return name;
        if (ts.isPropertyAssignment(p) && propertyNameText(p.name) === name && ts.isIdentifier(p.initializer))
          return p.initializer.text;
      }
    }
    if (
      ts.isPropertyAccessExpression(left) &&
      left.name.text === name &&
      ts.isIdentifier(right) &&
      ((ts.isIdentifier(left.expression) && left.expression.text === 'exports') || isModuleExports(left.expression))
    ) {
      return right.text;
    }
  }
  return undefined;
}

/** A name declared at the top of a file: a local declaration, or an import followed to its module. */
export function findLocal(host: ProjectHost, sourceFile: ts.SourceFile, name: string, depth = 0): Located | undefined {
  const local = topLevelDeclaration(sourceFile, name);
  if (local) return { node: local, sourceFile };
  for (const statement of sourceFile.statements) {
    if (!ts.isImportDeclaration(statement) || !statement.importClause) continue;
    const module = (statement.moduleSpecifier as ts.StringLiteral).text;
    const clause = statement.importClause;
    let imported: string | undefined;
    if (clause.name?.text === name) imported = 'default';
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) {
      for (const s of bindings.elements) if (s.name.text === name) imported = (s.propertyName ?? s.name).text;
    }
    if (!imported) continue;
    const target = resolveModule(host, module, sourceFile.fileName);
    return target ? findExport(host, target, imported, depth + 1) : undefined;
  }
  return undefined;
}

/**
 * `import { tracking } from './lib'` where lib has `export * as tracking from './tracking'`: the specifier and path of
 * the module the name stands for (a namespace, like `import * as`), or undefined.
 */
export function namespaceReexport(
  host: ProjectHost,
  fromFile: string,
  decl: Declaration,
): { module: string; path: string } | undefined {
  const target = importTarget(decl);
  if (!target || target.imported === '*' || target.imported === 'default') return undefined;
  const barrel = resolveModule(host, target.module, fromFile);
  const sourceFile = barrel ? readSourceFile(host, barrel) : undefined;
  for (const statement of sourceFile?.statements ?? []) {
    if (
      ts.isExportDeclaration(statement) &&
      statement.exportClause &&
      ts.isNamespaceExport(statement.exportClause) &&
      statement.exportClause.name.text === target.imported &&
      statement.moduleSpecifier &&
      ts.isStringLiteral(statement.moduleSpecifier)
    ) {
      const path = resolveModule(host, statement.moduleSpecifier.text, barrel!);
      return path ? { module: statement.moduleSpecifier.text, path } : undefined;
    }
  }
  return undefined;
}

/** `export default <expression>` of the module an import binding names (`export default new OpenAI({...})`). */
export function defaultExportExpression(
  host: ProjectHost,
  fromFile: string,
  decl: Declaration,
): Located<ts.Expression> | undefined {
  const target = importTarget(decl);
  if (!target || target.imported !== 'default') return undefined;
  const path = resolveModule(host, target.module, fromFile);
  const sourceFile = path ? readSourceFile(host, path) : undefined;
  const assignment = sourceFile?.statements.find(
    (s): s is ts.ExportAssignment => ts.isExportAssignment(s) && !s.isExportEquals,
  );
  return assignment && sourceFile && !ts.isIdentifier(assignment.expression)
    ? { node: assignment.expression, sourceFile }
    : undefined;
}

/** Follow an import binding in the analysed file to the declaration in the module it names (local modules only). */
export function resolveImport(host: ProjectHost, fromFile: string, decl: Declaration): Located | undefined {
  const target = importTarget(decl);
  if (!target || target.imported === '*') return undefined;
  const path = resolveModule(host, target.module, fromFile);
  return path ? findExport(host, path, target.imported) : undefined;
}
