/**
 * Pass: what a declaration holds (the entry of source resolution): routes a variable, a destructured element or a
 * parameter to the passes above, and hands the passes below the resolvers they call back (`ctx.resolve`), so the
 * import graph between pass modules has no cycle. Entry: {@link classifyDeclaration}.
 */
import { declarationKeyword, owningVariableDeclaration, type Declaration } from '../scope.js';
import { RESULT_KINDS } from '../result-kinds.js';
import { propertyNameText, ts } from '../ts.js';
import {
  type AnalysisContext,
  type Classified,
  type PassContext,
  type Resolvers,
  guarded,
  visitsOf,
} from './context.js';
import { classifyInitializer, classifyValue } from './values.js';
import { classifyByType, fitDeclaredType, toClassified } from './result-source.js';
import { classifyAiCallback } from './callbacks.js';
import {
  classifyDestructuredAiResult,
  classifyDestructuredResult,
  promiseAllElement,
  promiseAllSettledElement,
} from './bindings.js';
import { classifyFinishStepPart, classifyStep } from './steps.js';
import { classifyStreamChunk, otherProviderStreamItem } from './stream-items.js';
import { classifyAssigned } from './assigned.js';
import { classifyCaughtError } from './caught-error.js';

/** Classify what a declaration holds: an LLM result (and how to read it), a rejected look-alike, or nothing known. */
export function classifyDeclaration(decl: Declaration, ctx: AnalysisContext): Classified | undefined {
  return declaration(decl, passContext(ctx));
}

/** The passes below call back up through these (see {@link Resolvers}). */
const RESOLVERS: Resolvers = { value: classifyValue, declaration };

/**
 * The context every pass gets: the caller's, with its visits (made here when it has none, so that every later call
 * with the same context shares them) and the resolvers.
 */
export function passContext(ctx: AnalysisContext): PassContext {
  return { ...ctx, visits: visitsOf(ctx), resolve: RESOLVERS };
}

function declaration(decl: Declaration, ctx: PassContext): Classified | undefined {
  // Met again while it is being classified (`a = b; b = a`, `const s = s.steps[0]`): nothing is known through the
  // cycle. A `let` that holds a result on another path is then ambiguous (classifyAssigned), never a source.
  return guarded(
    decl,
    visitsOf(ctx).declarations,
    () => undefined,
    () => classifyDeclarationOnce(decl, ctx),
  );
}

function classifyDeclarationOnce(decl: Declaration, ctx: PassContext): Classified | undefined {
  if (ts.isVariableDeclaration(decl) && ts.isCatchClause(decl.parent)) return classifyCaughtError(decl, ctx);
  const chunk = ts.isVariableDeclaration(decl)
    ? (classifyStreamChunk(decl, ctx) ?? otherProviderStreamItem(decl, ctx))
    : undefined;
  if (chunk) return chunk;
  if (ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name)) return classifyVariable(decl, decl.name.text, ctx);
  if (ts.isBindingElement(decl) && ts.isIdentifier(decl.name)) return classifyBindingElement(decl, decl.name.text, ctx);
  if (ts.isParameter(decl) && ts.isIdentifier(decl.name)) return classifyParameter(decl, decl.name.text, ctx);
  return undefined;
}

/** A variable named `name`: a `let` from every value it is given, else a step, its initializer, or its declared type. */
function classifyVariable(decl: ts.VariableDeclaration, name: string, ctx: PassContext): Classified | undefined {
  const keyword = declarationKeyword(decl);
  if (keyword !== 'const' && !ts.isForOfStatement(decl.parent.parent) && !ts.isForInStatement(decl.parent.parent))
    return classifyAssigned(decl, ctx);
  const step = classifyStep(decl, ctx);
  if (step) return step;
  if (decl.initializer) return toClassified(decl, name, classifyInitializer(decl.initializer, ctx), name, ctx);
  return decl.type ? classifyByType(decl, decl.type, name) : undefined;
}

/** A destructured element named `name`: of an end callback's parameter, of a result, or of `Promise.all(…)`. */
function classifyBindingElement(decl: ts.BindingElement, name: string, ctx: PassContext): Classified | undefined {
  const owner = owningVariableDeclaration(decl);
  const key = propertyNameText(decl.propertyName ?? decl.name);
  if (owner && ts.isParameter(owner) && decl.parent === owner.name) {
    const fn = owner.parent;
    const callback = classifyAiCallback(fn as ts.ArrowFunction, ctx);
    if (callback) return callback;
  }
  if (
    owner &&
    ts.isVariableDeclaration(owner) &&
    owner.initializer &&
    decl.parent === owner.name &&
    ts.isObjectBindingPattern(owner.name)
  ) {
    const result = classifyInitializer(owner.initializer, ctx);
    // `const { data, request_id } = await openai.….withResponse()`: the body is `data`.
    if (result?.path === 'data' && key === 'data')
      return toClassified(decl, name, { ...result, path: undefined }, name, ctx);
    // `const { text, usage, response } = await generateText(...)`
    if (result?.kind === RESULT_KINDS.aiResponse && result.path && !result.rejection)
      return classifyDestructuredAiResult(owner, result, ctx);
    if (result?.kind && !result.path && !result.rejection && !result.streamResult) {
      const fitted = fitDeclaredType(owner, result, ctx);
      if ('rejection' in fitted)
        return { type: 'rejected', origin: owner, name: owner.name.getText(ctx.sourceFile), ...fitted.rejection };
      const destructured = classifyDestructuredResult(owner, { ...result, kind: fitted.kind }, ctx);
      return destructured?.type === 'source'
        ? { ...destructured, edits: [...destructured.edits, ...fitted.edits] }
        : destructured;
    }
    if (result?.rejection) return toClassified(owner, owner.name.getText(ctx.sourceFile), result, '', ctx);
  }
  const element = promiseAllElement(decl);
  if (element) return toClassified(decl, name, classifyInitializer(element, ctx), name, ctx);
  const settled = promiseAllSettledElement(decl, ctx);
  if (settled) return settled;
  return undefined;
}

/** A parameter named `name`: an end event, a step, the result a `.then` callback is given, or its declared type. */
function classifyParameter(decl: ts.ParameterDeclaration, name: string, ctx: PassContext): Classified | undefined {
  const callback = classifyAiCallback(decl.parent as ts.ArrowFunction, ctx);
  if (callback && decl.parent.parameters[0] === decl) return callback;
  const step = classifyStep(decl, ctx) ?? classifyFinishStepPart(decl, ctx);
  if (step) return step;
  // `openai.chat.completions.create(...).then((completion) => …)`: the parameter is the awaited result.
  const fn = decl.parent;
  const then = fn.parent;
  if (
    (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) &&
    fn.parameters[0] === decl &&
    ts.isCallExpression(then) &&
    then.arguments[0] === fn &&
    ts.isPropertyAccessExpression(then.expression) &&
    then.expression.name.text === 'then'
  ) {
    const settled = classifyInitializer(ts.factory.createAwaitExpression(then.expression.expression), ctx);
    if (settled) return toClassified(decl, name, settled, name, ctx);
  }
  if (decl.type) return classifyByType(decl, decl.type, name);
  return undefined;
}
