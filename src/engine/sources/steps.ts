/**
 * Pass: one step of an AI SDK multi-step run (`for (const step of result.steps)`, `steps.forEach`, a `finish-step`
 * part of `experimental_transform`), each step one request. Entries: {@link classifyStep}, {@link classifyFinishStepPart}.
 * The run a `steps` comes from is classified by the declaration pass, reached through `ctx.resolve`.
 */
import { importTarget } from '../modules.js';
import { owningVariableDeclaration, resolveName } from '../scope.js';
import { AI_SDK_FUNCTIONS, RESULT_KINDS } from '../result-kinds.js';
import { propertyNameText, skipOuterExpressions, ts } from '../ts.js';
import { type PassContext, type Classified, isPackage, withoutGatewayRead } from './context.js';
import { classifyAiModel } from './model.js';
import { classifyInitializer } from './values.js';
import { toClassified } from './result-source.js';
import { classifyAiCallback } from './callbacks.js';

/**
 * `…steps` of an AI SDK run: `result.steps`, `event.steps` of an end callback, or a `steps` destructured from either.
 * Undefined when the expression is not one; else the run's own classification (a rejection stays a rejection).
 */
function stepsOfAiRun(expr: ts.Expression, ctx: PassContext): Classified | undefined {
  let e = skipOuterExpressions(expr);
  if (ts.isAwaitExpression(e)) e = skipOuterExpressions(e.expression);
  if (ts.isPropertyAccessExpression(e) && e.name.text === 'steps') {
    const owner = skipOuterExpressions(e.expression);
    const ownerDecl = ts.isIdentifier(owner) ? resolveName(owner.text, owner) : undefined;
    const run = ownerDecl && ctx.resolve.declaration(ownerDecl, ctx);
    return run && (run.type === 'rejected' || run.kind === RESULT_KINDS.aiResponse) ? run : undefined;
  }
  if (ts.isIdentifier(e)) {
    const decl = resolveName(e.text, e);
    if (!decl || !ts.isBindingElement(decl) || propertyNameText(decl.propertyName ?? decl.name) !== 'steps')
      return undefined;
    const owner = owningVariableDeclaration(decl);
    if (owner && ts.isParameter(owner)) {
      const callback = classifyAiCallback(owner.parent as ts.ArrowFunction, ctx);
      return callback && (callback.type === 'rejected' || callback.kind === RESULT_KINDS.aiResponse)
        ? callback
        : undefined;
    }
    const result =
      owner && ts.isVariableDeclaration(owner) && owner.initializer
        ? classifyInitializer(owner.initializer, ctx)
        : undefined;
    if (result?.rejection) return toClassified(owner!, e.text, result, e.text, ctx);
    return result?.kind === RESULT_KINDS.aiResponse ? toClassified(owner!, e.text, result, e.text, ctx) : undefined;
  }
  return undefined;
}

/**
 * One step of an AI SDK run, each one OpenAI request with its own `response`: `for (const step of result.steps)`,
 * `result.steps.forEach((step) => …)` (also map, flatMap), `const first = result.steps[0]` (or `.at(i)`).
 */
export function classifyStep(
  decl: ts.VariableDeclaration | ts.ParameterDeclaration,
  ctx: PassContext,
): Classified | undefined {
  if (!ts.isIdentifier(decl.name)) return undefined;
  let steps: ts.Expression | undefined;
  const parent = decl.parent;
  if (
    ts.isVariableDeclaration(decl) &&
    ts.isVariableDeclarationList(parent) &&
    ts.isForOfStatement(parent.parent) &&
    parent.parent.initializer === parent
  ) {
    steps = parent.parent.expression;
  } else if (ts.isVariableDeclaration(decl) && decl.initializer) {
    const init = skipOuterExpressions(decl.initializer);
    if (ts.isElementAccessExpression(init)) steps = init.expression;
    else if (
      ts.isCallExpression(init) &&
      ts.isPropertyAccessExpression(init.expression) &&
      init.expression.name.text === 'at'
    )
      steps = init.expression.expression;
  } else if (
    ts.isParameter(decl) &&
    (ts.isArrowFunction(parent) || ts.isFunctionExpression(parent)) &&
    parent.parameters[0] === decl
  ) {
    const call = parent.parent;
    if (
      ts.isCallExpression(call) &&
      call.arguments[0] === parent &&
      ts.isPropertyAccessExpression(call.expression) &&
      /^(forEach|map|flatMap)$/.test(call.expression.name.text)
    ) {
      steps = call.expression.expression;
    }
  }
  const run = steps && stepsOfAiRun(steps, ctx);
  if (!run) return undefined;
  if (run.type === 'rejected') return { ...run, origin: decl };
  return {
    type: 'source',
    origin: decl,
    name: decl.name.text,
    base: `${decl.name.text}.response`,
    kind: RESULT_KINDS.aiResponse,
    edits: [],
    notes: ['one row per step: each step of a multi-step run is one OpenAI request'],
  };
}

/**
 * The `part` of an AI SDK `experimental_transform` stream, at a call under `if (part.type === 'finish-step')`: that
 * part ends one step, one request, and carries its `response`.
 */
export function classifyFinishStepPart(decl: ts.ParameterDeclaration, ctx: PassContext): Classified | undefined {
  const name = (decl.name as ts.Identifier).text;
  const fn = decl.parent;
  if (fn.parameters[0] !== decl || !ctx.call) return undefined;
  // transform(part, controller) in `new TransformStream({...})` returned by `experimental_transform` of an AI SDK call.
  let node: ts.Node | undefined = fn.parent;
  while (
    node &&
    !ts.isSourceFile(node) &&
    !(ts.isPropertyAssignment(node) && propertyNameText(node.name) === 'experimental_transform')
  )
    node = node.parent;
  if (!node || ts.isSourceFile(node)) return undefined;
  const options = node.parent;
  const aiCall =
    ts.isObjectLiteralExpression(options) && ts.isCallExpression(options.parent) ? options.parent : undefined;
  const callee = aiCall && skipOuterExpressions(aiCall.expression);
  const calleeDecl = callee && ts.isIdentifier(callee) ? resolveName(callee.text, callee) : undefined;
  const target = calleeDecl && importTarget(calleeDecl);
  if (!aiCall || !target || !isPackage(target.module, 'ai') || !AI_SDK_FUNCTIONS.includes(target.imported))
    return undefined;
  let narrowed = false;
  for (let n: ts.Node | undefined = ctx.call; n && n !== fn && !narrowed; n = n.parent) {
    const parent: ts.Node | undefined = n.parent;
    if (!parent || !ts.isIfStatement(parent) || parent.thenStatement !== n) continue;
    const test = skipOuterExpressions(parent.expression);
    narrowed =
      ts.isBinaryExpression(test) &&
      (test.operatorToken.kind === ts.SyntaxKind.EqualsEqualsEqualsToken ||
        test.operatorToken.kind === ts.SyntaxKind.EqualsEqualsToken) &&
      test.left.getText(ctx.sourceFile) === `${name}.type` &&
      ts.isStringLiteralLike(test.right) &&
      test.right.text === 'finish-step';
  }
  if (!narrowed) return undefined;
  const model = classifyAiModel(aiCall.arguments[0], ctx);
  if (model.rejection) return { type: 'rejected', origin: decl, name, ...withoutGatewayRead(model.rejection) };
  return {
    type: 'source',
    origin: decl,
    name,
    base: `${name}.response`,
    kind: RESULT_KINDS.aiResponse,
    edits: [],
    notes: [...model.notes, 'read from the `finish-step` part: one row per step, each step one request'],
  };
}
