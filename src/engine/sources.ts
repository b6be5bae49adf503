import type { ProjectHost } from './host.js';
import { importTarget, resolveImport, type Located } from './modules.js';
import { declarationKeyword, owningVariableDeclaration, resolveName, type Declaration } from './scope.js';
import { AI_SDK_FUNCTIONS, AI_SDK_STREAMING, OPENAI_CLIENT_CLASSES, OPENAI_METHODS, OTHER_PROVIDER_PACKAGES, RESULT_KINDS, type FieldReader, type ResultKind } from './sdk.js';
import { appendBindingElement } from './edits.js';
import type { ManualReasonCode, TextEdit } from './types.js';
import { packageTypeReference, readTypeShape, unwrapPromise } from './types-read.js';
import { propertyChain, propertyNameText, skipOuterExpressions, ts } from './ts.js';
import type { ReconConfig } from '../config.js';
import { RECONCILIATION_FIELD_NAMES } from '../schema/fields.js';

export interface AnalysisContext {
  host: ProjectHost;
  sourceFile: ts.SourceFile;
  config: ReconConfig;
}

/** A value the fields can be read from, and how. */
export interface SourceCandidate {
  type: 'source';
  /** What the candidate is (a declaration, a callback parameter); two candidates with one origin are one. */
  origin: ts.Node;
  /** The name a person would recognise in a report (`completion`, `onFinish event`). */
  name: string;
  /** The expression the kind's readers are applied to (`completion`, `response`, `result.response`, `data`). */
  base: string;
  kind: ResultKind;
  /** Edits that make `base` visible at the call (adding `response` to an `onFinish` destructuring). */
  edits: TextEdit[];
  notes: string[];
}

/** A value that looks like an LLM result but must not be read (another provider, a stream, a Promise). */
export interface SourceRejection {
  type: 'rejected';
  origin: ts.Node;
  name: string;
  code: ManualReasonCode;
  reason: string;
}

export type Classified = SourceCandidate | SourceRejection;

interface CallClassification {
  kind?: ResultKind;
  /** Path from the awaited result to the object the kind reads (`response` for AI SDK results). */
  path?: string;
  rejection?: { code: ManualReasonCode; reason: string };
  notes: string[];
  /** The result is a Promise and must be awaited to be read. */
  needsAwait: boolean;
}

const OPENAI_PACKAGE = /^openai(\/|$)/;

function isPackage(module: string, pkg: string) {
  return module === pkg || module.startsWith(`${pkg}/`);
}

function otherProvider(module: string): string | undefined {
  return OTHER_PROVIDER_PACKAGES.find((p) => isPackage(module, p));
}

type ClientVerdict = { openai: true; notes: string[] } | { openai: false; reason: string; code: ManualReasonCode };

