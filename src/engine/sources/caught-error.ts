/**
 * Pass: a `catch` variable narrowed to OpenAI's `APIError`: its `requestID` is the failed request's id.
 * Entry: {@link classifyCaughtError}.
 */
import { importTarget } from '../modules.js';
import { resolveName } from '../scope.js';
import { RESULT_KINDS } from '../result-kinds.js';
import { propertyChain, skipOuterExpressions, ts } from '../ts.js';
import { type AnalysisContext, type Classified, OPENAI_PACKAGE } from './context.js';

/** Is `X` in `e instanceof X` OpenAI's `APIError` (or a subclass), imported from the openai package? */
function isOpenAIErrorClass(expr: ts.Expression): boolean {
  const { root, names } = propertyChain(expr);
  if (!ts.isIdentifier(root)) return false;
  const decl = resolveName(root.text, root);
  const target = decl && importTarget(decl);
  if (!target || !OPENAI_PACKAGE.test(target.module)) return false;
  const className = names.at(-1) ?? target.imported;
  return /Error$/.test(className) && className !== 'OpenAIError' && !/Connection|Abort/.test(className);
}

/**
 * A `catch (error)` variable, at a call inside `if (error instanceof OpenAI.APIError) { … }`: the failed request's
 * `x-request-id` is `error.requestID`. Without the narrowing the error may be anything: not a source.
 */
export function classifyCaughtError(decl: ts.VariableDeclaration, ctx: AnalysisContext): Classified | undefined {
  const name = (decl.name as ts.Identifier).text;
  const narrowedBy = (condition: ts.Expression, negated: boolean): ts.Expression | undefined => {
    let e = skipOuterExpressions(condition);
    if (negated) {
      if (!ts.isPrefixUnaryExpression(e) || e.operator !== ts.SyntaxKind.ExclamationToken) return undefined;
      e = skipOuterExpressions(e.operand);
    }
    const tests =
      !negated && ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken
        ? [e.left, e.right]
        : [e];
    for (const test of tests.map(skipOuterExpressions)) {
      if (
        ts.isBinaryExpression(test) &&
        test.operatorToken.kind === ts.SyntaxKind.InstanceOfKeyword &&
        ts.isIdentifier(skipOuterExpressions(test.left)) &&
        (skipOuterExpressions(test.left) as ts.Identifier).text === name &&
        isOpenAIErrorClass(test.right)
      ) {
        return test.right;
      }
    }
    return undefined;
  };
  const exits = (statement: ts.Statement): boolean => {
    const last = ts.isBlock(statement) ? statement.statements.at(-1) : statement;
    return !!last && (ts.isThrowStatement(last) || ts.isReturnStatement(last));
  };
  let errorClass: ts.Expression | undefined;
  for (let node: ts.Node | undefined = ctx.call; node && node !== decl.parent && !errorClass; node = node.parent) {
    const parent = node.parent;
    // `if (error instanceof OpenAI.APIError) { …call… }`
    if (parent && ts.isIfStatement(parent) && parent.thenStatement === node)
      errorClass = narrowedBy(parent.expression, false);
    // `if (!(error instanceof OpenAI.APIError)) throw error;` earlier in the same block
    if (!errorClass && parent && ts.isBlock(parent)) {
      for (const statement of parent.statements) {
        if (statement === node) break;
        if (ts.isIfStatement(statement) && !statement.elseStatement && exits(statement.thenStatement))
          errorClass ??= narrowedBy(statement.expression, true);
      }
    }
  }
  if (!errorClass) return undefined;
  return {
    type: 'source',
    origin: decl,
    name: `${name} (${errorClass.getText(ctx.sourceFile)})`,
    base: name,
    kind: RESULT_KINDS.apiError,
    edits: [],
    notes: ['the request failed: the id recorded is its x-request-id (`requestID`), which OpenAI support can look up'],
  };
}
