/**
 * Pass: what an LLM call returns once awaited: a client method of the openai package (client, request options, then
 * result), a stream helper's final result, an openai v3 method, an AI SDK function, another provider's call, or an
 * in-house wrapper (the wrappers pass). Entry: {@link classifyCall}.
 */
import { importTarget, resolveImport, type Located } from '../modules.js';
import { resolveName } from '../scope.js';
import {
  AI_FUNCTIONS,
  AI_SDK_FUNCTIONS,
  AI_SDK_STREAMING,
  RESULT_KINDS,
  STREAM_FINALS,
  V3_METHODS,
  clientMethodOf,
  withoutCasts,
  type ResultKind,
} from '../result-kinds.js';
import { propertyChain, skipOuterExpressions, ts } from '../ts.js';
import {
  type PassContext,
  type CallClassification,
  aiResponsePath,
  isPackage,
  missingAiResponse,
  missingRequestId,
  otherProvider,
} from './context.js';
import { multiStepNote, objectProperty, producedBy, requestsStream } from './syntax.js';
import { type ClientVerdict, classifyClient, readBaseUrl } from './client.js';
import { classifyAiModel } from './model.js';
import { otherProviderOrigin } from './provider.js';
import { classifyWrapperCall } from './wrappers.js';

/** The answer for a call on a client that is not (certainly) OpenAI's: its verdict's reason. */
function refusedClient(verdict: Extract<ClientVerdict, { openai: false }>): CallClassification {
  return {
    rejection: { code: verdict.code, reason: verdict.reason, gateway: verdict.gateway },
    notes: [],
    needsAwait: true,
  };
}

function classifyStreamHelperFinal(callee: ts.Expression, ctx: PassContext): CallClassification | undefined {
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const helper = STREAM_FINALS.find((h) => h.final === callee.name.text);
  if (!helper) return undefined;
  const creation = producedBy(callee.expression);
  if (!creation || !ts.isCallExpression(creation)) return undefined;
  const { names } = propertyChain(creation.expression);
  if (names.slice(-helper.path.length).join('.') !== helper.path.join('.')) return undefined;
  let client: ts.Expression = skipOuterExpressions(creation.expression);
  for (let i = 0; i < helper.path.length; i++)
    client = skipOuterExpressions((client as ts.PropertyAccessExpression).expression);
  const verdict = classifyClient(client, ctx);
  if (!verdict.openai) return refusedClient(verdict);
  return { kind: helper.kind, notes: verdict.notes, needsAwait: true };
}

/** What an LLM call returns once awaited, if it is one this tool knows: tried phase by phase, first answer wins. */
export function classifyCall(call: ts.CallExpression, ctx: PassContext): CallClassification | undefined {
  const callee = skipOuterExpressions(call.expression);
  const final = classifyStreamHelperFinal(callee, ctx);
  if (final) return final;
  const { root, names } = propertyChain(callee);
  // The longest method path that is the callee's tail (`chat.completions.create` before `completions.create`).
  const method = clientMethodOf(names);
  // (A path reached otherwise than by property access, `openai['chat']…`, is left to the phases below.)
  if (method && ts.isPropertyAccessExpression(callee)) return classifyClientMethodCall(call, callee, method, ctx);
  // openai v3 (`OpenAIApi`): `createChatCompletion` and the legacy `createCompletion` resolve to an axios response
  // whose `data` is the body (`CreateChatCompletionResponse` / `CreateCompletionResponse`: id, created).
  const v3Kind = names.length === 1 ? V3_METHODS.get(names[0]) : undefined;
  if (v3Kind && ts.isIdentifier(root)) return classifyV3Call(call, root, v3Kind, ctx);
  const provider = otherProviderOrigin(callee, ctx.sourceFile.fileName, ctx);
  if (provider) {
    return {
      rejection: {
        code: 'not-openai',
        reason: `\`${callee.getText(ctx.sourceFile)}\` is a ${provider} call, not OpenAI: its ids are not OpenAI request ids`,
      },
      notes: [],
      needsAwait: true,
    };
  }
  if (ts.isIdentifier(callee)) return classifyImportedCall(call, callee, ctx);
  return undefined;
}