/** Is this expression an OpenAI SDK client? Decided from where it was constructed or imported, never from its name alone. */
function classifyClient(expr: ts.Expression, ctx: AnalysisContext, depth = 0): ClientVerdict {
  const e = skipOuterExpressions(expr);
  const text = e.getText(ctx.sourceFile);
  if (depth > 4) return { openai: false, code: 'no-source', reason: `could not tell what client \`${text}\` is` };
  if (ts.isNewExpression(e)) {
    const ctor = skipOuterExpressions(e.expression);
    const { root, names } = propertyChain(ctor);
    const decl = ts.isIdentifier(root) ? resolveName(root.text, root) : undefined;
    const target = decl && importTarget(decl);
    if (target && OPENAI_PACKAGE.test(target.module)) {
      const className = names.at(-1) ?? (target.imported === 'default' || target.imported === '*' ? 'OpenAI' : target.imported);
      if (!OPENAI_CLIENT_CLASSES.includes(className) && className !== 'OpenAIApi') {
        return { openai: false, code: 'no-source', reason: `\`${text}\` is not an OpenAI client class` };
      }
      return baseUrlVerdict(e, ctx);
    }
    if (target && otherProvider(target.module)) {
      return { openai: false, code: 'not-openai', reason: `\`${text}\` is a client of ${target.module}, not OpenAI: its ids are not OpenAI request ids` };
    }
    return { openai: false, code: 'no-source', reason: `could not tell whether \`${text}\` is an OpenAI client` };
  }
  const { root, names } = propertyChain(e);
  if (ts.isIdentifier(root) && names.length === 0) {
    const decl = resolveName(root.text, root);
    if (!decl) return { openai: false, code: 'no-source', reason: `\`${root.text}\` is not declared in this file` };
    if (ts.isVariableDeclaration(decl) && decl.initializer) return classifyClient(decl.initializer, { ...ctx, sourceFile: decl.getSourceFile() }, depth + 1);
    if (ts.isParameter(decl) && decl.type) {
      const ref = packageTypeReference(decl.type, decl);
      if (ref && OPENAI_PACKAGE.test(ref.module) && OPENAI_CLIENT_CLASSES.includes(ref.name)) return { openai: true, notes: [] };
      if (ref && otherProvider(ref.module)) return { openai: false, code: 'not-openai', reason: `\`${root.text}\` is typed as a ${ref.module} client` };
    }
    const target = importTarget(decl);
    if (target) {
      if (otherProvider(target.module)) return { openai: false, code: 'not-openai', reason: `\`${root.text}\` comes from ${target.module}, not OpenAI` };
      const located = resolveImport(ctx.host, ctx.sourceFile.fileName, decl);
      if (located && ts.isVariableDeclaration(located.node) && located.node.initializer) {
        return classifyClient(located.node.initializer, { ...ctx, sourceFile: located.sourceFile }, depth + 1);
      }
      if (located && ts.isFunctionDeclaration(located.node)) {
        return { openai: false, code: 'no-source', reason: `\`${root.text}\` is a function, not a client` };
      }
      if (!located && /openai/i.test(target.module + root.text)) {
        return { openai: true, notes: [`\`${root.text}\` (from ${target.module}) was taken to be an OpenAI client by its name: its module could not be read`] };
      }
    }
  }
  return { openai: false, code: 'no-source', reason: `could not tell whether \`${text}\` is an OpenAI client` };
}

/** A client built with a `baseURL` that is not OpenAI's talks to a gateway whose ids are its own. */
function baseUrlVerdict(construction: ts.NewExpression, ctx: AnalysisContext): ClientVerdict {
  const options = construction.arguments?.[0];
  if (!options || !ts.isObjectLiteralExpression(options)) return { openai: true, notes: [] };
  for (const prop of options.properties) {
    if (!ts.isPropertyAssignment(prop) || propertyNameText(prop.name) !== 'baseURL') continue;
    const value = skipOuterExpressions(prop.initializer);
    if (ts.isStringLiteralLike(value)) {
      return /(^|\.|\/\/)(api\.)?openai\.(com|azure\.com)(\/|$)|\.openai\.azure\.com/.test(value.text)
        ? { openai: true, notes: [] }
        : { openai: false, code: 'not-openai', reason: `the client's baseURL is ${value.text}: the ids it returns are that gateway's, not OpenAI's` };
    }
    return { openai: true, notes: [`the client's baseURL is \`${value.getText(ctx.sourceFile)}\`: if it points to a gateway (OpenRouter, LiteLLM, AI Gateway) the id is the gateway's, not OpenAI's`] };
  }
  return { openai: true, notes: [] };
}

function objectProperty(literal: ts.Expression | undefined, name: string): ts.Expression | undefined {
  if (!literal) return undefined;
  const obj = skipOuterExpressions(literal);
  if (!ts.isObjectLiteralExpression(obj)) return undefined;
  for (const prop of obj.properties) {
    if (ts.isPropertyAssignment(prop) && propertyNameText(prop.name) === name) return prop.initializer;
    if (ts.isShorthandPropertyAssignment(prop) && prop.name.text === name) return prop.name;
  }
  return undefined;
}

