/**
 * Pass: what a call of an in-house function returns: a pass-through of a callback, a wrapper typed with the AI SDK's
 * own types, a wrapper whose declared return type carries the fields (or returns an SDK result), or a helper that
 * returns another provider's usage. Entry: {@link classifyWrapperCall}. What the wrapper returns is classified by the
 * value and declaration passes above this one, reached through `ctx.resolve` (no import back up).
 */
import { importTarget, type Located } from '../modules.js';
import { resolveName, type Declaration } from '../scope.js';
import {
  AI_SDK_FUNCTIONS,
  AI_SDK_STREAMING,
  RESULT_KINDS,
  kindOfSdkType,
  type FieldReader,
  type ResultKind,
} from '../result-kinds.js';
import { packageTypeReference, readTypeShape, unwrapPromise } from '../types-read.js';
import { functionOf, isFunctionLike, propertyChain, propertyNameText, skipOuterExpressions, ts } from '../ts.js';
import { activeFields } from '../../config.js';
import {
  type PassContext,
  type CallClassification,
  OPENAI_PACKAGE,
  type SourceRejection,
  type Visits,
  aiResponsePath,
  guarded,
  isPackage,
  visitsOf,
  withoutGatewayRead,
} from './context.js';
import { declaredReturnType, isNullish, multiStepNote, objectProperty, returnedExpressions } from './syntax.js';
import { classifyAiModel } from './model.js';

/**
 * What a call of an in-house function (`located`, its declaration) returns: tried in order, a pass-through of the
 * callback it is given, a wrapper typed as an AI SDK function, a wrapper read from its returns and declared return
 * type, a helper returning another provider's usage. Undefined: none of these.
 */
export function classifyWrapperCall(
  call: ts.CallExpression,
  located: Located,
  ctx: PassContext,
): CallClassification | undefined {
  return (
    passedThrough(located, call, ctx) ??
    classifySdkTypedWrapper(call, located, ctx) ??
    classifyWrapper(located, ctx) ??
    classifyOtherProviderUsageHelper(located, ctx)
  );
}

/** `Wrapper<typeof generateText>` (`ReturnType`, `Parameters`): the AI SDK function it names, if it is one. */
function typeofAiFunction(type: ts.TypeNode, wrapper: string): Declaration | undefined {
  if (
    !ts.isTypeReferenceNode(type) ||
    !ts.isIdentifier(type.typeName) ||
    type.typeName.text !== wrapper ||
    type.typeArguments?.length !== 1
  )
    return undefined;
  const query = type.typeArguments[0];
  if (!ts.isTypeQueryNode(query) || !ts.isIdentifier(query.exprName)) return undefined;
  const decl = resolveName(query.exprName.text, query);
  const target = decl && importTarget(decl);
  return target && isPackage(target.module, 'ai') && AI_SDK_FUNCTIONS.includes(target.imported) ? decl : undefined;
}

/**
 * An in-house wrapper typed with the AI SDK's own types, `(config: Parameters<typeof generateText>[0]):
 * Promise<ReturnType<typeof generateText>>` (or `Awaited<…>`), that hands its parameter unchanged to that function:
 * its result is that function's, and the provider is the `model` the caller passes. Only an OpenAI model or another
 * provider's is an answer; a model this tool cannot read leaves the wrapper to `classifyWrapper`.
 */
