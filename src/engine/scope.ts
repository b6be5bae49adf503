import { isFunctionLike, ts } from './ts.js';

/** A node that introduces a name: a variable, a destructured element, a parameter, a function, a class, an import. */
export type Declaration =
  | ts.VariableDeclaration
  | ts.BindingElement
  | ts.ParameterDeclaration
  | ts.FunctionDeclaration
  | ts.FunctionExpression
  | ts.ClassDeclaration
  | ts.EnumDeclaration
  | ts.ImportSpecifier
  | ts.ImportClause
  | ts.NamespaceImport
  | ts.ImportEqualsDeclaration;

/** Every identifier a binding name introduces, with the node that declares it. */
function bindingNames(
  name: ts.BindingName,
  declaration: ts.VariableDeclaration | ts.ParameterDeclaration,
  out: Map<string, Declaration>,
) {
  if (ts.isIdentifier(name)) {
    out.set(name.text, declaration);
    return;
  }
  const visit = (pattern: ts.BindingPattern) => {
    for (const element of pattern.elements) {
      if (ts.isOmittedExpression(element)) continue;
      if (ts.isIdentifier(element.name)) out.set(element.name.text, element);
      else visit(element.name);
    }
  };
  visit(name);
}

function declarationsOfStatements(statements: readonly ts.Statement[], out: Map<string, Declaration>) {
  for (const statement of statements) {
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) bindingNames(d.name, d, out);
    } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) {
      out.set(statement.name.text, statement);
    } else if (ts.isEnumDeclaration(statement)) {
      out.set(statement.name.text, statement);
    } else if (ts.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause;
      if (clause.name) out.set(clause.name.text, clause);
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) out.set(bindings.name.text, bindings);
      if (bindings && ts.isNamedImports(bindings)) for (const s of bindings.elements) out.set(s.name.text, s);
    } else if (ts.isImportEqualsDeclaration(statement)) {
      out.set(statement.name.text, statement);
    }
  }
}

const scopeCache = new WeakMap<ts.Node, Map<string, Declaration>>();

/** The names a scope-forming node declares directly (not those of nested scopes). */
export function declarationsOfScope(scope: ts.Node): Map<string, Declaration> {
  const cached = scopeCache.get(scope);
  if (cached) return cached;
  const out = new Map<string, Declaration>();
  if (ts.isSourceFile(scope) || ts.isBlock(scope) || ts.isModuleBlock(scope)) {
    declarationsOfStatements(scope.statements, out);
  } else if (ts.isCaseBlock(scope)) {
    for (const clause of scope.clauses) declarationsOfStatements(clause.statements, out);
  } else if (isFunctionLike(scope)) {
    for (const p of scope.parameters) bindingNames(p.name, p, out);
    if (ts.isFunctionExpression(scope) && scope.name) out.set(scope.name.text, scope);
  } else if (ts.isForStatement(scope) || ts.isForOfStatement(scope) || ts.isForInStatement(scope)) {
    const init = scope.initializer;
    if (init && ts.isVariableDeclarationList(init)) for (const d of init.declarations) bindingNames(d.name, d, out);
  } else if (ts.isCatchClause(scope) && scope.variableDeclaration) {
    bindingNames(scope.variableDeclaration.name, scope.variableDeclaration, out);
  }
  scopeCache.set(scope, out);
  return out;
}

/** The declaration a name refers to at a node, walking out through the enclosing scopes; undefined for globals. */
export function resolveName(name: string, at: ts.Node): Declaration | undefined {
  for (let scope: ts.Node | undefined = at; scope; scope = scope.parent) {
    const found = declarationsOfScope(scope).get(name);
    if (found) return found;
  }
  return undefined;
}

/** All names visible at a node, nearest scope first (a shadowed outer name is not listed). */
export function visibleDeclarations(at: ts.Node): Map<string, Declaration> {
  const out = new Map<string, Declaration>();
  for (let scope: ts.Node | undefined = at; scope; scope = scope.parent) {
    for (const [name, decl] of declarationsOfScope(scope)) if (!out.has(name)) out.set(name, decl);
  }
  return out;
}

/** The variable statement's keyword for a declaration (`const`, `let`, `var`), or undefined for other declarations. */
export function declarationKeyword(decl: Declaration): 'const' | 'let' | 'var' | undefined {
  let node: ts.Node = decl;
  while (ts.isBindingElement(node) || ts.isObjectBindingPattern(node) || ts.isArrayBindingPattern(node))
    node = node.parent;
  if (!ts.isVariableDeclaration(node)) return undefined;
  const flags = node.parent.flags;
  if (flags & ts.NodeFlags.Const) return 'const';
  if (flags & ts.NodeFlags.Let) return 'let';
  return 'var';
}

/** The variable declaration a (possibly nested) binding element belongs to. */
export function owningVariableDeclaration(
  decl: Declaration,
): ts.VariableDeclaration | ts.ParameterDeclaration | undefined {
  let node: ts.Node = decl;
  while (ts.isBindingElement(node) || ts.isObjectBindingPattern(node) || ts.isArrayBindingPattern(node))
    node = node.parent;
  return ts.isVariableDeclaration(node) || ts.isParameter(node) ? node : undefined;
}

/** The nearest enclosing function of a node, or the source file. */
export function enclosingFunction(node: ts.Node): ts.FunctionLikeDeclaration | ts.SourceFile {
  for (let current = node.parent; current; current = current.parent) {
    if (isFunctionLike(current) || ts.isSourceFile(current)) return current;
  }
  return node.getSourceFile();
}