/** The AI SDK's `model` option: an OpenAI provider model, another provider's, a gateway string, or unknown. */
function classifyAiModel(options: ts.Expression | undefined, ctx: AnalysisContext): { rejection?: CallClassification['rejection']; notes: string[] } {
  const model = objectProperty(options, 'model');
  if (!model) return { notes: ['the call passes no `model` this tool could read: check that it is an OpenAI model'] };
  const value = skipOuterExpressions(model);
  if (ts.isStringLiteralLike(value)) {
    return {
      rejection: {
        code: 'not-openai',
        reason: `model "${value.text}" is a string id, which the AI SDK sends through the Vercel AI Gateway: \`response.id\` is the gateway's (gen_…), not an OpenAI id`,
      },
      notes: [],
    };
  }
  if (ts.isCallExpression(value)) {
    const { root, names } = propertyChain(value.expression);
    const decl = ts.isIdentifier(root) ? resolveName(root.text, root) : undefined;
    let target = decl && importTarget(decl);
    if (decl && ts.isVariableDeclaration(decl) && decl.initializer && ts.isCallExpression(skipOuterExpressions(decl.initializer))) {
      // `const openai = createOpenAI({...})`
      const factory = propertyChain((skipOuterExpressions(decl.initializer) as ts.CallExpression).expression).root;
      const factoryDecl = ts.isIdentifier(factory) ? resolveName(factory.text, factory) : undefined;
      target = factoryDecl && importTarget(factoryDecl);
    }
    if (target && isPackage(target.module, '@ai-sdk/openai')) {
      const api = names[0];
      if (api === 'chat') return { notes: [] };
      if (api === 'completion') return { notes: [] };
      return { notes: ['`openai(model)` in @ai-sdk/openai 2+ calls the Responses API: the id is a resp_… id'] };
    }
    if (target && otherProvider(target.module)) {
      return { rejection: { code: 'not-openai', reason: `the model comes from ${target.module}: its response ids are not OpenAI ids` }, notes: [] };
    }
  }
  return { notes: [`could not confirm that \`${model.getText(ctx.sourceFile)}\` is an OpenAI model: if it is another provider's, remove the id`] };
}

/** What an LLM call returns once awaited, if it is one this tool knows. */
function classifyCall(call: ts.CallExpression, ctx: AnalysisContext, depth = 0): CallClassification | undefined {
  const callee = skipOuterExpressions(call.expression);
  const { root, names } = propertyChain(callee);
  for (const method of OPENAI_METHODS) {
    if (names.length < method.path.length) continue;
    const tail = names.slice(names.length - method.path.length);
    if (tail.join('.') !== method.path.join('.')) continue;
    // The client is what the resource path hangs off: `openai` in `openai.chat.completions.create`.
    let clientExpr: ts.Expression = callee;
    for (let i = 0; i < method.path.length; i++) clientExpr = skipOuterExpressions((clientExpr as ts.PropertyAccessExpression).expression);
    if (!ts.isPropertyAccessExpression(callee)) break;
    const verdict = classifyClient(clientExpr, ctx);
    if (!verdict.openai) return { rejection: { code: verdict.code, reason: verdict.reason }, notes: [], needsAwait: true };
    const stream = objectProperty(call.arguments[0], 'stream');
    if (stream && stream.kind !== ts.SyntaxKind.FalseKeyword) {
      return {
        rejection: {
          code: 'stream-not-captured',
          reason: 'a streamed completion (`stream: true`): the id, `created` and `system_fingerprint` are on each chunk; keep them from a chunk in the loop and pass them here',
        },
        notes: [],
        needsAwait: true,
      };
    }
    if (method.binary) {
      return {
        rejection: { code: 'no-field-value', reason: 'audio.speech returns binary audio with no id: call it with `.withResponse()` and use its `request_id`' },
        notes: [],
        needsAwait: true,
      };
    }
    const format = objectProperty(call.arguments[0], 'response_format');
    if (method.kind === RESULT_KINDS.requestIdOnly && format && ts.isStringLiteralLike(format) && ['text', 'srt', 'vtt'].includes(format.text)) {
      return {
        rejection: { code: 'no-field-value', reason: `response_format "${format.text}" returns a plain string, which carries no request id: use \`.withResponse()\` and its \`request_id\`` },
        notes: [],
        needsAwait: true,
      };
    }
    return { kind: method.kind, notes: verdict.notes, needsAwait: true };
  }
  if (names.length === 1 && names[0] === 'createChatCompletion' && ts.isIdentifier(root)) {
    return { kind: RESULT_KINDS.chatCompletionV3, notes: ['openai v3 (axios): the completion is under `.data`'], needsAwait: true };
  }
  if (ts.isIdentifier(callee)) {
    const decl = resolveName(callee.text, callee);
    if (!decl) return undefined;
    const target = importTarget(decl);
    if (target && isPackage(target.module, 'ai') && AI_SDK_FUNCTIONS.includes(target.imported)) {
      const model = classifyAiModel(call.arguments[0], ctx);
      if (model.rejection) return { rejection: model.rejection, notes: [], needsAwait: false };
      if (AI_SDK_STREAMING.has(target.imported)) {
        return {
          rejection: {
            code: 'stream-not-captured',
            reason: `a ${target.imported} result: its response is known only when the stream ends; track in \`onFinish\` (its event has \`response\`) or read \`(await result.response)\``,
          },
          notes: [],
          needsAwait: false,
        };
      }
      return { kind: RESULT_KINDS.aiResponse, path: 'response', notes: model.notes, needsAwait: true };
    }
    if (target && otherProvider(target.module)) {
      return { rejection: { code: 'not-openai', reason: `\`${callee.text}\` comes from ${target.module}, not OpenAI` }, notes: [], needsAwait: true };
    }
    // An in-house wrapper: read its declared return type.
    const located: Located | undefined = target ? resolveImport(ctx.host, ctx.sourceFile.fileName, decl) : { node: decl as never, sourceFile: ctx.sourceFile };
    if (located && depth < 3) return classifyWrapper(located, ctx);
  }
  return undefined;
}