function classifySdkTypedWrapper(
  call: ts.CallExpression,
  located: Located,
  ctx: PassContext,
): CallClassification | undefined {
  const fn = functionOf(located.node);
  if (!fn?.type || !fn.body) return undefined;
  let type: ts.TypeNode = fn.type;
  let promised = false;
  while (
    ts.isTypeReferenceNode(type) &&
    ts.isIdentifier(type.typeName) &&
    /^(Promise|Awaited)$/.test(type.typeName.text) &&
    type.typeArguments?.length === 1
  ) {
    promised ||= type.typeName.text === 'Promise';
    type = type.typeArguments[0];
  }
  const sdkFunction = typeofAiFunction(type, 'ReturnType');
  const param = fn.parameters[0];
  if (!sdkFunction || !param || !ts.isIdentifier(param.name) || !param.type || !ts.isIndexedAccessTypeNode(param.type))
    return undefined;
  const index = param.type.indexType;
  if (!ts.isLiteralTypeNode(index) || !ts.isNumericLiteral(index.literal) || index.literal.text !== '0')
    return undefined;
  if (typeofAiFunction(param.type.objectType, 'Parameters') !== sdkFunction) return undefined;
  // Every call of the SDK function passes the parameter itself, and nothing assigns to it or into it.
  const paramName = param.name.text;
  const isParam = (e: ts.Expression) => {
    const root = propertyChain(skipOuterExpressions(e)).root;
    return ts.isIdentifier(root) && root.text === paramName && resolveName(paramName, root) === param;
  };
  let passes = 0;
  let changed = false;
  const visit = (n: ts.Node) => {
    if (ts.isCallExpression(n)) {
      const callee = skipOuterExpressions(n.expression);
      if (ts.isIdentifier(callee) && resolveName(callee.text, callee) === sdkFunction) {
        const arg = n.arguments[0] && skipOuterExpressions(n.arguments[0]);
        if (n.arguments.length === 1 && arg && ts.isIdentifier(arg) && isParam(arg)) passes++;
        else changed = true;
      }
    }
    if (
      ts.isBinaryExpression(n) &&
      n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      n.operatorToken.kind <= ts.SyntaxKind.LastAssignment &&
      isParam(n.left)
    )
      changed = true;
    if (ts.isDeleteExpression(n) && isParam(n.expression)) changed = true;
    ts.forEachChild(n, visit);
  };
  visit(fn.body);
  if (!passes || changed) return undefined;
  const api = importTarget(sdkFunction)!.imported;
  const wrapperName = call.expression.getText(ctx.sourceFile);
  const model = classifyAiModel(call.arguments[0], ctx);
  if (model.rejection) return { rejection: withoutGatewayRead(model.rejection), notes: [], needsAwait: true };
  if (!model.known) return undefined;
  const notes = [
    ...model.notes,
    ...multiStepNote(call.arguments[0]),
    `\`${wrapperName}\` is typed as \`${api}\` and passes its options to it unchanged: read as that call's result`,
  ];
  if (AI_SDK_STREAMING.has(api))
    return { kind: RESULT_KINDS.aiResponse, streamResult: true, notes, needsAwait: promised };
  return { kind: RESULT_KINDS.aiResponse, path: aiResponsePath(ctx), notes, needsAwait: true };
}

/**
 * A local helper that returns `{ …, usage }` where, on every return, `usage` is read from another provider's result
 * (`const result = await generateObject({ model: google(…) }); return { data: result.object, usage: result.usage }`):
 * the counts a caller reads from it are that provider's, not OpenAI's.
 */
function classifyOtherProviderUsageHelper(located: Located, ctx: PassContext): CallClassification | undefined {
  // `return null` (nothing to do) carries no usage at all: only the objects returned decide.
  const returned = returnedExpressions(located.node).filter((r) => !isNullish(r));
  if (!returned.length) return undefined;
  const inner: PassContext = { ...ctx, sourceFile: located.sourceFile, call: undefined };
  let first: SourceRejection | undefined;
  for (const r of returned) {
    const usage = objectProperty(r, 'usage');
    const root = usage && propertyChain(skipOuterExpressions(usage)).root;
    const decl = root && ts.isIdentifier(root) ? resolveName(root.text, root) : undefined;
    const classified = decl && inner.resolve.declaration(decl, inner);
    if (classified?.type !== 'rejected' || classified.code !== 'not-openai' || classified.gateway) return undefined;
    first ??= classified;
  }
  const name = ts.isFunctionDeclaration(located.node)
    ? located.node.name?.text
    : (located.node as ts.VariableDeclaration).name.getText(located.sourceFile);
  return {
    rejection: { code: 'not-openai', reason: `\`${name}\` returns the usage of \`${first!.name}\`: ${first!.reason}` },
    notes: [],
    needsAwait: true,
  };
}

