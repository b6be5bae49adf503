/**
 * Pass: what the JSON body of a raw `fetch` is (`await res.json()`): an OpenAI REST body, another API's, or Ollama's
 * native API. Entries: {@link classifyFetchJson}, {@link classifyOllamaJson}.
 */
import { declarationKeyword, resolveName } from '../scope.js';
import { restKindOf } from '../result-kinds.js';
import { otherProviderApi } from '../sdk.js';
import { skipOuterExpressions, ts } from '../ts.js';
import { type CallClassification, guarded } from './context.js';
import { producedBy } from './syntax.js';

/** Stands for a template's `${…}` in the URL text (a character no URL holds). */
const URL_HOLE = '\u0000';

/** The URL text a `fetch` call names, when it is written out (a literal, a template's fixed head, a const). */
function urlText(expr: ts.Expression | undefined, path = new Set<ts.Node>()): string | undefined {
  if (!expr) return undefined;
  const e = skipOuterExpressions(expr);
  if (ts.isStringLiteralLike(e)) return e.text;
  if (ts.isTemplateExpression(e))
    return e.head.text + e.templateSpans.map((span) => `${URL_HOLE}${span.literal.text}`).join('');
  if (ts.isIdentifier(e)) {
    const decl = resolveName(e.text, e);
    // A const met again on its own path (`const a = b; const b = a`) is not followed round: not written out.
    if (decl && ts.isVariableDeclaration(decl) && declarationKeyword(decl) === 'const')
      return guarded(
        decl,
        path,
        () => undefined,
        () => urlText(decl.initializer, path),
      );
  }
  return undefined;
}

/** The URL text of `fetch(url)` when `call` is `res.json()` on its response (`res = await fetch(url)`), else undefined. */
function fetchedUrl(call: ts.CallExpression): string | undefined {
  const callee = skipOuterExpressions(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'json') return undefined;
  const response = producedBy(callee.expression);
  if (
    !response ||
    !ts.isCallExpression(response) ||
    !ts.isIdentifier(response.expression) ||
    response.expression.text !== 'fetch'
  )
    return undefined;
  return urlText(response.arguments[0]);
}

/** `await res.json()` where `res = await fetch(url)`: the body of an OpenAI REST call, another API's, or unknown. */
export function classifyFetchJson(call: ts.CallExpression): CallClassification | undefined {
  const url = fetchedUrl(call);
  if (url === undefined) return undefined;
  // The URL up to its first interpolation: the scheme and host, when written literally.
  const literalStart = url.split(URL_HOLE)[0];
  const host = /^https?:\/\/([^/]+)/.exec(literalStart)?.[1];
  if (host && !/(^|\.)openai\.com$|\.openai\.azure\.com$/.test(host)) {
    // Another provider's own API is certainly no OpenAI request; any other host (a proxy, a gateway) may forward to
    // OpenAI, as a client's unknown baseURL may.
    const provider = otherProviderApi(literalStart);
    return {
      rejection: provider
        ? { code: 'not-openai', reason: `its body comes from a fetch to ${host}, ${provider}'s API, not OpenAI` }
        : {
            code: 'provider-unknown',
            reason: `its body comes from a fetch to ${host}, which is neither OpenAI nor a provider this tool knows: if it forwards to OpenAI, add the fields by hand; if not, write them null`,
          },
      notes: [],
      needsAwait: true,
    };
  }
  if (!host) return undefined;
  const endpoint = restKindOf(url);
  if (!endpoint) {
    return {
      rejection: {
        code: 'no-field-value',
        reason: `a fetch to ${url.split(URL_HOLE).join('…')} returns no id in its body: read \`res.headers.get('x-request-id')\``,
      },
      notes: [],
      needsAwait: true,
    };
  }
  return {
    kind: endpoint,
    notes: ["a raw fetch to the OpenAI REST API: the id is the JSON body's"],
    needsAwait: true,
    fetchBody: true,
  };
}

/** Fields only Ollama's native API returns (OpenAI's bodies have `usage` instead). */
const OLLAMA_COUNT_FIELDS = new Set(['prompt_eval_count', 'eval_count']);

/**
 * `const data = await res.json()` where `res = await fetch(`${endpoint}/api/chat`)` (or `/api/generate`) and `data`
 * is read for `prompt_eval_count` / `eval_count`: Ollama's native API, whatever host the endpoint names. Both the path
 * and the fields must say so (a bare `/api/chat` is as often the app's own route).
 */
export function classifyOllamaJson(call: ts.CallExpression): CallClassification | undefined {
  const url = fetchedUrl(call);
  if (url === undefined || !/\/api\/(chat|generate)$/.test(url)) return undefined;
  // The name the body is bound to: `const data = await res.json()` (through `await`, parentheses and casts).
  let holder: ts.Node = call;
  while (
    holder.parent &&
    (ts.isAwaitExpression(holder.parent) ||
      ts.isParenthesizedExpression(holder.parent) ||
      ts.isAsExpression(holder.parent) ||
      ts.isSatisfiesExpression(holder.parent))
  )
    holder = holder.parent;
  const decl = holder.parent;
  if (!decl || !ts.isVariableDeclaration(decl) || decl.initializer !== holder || !ts.isIdentifier(decl.name))
    return undefined;
  const name = decl.name.text;
  let readsCounts = false;
  const visit = (n: ts.Node) => {
    if (readsCounts) return;
    if (ts.isPropertyAccessExpression(n) && OLLAMA_COUNT_FIELDS.has(n.name.text)) {
      const target = skipOuterExpressions(n.expression);
      if (ts.isIdentifier(target) && target.text === name && resolveName(name, target) === decl) readsCounts = true;
    }
    ts.forEachChild(n, visit);
  };
  visit(decl.parent.parent.parent);
  if (!readsCounts) return undefined;
  return {
    rejection: {
      code: 'not-openai',
      reason: `its body comes from Ollama's native API (a fetch to ${url.split(URL_HOLE).join('…')}, read for \`eval_count\`): a self-hosted model, not OpenAI`,
    },
    notes: [],
    needsAwait: true,
  };
}