function declaredReturnType(node: ts.Node): ts.TypeNode | undefined {
  if (ts.isFunctionDeclaration(node)) return node.type;
  if (ts.isVariableDeclaration(node)) {
    const init = node.initializer && skipOuterExpressions(node.initializer);
    if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) return init.type;
  }
  return undefined;
}

/** A local function whose declared return type carries the fields (or is an OpenAI SDK result type). */
function classifyWrapper(located: Located, ctx: AnalysisContext): CallClassification | undefined {
  const returnType = declaredReturnType(located.node);
  if (!returnType) return undefined;
  const type = unwrapPromise(returnType);
  const ref = packageTypeReference(type, located.node);
  if (ref && OPENAI_PACKAGE.test(ref.module)) {
    if (ref.name === 'ChatCompletion' || ref.name === 'ParsedChatCompletion') return { kind: RESULT_KINDS.chatCompletion, notes: [], needsAwait: true };
    if (ref.name === 'Response' && ref.module !== 'openai') return { kind: RESULT_KINDS.response, notes: [], needsAwait: true };
    return undefined;
  }
  const shape = readTypeShape(ctx.host, located.sourceFile, type);
  if (!shape) return undefined;
  const fields = {} as ResultKind['fields'];
  let any = false;
  for (const field of RECONCILIATION_FIELD_NAMES) {
    const prop = shape.properties.get(ctx.config.fieldNames[field]) ?? shape.properties.get(field);
    if (!prop) {
      fields[field] = null;
      continue;
    }
    any = true;
    const name = propertyNameText((prop.node as ts.PropertySignature).name)!;
    const reader: FieldReader = { read: (b) => `${b}.${name}`, mayBeUndefined: prop.acceptsUndefined, mayBeNull: prop.acceptsNull };
    fields[field] = reader;
  }
  if (!any || !fields.openai_request_id) return undefined;
  const name = ts.isFunctionDeclaration(located.node) ? located.node.name?.text : (located.node as ts.VariableDeclaration).name.getText(located.sourceFile);
  return {
    kind: { id: 'wrapper', label: `in-house wrapper \`${name}\` (its return type carries the fields)`, fields },
    notes: [],
    needsAwait: true,
  };
}

