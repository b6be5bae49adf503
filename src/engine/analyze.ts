import type { ReconConfig } from '../config.js';
import { activeFields, type CallSiteField } from '../config.js';
import { appendProperties, applyEdits, checkParses, lineEnding, lineIndentAt } from './edits.js';
import { createMemoryHost, readSourceFile, type ProjectHost } from './host.js';
import {
  declarationKeyword,
  enclosingFunction,
  owningVariableDeclaration,
  resolveName,
  visibleDeclarations,
  type Declaration,
} from './scope.js';
import {
  aiCallbackOwner,
  assignmentsTo,
  classifyAiCallback,
  classifyDeclaration,
  sdkMapping,
  type AnalysisContext,
  type Classified,
  type SourceCandidate,
  type SourceRejection,
} from './sources.js';
import { RESULT_KINDS, renderRead, streamOf } from './result-kinds.js';
import { RECONCILIATION_FIELDS, RECONCILIATION_FIELD_NAMES } from '../schema/fields.js';
import { trackerKey } from './schema-step.js';
import {
  findTrackingCalls,
  recordParameterIndex,
  trackerDefinition,
  trackerFunction,
  trackerParameterShape,
  isUntypedJsParameter,
  type TrackingCall,
} from './tracker.js';
import type { CallPlan, FilePlan, ManualReasonCode, SuspectValue, TextEdit } from './types.js';
import { readTypeShapeExplained, type PropertyShape, type TypeShape } from './types-read.js';
import { todoText } from './manual-actions.js';
import {
  isFunctionLike,
  lineAndColumn,
  mentionsName,
  parseSource,
  propertyChain,
  propertyNameText,
  skipOuterExpressions,
  syntaxErrors,
  ts,
} from './ts.js';

export interface AnalyzeInput {
  /** Absolute, `/`-separated path (the host resolves imports relative to it). */
  path: string;
  text: string;
}

/** The object literal a call's fields live in, and what it already has. */
interface ArgumentShape {
  literal: ts.ObjectLiteralExpression;
  /** Property names present in any form, including those of spread local literals. */
  present: Set<string>;
  /** A spread whose contents cannot be seen. */
  unknownSpread?: string;
}

type ArgumentResult = { ok: true; shape: ArgumentShape } | { ok: false; code: ManualReasonCode; reason: string };

function collectLiteralKeys(
  literal: ts.ObjectLiteralExpression,
  present: Set<string>,
  depth: number,
): string | undefined {
  let unknownSpread: string | undefined;
  for (const prop of literal.properties) {
    if (ts.isSpreadAssignment(prop)) {
      const inner = skipOuterExpressions(prop.expression);
      const decl = ts.isIdentifier(inner) ? resolveName(inner.text, inner) : undefined;
      const init =
        decl &&
        ts.isVariableDeclaration(decl) &&
        declarationKeyword(decl) === 'const' &&
        decl.initializer &&
        skipOuterExpressions(decl.initializer);
      if (init && ts.isObjectLiteralExpression(init) && depth < 4) {
        unknownSpread ??= collectLiteralKeys(init, present, depth + 1);
      } else if (ts.isObjectLiteralExpression(inner) && depth < 4) {
        unknownSpread ??= collectLiteralKeys(inner, present, depth + 1);
      } else {
        unknownSpread ??= prop.expression.getText();
      }
      continue;
    }
    const name = propertyNameText(prop.name);
    if (name !== undefined) present.add(name);
  }
  return unknownSpread;
}

/** Read the call's argument: an object literal, or a name bound to a `const` object literal in the same function. */
/** Keys only a usage record has (its token counts): what tells the record apart from a client or options beside it. */
const USAGE_KEY = /token|usage/i;

/**
 * Which argument is the usage record: the one at the tracker's record parameter; for an untyped JavaScript tracker,
 * the only object literal whose keys look like usage. Undefined when that is not certain.
 */
function recordArgument(args: readonly ts.Expression[], record: number | 'untyped' | undefined): number | undefined {
  if (typeof record === 'number')
    return record < args.length && !args.slice(0, record + 1).some(ts.isSpreadElement) ? record : undefined;
  if (record !== 'untyped') return undefined;
  const literals = args.flatMap((a, i) => {
    const inner = skipOuterExpressions(a);
    return ts.isObjectLiteralExpression(inner) &&
      inner.properties.some((p) => USAGE_KEY.test(propertyNameText(p.name as ts.PropertyName) ?? ''))
      ? [i]
      : [];
  });
  return literals.length === 1 && !args.slice(0, literals[0]).some(ts.isSpreadElement) ? literals[0] : undefined;
}

function readArgument(
  call: ts.CallExpression,
  calleeText: string,
  signature: string | undefined,
  via?: 'call' | 'apply',
  record?: number | 'untyped',
): ArgumentResult {
  if (via === 'apply') {
    return {
      ok: false,
      code: 'unknown-argument',
      reason: `\`${calleeText}.apply(…)\` passes its arguments as an array: call \`${calleeText}({...})\` directly`,
    };
  }
  // `.call(thisArg, usage)`: the usage object is the second argument.
  const args = via === 'call' ? call.arguments.slice(1) : call.arguments;
  if (args.length === 0)
    return {
      ok: false,
      code: 'unknown-argument',
      reason: `\`${calleeText}()\` is called with no argument: pass the usage object`,
    };
  const index = args.length === 1 && (record === undefined || record === 'untyped') ? 0 : recordArgument(args, record);
  if (index === undefined && typeof record === 'number') {
    return {
      ok: false,
      code: 'unknown-argument',
      reason: `\`${quoteCall(calleeText, args)}\` passes no usage object where \`${quoteCode(signature ?? calleeText)}\` takes it (argument ${record + 1})`,
    };
  }
  if (index === undefined) {
    return {
      ok: false,
      code: 'positional-arguments',
      reason: `\`${quoteCall(calleeText, args)}\` passes ${args.length} positional arguments${signature ? ` to \`${quoteCode(signature)}\`` : ''}, none of them an object this tool can add the fields to: add a parameter for each of the three values to the tracker and pass them here, or change it to take one object`,
    };
  }
  const arg = skipOuterExpressions(args[index]);
  let literal: ts.ObjectLiteralExpression | undefined;
  if (ts.isObjectLiteralExpression(arg)) literal = arg;
  else if (ts.isIdentifier(arg)) {
    const decl = resolveName(arg.text, arg);
    const init = decl && ts.isVariableDeclaration(decl) && decl.initializer && skipOuterExpressions(decl.initializer);
    const sameFunction = decl && enclosingFunction(decl) === enclosingFunction(call);
    if (init && ts.isObjectLiteralExpression(init) && sameFunction && declarationKeyword(decl) === 'const')
      literal = init;
    else {
      return {
        ok: false,
        code: 'unknown-argument',
        reason: `the argument \`${arg.text}\` is not a const object literal declared in the same function: add the fields where the object is built`,
      };
    }
  } else {
    return {
      ok: false,
      code: 'unknown-argument',
      reason: `the argument \`${quoteCode(args[index].getText())}\` is not an object literal: add the fields where the object is built`,
    };
  }
  const present = new Set<string>();
  const unknownSpread = collectLiteralKeys(literal, present, 0);
  return { ok: true, shape: { literal, present, unknownSpread } };
}

/** The root identifiers an expression reads (`completion` in `completion.usage?.total_tokens ?? 0`). */
function referencedIdentifiers(node: ts.Node, out: ts.Identifier[], options: { skipCallArguments?: boolean } = {}) {
  const visit = (n: ts.Node) => {
    // What a call returns is not what it was given: `const text = await claude(completion.choices…)` holds Claude's
    // answer, not the completion. Only the callee is followed.
    if (options.skipCallArguments && (ts.isCallExpression(n) || ts.isNewExpression(n))) {
      visit(n.expression);
      return;
    }
    if (ts.isIdentifier(n)) {
      const parent = n.parent;
      if (ts.isPropertyAccessExpression(parent) && parent.name === n) return;
      if (
        (ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent) || ts.isPropertySignature(parent)) &&
        parent.name === n
      )
        return;
      if (ts.isBindingElement(parent) && parent.propertyName === n) return;
      out.push(n);
      return;
    }
    if (ts.isTypeNode(n)) return;
    ts.forEachChild(n, visit);
  };
  visit(node);
}

