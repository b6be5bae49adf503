/**
 * Pass: which provider serves an AI SDK call. Decides from the call's `model` option whether it is an OpenAI provider
 * model (and which API), another provider's, a gateway's, or unknown. Entry: {@link classifyAiModel}.
 */
import { importTarget, resolveImport, type Located } from '../modules.js';
import { resolveName } from '../scope.js';
import { functionOf, propertyChain, skipOuterExpressions, ts } from '../ts.js';
import {
  type AnalysisContext,
  type CallClassification,
  VERCEL_GATEWAY_READ,
  guarded,
  isPackage,
  otherProvider,
} from './context.js';
import { objectProperty, returnedExpressions } from './syntax.js';
import { readBaseUrl } from './client.js';

/** The AI SDK's `model` option: an OpenAI provider model, another provider's, a gateway string, or unknown. */
type ModelVerdict = { rejection?: CallClassification['rejection']; notes: string[]; known?: boolean };

export function classifyAiModel(options: ts.Expression | undefined, ctx: AnalysisContext): ModelVerdict {
  const model = objectProperty(options, 'model');
  // Never guessed: a model whose provider is not certain may be another provider's, whose id must not be recorded.
  if (!model)
    return {
      notes: [],
      rejection: {
        code: 'provider-unknown',
        reason:
          'the call passes no `model` this tool could read, so its provider is not certain: if it is an OpenAI model (no gateway), add the fields by hand',
      },
    };
  const verdict = classifyModelValue(model, ctx, new Set());
  if (verdict.rejection || verdict.known) return verdict;
  return {
    notes: [],
    rejection: {
      code: 'provider-unknown',
      reason: `could not tell which provider serves \`${model.getText(ctx.sourceFile)}\`: if it is always an OpenAI model (no gateway), add the fields by hand; another provider's id must never go in \`openai_request_id\``,
    },
  };
}

/** A model value: a provider call, a gateway string, a const or import holding one, or either branch of a ternary. */
function classifyModelValue(model: ts.Expression, ctx: AnalysisContext, path: Set<ts.Node>): ModelVerdict {
  const value = skipOuterExpressions(model);
  // Met again on its own path (`const a = b; const b = a`, a picker returning a call of itself): not followed round,
  // so nothing is known from it.
  return guarded(
    value,
    path,
    (): ModelVerdict => ({ notes: [] }),
    () => modelOfValue(value, ctx, path),
  );
}

function modelOfValue(value: ts.Expression, ctx: AnalysisContext, path: Set<ts.Node>): ModelVerdict {
  if (ts.isConditionalExpression(value)) {
    const branches = [classifyModelValue(value.whenTrue, ctx, path), classifyModelValue(value.whenFalse, ctx, path)];
    const rejected = branches.find((b) => b.rejection);
    if (rejected && branches.every((b) => b.rejection)) return rejected;
    if (rejected) {
      // One branch is OpenAI, the other not: which one ran is decided at run time.
      return {
        notes: [],
        rejection: {
          code: 'provider-unknown',
          reason: `one branch of \`${value.getText(ctx.sourceFile)}\` is not OpenAI (${rejected.rejection!.reason}): which provider served the request is decided at run time`,
        },
      };
    }
    return branches.every((b) => b.known) ? { notes: branches.flatMap((b) => b.notes), known: true } : { notes: [] };
  }
  if (ts.isIdentifier(value)) {
    const decl = resolveName(value.text, value);
    if (decl && ts.isVariableDeclaration(decl) && decl.initializer)
      return classifyModelValue(decl.initializer, ctx, path);
    const located = decl && importTarget(decl) ? resolveImport(ctx.host, ctx.sourceFile.fileName, decl) : undefined;
    if (located && ts.isVariableDeclaration(located.node) && located.node.initializer) {
      return classifyModelValue(located.node.initializer, { ...ctx, sourceFile: located.sourceFile }, path);
    }
    return { notes: [] };
  }
  if (ts.isStringLiteralLike(value)) {
    // ai 5+: a string model goes to `globalThis.AI_SDK_DEFAULT_PROVIDER ?? gateway` (node_modules/ai/dist/index.mjs):
    // a default provider set here may be OpenAI's, so the string is not certainly the gateway's.
    if (/\bAI_SDK_DEFAULT_PROVIDER\b/.test(ctx.sourceFile.text)) {
      return {
        rejection: {
          code: 'provider-unknown',
          reason: `model "${value.text}" is a string id, which the AI SDK sends to \`globalThis.AI_SDK_DEFAULT_PROVIDER\` (set in this file), not certainly the Vercel AI Gateway: record the fields of the provider it names by hand`,
        },
        notes: [],
      };
    }
    return {
      rejection: {
        code: 'not-openai',
        gateway: true,
        reason: `model "${value.text}" is a string id, which the AI SDK sends through the Vercel AI Gateway: \`response.id\` is the gateway's (gen_…), not an OpenAI id`,
        gatewayRead: VERCEL_GATEWAY_READ,
      },
      notes: [],
    };
  }
  if (ts.isCallExpression(value)) return modelOfCall(value, ctx, path);
  return { notes: [] };
}

/**
 * A model made by a call: a provider's (`openai('gpt-4o')`, `anthropic(…)`, one built by `createOpenAI({ baseURL })`
 * here or in a local module), the AI SDK's gateway, or a local function that picks one (every model it returns decides).
 */