/** Classify the value a name is initialised with. */
function classifyInitializer(init: ts.Expression, ctx: AnalysisContext): CallClassification | undefined {
  let e = skipOuterExpressions(init);
  let awaited = false;
  if (ts.isAwaitExpression(e)) {
    awaited = true;
    e = skipOuterExpressions(e.expression);
  }
  if (!ts.isCallExpression(e)) return undefined;
  const callee = skipOuterExpressions(e.expression);
  if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'withResponse' && ts.isCallExpression(skipOuterExpressions(callee.expression))) {
    const inner = classifyCall(skipOuterExpressions(callee.expression) as ts.CallExpression, ctx);
    if (!inner || inner.rejection && inner.rejection.code !== 'no-field-value') return inner && { ...inner, needsAwait: !awaited };
    const bodyHasId = inner.kind && inner.kind.fields.openai_request_id?.read('x') === 'x.id';
    return bodyHasId
      ? { kind: inner.kind, path: 'data', notes: inner.notes, needsAwait: !awaited }
      : { kind: RESULT_KINDS.withResponseHeaderId, notes: inner.notes, needsAwait: !awaited };
  }
  const result = classifyCall(e, ctx);
  if (!result) return undefined;
  if (result.needsAwait && !awaited && !result.rejection) {
    return {
      rejection: { code: 'no-source', reason: 'it holds the Promise of the call, not its result: await it before reading the fields' },
      notes: [],
      needsAwait: true,
    };
  }
  return result;
}

function toClassified(origin: ts.Node, name: string, result: CallClassification | undefined, base: string, edits: TextEdit[] = []): Classified | undefined {
  if (!result) return undefined;
  if (result.rejection) return { type: 'rejected', origin, name, ...result.rejection };
  return {
    type: 'source',
    origin,
    name,
    base: result.path ? `${base}.${result.path}` : base,
    kind: result.kind!,
    edits,
    notes: result.notes,
  };
}

/** The AI SDK call whose options hold this function as `onFinish`, if any. */
export function aiCallbackOwner(fn: ts.Node, ctx: AnalysisContext): { call: ts.CallExpression; fn: ts.ArrowFunction | ts.FunctionExpression | ts.MethodDeclaration; api: string } | undefined {
  if (!(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn) || ts.isMethodDeclaration(fn))) return undefined;
  const prop = ts.isMethodDeclaration(fn) ? fn : fn.parent;
  if (!(ts.isPropertyAssignment(prop) || ts.isMethodDeclaration(prop)) || propertyNameText(prop.name) !== 'onFinish') return undefined;
  const options = prop.parent;
  if (!ts.isObjectLiteralExpression(options) || !ts.isCallExpression(options.parent) || options.parent.arguments[0] !== options) return undefined;
  const callee = skipOuterExpressions(options.parent.expression);
  if (!ts.isIdentifier(callee)) return undefined;
  const decl = resolveName(callee.text, callee);
  const target = decl && importTarget(decl);
  if (!target || !isPackage(target.module, 'ai') || !AI_SDK_FUNCTIONS.includes(target.imported)) return undefined;
  void ctx;
  return { call: options.parent, fn, api: target.imported };
}

function nameIsUsedIn(node: ts.Node, name: string): boolean {
  let used = false;
  const visit = (n: ts.Node) => {
    if (used) return;
    if (ts.isIdentifier(n) && n.text === name) used = true;
    else ts.forEachChild(n, visit);
  };
  visit(node);
  return used;
}