/** Token counts are what ties a tracking call to its result: `usage`, `total_tokens`, `inputTokens`, Ollama's `eval_count`. */
const USAGE_NAME = /usage|token|eval_count/i;

/** Does this occurrence read the usage of what it names (`completion.usage…`, `{ usage } = completion`)? */
function readsUsage(id: ts.Identifier): boolean {
  const parent = id.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.expression === id) {
    // `settled.value.usage` of a `Promise.allSettled` outcome reads the usage of the result it holds.
    const next =
      parent.name.text === 'value' &&
      ts.isPropertyAccessExpression(parent.parent) &&
      parent.parent.expression === parent
        ? parent.parent
        : parent;
    return USAGE_NAME.test(next.name.text);
  }
  return false;
}

interface Evidence {
  classified: Classified;
  /** How many declarations lie between the call's values and this result (0: the call names it). */
  depth: number;
  /** Reached through its token usage: the strongest tie a call has to its result. */
  viaUsage: boolean;
}

/**
 * Follow the data the call already passes back to LLM results: `tokens_used: usage.total_tokens` where
 * `const usage = completion.usage` leads to `completion`. Returns each result found, with how it was reached.
 */
function sourcesByDataFlow(
  literal: ts.ObjectLiteralExpression,
  ctx: AnalysisContext,
): { evidence: Evidence[]; unknownUsage: string[] } {
  const found = new Map<ts.Node, Evidence>();
  // Names whose token usage the call reads but which are no result this tool knows (`claude.usage`): the call records
  // their request, so another result that merely sits in scope must not be taken for it.
  const unknownUsage = new Set<string>();
  const seen = new Set<Declaration>();
  const start: ts.Identifier[] = [];
  referencedIdentifiers(literal, start);
  const pending = start.map((id) => ({ id, depth: 0, viaUsage: false }));
  let steps = 0;
  while (pending.length && steps++ < 200) {
    const { id, depth, viaUsage: inherited } = pending.shift()!;
    const decl = resolveName(id.text, id);
    if (!decl) continue;
    const viaUsage =
      inherited ||
      readsUsage(id) ||
      (ts.isBindingElement(decl) && USAGE_NAME.test(propertyNameText(decl.propertyName ?? decl.name) ?? ''));
    const classified = classifyDeclaration(decl, ctx);
    if (!classified && readsUsage(id) && !ts.isParameter(decl)) unknownUsage.add(id.text);
    if (classified) {
      const previous = found.get(classified.origin);
      if (!previous) found.set(classified.origin, { classified, depth, viaUsage });
      else {
        previous.depth = Math.min(previous.depth, depth);
        previous.viaUsage ||= viaUsage;
      }
      continue;
    }
    if (seen.has(decl)) continue;
    seen.add(decl);
    const owner = owningVariableDeclaration(decl);
    if (owner && ts.isVariableDeclaration(owner) && owner.getSourceFile() === ctx.sourceFile) {
      // Every value the name is given: its initializer, and for a `let` what is assigned to it later.
      const values = [
        owner.initializer,
        ...(declarationKeyword(owner) !== 'const' && ts.isIdentifier(owner.name) ? assignmentsTo(owner) : []),
      ];
      const next: ts.Identifier[] = [];
      for (const value of values) if (value) referencedIdentifiers(value, next, { skipCallArguments: true });
      const usageName = USAGE_NAME.test(ts.isIdentifier(decl.name as ts.Node) ? (decl.name as ts.Identifier).text : '');
      for (const n of next) pending.push({ id: n, depth: depth + 1, viaUsage: viaUsage || usageName });
    }
  }
  return { evidence: [...found.values()], unknownUsage: [...unknownUsage] };
}

/** The strongest evidence: results reached through token usage, else the nearest ones. */
function strongest(evidence: Evidence[]): Evidence[] {
  if (evidence.length === 0) return [];
  const viaUsage = evidence.filter((e) => e.viaUsage);
  if (viaUsage.length) return viaUsage;
  const nearest = Math.min(...evidence.map((e) => e.depth));
  return evidence.filter((e) => e.depth === nearest);
}

/**
 * Can the call see the declaration's value when it runs? Not from inside a function declaration (hoisted: it may run
 * before the value exists) or a function created before the declaration, unless the call names the value itself.
 */
function seenWithoutHoisting(decl: ts.Node, call: ts.CallExpression): boolean {
  const declEnd = decl.getEnd();
  for (let node: ts.Node | undefined = call.parent; node; node = node.parent) {
    if (node.pos <= decl.pos && decl.end <= node.end) return true; // reached the scope that holds the declaration
    if (isFunctionLike(node) && (ts.isFunctionDeclaration(node) || node.getStart() < declEnd)) return false;
  }
  return true;
}

/** LLM results visible at the call (declared before it), and AI SDK callbacks the call sits in. */
function sourcesInScope(call: ts.CallExpression, ctx: AnalysisContext): Classified[] {
  const found = new Map<ts.Node, Classified>();
  for (let node: ts.Node | undefined = call.parent; node; node = node.parent) {
    if (isFunctionLike(node) && aiCallbackOwner(node)) {
      const callback = classifyAiCallback(node as ts.ArrowFunction, ctx);
      if (callback) found.set(callback.origin, callback);
    }
  }
  const callStart = call.getStart(ctx.sourceFile);
  for (const decl of visibleDeclarations(call).values()) {
    if (ts.isImportSpecifier(decl) || ts.isImportClause(decl) || ts.isNamespaceImport(decl)) continue;
    // Declared after the call (a later `const`, or a pattern destructured later): not a value the call can have seen.
    // Parameters, and patterns in them, are bound before the body runs.
    const owner = owningVariableDeclaration(decl) ?? decl;
    if (!ts.isParameter(owner) && owner.getEnd() > callStart) continue;
    if (!ts.isParameter(owner) && !seenWithoutHoisting(owner, call)) continue;
    const classified = classifyDeclaration(decl, ctx);
    if (classified) found.set(classified.origin, classified);
  }
  return [...found.values()];
}

const DATA_FLOW = 'the values this call already passes';

type Choice = { ok: true; source: SourceCandidate } | { ok: false; code: ManualReasonCode; reason: string };

function describe(candidates: Classified[]): string {
  return candidates.map((c) => `\`${c.name}\``).join(', ');
}

const fieldTsType = (field: string) => RECONCILIATION_FIELDS.find((f) => f.name === field)!.tsType;

function forAwaitLoopsOver(scope: ts.Node, decl: ts.VariableDeclaration): ts.ForOfStatement[] {
  const loops: ts.ForOfStatement[] = [];
  const name = (decl.name as ts.Identifier).text;
  const visit = (n: ts.Node) => {
    if (ts.isForOfStatement(n) && n.awaitModifier) {
      const over = skipOuterExpressions(n.expression);
      if (ts.isIdentifier(over) && over.text === name && resolveName(name, over) === decl) loops.push(n);
    }
    ts.forEachChild(n, visit);
  };
  visit(scope);
  return loops;
}

/**
 * An OpenAI chat stream consumed with `for await (const chunk of stream)` before the call, in a loop that already
 * keeps chunk data: keep the three values from the chunks (declared before the loop, or before the `try`/`if` that
 * holds it when the call is outside that: in its `finally`, after it) and read them at the call.
 */
