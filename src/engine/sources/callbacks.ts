/**
 * Pass: the end event of an AI SDK call (`onFinish`, `onStepFinish`, …) read through the callback's parameter, adding
 * `response` to its destructuring when needed. Entries: {@link aiCallbackOwner}, {@link classifyAiCallback}.
 */
import { importTarget } from '../modules.js';
import { resolveName } from '../scope.js';
import { AI_END_CALLBACKS, AI_SDK_FUNCTIONS, RESULT_KINDS } from '../result-kinds.js';
import { appendTypeMember } from '../edits.js';
import { type TextEdit } from '../types.js';
import { propertyNameText, skipOuterExpressions, ts } from '../ts.js';
import {
  type AnalysisContext,
  type Classified,
  type SourceCandidate,
  aiResponsePath,
  isPackage,
  missingAiResponse,
  withoutGatewayRead,
} from './context.js';
import { bindingFor, multiStepNote } from './syntax.js';
import { classifyAiModel } from './model.js';

/** The AI SDK call whose options hold this function as `onFinish` / `onEnd`, if any. */
export function aiCallbackOwner(fn: ts.Node):
  | {
      call: ts.CallExpression;
      fn: ts.ArrowFunction | ts.FunctionExpression | ts.MethodDeclaration;
      api: string;
      callback: string;
    }
  | undefined {
  if (!(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn) || ts.isMethodDeclaration(fn))) return undefined;
  const prop = ts.isMethodDeclaration(fn) ? fn : fn.parent;
  if (
    !(ts.isPropertyAssignment(prop) || ts.isMethodDeclaration(prop)) ||
    !AI_END_CALLBACKS.includes(propertyNameText(prop.name) ?? '')
  )
    return undefined;
  const options = prop.parent;
  if (
    !ts.isObjectLiteralExpression(options) ||
    !ts.isCallExpression(options.parent) ||
    options.parent.arguments[0] !== options
  )
    return undefined;
  const callee = skipOuterExpressions(options.parent.expression);
  if (!ts.isIdentifier(callee)) return undefined;
  const decl = resolveName(callee.text, callee);
  const target = decl && importTarget(decl);
  if (!target || !isPackage(target.module, 'ai') || !AI_SDK_FUNCTIONS.includes(target.imported)) return undefined;
  return { call: options.parent, fn, api: target.imported, callback: propertyNameText(prop.name)! };
}

/** The `onFinish` event of an AI SDK call, read through its parameter (adding `response` to a destructuring). */
export function classifyAiCallback(
  fn: ts.ArrowFunction | ts.FunctionExpression | ts.MethodDeclaration,
  ctx: AnalysisContext,
): Classified | undefined {
  const owner = aiCallbackOwner(fn);
  if (!owner) return undefined;
  const name = `${owner.api} ${owner.callback} event`;
  const options = owner.call.arguments[0];
  const model = classifyAiModel(options, ctx);
  if (model.rejection) return { type: 'rejected', origin: fn, name, ...withoutGatewayRead(model.rejection) };
  const noResponse = missingAiResponse(ctx);
  if (noResponse) return { type: 'rejected', origin: fn, name, ...noResponse };
  // A step's event is one request: the multi-step caveat is for the end of the run.
  const perStep = owner.callback === 'onStepFinish';
  const notes = [...model.notes, ...(perStep ? [] : multiStepNote(options))];
  const param = fn.parameters[0];
  const source = (base: string, edits: TextEdit[] = []): SourceCandidate => ({
    type: 'source',
    origin: fn,
    name,
    base,
    kind: RESULT_KINDS.aiResponse,
    edits,
    notes,
  });
  if (!param) {
    return {
      type: 'rejected',
      origin: fn,
      name,
      code: 'no-source',
      reason: `\`${owner.callback}\` takes no parameter: declare \`({ response })\` and read \`response.id\``,
    };
  }
  const path = perStep ? 'response' : aiResponsePath(ctx);
  const [key, ...rest] = path.split('.');
  const under = (base: string) => [base, ...rest].join('.');
  if (ts.isIdentifier(param.name)) return source(`${param.name.text}.${path}`);
  if (!ts.isObjectBindingPattern(param.name)) return undefined;
  // A `response` already bound (deprecated in ai 7, still there) is read as it is.
  const existing = param.name.elements.find(
    (e) => !e.dotDotDotToken && propertyNameText(e.propertyName ?? e.name) === 'response' && ts.isIdentifier(e.name),
  );
  if (existing) return source((existing.name as ts.Identifier).text);
  const binding = bindingFor(param.name, key, key === 'response' ? 'finishResponse' : 'endStep', fn.body ?? fn, ctx);
  if ('error' in binding)
    return {
      type: 'rejected',
      origin: fn,
      name,
      code: 'no-source',
      reason: `in the \`${owner.callback}\` parameter, ${binding.error}`,
    };
  const edits = [...binding.edits];
  // An inline parameter type must learn the new binding, or the edit would not type-check.
  if (edits.length && param.type) {
    if (!ts.isTypeLiteralNode(param.type)) {
      return {
        type: 'rejected',
        origin: fn,
        name,
        code: 'no-source',
        reason: `the \`onFinish\` parameter is typed \`${param.type.getText(ctx.sourceFile)}\`: add \`response\` to its destructuring (and its type, if it lacks it) and read \`response.id\``,
      };
    }
    if (!param.type.members.some((m) => propertyNameText(m.name) === key)) {
      const member =
        key === 'response'
          ? 'response: { id: string; timestamp: Date }'
          : `${key}: { response: { id: string; timestamp: Date } }`;
      edits.push(appendTypeMember(ctx.sourceFile, param.type, member));
    }
  }
  return source(under(binding.base), edits);
}