/**
 * A generic pass-through (`retryWithBackoff<T>(fn: () => Promise<T>): Promise<T>`, `withTimeout(fn)`): every return
 * of the wrapper is a call of the same callback parameter (`return await fn()`), so its result is what the callback
 * the call passes returns (`async () => openai.chat.completions.create(…)`), classified as awaited. Each return of
 * that callback must be the same kind of result.
 */
function passedThrough(located: Located, call: ts.CallExpression, ctx: PassContext): CallClassification | undefined {
  const wrapper = functionOf(located.node);
  if (!wrapper?.body) return undefined;
  const returns = returnedExpressions(located.node);
  let index = -1;
  for (const r of returns) {
    let e = skipOuterExpressions(r);
    if (ts.isAwaitExpression(e)) e = skipOuterExpressions(e.expression);
    if (!ts.isCallExpression(e) || !ts.isIdentifier(e.expression)) return undefined;
    const param = resolveName(e.expression.text, e.expression);
    const i = param && ts.isParameter(param) && param.parent === wrapper ? wrapper.parameters.indexOf(param) : -1;
    if (i < 0 || (index >= 0 && i !== index)) return undefined;
    index = i;
  }
  const callback = index >= 0 && call.arguments[index] ? skipOuterExpressions(call.arguments[index]) : undefined;
  if (!callback || !(ts.isArrowFunction(callback) || ts.isFunctionExpression(callback))) return undefined;
  const results: ts.Expression[] = [];
  if (!ts.isBlock(callback.body)) results.push(callback.body);
  else {
    const visit = (n: ts.Node) => {
      if (ts.isReturnStatement(n) && n.expression) results.push(n.expression);
      else if (!isFunctionLike(n)) ts.forEachChild(n, visit);
    };
    ts.forEachChild(callback.body, visit);
  }
  if (results.length === 0) return undefined;
  const classified = results.map((r) =>
    ctx.resolve.value(ts.isAwaitExpression(skipOuterExpressions(r)) ? r : ts.factory.createAwaitExpression(r), ctx),
  );
  const refused = classified.find((c) => c?.rejection);
  if (refused) return { ...refused, needsAwait: true };
  const first = classified[0];
  if (
    !first?.kind ||
    classified.some(
      (c) => !c || c.kind !== first.kind || c.path !== first.path || c.streamResult !== first.streamResult,
    )
  )
    return undefined;
  return { ...first, needsAwait: true };
}

/** Is a property declared as `string`/`number` (with null or undefined allowed), as the field needs? */
function declaresType(prop: ts.PropertySignature, tsType: 'string' | 'number'): boolean {
  if (!prop.type) return true; // untyped: JavaScript, nothing to contradict
  const members = ts.isUnionTypeNode(prop.type) ? prop.type.types : [prop.type];
  const keyword = tsType === 'number' ? ts.SyntaxKind.NumberKeyword : ts.SyntaxKind.StringKeyword;
  return members.every((m) => {
    if (m.kind === keyword || m.kind === ts.SyntaxKind.UndefinedKeyword) return true;
    if (!ts.isLiteralTypeNode(m)) return false;
    if (m.literal.kind === ts.SyntaxKind.NullKeyword) return true;
    return tsType === 'number' ? ts.isNumericLiteral(m.literal) : ts.isStringLiteral(m.literal);
  });
}

/**
 * A wrapper that returns a call of itself, directly or through others (a retry by recursion, wrappers in two modules
 * calling each other): what it finally returns is not followed through a cycle, so it is not certain. Manual.
 */