function captureFromStreamLoop(
  stream: ts.Node,
  call: ts.CallExpression,
  ctx: AnalysisContext,
): SourceCandidate | undefined {
  const decl = stream;
  if (!ts.isVariableDeclaration(decl) || !ts.isIdentifier(decl.name) || !decl.initializer) return undefined;
  const init = skipOuterExpressions(decl.initializer);
  const created = ts.isAwaitExpression(init) ? skipOuterExpressions(init.expression) : init;
  const streamKinds = ts.isCallExpression(created)
    ? streamOf(propertyChain(skipOuterExpressions(created.expression)).names)
    : undefined;
  const kind = streamKinds?.captured;
  if (!streamKinds || !kind) return undefined;
  const fn = enclosingFunction(decl);
  const loops = forAwaitLoopsOver(fn, decl);
  if (loops.length !== 1) return undefined;
  const loop = loops[0];
  // `for await (const chunk of stream as AsyncIterable<{ choices… }>)`: the chunks are typed by that cast, which may
  // lack `id`: `chunk.id` would not compile.
  if (castToOwnType(loop.expression)) return undefined;
  const callStart = call.getStart(ctx.sourceFile);
  if (loop.getEnd() > callStart || enclosingFunction(loop) !== enclosingFunction(call)) return undefined;
  // The innermost block that holds both the loop and the call; the values are declared there, before the statement
  // that holds the loop. No other loop may lie between: the values would be its first pass's, recorded for all.
  let anchor: ts.Node = loop;
  while (!(
    (ts.isBlock(anchor.parent) || ts.isSourceFile(anchor.parent)) &&
    anchor.parent.pos <= call.pos &&
    call.end <= anchor.parent.end
  )) {
    anchor = anchor.parent;
    if (!anchor.parent || ts.isIterationStatement(anchor, false) || isFunctionLike(anchor)) return undefined;
  }
  if (!ts.isBlock(loop.statement) || !ts.isVariableDeclarationList(loop.initializer)) return undefined;
  const chunkDecl = loop.initializer.declarations[0];
  if (loop.initializer.declarations.length !== 1 || !ts.isIdentifier(chunkDecl.name)) return undefined;
  const chunk = chunkDecl.name.text;
  if (!mentionsName(loop.statement, chunk)) return undefined; // the loop keeps no chunk data: nothing to hang the capture on
  // The names the capture declares are the captured kind's paths (never chosen when they already mean something in
  // the function); each is set from the chunk kind's path.
  const slots = RECONCILIATION_FIELD_NAMES.map((field) => ({
    field,
    name: kind.fields[field]!.path,
    from: streamKinds.chunk.fields[field]!.path,
  }));
  const names = slots.map((c) => c.name);
  const captures = slots.map((c) => `${c.name} ??= ${chunk}.${c.from};`);
  // The loop already keeps the values (this tool's own capture, from an earlier call after it): read them.
  const bodyText = loop.statement.getText(ctx.sourceFile);
  const captured = captures.every((c) => bodyText.includes(c));
  if (!captured && names.some((n) => mentionsName(fn, n))) return undefined;
  const text = ctx.sourceFile.text;
  const eol = lineEnding(text, loop.getStart(ctx.sourceFile));
  const typed = !/\.(c|m)?jsx?$/i.test(ctx.sourceFile.fileName);
  const indent = lineIndentAt(text, anchor.getStart(ctx.sourceFile));
  const firstInBody = loop.statement.statements[0];
  const inner = firstInBody ? lineIndentAt(text, firstInBody.getStart(ctx.sourceFile)) : `${indent}  `;
  const declarations = slots.map((c) => `let ${c.name}${typed ? `: ${fieldTsType(c.field)} | undefined` : ''};`);
  const bodyOpen = loop.statement.getStart(ctx.sourceFile) + 1;
  const edits: TextEdit[] = captured
    ? []
    : [
        {
          start: anchor.getStart(ctx.sourceFile),
          end: anchor.getStart(ctx.sourceFile),
          text: declarations.map((d) => `${d}${eol}${indent}`).join(''),
        },
        { start: bodyOpen, end: bodyOpen, text: captures.map((c) => `${eol}${inner}${c}`).join('') },
      ];
  return {
    type: 'source',
    origin: decl,
    name: decl.name.text,
    base: '',
    kind,
    edits,
    notes: [
      `kept from the chunks of \`${decl.name.text}\` in its \`for await\` loop (every chunk carries the same id)`,
    ],
  };
}

/** Is the expression cast (`as T`, `<T>x`) to a type other than `any`? */
function castToOwnType(expr: ts.Expression): boolean {
  for (let e = expr; ;) {
    if (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
    else if (ts.isAsExpression(e) || ts.isTypeAssertionExpression(e)) return e.type.kind !== ts.SyntaxKind.AnyKeyword;
    else return false;
  }
}

/** Has an AI SDK stream ended before the call? Only if the call's own function awaited something of it first. */
function streamEndedBefore(resultName: string, call: ts.CallExpression, ctx: AnalysisContext): boolean {
  const fn = enclosingFunction(call);
  const isAsync =
    ts.isSourceFile(fn) ||
    !!ts.getModifiers(fn as ts.FunctionLikeDeclaration)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
  if (!isAsync) return false;
  const callStart = call.getStart(ctx.sourceFile);
  let ended = false;
  const visit = (n: ts.Node) => {
    if (ended || n.getStart(ctx.sourceFile) >= callStart) return;
    if (n !== fn && isFunctionLike(n)) return; // an await inside another function does not hold this one up
    const awaited = ts.isAwaitExpression(n)
      ? n.expression
      : ts.isForOfStatement(n) && n.awaitModifier
        ? n.expression
        : undefined;
    if (awaited) {
      const { root } = propertyChain(awaited);
      const target = ts.isCallExpression(skipOuterExpressions(awaited))
        ? propertyChain((skipOuterExpressions(awaited) as ts.CallExpression).expression).root
        : root;
      if (
        (ts.isIdentifier(root) && root.text === resultName && root !== skipOuterExpressions(awaited)) ||
        (ts.isIdentifier(target) && target.text === resultName)
      ) {
        ended = true;
        return;
      }
    }
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(fn, visit);
  return ended;
}

/** The call is certainly not an OpenAI request: its fields are written as null, with `why` as the reviewer's note. */
function notOpenAiRequest(origin: ts.Node, name: string, why: string): Choice {
  return {
    ok: true,
    source: {
      type: 'source',
      origin,
      name,
      base: '',
      kind: RESULT_KINDS.notOpenAI,
      edits: [],
      notes: [`not an OpenAI request (${why}): the fields say so with null`],
    },
  };
}

/** Providers an app names in its own row (`provider: 'ollama'`): none of them issues an OpenAI request. */
const OTHER_PROVIDER_NAMES =
  /^(ollama|anthropic|claude|google|gemini|vertex|vertexai|mistral|cohere|groq|deepseek|xai|grok|perplexity|together|fireworks|bedrock|replicate)$/i;

/**
 * The record names its provider with a string literal, and it is not OpenAI (`provider: "ollama"`): when no OpenAI
 * result reaches the call, the app itself says the row is another provider's, so there is no OpenAI request to record.
 */
function declaredOtherProvider(literal: ts.ObjectLiteralExpression): Choice | undefined {
  for (const p of literal.properties) {
    if (
      !ts.isPropertyAssignment(p) ||
      !/^(provider|llm_provider|ai_provider|aiProvider|llmProvider)$/.test(propertyNameText(p.name) ?? '')
    )
      continue;
    const value = skipOuterExpressions(p.initializer);
    if (!ts.isStringLiteralLike(value) || !OTHER_PROVIDER_NAMES.test(value.text)) continue;
    return notOpenAiRequest(p, value.text, `the row says \`${p.getText()}\` and no OpenAI result reaches the call`);
  }
  return undefined;
}

/** `completion.id`; a JSON-typed path is read under a typeof check, so only a string is ever recorded. */
function gatewayIdExpression(base: string, read: { idPath: string; json?: true }): string {
  if (!read.json) return `${base}.${read.idPath}`;
  const [first, ...rest] = read.idPath.split('.');
  return `typeof ${base}.${first}${rest.map((p) => `?.${p}`).join('')} === 'string' ? ${base}.${read.idPath} : null`;
}

/** Pick the one source the call belongs to, or say why there is none. */
function chooseSource(literal: ts.ObjectLiteralExpression, call: ts.CallExpression, ctx: AnalysisContext): Choice {
  const flow = sourcesByDataFlow(literal, ctx);
  let evidence = strongest(flow.evidence);
  let how = DATA_FLOW;
  if (evidence.length === 0 && flow.unknownUsage.length) {
    const declared = declaredOtherProvider(literal);
    if (declared) return declared;
    return {
      ok: false,
      code: 'no-source',
      reason: `its token counts come from ${flow.unknownUsage.map((n) => `\`${n}\``).join(', ')}, which this tool does not recognise as an OpenAI result: if it is one, pass its id by hand; if it is another provider's, write null`,
    };
  }
  if (evidence.length === 0) {
    evidence = sourcesInScope(call, ctx).map((classified) => ({ classified, depth: Infinity, viaUsage: false }));
    how = 'the results in scope';
  }
  const sources = evidence.filter(
    (e): e is Evidence & { classified: SourceCandidate } => e.classified.type === 'source',
  );
  const rejected = evidence.map((e) => e.classified).filter((c): c is SourceRejection => c.type === 'rejected');
  // A rejected look-alike is still a request in play: next to a source, it makes the call ambiguous.
  if (sources.length === 1 && rejected.length === 0) {
    const { classified: source, depth } = sources[0];
    // A reassigned `let` holds the right request only where the call reads it directly, at the call.
    if (source.reassigned && depth !== 0) {
      return {
        ok: false,
        code: 'ambiguous-source',
        reason: `\`${source.name}\` is assigned more than one result and this call ${how === DATA_FLOW ? 'reads values copied from it earlier' : 'does not read it'}: which request it records cannot be told; read the id where the usage is read`,
      };
    }
    return { ok: true, source };
  }
  // Every result the counts come from is another provider's (`if` and `else` each call Gemini): no OpenAI request either way.
  if (
    how === DATA_FLOW &&
    sources.length === 0 &&
    rejected.length > 1 &&
    evidence.every((e) => e.viaUsage) &&
    rejected.every((r) => r.code === 'not-openai' && !r.gateway)
  ) {
    return notOpenAiRequest(
      rejected[0].origin,
      rejected[0].name,
      `each of ${describe(rejected)} is another provider's: ${rejected[0].reason}`,
    );
  }
  if (sources.length + rejected.length > 1) {
    return {
      ok: false,
      code: 'ambiguous-source',
      reason: `${describe([...sources.map((e) => e.classified), ...rejected])} could each be this call's result (from ${how}) and nothing ties the call to one: pass the fields from the right one by hand`,
    };
  }
  if (rejected.length > 0) {
    const first = rejected[0];
    if (first.code === 'stream-not-captured') {
      const captured = captureFromStreamLoop(first.origin, call, ctx);
      if (captured) return { ok: true, source: captured };
    }
    // The call's own token counts come from another provider's result: it is true that there is no OpenAI request.
    const tiedByUsage = evidence.some((e) => e.classified === first && e.viaUsage);
    if (how === DATA_FLOW && tiedByUsage && rejected.length === 1 && first.code === 'not-openai' && !first.gateway) {
      return notOpenAiRequest(first.origin, first.name, `\`${first.name}\`: ${first.reason}`);
    }
    // Through a gateway whose generation id is known to sit in the result (docs/gateways.md): the gateway fields carry
    // it, the OpenAI fields are null.
    if (
      rejected.length === 1 &&
      sources.length === 0 &&
      first.gatewayRead &&
      first.base &&
      (tiedByUsage || how !== DATA_FLOW)
    ) {
      return {
        ok: true,
        source: {
          type: 'source',
          origin: first.origin,
          name: first.name,
          base: first.base,
          kind: RESULT_KINDS.gatewayChatCompletion,
          edits: [],
          notes: [
            `served through ${first.gatewayRead.gateway}: its id is the gateway's generation id, recorded as gateway_generation_id (the OpenAI fields are null)`,
          ],
          gateway: {
            name: first.gatewayRead.gateway,
            id: gatewayIdExpression(first.base, first.gatewayRead),
            why: `\`${first.name}\`: ${first.reason}`,
          },
        },
      };
    }
    return { ok: false, code: first.code, reason: `\`${first.name}\`: ${first.reason}` };
  }
  const declared = declaredOtherProvider(literal);
  if (declared) return declared;
  return {
    ok: false,
    code: 'no-source',
    reason:
      'no OpenAI result reaches this call (none in scope, none feeding its values): pass the id from where the completion is available, or write null if there is none',
  };
}