/** A client method of the openai package (`openai.chat.completions.create(…)`): the client, the request options, then the result. */
function classifyClientMethodCall(
  call: ts.CallExpression,
  callee: ts.PropertyAccessExpression,
  method: NonNullable<ReturnType<typeof clientMethodOf>>,
  ctx: PassContext,
): CallClassification | undefined {
  // The client is what the resource path hangs off: `openai` in `openai.chat.completions.create`.
  let clientExpr: ts.Expression = callee;
  for (let i = 0; i < method.path.length; i++)
    clientExpr = skipOuterExpressions((clientExpr as ts.PropertyAccessExpression).expression);
  const verdict = classifyClient(clientExpr, ctx);
  if (!verdict.openai) {
    // A known gateway's chat completion (not a stream: its chunks are not read here): the body id is its generation id.
    // The body written out, with no spread: a `create(params)` or `{ ...extra }` may hold `stream: true` unseen.
    const body = call.arguments[0] && skipOuterExpressions(call.arguments[0]);
    const bodyRead = !!body && ts.isObjectLiteralExpression(body) && !body.properties.some(ts.isSpreadAssignment);
    const readable =
      verdict.gatewayName && method.kind === RESULT_KINDS.chatCompletion && bodyRead && !requestsStream(call);
    const refused = refusedClient(verdict);
    return readable
      ? {
          ...refused,
          rejection: { ...refused.rejection!, gatewayRead: { gateway: verdict.gatewayName!, idPath: 'id' } },
        }
      : refused;
  }
  // Request options may send this one request elsewhere: `create(body, { baseURL })` or `{ defaultBaseURL }`.
  const requestOptions = call.arguments[1];
  for (const key of ['baseURL', 'defaultBaseURL']) {
    const url = requestOptions ? readBaseUrl(requestOptions, ctx, key) : { kind: 'none' as const };
    if (url.kind === 'gateway') {
      return {
        rejection: {
          code: 'not-openai',
          gateway: true,
          reason: `the request's ${key} is ${url.url}: the ids it returns are that gateway's, not OpenAI's`,
        },
        notes: [],
        needsAwait: true,
      };
    }
    if (url.kind === 'unknown') {
      return {
        rejection: {
          code: 'provider-unknown',
          reason: `the request's options (\`${url.text}\`) may set a ${key} this tool cannot read: if it is OpenAI's, add the fields by hand`,
        },
        notes: [],
        needsAwait: true,
      };
    }
  }
  if (requestsStream(call)) {
    return {
      rejection: {
        code: 'stream-not-captured',
        reason:
          'a streamed completion (`stream: true`): the id, `created` and `system_fingerprint` are on each chunk; keep them from a chunk in the loop and pass them here',
      },
      notes: [],
      needsAwait: true,
    };
  }
  if (method.binary) {
    return {
      rejection: {
        code: 'no-field-value',
        reason: 'audio.speech returns binary audio with no id: call it with `.withResponse()` and use its `request_id`',
      },
      notes: [],
      needsAwait: true,
    };
  }
  const format = objectProperty(call.arguments[0], 'response_format');
  if (format && ts.isStringLiteralLike(format) && method.kind.plainTextFormats?.includes(format.text)) {
    return {
      rejection: {
        code: 'no-field-value',
        reason: `response_format "${format.text}" returns a plain string, which carries no request id: use \`.withResponse()\` and its \`request_id\``,
      },
      notes: [],
      needsAwait: true,
    };
  }
  const noRequestId = missingRequestId(method.kind, ctx);
  if (noRequestId) return { rejection: noRequestId, notes: [], needsAwait: true };
  const kind = method.noBodyId ? { ...method.kind, absent: ['id', ...(method.kind.absent ?? [])] } : method.kind;
  return { kind, notes: verdict.notes, needsAwait: true };
}

