/**
 * Pass: what a value is, the expression a name is initialised with or a function returns: an awaited call (or a
 * Promise of one), `.withResponse()`, a fetch body. Entries: {@link classifyValue}, {@link classifyInitializer}.
 */
import { RESULT_KINDS, plainPath } from '../result-kinds.js';
import { skipOuterExpressions, ts } from '../ts.js';
import { type PassContext, type CallClassification, withoutGatewayRead } from './context.js';
import { classifyFetchJson, classifyOllamaJson } from './fetch-json.js';
import { classifyCall } from './calls.js';

/** Does the expression pass through a cast to `any`/`unknown` on its way to the call? (Then only the call vouches for it.) */
function castsToAny(expr: ts.Expression): boolean {
  let e: ts.Expression = expr;
  for (;;) {
    if (ts.isAsExpression(e) || ts.isTypeAssertionExpression(e)) {
      if (e.type.kind === ts.SyntaxKind.AnyKeyword || e.type.kind === ts.SyntaxKind.UnknownKeyword) return true;
      e = e.expression;
    } else if (
      ts.isParenthesizedExpression(e) ||
      ts.isNonNullExpression(e) ||
      ts.isAwaitExpression(e) ||
      ts.isSatisfiesExpression(e)
    ) {
      e = e.expression;
    } else {
      return false;
    }
  }
}

/** Classify the value a name is initialised with (or assigned). */
export function classifyInitializer(init: ts.Expression, ctx: PassContext): CallClassification | undefined {
  const result = classifyValue(init, ctx);
  if (result && !result.rejection && castsToAny(init)) {
    return {
      ...result,
      notes: [
        ...result.notes,
        'the value passes through a cast to `any`: the source was read from the call itself, not from its type',
      ],
    };
  }
  return result;
}

export function classifyValue(init: ts.Expression, ctx: PassContext): CallClassification | undefined {
  let e = skipOuterExpressions(init);
  let awaited = false;
  if (ts.isAwaitExpression(e)) {
    awaited = true;
    e = skipOuterExpressions(e.expression);
  }
  if (!ts.isCallExpression(e)) return undefined;
  const callee = skipOuterExpressions(e.expression);
  if (
    ts.isPropertyAccessExpression(callee) &&
    callee.name.text === 'withResponse' &&
    ts.isCallExpression(skipOuterExpressions(callee.expression))
  ) {
    const inner = classifyCall(skipOuterExpressions(callee.expression) as ts.CallExpression, ctx);
    // A gateway's id is read from the body, which `.withResponse()` puts under `data`: not read here, so manual.
    if (inner?.rejection?.gatewayRead)
      return { ...inner, rejection: withoutGatewayRead(inner.rejection), needsAwait: !awaited };
    if (!inner || (inner.rejection && inner.rejection.code !== 'no-field-value'))
      return inner && { ...inner, needsAwait: !awaited };
    const bodyHasId = inner.kind && plainPath(inner.kind.fields.openai_request_id) === 'id';
    return bodyHasId
      ? { kind: inner.kind, path: 'data', notes: inner.notes, needsAwait: !awaited }
      : { kind: RESULT_KINDS.withResponseHeaderId, notes: inner.notes, needsAwait: !awaited };
  }
  const result = classifyFetchJson(e) ?? classifyOllamaJson(e) ?? classifyCall(e, ctx);
  if (!result) return undefined;
  if (result.needsAwait && !awaited && !result.rejection) {
    return {
      rejection: {
        code: 'no-source',
        reason: 'it holds the Promise of the call, not its result: await it before reading the fields',
      },
      notes: [],
      needsAwait: true,
    };
  }
  return result;
}