/** Can the base's root name be read at the call, and does it mean the same thing there as where it was found? */
function inScopeAt(source: SourceCandidate, call: ts.CallExpression, ctx: AnalysisContext): boolean {
  if (source.edits.length > 0 || !source.base) return true; // a binding this plan adds, or a source read through no name
  const root = /^\(?(?:await\s+)?([A-Za-z_$][\w$]*)/.exec(source.base)?.[1];
  if (!root) return false;
  const decl = resolveName(root, call);
  return !!decl && classifyDeclaration(decl, ctx)?.origin === source.origin;
}

/**
 * A usage object built before the call (`const row = {...}; …; track(row)`) takes the fields where it is built: the
 * source must hold this request's result there already, and keep holding it (a `let` may be reassigned in between).
 */
function literalBuiltBefore(
  literal: ts.ObjectLiteralExpression,
  call: ts.CallExpression,
  source: SourceCandidate,
): string | undefined {
  if (call.arguments.some((a) => skipOuterExpressions(a) === literal)) return undefined;
  const origin = source.origin;
  const declaration =
    ts.isVariableDeclaration(origin) || ts.isBindingElement(origin)
      ? (owningVariableDeclaration(origin) ?? origin)
      : undefined;
  if (!declaration || ts.isParameter(declaration)) return undefined;
  const assignedLater = declarationKeyword(declaration as ts.VariableDeclaration) !== 'const';
  if (declaration.getEnd() <= literal.getStart() && !assignedLater) return undefined;
  const owner =
    literal.parent && ts.isVariableDeclaration(literal.parent) ? literal.parent.name.getText() : 'the usage object';
  return `\`${owner}\` is built before \`${source.name}\` holds this call's result${assignedLater ? ' (it is assigned after the object is built)' : ''}: add the fields where the object is built after the request, or pass them in the call`;
}

/**
 * Code quoted in a reason (which goes to the terminal, the reports and ESLint's output): its first line only, at most
 * 60 characters, `…` where it was cut. A 30-line call is `trackUsage(…)`, not the call.
 */
export function quoteCode(text: string): string {
  const first = text.trim().split(/\r?\n/)[0].trimEnd();
  const cut = first.length > 60 ? first.slice(0, 59) : first;
  return cut === text.trim() ? cut : `${cut}…`;
}

/** A call quoted whole when it fits on one short line, else as `track(…)`. */
function quoteCall(calleeText: string, args: readonly ts.Expression[]): string {
  const all = `${calleeText}(${args.map((a) => a.getText()).join(', ')})`;
  return !/\n/.test(all) && all.length <= 60 ? all : `${calleeText}(…)`;
}

/** `an OpenAI …`, `a Vercel …`: reasons are read by people. */
function withArticle(label: string): string {
  return `${/^[aeiou]/i.test(label) ? 'an' : 'a'} ${label}`;
}

type FieldValue = { ok: true; value: string } | { ok: false; code: ManualReasonCode; reason: string };

/**
 * A declared member written only with keywords and literals (`openai_created?: string | null`) that has no member of
 * the field's type: its text. Undefined when it takes the type, or when it names a type this tool does not judge.
 */
function declaredTypeRejects(declared: PropertyShape, tsType: string): string | undefined {
  const type = ts.isPropertySignature(declared.node) ? declared.node.type : undefined;
  if (!type) return undefined;
  const flatten = (t: ts.TypeNode): ts.TypeNode[] =>
    ts.isParenthesizedTypeNode(t) ? flatten(t.type) : ts.isUnionTypeNode(t) ? t.types.flatMap(flatten) : [t];
  const wanted = tsType === 'number' ? ts.SyntaxKind.NumberKeyword : ts.SyntaxKind.StringKeyword;
  const keywords = [
    ts.SyntaxKind.StringKeyword,
    ts.SyntaxKind.NumberKeyword,
    ts.SyntaxKind.BooleanKeyword,
    ts.SyntaxKind.BigIntKeyword,
    ts.SyntaxKind.UndefinedKeyword,
    ts.SyntaxKind.NullKeyword,
  ];
  for (const member of flatten(type)) {
    if (member.kind === wanted) return undefined;
    if (keywords.includes(member.kind) || ts.isLiteralTypeNode(member)) continue;
    return undefined;
  }
  return type.getText();
}

/** The expression for one missing field, honouring what the tracker's parameter type accepts. */
function fieldValue(
  { field, prop, tsType }: { field: CallSiteField; prop: string; tsType: string },
  source: SourceCandidate,
  shape: TypeShape | undefined,
  untypedJs = false,
  /** The call's project sets `exactOptionalPropertyTypes`: an optional property takes undefined only if it says so. */
  exactOptional = false,
): FieldValue {
  const reader = source.kind.fields[field] ?? null;
  const declared = shape?.properties.get(prop);
  if (shape && !declared && !shape.open && shape.filter && !shape.filter.allows(prop)) {
    return {
      ok: false,
      code: 'untyped-tracker',
      reason: `the tracker's parameter type has no \`${prop}\`, and it goes through \`${shape.filter.construct}\`, which a field added to the underlying type would not pass: add \`${prop}\` where that type is written (for generated database types: apply \`npx recon-codemod sql\` and regenerate)`,
    };
  }
  if (shape && !declared && !shape.open) {
    return {
      ok: false,
      code: 'untyped-tracker',
      reason: `the tracker's parameter type has no \`${prop}\`: run \`npx recon-codemod --write\`, which adds the fields to it first (or add \`${prop}?: ${tsType} | null\` by hand)`,
    };
  }
  if (reader) {
    const value = renderRead(reader, source.base, source.optional);
    const mayBeUndefined = reader.mayBeUndefined || source.optional;
    // Not declared yet: the schema step declares it `?: T | null`, which an explicit undefined does not pass there.
    if (!declared) return { ok: true, value: exactOptional && mayBeUndefined ? `${value} ?? null` : value };
    const clash = declaredTypeRejects(declared, tsType);
    if (clash) {
      return {
        ok: false,
        code: 'edit-does-not-compile',
        reason: `the tracker's parameter type declares \`${prop}: ${clash}\`, which does not take \`${value}\` (a ${tsType}): declare it \`${prop}?: ${tsType} | null\` (the column: \`npx recon-codemod sql\`), or pass it by hand`,
      };
    }
    const undefinedOk = exactOptional ? declared.acceptsExplicitUndefined : declared.acceptsUndefined;
    const nullOk = declared.acceptsNull;
    if ((mayBeUndefined && !undefinedOk) || (reader.mayBeNull && !nullOk)) {
      if (nullOk) return { ok: true, value: `${value} ?? null` };
      if (undefinedOk) return { ok: true, value: `${value} ?? undefined` };
      return {
        ok: false,
        code: 'no-field-value',
        reason: `\`${value}\` may be missing but \`${prop}\` accepts neither null nor undefined`,
      };
    }
    return { ok: true, value };
  }
  // A plain-JS tracker: nothing checks what it is given, so null says "none" and is always accepted.
  if (!declared && !shape && untypedJs) return { ok: true, value: 'null' };
  if (!declared) {
    return {
      ok: false,
      code: 'no-field-value',
      reason: `${withArticle(source.kind.label)} has no ${field}, and the tracker's parameter type could not be read to choose between null and undefined: write \`${prop}: null\` (or undefined) by hand`,
    };
  }
  if (declared.acceptsNull) return { ok: true, value: 'null' };
  if (exactOptional ? declared.acceptsExplicitUndefined : declared.acceptsUndefined)
    return { ok: true, value: 'undefined' };
  return {
    ok: false,
    code: 'no-field-value',
    reason: `${withArticle(source.kind.label)} has no ${field}, and \`${prop}\` is required and accepts neither null nor undefined`,
  };
}

/** Whether the tsconfig that checks this call sets `exactOptionalPropertyTypes` (the host says; unknown: no). */
function exactOptionalAt(ctx: AnalysisContext): boolean {
  return ctx.host.exactOptionalPropertyTypes?.(ctx.sourceFile.fileName) ?? false;
}

function manual(base: Omit<CallPlan, 'status' | 'edits'>, code: ManualReasonCode, reason: string): CallPlan {
  return { ...base, status: 'manual', edits: [], reasonCode: code, reason };
}

function planCall(
  tracking: TrackingCall,
  fileCtx: AnalysisContext,
  tracker: TrackerInfo,
  fixSuspect = false,
): CallPlan {
  const { call } = tracking;
  const ctx: AnalysisContext = { ...fileCtx, call };
  const start = call.getStart(ctx.sourceFile);
  const base = {
    ...lineAndColumn(ctx.sourceFile, start),
    start,
    end: call.getEnd(),
    callee: tracking.callee,
    missing: [] as CallSiteField[],
    ...(tracker.key ? { tracker: tracker.key } : {}),
  };
  const argument = readArgument(call, tracking.callee, tracker.signature, tracking.via, tracker.record);
  const fields = activeFields(ctx.config);
  if (!argument.ok) return { ...manual(base, argument.code, argument.reason), missing: fields.map((f) => f.field) };
  const { literal, present, unknownSpread } = argument.shape;
  const missing = fields.filter((f) => !present.has(f.prop));
  base.missing = missing.map((f) => f.field);
  // Complete means right, not present: a value the call already passes must be one the engine would accept.
  const suspect = suspectValues(literal, call, ctx, tracker);
  if (suspect.length && !(fixSuspect && suspect.every((s) => s.expected !== undefined))) {
    return {
      ...manual(base, 'suspect-value', suspect.map(describeSuspect).join('; ')),
      suspect: suspect.map(({ edit: _, ...s }) => s),
    };
  }
  const replaced = Object.fromEntries(suspect.map((s) => [s.prop, s.expected!]));
  const replacements = suspect.map((s) => s.edit!);
  const fixed = suspect.length ? { suspect: suspect.map(({ edit: _, ...s }) => s) } : {};
  if (missing.length === 0 && suspect.length) {
    // Every replacement is certain: the call's one source is the result the values are read from.
    const choice = chooseSource(literal, call, ctx);
    const described = choice.ok
      ? { source: choice.source.base || choice.source.name, sourceKind: choice.source.kind.id }
      : {};
    // Behind a gateway the id moves to the gateway fields (suspectValues offers the fix only when they can be added).
    const moved =
      choice.ok && choice.source.gateway ? gatewayAdditions(choice.source.gateway, present, tracker) : undefined;
    const moves = moved?.ok ? moved.entries : [];
    const edits = [...replacements, ...appendProperties(ctx.sourceFile, literal, moves)];
    return {
      ...base,
      ...described,
      status: 'updated',
      added: { ...replaced, ...Object.fromEntries(moves) },
      edits,
      ...fixed,
    };
  }
  if (missing.length === 0) {
    // Complete behind a known gateway means with its generation id: a call that says "no OpenAI request" (null id)
    // while its result came through a gateway still lacks `gateway_generation_id`.
    const idProp = literal.properties.find(
      (p): p is ts.PropertyAssignment =>
        ts.isPropertyAssignment(p) && propertyNameText(p.name) === ctx.config.fieldNames.openai_request_id,
    );
    if (
      !unknownSpread &&
      idProp &&
      skipOuterExpressions(idProp.initializer).kind === ts.SyntaxKind.NullKeyword &&
      !present.has('gateway_generation_id')
    ) {
      const choice = chooseSource(literal, call, ctx);
      const moved =
        choice.ok && choice.source.gateway ? gatewayAdditions(choice.source.gateway, present, tracker) : undefined;
      if (choice.ok && moved?.ok && moved.entries.length) {
        return {
          ...base,
          source: choice.source.base || choice.source.name,
          sourceKind: choice.source.kind.id,
          status: 'updated',
          added: Object.fromEntries(moved.entries),
          edits: [...choice.source.edits, ...appendProperties(ctx.sourceFile, literal, moved.entries)],
          notes: choice.source.notes,
        };
      }
    }
    return { ...base, status: 'complete', edits: [] };
  }
  if (unknownSpread) {
    return manual(
      base,
      'spread-unknown',
      `\`...${unknownSpread}\` may already set ${missing.map((f) => `\`${f.prop}\``).join(', ')}; this tool cannot see into it: add the fields where that object is built, or here if it never has them`,
    );
  }
  const choice = chooseSource(literal, call, ctx);
  if (!choice.ok) return manual(base, choice.code, choice.reason);
  let source = choice.source;
  if (source.kind === RESULT_KINDS.chatCompletionChunk && !inScopeAt(source, call, ctx)) {
    // The call reads what the loop kept from the chunks (`totalTokens = chunk.usage…`) after the loop: keep the
    // three values from the chunks the same way.
    const loop = source.origin.parent?.parent;
    const over = loop && ts.isForOfStatement(loop) ? skipOuterExpressions(loop.expression) : undefined;
    const streamDecl = over && ts.isIdentifier(over) ? resolveName(over.text, over) : undefined;
    source = (streamDecl && captureFromStreamLoop(streamDecl, call, ctx)) || source;
  }
  const described = { source: source.base || source.name, sourceKind: source.kind.id };
  if (source.needsStreamEnd && !streamEndedBefore(source.needsStreamEnd.result, call, ctx)) {
    return manual(
      { ...base, ...described },
      'stream-not-captured',
      `\`${source.needsStreamEnd.result}\` is a stream whose response is known only when it ends, and this call does not wait for it: track in \`onFinish\` (its event has \`response\`), or after \`await ${source.needsStreamEnd.result}.usage\` in an async function`,
    );
  }
  const builtEarlier = literalBuiltBefore(literal, call, source);
  if (builtEarlier) return manual({ ...base, ...described }, 'out-of-scope', builtEarlier);
  if (!inScopeAt(source, call, ctx)) {
    return manual(
      { ...base, ...described },
      'out-of-scope',
      `\`${source.name}\` is not in scope at this call: pass its fields to where the call is made`,
    );
  }
  const shape = tracker.shape();
  if (!shape && tracker.parameterType && !OPEN_TYPE.test(tracker.parameterType)) {
    // Declared, but not as anything this tool can read (a conditional or mapped type, a library type, a zod schema
    // out of reach): adding keys it may lack would not compile, and the schema step cannot extend it.
    const unread = tracker.unread();
    return manual(
      { ...base, ...described },
      'untyped-tracker',
      `the tracker's parameter type \`${quoteCode(tracker.parameterType)}\` could not be read${unread && unread !== tracker.parameterType ? ` (this tool does not read \`${quoteCode(unread)}\`)` : ''}, so this tool cannot tell whether it has ${missing.map((f) => `\`${f.prop}\``).join(', ')}: if it has them, pass them here by hand; if not, add them to it (optional, nullable; for generated database types: apply \`npx recon-codemod sql\` and regenerate), then run again`,
    );
  }
  const ownType = recordOwnTypeRejects(
    literal,
    missing.map((f) => f.prop),
    shape,
    tracking.callee,
    ctx,
  );
  if (ownType) return manual({ ...base, ...described }, 'edit-does-not-compile', ownType);
  const added: Record<string, string> = {};
  const exactOptional = exactOptionalAt(ctx);
  for (const field of missing) {
    const value = fieldValue(field, source, shape, tracker.untypedJs, exactOptional);
    if (!value.ok) return manual({ ...base, ...described }, value.code, value.reason);
    added[field.prop] = value.value;
  }
  if (source.gateway) {
    const moved = gatewayAdditions(source.gateway, present, tracker);
    if (!moved.ok) {
      // Without the gateway columns the id has nowhere to go: the call stays what it was (not an OpenAI request).
      return manual(
        base,
        'not-openai',
        `${source.gateway.why}; the tracker's parameter type ${moved.declared ? `declares \`${moved.prop}: ${moved.declared}\`, which does not take \`${moved.value}\`` : `has no \`${moved.prop}\``}: add \`llm_gateway?: string | null\` and \`gateway_generation_id?: string | null\` to it (the columns: \`npx recon-codemod sql\`) and run again, and the call gets ${source.gateway.name}'s generation id`,
      );
    }
    for (const [prop, value] of moved.entries) added[prop] = value;
  }
  const edits: TextEdit[] = [
    ...source.edits,
    ...replacements,
    ...appendProperties(ctx.sourceFile, literal, Object.entries(added)),
  ];
  return {
    ...base,
    ...described,
    status: 'updated',
    added: { ...replaced, ...added },
    edits,
    notes: source.notes.length ? source.notes : undefined,
    ...fixed,
  };
}

