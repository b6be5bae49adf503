/**
 * Pass: whether a callee comes from another provider's SDK (`anthropic.messages.create`, a client exported by a local
 * module, a dynamic `import("@anthropic-ai/sdk")`), followed back through every path. Entry: {@link otherProviderOrigin}.
 */
import { importTarget, resolveImport } from '../modules.js';
import { declarationKeyword, resolveName } from '../scope.js';
import { packageTypeReference } from '../types-read.js';
import { skipOuterExpressions, ts } from '../ts.js';
import { type AnalysisContext, otherProvider, visitsOf } from './context.js';
import { assignmentsTo, isNullish, returnedExpressions } from './syntax.js';

/**
 * The other provider a callee comes from, followed back through every path: the module a client, class or call was
 * imported from (`new Anthropic()` → '@anthropic-ai/sdk'), a client exported from a local module
 * (`export const ai = new GoogleGenAI(...)`, imported), a class from a dynamic `import("@anthropic-ai/sdk")`, a
 * factory or `let` whose every value is that provider's client. Undefined unless every path leads to one provider.
 */
export function otherProviderOrigin(expr: ts.Expression, fromFile: string, ctx: AnalysisContext): string | undefined {
  // No depth bound: each step descends into a child expression or enters a declaration, and a declaration is read
  // once (providerOfDeclaration marks it before reading its values), so a cycle meets the mark and stops.
  const e = skipOuterExpressions(expr);
  const next = (x: ts.Expression, file = fromFile) => otherProviderOrigin(x, file, ctx);
  if (ts.isAwaitExpression(e)) return next(e.expression);
  if (ts.isCallExpression(e) && e.expression.kind === ts.SyntaxKind.ImportKeyword) {
    const specifier = e.arguments[0];
    return specifier && ts.isStringLiteralLike(specifier) ? otherProvider(specifier.text) : undefined;
  }
  if (
    ts.isCallExpression(e) ||
    ts.isNewExpression(e) ||
    ts.isPropertyAccessExpression(e) ||
    ts.isElementAccessExpression(e)
  )
    return next(e.expression);
  if (!ts.isIdentifier(e)) return undefined;
  const decl = resolveName(e.text, e);
  if (!decl) return undefined;
  const target = importTarget(decl);
  if (target) {
    const provider = otherProvider(target.module);
    if (provider) return provider;
    const located = resolveImport(ctx.host, fromFile, decl);
    if (!located) return undefined;
    if (ts.isVariableDeclaration(located.node) || ts.isFunctionDeclaration(located.node))
      return providerOfDeclaration(located.node, located.sourceFile.fileName);
    return undefined;
  }
  if (ts.isVariableDeclaration(decl) || ts.isFunctionDeclaration(decl)) return providerOfDeclaration(decl, fromFile);
  if (ts.isParameter(decl) && decl.type) {
    const ref = packageTypeReference(decl.type, decl);
    return ref ? otherProvider(ref.module) : undefined;
  }
  return undefined;

  function providerOfDeclaration(
    node: ts.VariableDeclaration | ts.FunctionDeclaration,
    file: string,
  ): string | undefined {
    // Kept per declaration: a graph of helpers returning each other on several branches is read once per node, not
    // once per path (2^n), and a cycle meets the entry made before its values are read.
    const known = (visitsOf(ctx).otherProviderOrigins ??= new Map());
    if (known.has(node)) return known.get(node);
    known.set(node, undefined);
    const provider = providerOfValues(node, file);
    known.set(node, provider);
    return provider;
  }

  function providerOfValues(node: ts.VariableDeclaration | ts.FunctionDeclaration, file: string): string | undefined {
    let values: ts.Expression[];
    if (ts.isFunctionDeclaration(node)) values = returnedExpressions(node);
    else if (!ts.isIdentifier(node.name)) return undefined;
    else if (declarationKeyword(node) === 'const') values = node.initializer ? [node.initializer] : [];
    else values = [...(node.initializer ? [node.initializer] : []), ...assignmentsTo(node)];
    const providers = values.filter((v) => !isNullish(v)).map((v) => next(v, file));
    return providers.length && providers.every((p) => p && p === providers[0]) ? providers[0] : undefined;
  }
}
