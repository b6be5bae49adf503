/**
 * Syntax readers the passes share, deciding nothing themselves: a literal's property, what a function returns, what
 * a name is assigned, what produced a value, a binding this plan may add to a destructuring.
 */
import { resolveName } from '../scope.js';
import { appendBindingElement } from '../edits.js';
import { type TextEdit } from '../types.js';
import { functionOf, isFunctionLike, mentionsName, propertyNameText, skipOuterExpressions, ts } from '../ts.js';
import { type AnalysisContext, guarded } from './context.js';

export function objectProperty(literal: ts.Expression | undefined, name: string): ts.Expression | undefined {
  if (!literal) return undefined;
  const obj = skipOuterExpressions(literal);
  if (!ts.isObjectLiteralExpression(obj)) return undefined;
  for (const prop of obj.properties) {
    if (ts.isPropertyAssignment(prop) && propertyNameText(prop.name) === name) return prop.initializer;
    if (ts.isShorthandPropertyAssignment(prop) && prop.name.text === name) return prop.name;
  }
  return undefined;
}

/** The expressions a function returns (a concise arrow body counts), nested functions excluded. */
export function returnedExpressions(node: ts.Node): ts.Expression[] {
  const fn = functionOf(node);
  if (!fn?.body) return [];
  if (!ts.isBlock(fn.body)) return [fn.body];
  const out: ts.Expression[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isReturnStatement(n) && n.expression) out.push(n.expression);
    else if (!isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  ts.forEachChild(fn.body, visit);
  return out;
}

export function declaredReturnType(node: ts.Node): ts.TypeNode | undefined {
  return functionOf(node)?.type;
}

export function isAssignmentOperator(kind: ts.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;
}

export const ASSIGNMENTS = new Set([
  ts.SyntaxKind.EqualsToken,
  ts.SyntaxKind.QuestionQuestionEqualsToken,
  ts.SyntaxKind.BarBarEqualsToken,
]);

/** Every `name = value` (or `name ??= value`, `name ||= value`) assignment to a declaration, in its enclosing function. */
export function assignmentsTo(decl: ts.VariableDeclaration): ts.Expression[] {
  const name = (decl.name as ts.Identifier).text;
  const scope = decl.parent.parent.parent;
  const values: ts.Expression[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isBinaryExpression(node) && ASSIGNMENTS.has(node.operatorToken.kind)) {
      const left = skipOuterExpressions(node.left);
      if (ts.isIdentifier(left) && left.text === name && resolveName(name, left) === decl) values.push(node.right);
    }
    ts.forEachChild(node, visit);
  };
  visit(scope);
  return values;
}

export function isNullish(expr: ts.Expression): boolean {
  const e = skipOuterExpressions(expr);
  return e.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(e) && e.text === 'undefined');
}

/**
 * The expression that produced a value: `x` followed to its declaration's initializer, `await` unwrapped
 * (`stream` in `for await (… of stream)` → `openai.chat.completions.create({...})`).
 */
export function producedBy(expr: ts.Expression, path = new Set<ts.Node>()): ts.Expression | undefined {
  let e = skipOuterExpressions(expr);
  if (ts.isIdentifier(e)) {
    const decl = resolveName(e.text, e);
    // `const [a, b] = stream.tee()`: each half yields the same chunks as the stream.
    if (
      decl &&
      ts.isBindingElement(decl) &&
      ts.isArrayBindingPattern(decl.parent) &&
      ts.isVariableDeclaration(decl.parent.parent)
    ) {
      const init = decl.parent.parent.initializer && skipOuterExpressions(decl.parent.parent.initializer);
      if (
        init &&
        ts.isCallExpression(init) &&
        ts.isPropertyAccessExpression(init.expression) &&
        init.expression.name.text === 'tee'
      ) {
        // A tee of itself met again on its own path (`const [a, b] = a.tee()`) is not followed round.
        const teed = init.expression.expression;
        return guarded(
          decl,
          path,
          () => undefined,
          () => producedBy(teed, path),
        );
      }
      return undefined;
    }
    if (!decl || !ts.isVariableDeclaration(decl) || !decl.initializer) return undefined;
    e = skipOuterExpressions(decl.initializer);
  }
  return ts.isAwaitExpression(e) ? skipOuterExpressions(e.expression) : e;
}

/** Whether the request body asks for a stream: a `stream` property that is not the literal `false`. */
export function requestsStream(call: ts.CallExpression): boolean {
  const stream = objectProperty(call.arguments[0], 'stream');
  return !!stream && stream.kind !== ts.SyntaxKind.FalseKeyword;
}

/** AI SDK options that make one call several OpenAI requests. */
export function multiStepNote(options: ts.Expression | undefined): string[] {
  const keys = ['stopWhen', 'maxSteps'].filter((k) => objectProperty(options, k));
  return keys.length
    ? [
        `multi-step run (\`${keys.join('`, `')}\`): one call covers several OpenAI requests; the id recorded is the last step's (each step's is in \`steps[i].response.id\`)`,
      ]
    : [];
}

type Binding = { base: string; edits: TextEdit[] } | { error: string };

/**
 * Read property `key` of a destructured value: through its existing binding, a rest element, or a binding this plan
 * adds to the pattern, under another name when `key` is already a name in `scope` (adding it would shadow or clash).
 */
export function bindingFor(
  pattern: ts.ObjectBindingPattern,
  key: string,
  alias: string,
  scope: ts.Node,
  ctx: AnalysisContext,
): Binding {
  for (const element of pattern.elements) {
    if (element.dotDotDotToken) continue;
    if (propertyNameText(element.propertyName ?? element.name) !== key) continue;
    if (ts.isIdentifier(element.name)) return { base: element.name.text, edits: [] };
    return { error: `\`${key}\` is destructured further: bind it whole to read \`id\` and \`timestamp\`` };
  }
  const rest = pattern.elements.find((e) => e.dotDotDotToken);
  if (rest && ts.isIdentifier(rest.name)) return { base: `${rest.name.text}.${key}`, edits: [] };
  if (rest) return { error: 'the pattern ends in a rest element this tool cannot add to' };
  const local = !mentionsName(scope, key) ? key : !mentionsName(scope, alias) ? alias : undefined;
  if (!local) return { error: `both \`${key}\` and \`${alias}\` are already names here` };
  return {
    base: local,
    edits: [appendBindingElement(ctx.sourceFile, pattern, local === key ? key : `${key}: ${local}`)],
  };
}