/**
 * A record literal checked against a type of its own besides the tracker's parameter (`{…} satisfies Row`,
 * `const row: Row = {…}`): new keys that type lacks do not compile, and the schema step extends only the tracker's
 * type. The reason when such a type lacks (or may lack) a key to add; undefined when every such type takes them.
 */
function recordOwnTypeRejects(
  literal: ts.ObjectLiteralExpression,
  props: string[],
  trackerShape: TypeShape | undefined,
  callee: string,
  ctx: AnalysisContext,
): string | undefined {
  const calleeName = callee.split('.').pop()!;
  const types: { type: ts.TypeNode; how: string }[] = [];
  let node: ts.Node = literal;
  while (
    ts.isParenthesizedExpression(node.parent) ||
    ts.isAsExpression(node.parent) ||
    ts.isSatisfiesExpression(node.parent) ||
    ts.isTypeAssertionExpression(node.parent) ||
    ts.isNonNullExpression(node.parent)
  ) {
    node = node.parent;
    // A cast (`as T`, `<T>`) does not check excess keys; `satisfies T` does.
    if (ts.isSatisfiesExpression(node)) types.push({ type: node.type, how: `\`satisfies ${node.type.getText()}\`` });
  }
  if (ts.isVariableDeclaration(node.parent) && node.parent.initializer === node && node.parent.type) {
    types.push({ type: node.parent.type, how: `its declared type \`${node.parent.type.getText()}\`` });
  }
  for (const { type, how } of types) {
    // The tracker's own parameter type, spelled from it (`Parameters<typeof trackTokenUsage>[0]`).
    if (new RegExp(`\\btypeof\\s+${calleeName.replace(/[$]/g, '\\$&')}\\b`).test(type.getText())) continue;
    const own = readTypeShapeExplained(ctx.host, type.getSourceFile(), type).shape;
    if (own?.open) continue;
    // The tracker's own type, which the schema step extends.
    if (
      own?.declaration &&
      trackerShape?.declaration &&
      own.declaration.node === trackerShape.declaration.node &&
      props.every((p) => own.filter?.allows(p) ?? true)
    )
      continue;
    const lacking = own ? props.filter((p) => !own.properties.has(p)) : props;
    if (lacking.length === 0) continue;
    return `the record is checked against ${how}, which ${own ? `has no ${lacking.map((p) => `\`${p}\``).join(', ')}` : 'this tool cannot read'}: the added keys would not compile there. Add ${lacking.map((p) => `\`${p}\``).join(', ')} to that type (optional, nullable) and run again, or drop the annotation`;
  }
  return undefined;
}

type Suspect = SuspectValue & { edit?: TextEdit };

function describeSuspect(s: SuspectValue): string {
  return `\`${s.prop}: ${s.value}\` ${s.reason}: ${s.expected !== undefined ? `it should be \`${s.expected}\` (\`--fix-suspect\` replaces it)` : 'no value can be certain here, fix it by hand'}`;
}

/** A value as a plain read (`completion?.id`, `(transcription as any).id`, `response!.id ?? null`): root and path. */
function readChain(expr: ts.Expression): { root: ts.Identifier; path: string[] } | undefined {
  let e = skipOuterExpressions(expr);
  // `x.id ?? null`, `x.id || undefined`: the fallback says nothing of where the value is read.
  while (
    ts.isBinaryExpression(e) &&
    [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(e.operatorToken.kind)
  ) {
    const right = skipOuterExpressions(e.right);
    if (right.kind !== ts.SyntaxKind.NullKeyword && !(ts.isIdentifier(right) && right.text === 'undefined'))
      return undefined;
    e = skipOuterExpressions(e.left);
  }
  const path: string[] = [];
  for (;;) {
    if (ts.isPropertyAccessExpression(e)) path.unshift(e.name.text);
    else if (ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression))
      path.unshift(e.argumentExpression.text);
    else break;
    e = skipOuterExpressions(e.expression);
  }
  return ts.isIdentifier(e) && path.length ? { root: e, path } : undefined;
}

/** `a?.b.c` → `a.b.c`; undefined for anything that is not a plain property read. */
function plainRead(text: string): string | undefined {
  const t = text.replace(/\?\./g, '.');
  return /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(t) ? t : undefined;
}

/**
 * The values the call already passes that contradict what the engine knows: read from a gateway's or another
 * provider's result, or from a property the result does not have (a transcription's `id`: always undefined). A value
 * the engine cannot judge (a local, a computation, null) is accepted. With one certain source for the call, each
 * suspect value carries the value the engine would write and the edit that writes it.
 */
function suspectValues(
  literal: ts.ObjectLiteralExpression,
  call: ts.CallExpression,
  ctx: AnalysisContext,
  tracker: TrackerInfo,
): Suspect[] {
  const out: Suspect[] = [];
  let choice: Choice | undefined;
  for (const field of activeFields(ctx.config)) {
    const prop = literal.properties.find(
      (p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && propertyNameText(p.name) === field.prop,
    );
    const chain = prop && readChain(prop.initializer);
    if (!prop || !chain) continue;
    const decl = resolveName(chain.root.text, chain.root);
    const read = decl && classifyDeclaration(decl, ctx);
    if (!read) continue;
    const value = prop.initializer.getText(ctx.sourceFile);
    let reason: string | undefined;
    if (read.type === 'rejected') {
      // Behind a gateway only its id is certainly not OpenAI's; another provider's result has none of the three.
      if (read.gateway && field.field === 'openai_request_id' && chain.path.at(-1) === 'id')
        reason = `reads \`${chain.root.text}\`, whose id is a gateway's, not OpenAI's (${read.reason})`;
      else if (!read.gateway && read.code === 'not-openai')
        reason = `reads \`${chain.root.text}\`, which is not an OpenAI result (${read.reason})`;
    } else {
      const base = plainRead(read.base);
      const reader = read.kind.fields[field.field];
      const expected = reader ? plainRead(renderRead(reader, read.base)) : undefined;
      const text = [chain.root.text, ...chain.path].join('.');
      const next = base && text.startsWith(`${base}.`) ? text.slice(base.length + 1).split('.')[0] : undefined;
      if (next && text !== expected && read.kind.absent?.includes(next)) {
        reason = `reads \`${next}\`, which ${withArticle(read.kind.label)} does not have (always undefined)`;
      }
      // The value skips the path to the object that holds it: `result.id` for `result.response.id`.
      const last = expected?.split('.').at(-1);
      if (
        !reason &&
        base &&
        expected &&
        base !== chain.root.text &&
        text === `${chain.root.text}.${last}` &&
        expected !== text
      ) {
        reason = `reads \`${last}\` off \`${chain.root.text}\`, which has none (always undefined): it is under \`${base}\``;
      }
    }
    if (!reason) continue;
    choice ??= chooseSource(literal, call, ctx);
    // The right value is certain only when the engine ties the call to this very result.
    const right =
      choice.ok && choice.source.origin === read.origin
        ? fieldValue(field, choice.source, tracker.shape(), false, exactOptionalAt(ctx))
        : undefined;
    let expected = right?.ok ? right.value : undefined;
    const gateway = choice.ok && choice.source.origin === read.origin ? choice.source.gateway : undefined;
    if (gateway) {
      // The id is moved, never dropped: the fix writes null here only together with the gateway fields.
      const moved = gatewayAdditions(
        gateway,
        new Set(
          literal.properties
            .map((p) => (p.name ? propertyNameText(p.name) : undefined))
            .filter((n): n is string => !!n),
        ),
        tracker,
      );
      if (moved.ok)
        reason += `: it belongs in \`gateway_generation_id\` (${moved.entries.map(([p, v]) => `\`${p}: ${v}\``).join(', ') || 'already there'}), and \`${field.prop}\` is null`;
      else expected = undefined;
    }
    out.push({
      prop: field.prop,
      value,
      reason,
      expected,
      edit:
        expected !== undefined
          ? { start: prop.initializer.getStart(ctx.sourceFile), end: prop.initializer.getEnd(), text: expected }
          : undefined,
    });
  }
  // The reverse: an OpenAI result's id in the gateway column (it is never a gateway's generation id).
  const gatewayProp = literal.properties.find(
    (p): p is ts.PropertyAssignment =>
      ts.isPropertyAssignment(p) && propertyNameText(p.name) === 'gateway_generation_id',
  );
  const gatewayChain = gatewayProp && readChain(gatewayProp.initializer);
  const gatewayDecl = gatewayChain && resolveName(gatewayChain.root.text, gatewayChain.root);
  const gatewayRead = gatewayDecl && classifyDeclaration(gatewayDecl, ctx);
  if (gatewayProp && gatewayChain && gatewayRead?.type === 'source') {
    out.push({
      prop: 'gateway_generation_id',
      value: gatewayProp.initializer.getText(ctx.sourceFile),
      reason: `reads \`${gatewayChain.root.text}\`, an OpenAI result served directly: its ids are OpenAI's (they belong in \`openai_request_id\`), never a gateway's generation id`,
    });
  }
  return out;
}