/** An openai v3 `OpenAIApi` method called on the client: the body is under `.data`. */
function classifyV3Call(
  call: ts.CallExpression,
  root: ts.Identifier,
  v3Kind: ResultKind,
  ctx: PassContext,
): CallClassification | undefined {
  const verdict = classifyClient(root, ctx);
  if (!verdict.openai) return refusedClient(verdict);
  if (requestsStream(call)) {
    // `{ responseType: 'stream' }`: `data` is the raw event stream, typed as the body but holding no `id`.
    return {
      rejection: {
        code: 'stream-not-captured',
        reason:
          'an openai v3 stream (`stream: true`): `data` is the raw server-sent event stream; take `id`, `created` and `system_fingerprint` from a parsed event and pass them here',
      },
      notes: [],
      needsAwait: true,
    };
  }
  // A cast the SDK's types need (openai 3 types no system_fingerprint) is TypeScript only.
  const typed = !/\.(c|m)?jsx?$/i.test(ctx.sourceFile.fileName);
  const kind = typed ? v3Kind : withoutCasts(v3Kind);
  return { kind, notes: ['openai v3 (axios): the completion is under `.data`', ...verdict.notes], needsAwait: true };
}

/** A function called by name: an AI SDK function, another provider's, or an in-house wrapper (read through its declaration). */
function classifyImportedCall(
  call: ts.CallExpression,
  callee: ts.Identifier,
  ctx: PassContext,
): CallClassification | undefined {
  const decl = resolveName(callee.text, callee);
  if (!decl) return undefined;
  const target = importTarget(decl);
  // A kind recognised but refused (`embed`/`embedMany`: a request, but its result has no response id).
  const aiKind = target && isPackage(target.module, 'ai') ? AI_FUNCTIONS.get(target.imported) : undefined;
  if (target && aiKind?.refusal) {
    return {
      rejection: { code: 'no-field-value', reason: `an AI SDK \`${target.imported}\` result ${aiKind.refusal}` },
      notes: [],
      needsAwait: true,
    };
  }
  if (target && isPackage(target.module, 'ai') && AI_SDK_FUNCTIONS.includes(target.imported)) {
    const model = classifyAiModel(call.arguments[0], ctx);
    if (model.rejection) {
      // A Vercel AI Gateway model's generation id is on the awaited result of generateText / generateObject only.
      const { gatewayRead, ...rejection } = model.rejection;
      const readable = gatewayRead && (target.imported === 'generateText' || target.imported === 'generateObject');
      return { rejection: readable ? model.rejection : rejection, notes: [], needsAwait: !!readable };
    }
    const noResponse = missingAiResponse(ctx);
    if (noResponse) return { rejection: noResponse, notes: [], needsAwait: !AI_SDK_STREAMING.has(target.imported) };
    if (AI_SDK_STREAMING.has(target.imported)) {
      // Not awaited: `result.response` is a Promise that settles when the stream ends.
      return {
        kind: RESULT_KINDS.aiResponse,
        streamResult: true,
        notes: [...model.notes, ...multiStepNote(call.arguments[0])],
        needsAwait: false,
      };
    }
    return {
      kind: RESULT_KINDS.aiResponse,
      path: aiResponsePath(ctx),
      notes: [...model.notes, ...multiStepNote(call.arguments[0])],
      needsAwait: true,
    };
  }
  if (target && otherProvider(target.module)) {
    return {
      rejection: { code: 'not-openai', reason: `\`${callee.text}\` comes from ${target.module}, not OpenAI` },
      notes: [],
      needsAwait: true,
    };
  }
  // An in-house wrapper: read its declared return type.
  const located: Located | undefined = target
    ? resolveImport(ctx.host, ctx.sourceFile.fileName, decl)
    : { node: decl as never, sourceFile: ctx.sourceFile };
  if (located) return classifyWrapperCall(call, located, ctx);
  return undefined;
}