/** The `onFinish` event of an AI SDK call, read through its parameter (adding `response` to a destructuring). */
export function classifyAiCallback(fn: ts.ArrowFunction | ts.FunctionExpression | ts.MethodDeclaration, ctx: AnalysisContext): Classified | undefined {
  const owner = aiCallbackOwner(fn, ctx);
  if (!owner) return undefined;
  const model = classifyAiModel(owner.call.arguments[0], ctx);
  if (model.rejection) return { type: 'rejected', origin: fn, name: `${owner.api} onFinish event`, ...model.rejection };
  const param = fn.parameters[0];
  const name = `${owner.api} onFinish event`;
  const source = (base: string, edits: TextEdit[] = []): SourceCandidate => ({
    type: 'source', origin: fn, name, base, kind: RESULT_KINDS.aiResponse, edits, notes: model.notes,
  });
  if (!param) {
    return { type: 'rejected', origin: fn, name, code: 'no-source', reason: '`onFinish` takes no parameter: declare `({ response })` and read `response.id`' };
  }
  if (ts.isIdentifier(param.name)) return source(`${param.name.text}.response`);
  if (ts.isObjectBindingPattern(param.name)) {
    for (const element of param.name.elements) {
      if (propertyNameText(element.propertyName ?? element.name) !== 'response') continue;
      if (ts.isIdentifier(element.name)) return source(element.name.text);
      return { type: 'rejected', origin: fn, name, code: 'no-source', reason: '`response` is destructured further in the `onFinish` parameter: bind it whole to read `id` and `timestamp`' };
    }
    if (param.type && ts.isTypeLiteralNode(param.type)) {
      return {
        type: 'rejected', origin: fn, name, code: 'no-source',
        reason: 'the `onFinish` parameter has an inline type without `response`: add `response` to the destructuring and its type, then read `response.id`',
      };
    }
    // `response` may already mean something else inside the callback: then bind the event's under another name.
    const local = nameIsUsedIn(fn.body ?? fn, 'response') ? 'finishResponse' : 'response';
    const element = local === 'response' ? 'response' : `response: ${local}`;
    return source(local, [appendBindingElement(ctx.sourceFile, param.name, element)]);
  }
  return undefined;
}

/** Classify what a declaration holds: an LLM result (and how to read it), a rejected look-alike, or nothing known. */
export function classifyDeclaration(decl: Declaration, ctx: AnalysisContext): Classified | undefined {
  if (ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name)) {
    const name = decl.name.text;
    if (decl.initializer) return toClassified(decl, name, classifyInitializer(decl.initializer, ctx), name);
    if (decl.type) return classifyByType(decl, decl.type, name);
    return undefined;
  }
  if (ts.isBindingElement(decl) && ts.isIdentifier(decl.name)) {
    const owner = owningVariableDeclaration(decl);
    const key = propertyNameText(decl.propertyName ?? decl.name);
    if (owner && ts.isParameter(owner) && decl.parent === owner.name) {
      const fn = owner.parent;
      const callback = classifyAiCallback(fn as ts.ArrowFunction, ctx);
      if (callback) return callback;
    }
    if (owner && ts.isVariableDeclaration(owner) && owner.initializer && decl.parent === owner.name && key === 'data') {
      // `const { data, request_id } = await openai.….withResponse()`
      const result = classifyInitializer(owner.initializer, ctx);
      if (result?.path === 'data') return toClassified(decl, decl.name.text, { ...result, path: undefined }, decl.name.text);
    }
    return undefined;
  }
  if (ts.isParameter(decl) && ts.isIdentifier(decl.name)) {
    const callback = classifyAiCallback(decl.parent as ts.ArrowFunction, ctx);
    if (callback && decl.parent.parameters[0] === decl) return callback;
    if (decl.type) return classifyByType(decl, decl.type, decl.name.text);
  }
  return undefined;
}

/** A name declared with an OpenAI SDK result type (`completion: ChatCompletion`). */
function classifyByType(decl: ts.VariableDeclaration | ts.ParameterDeclaration, type: ts.TypeNode, name: string): Classified | undefined {
  const ref = packageTypeReference(type, decl);
  if (!ref || !OPENAI_PACKAGE.test(ref.module)) return undefined;
  const kind = ref.name === 'ChatCompletion' || ref.name === 'ParsedChatCompletion' ? RESULT_KINDS.chatCompletion : ref.name === 'Response' && ref.module !== 'openai' ? RESULT_KINDS.response : undefined;
  if (!kind) return undefined;
  const mayBeUnset = ts.isVariableDeclaration(decl) && declarationKeyword(decl) !== 'const';
  return { type: 'source', origin: decl, name, base: name, kind, edits: [], notes: mayBeUnset ? ['declared without a value: read with optional chaining'] : [] };
}