/**
 * The gateway fields a call through a known gateway still lacks, or why the tracker's type cannot take them (then the
 * call stays `not-openai`: the id has nowhere to go).
 */
function gatewayAdditions(
  gateway: NonNullable<SourceCandidate['gateway']>,
  present: ReadonlySet<string>,
  tracker: TrackerInfo,
): { ok: true; entries: Array<[string, string]> } | { ok: false; prop: string; declared?: string; value?: string } {
  const shape = tracker.shape();
  const entries: Array<[string, string]> = [];
  for (const [prop, value] of [
    ['llm_gateway', `'${gateway.name}'`],
    ['gateway_generation_id', gateway.id],
  ] as const) {
    if (present.has(prop)) continue;
    if ((shape && !shape.open && !shape.properties.get(prop)) || (!shape && !tracker.untypedJs))
      return { ok: false, prop };
    // The value must compile where the type is written: a string (or this gateway's name), and null when it may be null.
    const declared = shape?.properties.get(prop);
    const type = declared && ts.isPropertySignature(declared.node) ? declared.node.type : undefined;
    const parts = type ? unionTypeMembers(type) : [];
    const takesString =
      !type ||
      parts.some(
        (t) =>
          [ts.SyntaxKind.StringKeyword, ts.SyntaxKind.AnyKeyword, ts.SyntaxKind.UnknownKeyword].includes(t.kind) ||
          (prop === 'llm_gateway' &&
            ts.isLiteralTypeNode(t) &&
            ts.isStringLiteral(t.literal) &&
            t.literal.text === gateway.name),
      );
    const mayBeNull = /: null$/.test(value);
    if (declared && (!takesString || (mayBeNull && !declared.acceptsNull)))
      return { ok: false, prop, declared: type?.getText() ?? 'a type without null', value };
    entries.push([prop, value]);
  }
  return { ok: true, entries };
}