function modelOfCall(value: ts.CallExpression, ctx: AnalysisContext, path: Set<ts.Node>): ModelVerdict {
  const { root, names } = propertyChain(value.expression);
  // `createGateway({...})('openai/gpt-4o')`: the provider is the inner call's.
  const rootCall = ts.isCallExpression(root) ? root : undefined;
  let decl = rootCall ? undefined : ts.isIdentifier(root) ? resolveName(root.text, root) : undefined;
  let declFile = ctx;
  let target = rootCall ? undefined : decl && importTarget(decl);
  // A provider instance made in another local module (`export const openai = createOpenAI({ baseURL })`).
  const local = decl && target ? resolveImport(ctx.host, ctx.sourceFile.fileName, decl) : undefined;
  // A local function that picks the model (`getModel(provider)`): every model it returns decides.
  const picker =
    names.length === 0 &&
    (local ?? (decl && !target ? { node: decl as Located['node'], sourceFile: ctx.sourceFile } : undefined));
  if (picker && functionOf(picker.node)) return classifyReturnedModels(value, picker, ctx, path);
  if (local) {
    if (!ts.isVariableDeclaration(local.node)) return { notes: [] };
    decl = local.node;
    declFile = { ...ctx, sourceFile: local.sourceFile };
    target = undefined;
  }
  let factoryOptions: ts.Expression | undefined;
  const factoryCall =
    rootCall ??
    (decl &&
    ts.isVariableDeclaration(decl) &&
    decl.initializer &&
    ts.isCallExpression(skipOuterExpressions(decl.initializer))
      ? (skipOuterExpressions(decl.initializer) as ts.CallExpression)
      : undefined);
  if (factoryCall) {
    // `const openai = createOpenAI({...})`
    const factory = propertyChain(factoryCall.expression).root;
    const factoryDecl = ts.isIdentifier(factory) ? resolveName(factory.text, factory) : undefined;
    target = factoryDecl && importTarget(factoryDecl);
    factoryOptions = factoryCall.arguments[0];
  }
  // The AI SDK's own gateway provider (`gateway('openai/gpt-4o')`, `createGateway(...)`): ids are the gateway's.
  if (
    target &&
    ((isPackage(target.module, 'ai') && /^(gateway|createGateway)$/.test(target.imported)) ||
      isPackage(target.module, '@ai-sdk/gateway'))
  ) {
    return {
      rejection: {
        code: 'not-openai',
        gateway: true,
        reason: `the model goes through the Vercel AI Gateway (\`${target.imported}\`): \`response.id\` is the gateway's (gen_…), not an OpenAI id`,
        // Vercel's own endpoint only: a `createGateway({ baseURL })` may be anything.
        ...(!factoryOptions ||
        (ts.isObjectLiteralExpression(skipOuterExpressions(factoryOptions)) &&
          !objectProperty(factoryOptions, 'baseURL'))
          ? { gatewayRead: VERCEL_GATEWAY_READ }
          : {}),
      },
      notes: [],
    };
  }
  const baseURL = factoryOptions ? readBaseUrl(factoryOptions, declFile) : { kind: 'none' as const };
  if (target && isPackage(target.module, '@ai-sdk/openai') && baseURL.kind === 'gateway') {
    return {
      rejection: {
        code: 'not-openai',
        gateway: true,
        reason: `the provider's baseURL is ${baseURL.url}: the ids it returns are that gateway's, not OpenAI's`,
      },
      notes: [],
    };
  }
  if (target && isPackage(target.module, '@ai-sdk/openai') && baseURL.kind === 'unknown') {
    return {
      rejection: {
        code: 'provider-unknown',
        reason: `the provider's options (\`${baseURL.text}\`) may set a baseURL this tool cannot read: if it is OpenAI's, add the fields by hand`,
      },
      notes: [],
    };
  }
  if (target && isPackage(target.module, '@ai-sdk/openai')) {
    const api = names[0];
    if (api === 'chat' || api === 'completion') return { notes: [], known: true };
    return {
      notes: ['`openai(model)` in @ai-sdk/openai 2+ calls the Responses API: the id is a resp_… id'],
      known: true,
    };
  }
  if (target && otherProvider(target.module)) {
    return {
      rejection: {
        code: 'not-openai',
        reason: `the model comes from ${target.module}: its response ids are not OpenAI ids`,
      },
      notes: [],
    };
  }
  return { notes: [] };
}

/**
 * The models a local function returns (`getModel(provider)` switching on a runtime string): one verdict only when every
 * return agrees; OpenAI on some paths and another provider (or an unknown model) on others is not certain.
 */
function classifyReturnedModels(
  call: ts.CallExpression,
  fn: Located,
  ctx: AnalysisContext,
  path: Set<ts.Node>,
): ModelVerdict {
  const inner = { ...ctx, sourceFile: fn.sourceFile };
  const verdicts = returnedExpressions(fn.node).map((r) => classifyModelValue(r, inner, path));
  const text = call.getText(ctx.sourceFile);
  if (verdicts.length && verdicts.every((v) => v.known))
    return { notes: [...new Set(verdicts.flatMap((v) => v.notes))], known: true };
  if (verdicts.length && verdicts.every((v) => v.rejection)) return verdicts[0];
  const other = verdicts.find((v) => v.rejection);
  return {
    notes: [],
    rejection: {
      code: 'provider-unknown',
      reason: other
        ? `\`${text}\` returns an OpenAI model on some paths and not on others (${other.rejection!.reason}): which provider serves the request is decided at run time`
        : `could not tell which provider every model \`${text}\` returns is: if it is always an OpenAI model (no gateway), add the fields by hand; another provider's id must never go in \`openai_request_id\``,
    },
  };
}
