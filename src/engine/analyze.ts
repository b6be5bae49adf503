import type { ReconConfig } from '../config.js';
import { RECONCILIATION_FIELD_NAMES, type ReconciliationFieldName } from '../schema/fields.js';
import { appendProperties, applyEdits, checkParses } from './edits.js';
import { createMemoryHost, type ProjectHost } from './host.js';
import { declarationKeyword, enclosingFunction, owningVariableDeclaration, resolveName, visibleDeclarations, type Declaration } from './scope.js';
import { aiCallbackOwner, classifyAiCallback, classifyDeclaration, type AnalysisContext, type Classified, type SourceCandidate } from './sources.js';
import { findTrackingCalls, trackerDefinition, trackerParameterShape, type TrackingCall } from './tracker.js';
import type { CallPlan, FilePlan, ManualReasonCode, TextEdit } from './types.js';
import type { TypeShape } from './types-read.js';
import { isFunctionLike, lineAndColumn, parseSource, propertyNameText, skipOuterExpressions, syntaxErrors, ts } from './ts.js';

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

function collectLiteralKeys(literal: ts.ObjectLiteralExpression, present: Set<string>, depth: number): string | undefined {
  let unknownSpread: string | undefined;
  for (const prop of literal.properties) {
    if (ts.isSpreadAssignment(prop)) {
      const inner = skipOuterExpressions(prop.expression);
      const decl = ts.isIdentifier(inner) ? resolveName(inner.text, inner) : undefined;
      const init = decl && ts.isVariableDeclaration(decl) && declarationKeyword(decl) === 'const' && decl.initializer && skipOuterExpressions(decl.initializer);
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
function readArgument(call: ts.CallExpression, calleeText: string): ArgumentResult {
  const args = call.arguments;
  if (args.length === 0) return { ok: false, code: 'unknown-argument', reason: `\`${calleeText}()\` is called with no argument: pass the usage object` };
  if (args.length > 1) {
    return {
      ok: false,
      code: 'positional-arguments',
      reason: `\`${calleeText}(${args.map((a) => a.getText()).join(', ')})\` takes positional arguments: add the three values to its signature and pass them, or change it to take one object`,
    };
  }
  const arg = skipOuterExpressions(args[0]);
  let literal: ts.ObjectLiteralExpression | undefined;
  if (ts.isObjectLiteralExpression(arg)) literal = arg;
  else if (ts.isIdentifier(arg)) {
    const decl = resolveName(arg.text, arg);
    const init = decl && ts.isVariableDeclaration(decl) && decl.initializer && skipOuterExpressions(decl.initializer);
    const sameFunction = decl && enclosingFunction(decl) === enclosingFunction(call);
    if (init && ts.isObjectLiteralExpression(init) && sameFunction && declarationKeyword(decl) === 'const') literal = init;
    else {
      return {
        ok: false,
        code: 'unknown-argument',
        reason: `the argument \`${arg.text}\` is not a const object literal declared in the same function: add the fields where the object is built`,
      };
    }
  } else {
    return { ok: false, code: 'unknown-argument', reason: `the argument \`${args[0].getText()}\` is not an object literal: add the fields where the object is built` };
  }
  const present = new Set<string>();
  const unknownSpread = collectLiteralKeys(literal, present, 0);
  return { ok: true, shape: { literal, present, unknownSpread } };
}

/** The root identifiers an expression reads (`completion` in `completion.usage?.total_tokens ?? 0`). */
function referencedIdentifiers(node: ts.Node, out: ts.Identifier[]) {
  const visit = (n: ts.Node) => {
    if (ts.isIdentifier(n)) {
      const parent = n.parent;
      if (ts.isPropertyAccessExpression(parent) && parent.name === n) return;
      if ((ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent) || ts.isPropertySignature(parent)) && parent.name === n) return;
      if (ts.isBindingElement(parent) && parent.propertyName === n) return;
      out.push(n);
      return;
    }
    if (ts.isTypeNode(n)) return;
    ts.forEachChild(n, visit);
  };
  visit(node);
}

/** Token counts are what ties a tracking call to its result: `usage`, `total_tokens`, `inputTokens`. */
const USAGE_NAME = /usage|token/i;

/** Does this occurrence read the usage of what it names (`completion.usage…`, `{ usage } = completion`)? */
function readsUsage(id: ts.Identifier): boolean {
  const parent = id.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.expression === id) return USAGE_NAME.test(parent.name.text);
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
function sourcesByDataFlow(literal: ts.ObjectLiteralExpression, ctx: AnalysisContext): Evidence[] {
  const found = new Map<ts.Node, Evidence>();
  const seen = new Set<Declaration>();
  const start: ts.Identifier[] = [];
  referencedIdentifiers(literal, start);
  const pending = start.map((id) => ({ id, depth: 0, viaUsage: false }));
  let steps = 0;
  while (pending.length && steps++ < 200) {
    const { id, depth, viaUsage: inherited } = pending.shift()!;
    const decl = resolveName(id.text, id);
    if (!decl) continue;
    const viaUsage = inherited || readsUsage(id) || (ts.isBindingElement(decl) && USAGE_NAME.test(propertyNameText(decl.propertyName ?? decl.name) ?? ''));
    const classified = classifyDeclaration(decl, ctx);
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
    if (owner && ts.isVariableDeclaration(owner) && owner.initializer && owner.getSourceFile() === ctx.sourceFile) {
      const next: ts.Identifier[] = [];
      referencedIdentifiers(owner.initializer, next);
      const usageName = USAGE_NAME.test(ts.isIdentifier(decl.name as ts.Node) ? (decl.name as ts.Identifier).text : '');
      for (const n of next) pending.push({ id: n, depth: depth + 1, viaUsage: viaUsage || usageName });
    }
  }
  return [...found.values()];
}

/** The strongest evidence: results reached through token usage, else the nearest ones. */
function strongest(evidence: Evidence[]): Classified[] {
  if (evidence.length === 0) return [];
  const viaUsage = evidence.filter((e) => e.viaUsage);
  if (viaUsage.length) return viaUsage.map((e) => e.classified);
  const nearest = Math.min(...evidence.map((e) => e.depth));
  return evidence.filter((e) => e.depth === nearest).map((e) => e.classified);
}

/** LLM results visible at the call (declared before it), and AI SDK callbacks the call sits in. */
function sourcesInScope(call: ts.CallExpression, ctx: AnalysisContext): Classified[] {
  const found = new Map<ts.Node, Classified>();
  for (let node: ts.Node | undefined = call.parent; node; node = node.parent) {
    if (isFunctionLike(node) && aiCallbackOwner(node, ctx)) {
      const callback = classifyAiCallback(node as ts.ArrowFunction, ctx);
      if (callback) found.set(callback.origin, callback);
    }
  }
  for (const decl of visibleDeclarations(call).values()) {
    if (ts.isImportSpecifier(decl) || ts.isImportClause(decl) || ts.isNamespaceImport(decl)) continue;
    if (decl.getSourceFile() !== ctx.sourceFile || decl.getEnd() > call.getStart()) {
      if (!(ts.isParameter(decl) || ts.isBindingElement(decl))) continue;
    }
    const classified = classifyDeclaration(decl, ctx);
    if (classified) found.set(classified.origin, classified);
  }
  return [...found.values()];
}

type Choice = { ok: true; source: SourceCandidate } | { ok: false; code: ManualReasonCode; reason: string };

function describe(candidates: Classified[]): string {
  return candidates.map((c) => `\`${c.name}\``).join(', ');
}

/** Pick the one source the call belongs to, or say why there is none. */
function chooseSource(literal: ts.ObjectLiteralExpression, call: ts.CallExpression, ctx: AnalysisContext): Choice {
  let evidence = strongest(sourcesByDataFlow(literal, ctx));
  let how = 'the values this call already passes';
  if (evidence.length === 0) {
    evidence = sourcesInScope(call, ctx);
    how = 'the results in scope';
  }
  const sources = evidence.filter((c): c is SourceCandidate => c.type === 'source');
  const rejected = evidence.filter((c) => c.type === 'rejected');
  const relevantRejected = rejected.filter((r) => r.code === 'not-openai' || r.code === 'stream-not-captured');
  if (sources.length === 1 && relevantRejected.length === 0) return { ok: true, source: sources[0] };
  if (sources.length + relevantRejected.length > 1) {
    return {
      ok: false,
      code: 'ambiguous-source',
      reason: `${describe([...sources, ...relevantRejected])} could each be this call's result (from ${how}) and nothing ties the call to one: pass the fields from the right one by hand`,
    };
  }
  if (rejected.length > 0) {
    const first = rejected[0];
    return { ok: false, code: first.code, reason: `\`${first.name}\`: ${first.reason}` };
  }
  return {
    ok: false,
    code: 'no-source',
    reason: 'no OpenAI result reaches this call (none in scope, none feeding its values): pass the id from where the completion is available, or write null if there is none',
  };
}

/** Can the base's root name be read at the call, and does it mean the same thing there as where it was found? */
function inScopeAt(source: SourceCandidate, call: ts.CallExpression, ctx: AnalysisContext): boolean {
  if (source.edits.length > 0) return true; // a binding this plan adds to the enclosing callback or pattern
  const root = /^\(?(?:await\s+)?([A-Za-z_$][\w$]*)/.exec(source.base)?.[1];
  if (!root) return false;
  const decl = resolveName(root, call);
  return !!decl && classifyDeclaration(decl, ctx)?.origin === source.origin;
}

type FieldValue = { ok: true; value: string } | { ok: false; code: ManualReasonCode; reason: string };

/** The expression for one missing field, honouring what the tracker's parameter type accepts. */
function fieldValue(field: ReconciliationFieldName, source: SourceCandidate, prop: string, shape: TypeShape | undefined): FieldValue {
  const reader = source.kind.fields[field];
  const declared = shape?.properties.get(prop);
  if (shape && !declared && !shape.open) {
    return {
      ok: false,
      code: 'untyped-tracker',
      reason: `the tracker's parameter type has no \`${prop}\`: add \`${prop}?: ${field === 'openai_created' ? 'number' : 'string'} | null\` to it (run the schema step) and run again`,
    };
  }
  if (reader) {
    const value = reader.read(source.base, source.optional);
    if (!declared) return { ok: true, value };
    const undefinedOk = declared.acceptsUndefined;
    const nullOk = declared.acceptsNull;
    if (((reader.mayBeUndefined || source.optional) && !undefinedOk) || (reader.mayBeNull && !nullOk)) {
      if (nullOk) return { ok: true, value: `${value} ?? null` };
      if (undefinedOk) return { ok: true, value: `${value} ?? undefined` };
      return { ok: false, code: 'no-field-value', reason: `\`${value}\` may be missing but \`${prop}\` accepts neither null nor undefined` };
    }
    return { ok: true, value };
  }
  if (!declared) {
    return {
      ok: false,
      code: 'no-field-value',
      reason: `a ${source.kind.label} has no ${field}, and the tracker's parameter type could not be read to choose between null and undefined: write \`${prop}: null\` (or undefined) by hand`,
    };
  }
  if (declared.acceptsNull) return { ok: true, value: 'null' };
  if (declared.acceptsUndefined) return { ok: true, value: 'undefined' };
  return { ok: false, code: 'no-field-value', reason: `a ${source.kind.label} has no ${field}, and \`${prop}\` is required and accepts neither null nor undefined` };
}

function manual(base: Omit<CallPlan, 'status' | 'edits'>, code: ManualReasonCode, reason: string): CallPlan {
  return { ...base, status: 'manual', edits: [], reasonCode: code, reason };
}

function planCall(tracking: TrackingCall, ctx: AnalysisContext, trackerShape: () => TypeShape | undefined): CallPlan {
  const { call } = tracking;
  const start = call.getStart(ctx.sourceFile);
  const base = { ...lineAndColumn(ctx.sourceFile, start), start, end: call.getEnd(), callee: tracking.callee, missing: [] as ReconciliationFieldName[] };
  const argument = readArgument(call, tracking.callee);
  if (!argument.ok) return { ...manual(base, argument.code, argument.reason), missing: [...RECONCILIATION_FIELD_NAMES] };
  const { literal, present, unknownSpread } = argument.shape;
  const names = ctx.config.fieldNames;
  const missing = RECONCILIATION_FIELD_NAMES.filter((f) => !present.has(names[f]));
  base.missing = missing;
  if (missing.length === 0) return { ...base, status: 'complete', edits: [] };
  if (unknownSpread) {
    return manual(base, 'spread-unknown', `\`...${unknownSpread}\` may already set ${missing.map((f) => `\`${names[f]}\``).join(', ')}; this tool cannot see into it: add the fields where that object is built, or here if it never has them`);
  }
  const choice = chooseSource(literal, call, ctx);
  if (!choice.ok) return manual(base, choice.code, choice.reason);
  const source = choice.source;
  const described = { source: source.base, sourceKind: source.kind.id };
  if (!inScopeAt(source, call, ctx)) {
    return manual({ ...base, ...described }, 'out-of-scope', `\`${source.name}\` is not in scope at this call: pass its fields to where the call is made`);
  }
  const shape = trackerShape();
  const added: Record<string, string> = {};
  for (const field of missing) {
    const value = fieldValue(field, source, names[field], shape);
    if (!value.ok) return manual({ ...base, ...described }, value.code, value.reason);
    added[names[field]] = value.value;
  }
  const edits: TextEdit[] = [...source.edits, ...appendProperties(ctx.sourceFile, literal, Object.entries(added))];
  return { ...base, ...described, status: 'updated', added, edits, notes: source.notes.length ? source.notes : undefined };
}

/**
 * The engine: one file's tracking calls, each with its status, source, the fields it adds and the edits that add
 * them, and the new text. Pure: the only knowledge of other files comes through `host`.
 */
export function analyzeFile(input: AnalyzeInput, config: ReconConfig, host: ProjectHost = createMemoryHost({ [input.path]: input.text })): FilePlan {
  const { path, text } = input;
  if (!config.callees.some((c) => text.includes(c))) return { path, status: 'unchanged', calls: [] };
  const sourceFile = parseSource(path, text);
  const errors = syntaxErrors(sourceFile);
  if (errors.length) return { path, status: 'error', error: `does not parse: ${errors[0]}`, calls: [] };
  const ctx: AnalysisContext = { host, sourceFile, config };
  const calls = findTrackingCalls(sourceFile, config);
  const shapes = new Map<ts.Node, TypeShape | undefined>();
  const plans = calls.map((tracking) =>
    planCall(tracking, ctx, () => {
      if (!shapes.has(tracking.binding)) shapes.set(tracking.binding, trackerParameterShape(trackerDefinition(host, sourceFile, tracking), host));
      return shapes.get(tracking.binding);
    }),
  );
  const edits = plans.flatMap((p) => p.edits);
  if (edits.length === 0) return { path, status: 'unchanged', calls: plans };
  let output: string;
  try {
    output = applyEdits(text, dedupeEdits(edits));
  } catch (error) {
    return { path, status: 'error', error: (error as Error).message, calls: plans };
  }
  const after = checkParses(path, output);
  if (after.length) return { path, status: 'error', error: `the edited text would not parse (${after[0]}); nothing written`, calls: plans };
  return { path, status: 'changed', calls: plans, output };
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