function unionTypeMembers(type: ts.TypeNode): ts.TypeNode[] {
  if (ts.isParenthesizedTypeNode(type)) return unionTypeMembers(type.type);
  return ts.isUnionTypeNode(type) ? type.types.flatMap(unionTypeMembers) : [type];
}

/** Parameter types that take any key: nothing to check the fields against. */
const OPEN_TYPE = /^(any|unknown|object|Record<\s*string\s*,[^>]*>|\{\s*\[[^\]]+\]:[^}]*\})$/;

/** What the engine knows of the tracker a call resolves to, read once per binding. */
interface TrackerInfo {
  /** The declared parameter list, for reasons (`(userId: string, tokens: number)`). */
  signature?: string;
  /** A same-named function that is not a usage tracker (analytics, counters): its calls are not tracking calls. */
  lookAlike: boolean;
  /** The tracker's declared parameter type as written, when it has one (`TokenUsage`, `z.infer<typeof schema>`). */
  parameterType?: string;
  /** The tracker's definition (`trackerKey`), when found. */
  key?: string;
  /** The parameter that takes the usage record, or `untyped` (JavaScript: the argument that looks like usage). */
  record?: number | 'untyped';
  shape: () => TypeShape | undefined;
  /** When the parameter type cannot be read: the construct that stopped the reading. */
  unread: () => string | undefined;
  /** Its first parameter is untyped JavaScript (no annotation, no JSDoc): any value, null included, is accepted. */
  untypedJs?: boolean;
}