function wrapperCycle(located: Located, visits: Visits): CallClassification {
  const name = (node: ts.Node) =>
    (ts.isFunctionDeclaration(node) || ts.isVariableDeclaration(node)) && node.name
      ? node.name.getText()
      : 'a function';
  const stack = [...visits.wrappers];
  const path = [...stack.slice(stack.indexOf(located.node)), located.node].map((n) => `\`${name(n)}\``).join(' → ');
  return {
    rejection: {
      code: 'no-source',
      reason: `its wrapper calls itself (${path}): this tool does not follow a cycle, so which request's result it returns is not certain; pass the fields by hand (or retry in a loop rather than by recursion)`,
    },
    notes: [],
    needsAwait: true,
  };
}

/** A local function whose declared return type carries the fields (or is an OpenAI SDK result type). */
function classifyWrapper(located: Located, ctx: PassContext): CallClassification | undefined {
  const visits = visitsOf(ctx);
  if (visits.wrapperResults.has(located.node)) return visits.wrapperResults.get(located.node);
  const result = guarded(
    located.node,
    visits.wrappers,
    () => wrapperCycle(located, visits),
    () => classifyWrapperOnce(located, ctx),
  );
  // Kept even while outer wrappers are open: an answer that met one of them is on a cycle through it, so it is the
  // refusal that a fresh start would reach too (a refusal of a returned call refuses the wrapper).
  visits.wrapperResults.set(located.node, result);
  return result;
}

function classifyWrapperOnce(located: Located, ctx: PassContext): CallClassification | undefined {
  const returnType = declaredReturnType(located.node);
  if (!returnType) return undefined;
  const type = unwrapPromise(returnType);
  const ref = packageTypeReference(type, located.node);
  // What it returns decides before what it is declared to return: `chat(): Promise<ChatCompletion>` may call a
  // gateway's client.
  const inner = { ...ctx, sourceFile: located.sourceFile };
  // `return openai.chat.completions.create(…)` returns the Promise an awaiting caller unwraps: classify it as awaited.
  const returned = returnedExpressions(located.node).map(
    (r) => inner.resolve.value(ts.factory.createAwaitExpression(r), inner) ?? inner.resolve.value(r, inner),
  );
  const refused = returned.find((r) => r?.rejection);
  if (refused) return refused;
  if (ref && OPENAI_PACKAGE.test(ref.module)) {
    const kind = kindOfSdkType(ref);
    return kind && { kind, notes: [], needsAwait: true };
  }
  const shape = readTypeShape(ctx.host, located.sourceFile, type);
  if (!shape) return undefined;
  const fields = {} as ResultKind['fields'];
  let any = false;
  for (const { field, prop: written, tsType } of activeFields(ctx.config)) {
    const prop = shape.properties.get(written) ?? shape.properties.get(field);
    if (!prop) {
      fields[field] = null;
      continue;
    }
    any = true;
    const name = propertyNameText((prop.node as ts.PropertySignature).name)!;
    if (!declaresType(prop.node as ts.PropertySignature, tsType)) {
      const declared = (prop.node as ts.PropertySignature).type?.getText(located.sourceFile) ?? 'untyped';
      return {
        rejection: {
          code: 'no-field-value',
          reason: `the wrapper's \`${name}\` is \`${declared}\`, not a ${tsType === 'number' ? 'number of unix seconds' : 'string'}: convert it by hand`,
        },
        notes: [],
        needsAwait: true,
      };
    }
    const reader: FieldReader = { path: name, mayBeUndefined: prop.acceptsUndefined, mayBeNull: prop.acceptsNull };
    fields[field] = reader;
  }
  if (!any || !fields.openai_request_id) return undefined;
  const name = ts.isFunctionDeclaration(located.node)
    ? located.node.name?.text
    : (located.node as ts.VariableDeclaration).name.getText(located.sourceFile);
  return {
    kind: { id: 'wrapper', label: `in-house wrapper \`${name}\` (its return type carries the fields)`, fields },
    notes: [],
    needsAwait: true,
  };
}
