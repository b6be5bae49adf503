/**
 * Pass: what a destructured binding holds: the fields of a destructured result (joining the pattern), the `response`
 * of a destructured AI SDK result, an element of `Promise.all` / `Promise.allSettled`. Entries:
 * {@link classifyDestructuredResult}, {@link classifyDestructuredAiResult}, {@link promiseAllElement},
 * {@link promiseAllSettledElement}.
 */
import { plainPath, type ResultKind } from '../result-kinds.js';
import { type TextEdit } from '../types.js';
import { propertyChain, skipOuterExpressions, ts } from '../ts.js';
import { activeFields } from '../../config.js';
import { type PassContext, type CallClassification, type Classified } from './context.js';
import { bindingFor } from './syntax.js';
import { classifyInitializer } from './values.js';
import { toClassified } from './result-source.js';

/** `const [a, b] = await Promise.all([callA(), callB()])`: the element's own call. */
export function promiseAllElement(decl: ts.BindingElement): ts.Expression | undefined {
  const pattern = decl.parent;
  if (!ts.isArrayBindingPattern(pattern) || !ts.isVariableDeclaration(pattern.parent) || !pattern.parent.initializer)
    return undefined;
  let init = skipOuterExpressions(pattern.parent.initializer);
  if (!ts.isAwaitExpression(init)) return undefined;
  init = skipOuterExpressions(init.expression);
  if (!ts.isCallExpression(init)) return undefined;
  const { root, names } = propertyChain(init.expression);
  if (
    !ts.isIdentifier(root) ||
    root.text !== 'Promise' ||
    (names.join('.') !== 'all' && names.join('.') !== 'allSettled')
  )
    return undefined;
  if (names[0] === 'allSettled') return undefined; // settled results wrap the value: { status, value }
  const array = init.arguments[0] && skipOuterExpressions(init.arguments[0]);
  if (!array || !ts.isArrayLiteralExpression(array)) return undefined;
  const index = pattern.elements.indexOf(decl);
  const element = array.elements[index];
  if (!element || ts.isSpreadElement(element) || array.elements.slice(0, index).some(ts.isSpreadElement))
    return undefined;
  // Promise.all awaits each element: classify it as if awaited.
  return ts.factory.createAwaitExpression(element as ts.Expression);
}

/**
 * `const [a, b] = await Promise.allSettled([callA(), callB()])`: each element is `{ status, value }`. Another provider's
 * call is rejected whatever its status; an OpenAI result is read from `a.value` only at a call under
 * `if (a.status === 'fulfilled')`, where `value` exists and type-checks.
 */
export function promiseAllSettledElement(decl: ts.BindingElement, ctx: PassContext): Classified | undefined {
  const pattern = decl.parent;
  if (
    !ts.isIdentifier(decl.name) ||
    decl.dotDotDotToken ||
    !ts.isArrayBindingPattern(pattern) ||
    !ts.isVariableDeclaration(pattern.parent) ||
    !pattern.parent.initializer
  )
    return undefined;
  const init = skipOuterExpressions(pattern.parent.initializer);
  if (!ts.isAwaitExpression(init)) return undefined;
  const all = skipOuterExpressions(init.expression);
  if (!ts.isCallExpression(all)) return undefined;
  const { root, names } = propertyChain(all.expression);
  if (!ts.isIdentifier(root) || root.text !== 'Promise' || names.join('.') !== 'allSettled') return undefined;
  const array = all.arguments[0] && skipOuterExpressions(all.arguments[0]);
  if (!array || !ts.isArrayLiteralExpression(array)) return undefined;
  const index = pattern.elements.indexOf(decl);
  const element = array.elements[index];
  if (!element || ts.isSpreadElement(element) || array.elements.slice(0, index).some(ts.isSpreadElement))
    return undefined;
  const name = decl.name.text;
  const result = classifyInitializer(ts.factory.createAwaitExpression(element as ts.Expression), ctx);
  if (!result) return undefined;
  if (result.rejection) return toClassified(decl, name, result, name, ctx);
  if (result.streamResult || !ctx.call) return undefined;
  const fulfilled = new RegExp(`^${name.replace(/\$/g, '\\$')}\\.status\\s*===?\\s*(['"\`])fulfilled\\1$`);
  for (let n: ts.Node = ctx.call; n.parent && n !== pattern.parent; n = n.parent) {
    const parent: ts.Node = n.parent;
    if (
      ts.isIfStatement(parent) &&
      parent.thenStatement === n &&
      fulfilled.test(skipOuterExpressions(parent.expression).getText())
    ) {
      return toClassified(decl, name, result, `${name}.value`, ctx);
    }
  }
  return {
    type: 'rejected',
    origin: decl,
    name,
    code: 'no-source',
    reason: `a \`Promise.allSettled\` outcome: read it under \`if (${name}.status === 'fulfilled')\`, where \`${name}.value\` is the result`,
  };
}

/** `const { text, usage } = await generateText(...)`: the AI SDK result's `response`, bound or added to the pattern. */
export function classifyDestructuredAiResult(
  owner: ts.VariableDeclaration,
  result: CallClassification,
  ctx: PassContext,
): Classified | undefined {
  const pattern = owner.name as ts.ObjectBindingPattern;
  const scope = owner.parent.parent.parent;
  const [key, ...rest] = result.path!.split('.');
  const binding = bindingFor(pattern, key, key === 'response' ? 'aiResponse' : 'aiFinalStep', scope, ctx);
  const name = pattern.getText(ctx.sourceFile);
  if ('error' in binding) return { type: 'rejected', origin: owner, name, code: 'no-source', reason: binding.error };
  return {
    type: 'source',
    origin: owner,
    name,
    base: [binding.base, ...rest].join('.'),
    kind: result.kind!,
    edits: binding.edits,
    notes: result.notes,
  };
}

/**
 * `const { choices, usage } = await openai.chat.completions.create(...)`: the fields are top-level properties of the
 * result, so they join the destructuring (under other names when theirs are taken).
 */
export function classifyDestructuredResult(
  owner: ts.VariableDeclaration,
  result: CallClassification,
  ctx: PassContext,
): Classified | undefined {
  const pattern = owner.name as ts.ObjectBindingPattern;
  const name = pattern.getText(ctx.sourceFile);
  if (pattern.elements.length === 0) return undefined;
  const scope = owner.parent.parent.parent;
  const kind = result.kind!;
  const fields = {} as ResultKind['fields'];
  const edits: TextEdit[] = [];
  for (const { field } of activeFields(ctx.config)) {
    const reader = kind.fields[field];
    // `x.id` binds `id`; `x.usage?.prompt_tokens_details…` binds `usage` and reads on from it.
    const path = reader && /^([A-Za-z_$][\w$]*)((?:\??\.[\w$]+)*)$/.exec(plainPath(reader) ?? '');
    if (!reader || !path) {
      if (reader) return undefined; // a computed read (a Date) cannot come from one binding
      fields[field] = null;
      continue;
    }
    const [, key, rest] = path;
    const binding = bindingFor(pattern, key, `openai_${key.replace(/^_/, '')}`, scope, ctx);
    if ('error' in binding) return { type: 'rejected', origin: owner, name, code: 'no-source', reason: binding.error };
    // Two fields read from one key (`usage`) bind it once.
    for (const edit of binding.edits)
      if (!edits.some((e) => e.start === edit.start && e.text === edit.text)) edits.push(edit);
    // Read with no base: the path is the binding itself.
    fields[field] = { ...reader, path: `${binding.base}${rest}` };
  }
  return { type: 'source', origin: owner, name, base: '', kind: { ...kind, fields }, edits, notes: result.notes };
}