const TRACKER_PARAMETER = /usage|token|model|cost|request/i;

function trackerInfo(tracking: TrackingCall, ctx: AnalysisContext): TrackerInfo {
  const definition = trackerDefinition(ctx.host, ctx.sourceFile, tracking);
  const fn = definition && trackerFunction(definition);
  let shape: TypeShape | undefined | null = null;
  const info: TrackerInfo = {
    lookAlike: false,
    shape: () =>
      shape === null
        ? (shape =
            typeof info.record === 'number' ? trackerParameterShape(definition, ctx.host, info.record) : undefined)
        : shape,
    unread: () => {
      const type = typeof info.record === 'number' ? fn?.parameters[info.record]?.type : undefined;
      return type && readTypeShapeExplained(ctx.host, definition!.sourceFile, type).unread;
    },
  };
  if (definition) info.key = trackerKey(definition);
  if (!fn) return info;
  const params = fn.parameters;
  info.record = recordParameterIndex(definition!, ctx.host) ?? (params.every((p) => !p.type) ? 'untyped' : undefined);
  info.signature = `(${params.map((p) => p.getText(definition!.sourceFile)).join(', ')})`;
  info.parameterType =
    typeof info.record === 'number' ? params[info.record]?.type?.getText(definition!.sourceFile) : undefined;
  info.untypedJs = isUntypedJsParameter(
    definition!.sourceFile,
    params[typeof info.record === 'number' ? info.record : 0],
  );
  const first = params[0];
  const primitive = (type: ts.TypeNode | undefined) =>
    !!type &&
    [ts.SyntaxKind.StringKeyword, ts.SyntaxKind.NumberKeyword, ts.SyntaxKind.BooleanKeyword].includes(type.kind);
  // A tracker takes the usage: no parameter at all, or only primitives none of which is named for tokens or a model,
  // is something else that happens to share the name.
  info.lookAlike =
    params.length === 0 ||
    (primitive(first.type) && !params.some((p) => TRACKER_PARAMETER.test(p.name.getText(definition!.sourceFile))));
  return info;
}

/** The statement a call belongs to: where a `// recon-codemod:` comment sits. */
function owningStatement(node: ts.Node): ts.Statement | undefined {
  for (let current: ts.Node | undefined = node; current; current = current.parent) {
    if (ts.isStatement(current) && !ts.isBlock(current)) return current;
  }
  return undefined;
}

const TODO_MARK = 'recon-codemod:';

/** Comments that act on the next line: the mark must go above them, or it would come between them and the call. */
const NEXT_LINE_DIRECTIVE = /eslint-disable-next-line|@ts-expect-error|@ts-ignore|prettier-ignore|biome-ignore/;

/** Where a `// recon-codemod:` mark goes: right above the statement, and above any next-line directives on it. */
function todoPosition(statement: ts.Statement, text: string): number {
  let at = statement.getStart();
  const comments = ts.getLeadingCommentRanges(text, statement.getFullStart()) ?? [];
  for (let i = comments.length - 1; i >= 0; i--) {
    const comment = comments[i];
    // Only a directive that sits directly on the lines above (nothing but white space between).
    if (!NEXT_LINE_DIRECTIVE.test(text.slice(comment.pos, comment.end)) || /\S/.test(text.slice(comment.end, at)))
      break;
    at = comment.pos;
  }
  return at;
}

function hasTodoComment(statement: ts.Statement, text: string): boolean {
  // Leading comments, and the comment that ends the line before an unbraced statement (`if (x) // recon-codemod: …`).
  const ranges = [
    ...(ts.getLeadingCommentRanges(text, statement.getFullStart()) ?? []),
    ...(ts.getTrailingCommentRanges(text, statement.getFullStart()) ?? []),
  ];
  return ranges.some((r) => text.slice(r.pos, r.end).includes(TODO_MARK));
}

export interface AnalyzeOptions {
  /** Insert a one-line `// recon-codemod: <code>: <reason>` comment above each manual call that has none. */
  todo?: boolean;
  /** Replace suspect values (`suspect-value` calls) where the right value is certain. */
  fixSuspect?: boolean;
}

/**
 * The engine: one file's tracking calls, each with its status, source, the fields it adds and the edits that add
 * them, and the new text. Pure: the only knowledge of other files comes through `host`.
 */
export function analyzeFile(
  input: AnalyzeInput,
  config: ReconConfig,
  host: ProjectHost = createMemoryHost({ [input.path]: input.text }),
  options: AnalyzeOptions = {},
): FilePlan {
  // One file never stops the run: whatever goes wrong in its analysis is its `error`, and it is left as it is.
  try {
    return planFile(input, config, host, options);
  } catch (error) {
    return { path: input.path, status: 'error', error: analysisFailed(error), calls: [] };
  }
}

/** The message of an exception the analysis did not expect: a bug in this tool, to be reported. */
export function analysisFailed(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return `the analysis failed (${message}); the file is left unchanged. Please report it to recon-codemod with the shape of the code`;
}

function planFile(input: AnalyzeInput, config: ReconConfig, host: ProjectHost, options: AnalyzeOptions): FilePlan {
  const { path, text } = input;
  if (!config.callees.some((c) => text.includes(c))) return { path, status: 'unchanged', calls: [] };
  // The host's parse when it serves this very text (the codemod's schema step has read it already).
  const sourceFile = host.readFile(path) === text ? readSourceFile(host, path)! : parseSource(path, text);
  const errors = syntaxErrors(sourceFile);
  if (errors.length) return { path, status: 'error', error: `does not parse: ${errors[0]}`, calls: [] };
  const ctx: AnalysisContext = { host, sourceFile, config, sdk: sdkMapping(host, path) };
  const trackers = new Map<ts.Node, TrackerInfo>();
  const plans: CallPlan[] = [];
  const todoEdits: TextEdit[] = [];
  for (const tracking of findTrackingCalls(sourceFile, config, host)) {
    let tracker = trackers.get(tracking.binding);
    if (!tracker) trackers.set(tracking.binding, (tracker = trackerInfo(tracking, ctx)));
    if (tracker.lookAlike) continue;
    let plan = planCall(tracking, ctx, tracker, options.fixSuspect);
    if (plan.reasonCode === 'suspect-value' && plan.suspect?.every((v) => v.expected !== undefined)) {
      // Every right value is certain: the edits that fix the call, for the lint rule's suggestion.
      const fixed = planCall(tracking, ctx, tracker, true);
      if (fixed.status === 'updated') plan = { ...plan, suspectFix: fixed.edits };
    }
    if (plan.status === 'manual') {
      const statement = owningStatement(tracking.call);
      if (statement && hasTodoComment(statement, text)) plan.acknowledged = true;
      else if (statement && options.todo) {
        const at = todoPosition(statement, text);
        const short = todoText(plan.reasonCode, plan.reason);
        todoEdits.push({
          start: at,
          end: at,
          text: `// ${TODO_MARK} ${short}${lineEnding(text, at)}${lineIndentAt(text, at)}`,
        });
        plan.acknowledged = true;
      }
    }
    plans.push(plan);
  }
  const edits = [...plans.flatMap((p) => p.edits), ...todoEdits];
  if (edits.length === 0) return { path, status: 'unchanged', calls: plans };
  let output: string;
  try {
    output = applyEdits(text, dedupeEdits(edits));
  } catch (error) {
    return { path, status: 'error', error: (error as Error).message, calls: plans };
  }
  const after = checkParses(path, output);
  if (after.length)
    return {
      path,
      status: 'error',
      error: `the edited text would not parse (${after[0]}); nothing written`,
      calls: plans,
    };
  return { path, status: 'changed', calls: plans, output, ...(todoEdits.length ? { todoEdits } : {}) };
}

/** Two calls in one `onFinish` both add `response` to its destructuring: apply that edit once. */
function dedupeEdits(edits: TextEdit[]): TextEdit[] {
  const seen = new Set<string>();
  return edits.filter((e) => {
    const key = `${e.start}:${e.end}:${e.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
