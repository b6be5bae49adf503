import { installedVersion, type ProjectHost } from './host.js';
import { defaultExportExpression, importTarget, resolveImport, type Located } from './modules.js';
import { declarationKeyword, owningVariableDeclaration, resolveName, type Declaration } from './scope.js';
import { OPENAI_CLIENT_CLASSES, OTHER_PROVIDER_PACKAGES } from './sdk.js';
import {
  AI_END_CALLBACKS,
  AI_FUNCTIONS,
  AI_SDK_FUNCTIONS,
  AI_SDK_STREAMING,
  RESULT_KINDS,
  STREAM_FINALS,
  V3_METHODS,
  clientMethodOf,
  kindOfSdkType,
  plainPath,
  restKindOf,
  streamChunkKindOf,
  withoutCasts,
  type FieldReader,
  type ResultKind,
} from './result-kinds.js';
import { appendBindingElement, appendTypeMember, lineEnding, lineIndentAt } from './edits.js';
import type { ManualReasonCode, TextEdit } from './types.js';
import { packageTypeReference, readTypeShape, unwrapPromise } from './types-read.js';
import { functionOf, isFunctionLike, mentionsName, propertyChain, propertyNameText, skipOuterExpressions, ts } from './ts.js';
import { activeFields, type ReconConfig } from '../config.js';

export interface AnalysisContext {
  host: ProjectHost;
  sourceFile: ts.SourceFile;
  config: ReconConfig;
  /** The tracking call being planned, when the answer depends on where the call sits (narrowed `catch` errors). */
  call?: ts.CallExpression;
  /** What the installed SDK majors change in the mapping (see docs/sdk-majors.md). */
  sdk: SdkMapping;
  /** What is being classified right now, shared by every copy of the context: see {@link guarded}. */
  visits?: Visits;
}

/**
 * The recursion guard of the mutually recursive classify* functions. A wrapper or declaration met again while it is
 * still being classified closes a cycle (`function again() { return again() }`, two modules' wrappers calling each
 * other, `a = b; b = a`): the cycle is cut there, never followed. A wrapper's answer depends on the wrapper alone, so
 * it is kept: a graph of wrappers is classified once per node, not once per path.
 */
interface Visits {
  /** Wrappers being classified, in call order (the order names the cycle in the reason). */
  wrappers: Set<ts.Node>;
  declarations: Set<ts.Node>;
  /** Wrappers already classified. */
  wrapperResults: Map<ts.Node, CallClassification | undefined>;
  /** Declarations whose other-provider origin is known (or being found: undefined, so a cycle knows nothing). */
  otherProviderOrigins?: Map<ts.Node, string | undefined>;
}

function visitsOf(ctx: AnalysisContext): Visits {
  // Created by the first guarded call when the caller made none: every context copied from this one shares it.
  return (ctx.visits ??= { wrappers: new Set(), declarations: new Set(), wrapperResults: new Map() });
}

/** Run `classify` for `node` unless `node` is already on `stack`: then `onCycle` answers. */
function guarded<T>(node: ts.Node, stack: Set<ts.Node>, onCycle: () => T, classify: () => T): T {
  if (stack.has(node)) return onCycle();
  stack.add(node);
  try {
    return classify();
  } finally {
    stack.delete(node);
  }
}

export interface SdkMapping {
  /** ai 7+: results and end events carry the response under `finalStep` (`response` is deprecated). */
  aiFinalStep: boolean;
  /** openai 4.62+: awaited results carry `_request_id`. False for an older installed openai 4. */
  openaiRequestId: boolean;
  /** ai 3.3.27+: results and `onFinish` events carry `response` (id, timestamp). False for an older ai 3 (or below). */
  aiResponseMetadata: boolean;
  /** Installed versions, for reasons. */
  openaiVersion?: string;
  aiVersion?: string;
}

/** Read the installed majors the file would import; unknown means current (openai 6, ai 5). */
export function sdkMapping(host: ProjectHost, fromFile: string): SdkMapping {
  const openai = installedVersion(host, fromFile, 'openai');
  const ai = installedVersion(host, fromFile, 'ai');
  return {
    aiFinalStep: !!ai && ai.major >= 7,
    openaiRequestId: !openai || openai.major > 4 || (openai.major === 4 && openai.minor >= 62),
    aiResponseMetadata: !ai || ai.major > 3 || (ai.major === 3 && (ai.minor > 3 || (ai.minor === 3 && ai.patch >= 27))),
    openaiVersion: openai && (openai.declared ? `${openai.declared} (as package.json declares; not installed here)` : openai.raw),
    aiVersion: ai && (ai.declared ? `${ai.declared} (as package.json declares; not installed here)` : ai.raw),
  };
}

/** Where the AI SDK keeps the response metadata on a result or end event. */
function aiResponsePath(ctx: AnalysisContext): string {
  return ctx.sdk.aiFinalStep ? 'finalStep.response' : 'response';
}

/** Before openai 4.62 awaited results carry no `_request_id`: the id exists, but this SDK cannot give it. */
function missingRequestId(kind: ResultKind, ctx: AnalysisContext): CallClassification['rejection'] | undefined {
  if (ctx.sdk.openaiRequestId || plainPath(kind.fields.openai_request_id) !== '_request_id') return undefined;
  return {
    code: 'no-field-value',
    reason: `the installed openai ${ctx.sdk.openaiVersion} predates \`_request_id\` (4.62.0): upgrade openai, or call it with \`.withResponse()\` (4.66.1+) and record its \`request_id\``,
  };
}

/**
 * Before ai 3.3.27 results and end events have no `response` (TS2339 against ai 3.3.9's types): the request had an
 * id, but this SDK does not give it.
 */
function missingAiResponse(ctx: AnalysisContext): CallClassification['rejection'] | undefined {
  if (ctx.sdk.aiResponseMetadata) return undefined;
  return {
    code: 'no-field-value',
    reason: `ai ${ctx.sdk.aiVersion} returns no response id: \`response\` (id, timestamp) came in ai 3.3.27; upgrade ai (3.3.27+, or 4+) and run again, or write null`,
  };
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
  /** The base may be undefined at the call (a `let` assigned in a `try`): read it with optional chaining. */
  optional?: boolean;
  /** Served through a known gateway: the gateway's name and the expression holding its generation id. */
  gateway?: { name: string; id: string; why: string };
  /**
   * A `let` assigned more than one result: its value at the call is the one the call reads from it directly, but a
   * value copied from it earlier (`const usage = r.usage` before `r = …`) may be another request's.
   */
  reassigned?: boolean;
  /** The base reads a stream's final response with `await`: the call must sit in an async function after the stream ends. */
  needsStreamEnd?: { result: string };
}

/** A value that looks like an LLM result but must not be read (another provider, a stream, a Promise). */
export interface SourceRejection {
  type: 'rejected';
  origin: ts.Node;
  name: string;
  code: ManualReasonCode;
  reason: string;
  /** Sent through a gateway (OpenRouter, AI Gateway): OpenAI may have served it, but its id is unknown here. */
  gateway?: true;
  /** A known gateway whose generation id is at `idPath` of the result (docs/gateways.md), and the result as read. */
  gatewayRead?: GatewayRead;
  base?: string;
}

export interface GatewayRead {
  gateway: string;
  idPath: string;
  /** The value is typed `JSONValue` (AI SDK provider metadata): read it under a `typeof … === 'string'` check. */
  json?: true;
}

/** The Vercel AI Gateway's generation id on an AI SDK result (docs/gateways.md). */
const VERCEL_GATEWAY_READ: GatewayRead = { gateway: 'vercel', idPath: 'providerMetadata.gateway.generationId', json: true };

function withoutGatewayRead<T extends { gatewayRead?: GatewayRead }>(rejection: T): Omit<T, 'gatewayRead'> {
  const { gatewayRead: _, ...rest } = rejection;
  return rest;
}

export type Classified = SourceCandidate | SourceRejection;

interface CallClassification {
  kind?: ResultKind;
  /** Path from the awaited result to the object the kind reads (`response` for AI SDK results). */
  path?: string;
  /** `gateway`: the request may well reach OpenAI, but through a gateway whose ids are its own. */
  rejection?: { code: ManualReasonCode; reason: string; gateway?: true; gatewayRead?: GatewayRead };
  notes: string[];
  /** The result is a Promise and must be awaited to be read. */
  needsAwait: boolean;
  /** An AI SDK stream result: its `response` is read with `await` once the stream has ended. */
  streamResult?: boolean;
  /** The JSON body of a raw `fetch`: typed only by what the code declares it to be (see fitDeclaredType). */
  fetchBody?: true;
}

const OPENAI_PACKAGE = /^openai(\/|$)/;

function isPackage(module: string, pkg: string) {
  return module === pkg || module.startsWith(`${pkg}/`);
}

function otherProvider(module: string): string | undefined {
  return OTHER_PROVIDER_PACKAGES.find((p) => isPackage(module, p));
}

/**
 * `readsOptions`: the verdict comes from reading a client's construction (its options may set a baseURL this tool
 * cannot read): it decides, like a gateway, before any declared type. `nothing`: the expression never holds a value
 * (only null, or only what it was itself given): it adds nothing to the values it is one of.
 */
type ClientVerdict =
  | { openai: true; notes: string[] }
  | { openai: false; reason: string; code: ManualReasonCode; gateway?: true; gatewayName?: string; readsOptions?: true; nothing?: true };

/**
 * The values an expression may have when it is used as a client, `null`/`undefined` left out (the code checks or
 * asserts them away before the call): both branches of `key ? new OpenAI() : null`, both sides of `a ?? b` / `a || b`,
 * the right of `key && new OpenAI()`, both sides of `_client ??= new OpenAI()`, the right of `_client = new OpenAI()`.
 */
function clientAlternatives(expr: ts.Expression): ts.Expression[] {
  const e = skipOuterExpressions(expr);
  if (isNullish(e)) return [];
  if (ts.isConditionalExpression(e)) return [...clientAlternatives(e.whenTrue), ...clientAlternatives(e.whenFalse)];
  if (ts.isBinaryExpression(e)) {
    switch (e.operatorToken.kind) {
      case ts.SyntaxKind.BarBarToken:
      case ts.SyntaxKind.QuestionQuestionToken:
      case ts.SyntaxKind.BarBarEqualsToken:
      case ts.SyntaxKind.QuestionQuestionEqualsToken:
        return [...clientAlternatives(e.left), ...clientAlternatives(e.right)];
      case ts.SyntaxKind.AmpersandAmpersandToken:
      case ts.SyntaxKind.EqualsToken:
        return clientAlternatives(e.right);
    }
  }
  return [e];
}

/**
 * Every value in a set of alternatives must be an OpenAI client (a value that refers back to a name being classified
 * adds nothing: `_client = _client ?? new OpenAI()`). None left: undefined.
 */
function classifyClientValues(values: ts.Expression[], ctx: AnalysisContext, depth: number, seen: Set<ts.Node>): ClientVerdict | undefined {
  const own = values.filter((v) => {
    const e = skipOuterExpressions(v);
    const decl = ts.isIdentifier(e) ? resolveName(e.text, e) : undefined;
    return !(decl && seen.has(decl));
  });
  const verdicts = own.map((v) => classifyClient(v, { ...ctx, sourceFile: v.getSourceFile() }, depth + 1, seen)).filter((v) => v.openai || !v.nothing);
  if (verdicts.length === 0) return undefined;
  return mixedProviders(verdicts) ?? verdicts.find((v) => !v.openai) ?? { openai: true, notes: [...new Set(verdicts.flatMap((v) => (v.openai ? v.notes : [])))] };
}

/**
 * An OpenAI client on some paths and another provider's on others (`useGroq ? new Groq() : new OpenAI()`): neither
 * an OpenAI id nor "no OpenAI request" is certain.
 */
function mixedProviders(verdicts: ClientVerdict[]): ClientVerdict | undefined {
  // A gateway on the other paths is reported as such (its verdict is manual either way, and says what to do).
  const other = verdicts.find((v): v is Extract<ClientVerdict, { openai: false }> => !v.openai && v.code === 'not-openai' && !v.gateway);
  if (!other || !verdicts.some((v) => v.openai)) return undefined;
  return { openai: false, code: 'ambiguous-source', reason: `it is an OpenAI client on some paths and not on others (${other.reason}): which one served the request is decided at run time` };
}

/**
 * A cache of clients: a non-exported `const cache: Record<string, OpenAI> = {}` (or `new Map()`) whose every write in
 * its file is seen (`cache[key] = …`, `cache[key] ??= …`, `cache.set(key, …)`) and whose name is used for nothing else.
 * Its values are what was written; undefined when the cache cannot be read that way.
 */
function cacheValues(decl: ts.VariableDeclaration): ts.Expression[] | undefined {
  if (!ts.isIdentifier(decl.name) || !decl.initializer || declarationKeyword(decl) !== 'const') return undefined;
  const statement = decl.parent.parent;
  if (ts.isVariableStatement(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) return undefined;
  const init = skipOuterExpressions(decl.initializer);
  const isMap = ts.isNewExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === 'Map' && !init.arguments?.length;
  if (!isMap && !(ts.isObjectLiteralExpression(init) && init.properties.length === 0)) return undefined;
  const name = decl.name.text;
  const values: ts.Expression[] = [];
  let readable = true;
  const visit = (n: ts.Node) => {
    if (!readable) return;
    if (ts.isIdentifier(n) && n.text === name && n !== decl.name && resolveName(name, n) === decl) {
      const access = n.parent;
      if (isMap && ts.isPropertyAccessExpression(access) && access.expression === n && ts.isCallExpression(access.parent) && access.parent.expression === access) {
        const method = access.name.text;
        if (method === 'set' && access.parent.arguments.length === 2) values.push(access.parent.arguments[1]);
        else if (!['get', 'has', 'delete', 'clear'].includes(method)) readable = false;
        return;
      }
      if (!isMap && ts.isElementAccessExpression(access) && access.expression === n) {
        // Reads are fine; a write must be a plain or logical assignment whose value is seen.
        let target: ts.Node = access;
        while (ts.isParenthesizedExpression(target.parent) || ts.isNonNullExpression(target.parent)) target = target.parent;
        const write = target.parent;
        if (ts.isBinaryExpression(write) && write.left === target && isAssignmentOperator(write.operatorToken.kind)) {
          if (ASSIGNMENTS.has(write.operatorToken.kind)) values.push(write.right);
          else readable = false;
        } else if ((ts.isPrefixUnaryExpression(write) || ts.isPostfixUnaryExpression(write)) && [ts.SyntaxKind.PlusPlusToken, ts.SyntaxKind.MinusMinusToken].includes(write.operator)) {
          readable = false;
        }
        return;
      }
      readable = false; // passed on, spread, exported later, reassigned: writes this tool cannot see
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(decl.getSourceFile());
  return readable ? values : undefined;
}

/**
 * `const g = globalThis as unknown as { openai?: OpenAI }`: the values this file assigns to `g.<prop>` (`g.openai =
 * openai`, `??=`), or undefined when `g` is not such a holder or `g.<prop>` is written some other way.
 */
function globalHolderValues(decl: ts.VariableDeclaration, prop: string): ts.Expression[] | undefined {
  const init = decl.initializer && skipOuterExpressions(decl.initializer);
  if (!init || !ts.isIdentifier(init) || !['globalThis', 'global'].includes(init.text) || declarationKeyword(decl) !== 'const' || !ts.isIdentifier(decl.name)) return undefined;
  const name = decl.name.text;
  const values: ts.Expression[] = [];
  let readable = true;
  const visit = (n: ts.Node) => {
    if (ts.isPropertyAccessExpression(n) && n.name.text === prop && ts.isIdentifier(n.expression) && n.expression.text === name && resolveName(name, n.expression) === decl) {
      const write = n.parent;
      if (ts.isBinaryExpression(write) && write.left === n && isAssignmentOperator(write.operatorToken.kind)) {
        if (ASSIGNMENTS.has(write.operatorToken.kind)) values.push(write.right);
        else readable = false;
      } else if (ts.isDeleteExpression(write) || ts.isPrefixUnaryExpression(write) || ts.isPostfixUnaryExpression(write)) {
        readable = ts.isPrefixUnaryExpression(write) && write.operator === ts.SyntaxKind.ExclamationToken && readable;
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(decl.getSourceFile());
  return readable ? values : undefined;
}

/** Is this expression an OpenAI SDK client? Decided from where it was constructed or imported, never from its name alone. */
function classifyClient(expr: ts.Expression, ctx: AnalysisContext, depth = 0, seen = new Set<ts.Node>()): ClientVerdict {
  const e = skipOuterExpressions(expr);
  const text = e.getText(ctx.sourceFile);
  if (depth > 6) return { openai: false, code: 'no-source', reason: `could not tell what client \`${text}\` is` };
  const alternatives = clientAlternatives(e);
  if (alternatives.length !== 1 || alternatives[0] !== e) {
    return classifyClientValues(alternatives, ctx, depth, seen) ?? { openai: false, code: 'no-source', reason: `\`${text}\` is never a client`, nothing: true };
  }
  return (
    clientFromCache(e, text, ctx, depth, seen) ??
    clientFromGlobalHolder(e, text, ctx, depth, seen) ??
    (ts.isNewExpression(e) ? clientFromConstruction(e, text, ctx) : undefined) ??
    (ts.isCallExpression(e) ? clientFromFactory(e, text, ctx, depth, seen) : undefined) ??
    clientFromClassField(e, ctx, depth) ??
    clientFromName(e, ctx, depth, seen) ?? { openai: false, code: 'no-source', reason: `could not tell whether \`${text}\` is an OpenAI client` }
  );
}

/** `cache[key]`, `cache.get(key)`: what the cache was given (none of these: undefined). */
function clientFromCache(e: ts.Expression, text: string, ctx: AnalysisContext, depth: number, seen: Set<ts.Node>): ClientVerdict | undefined {
  const cached = ts.isElementAccessExpression(e) ? e.expression : ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === 'get' ? e.expression.expression : undefined;
  const cache = cached && ts.isIdentifier(skipOuterExpressions(cached)) ? resolveName((skipOuterExpressions(cached) as ts.Identifier).text, cached) : undefined;
  if (cache && ts.isVariableDeclaration(cache)) {
    const values = cacheValues(cache);
    if (values && seen.has(cache)) return { openai: false, code: 'no-source', reason: `\`${text}\` refers back to itself`, nothing: true };
    if (values) {
      return classifyClientValues(values, ctx, depth, new Set([...seen, cache])) ?? { openai: false, code: 'no-source', reason: `\`${text}\` is never given a client`, nothing: true };
    }
  }
  return undefined;
}

/** A property of a `globalThis` singleton holder: what this file stores there (none of these: undefined). */
function clientFromGlobalHolder(e: ts.Expression, text: string, ctx: AnalysisContext, depth: number, seen: Set<ts.Node>): ClientVerdict | undefined {
  // `globalForOpenAI.openai` where `const globalForOpenAI = globalThis as unknown as { openai?: OpenAI }` (the
  // dev-server singleton): what this file stores there.
  const holder = ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) ? resolveName(e.expression.text, e.expression) : undefined;
  if (holder && ts.isVariableDeclaration(holder) && ts.isPropertyAccessExpression(e)) {
    const values = globalHolderValues(holder, e.name.text);
    if (values && seen.has(holder)) return { openai: false, code: 'no-source', reason: `\`${text}\` refers back to itself`, nothing: true };
    if (values) {
      return classifyClientValues(values, ctx, depth, new Set([...seen, holder])) ?? { openai: false, code: 'no-source', reason: `\`${text}\` is never given a client`, nothing: true };
    }
  }
  return undefined;
}

/** `new OpenAI(…)`, `new Anthropic(…)`: the class and, for OpenAI's, its baseURL. */
function clientFromConstruction(e: ts.NewExpression, text: string, ctx: AnalysisContext): ClientVerdict {
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

/** A factory: `getOpenAI()`, read from the clients it returns, else its declared return type. */
function clientFromFactory(e: ts.CallExpression, text: string, ctx: AnalysisContext, depth: number, seen: Set<ts.Node>): ClientVerdict {
  const callee = skipOuterExpressions(e.expression);
  const decl = ts.isIdentifier(callee) ? resolveName(callee.text, callee) : undefined;
  const located: Located | undefined = decl && (importTarget(decl) ? resolveImport(ctx.host, ctx.sourceFile.fileName, decl) : { node: decl as Located['node'], sourceFile: ctx.sourceFile });
  // The clients it returns decide; its declared return type only when it returns nothing this tool can read.
  // A `return null` path is checked away by the caller (`getClient()!`): only the clients it returns count.
  const returned = located ? returnedExpressions(located.node).filter((r) => !isNullish(r)) : [];
  const verdicts = returned.map((r) => classifyClient(r, { ...ctx, sourceFile: located!.sourceFile }, depth + 1, seen));
  const notOpenAI = mixedProviders(verdicts) ?? verdicts.find((v) => !v.openai && (v.code === 'not-openai' || v.code === 'ambiguous-source' || v.readsOptions));
  if (notOpenAI) return notOpenAI;
  if (verdicts.length && verdicts.every((v) => v.openai)) return verdicts[0];
  const returnType = located && declaredReturnType(located.node);
  const verdict = returnType && clientByType(unwrapPromise(returnType), located!.node);
  if (verdict) return verdict;
  return { openai: false, code: 'no-source', reason: `could not tell whether \`${text}\` returns an OpenAI client (declare its return type as \`OpenAI\`)` };
}

/** `this.client`: every value the class field is given, else its declared type (not a field: undefined). */
function clientFromClassField(e: ts.Expression, ctx: AnalysisContext, depth: number): ClientVerdict | undefined {
  const { root, names } = propertyChain(e);
  if (root.kind === ts.SyntaxKind.ThisKeyword && names.length === 1) {
    const member = classMember(root, names[0]);
    // Every value the field is given, its initializer and `this.client = …` in the constructor, decides before its
    // declared type; all must be OpenAI clients.
    const values = member && ts.isPropertyDeclaration(member) ? [member.initializer, ...constructorAssignments(member, names[0])].filter((v): v is ts.Expression => !!v) : [];
    if (values.length) {
      const verdicts = values.map((a) => classifyClient(a, ctx, depth + 1));
      return verdicts.find((v) => !v.openai) ?? verdicts[0];
    }
    if (member?.type) {
      const verdict = clientByType(member.type, member);
      if (verdict) return verdict;
    }
  }
  return undefined;
}

/** A name: its `const` initializer, every value a `let` is given, its declared type, or the module it is imported from. */
function clientFromName(e: ts.Expression, ctx: AnalysisContext, depth: number, seen: Set<ts.Node>): ClientVerdict | undefined {
  const { root, names } = propertyChain(e);
  if (ts.isIdentifier(root) && names.length === 0) {
    const decl = resolveName(root.text, root);
    if (!decl) return { openai: false, code: 'no-source', reason: `\`${root.text}\` is not declared in this file` };
    const inner = new Set([...seen, decl]);
    // What it was built with decides, before what it is declared as: `const c: OpenAI = new OpenAI({ baseURL: gateway })`.
    if (ts.isVariableDeclaration(decl) && decl.initializer && !isNullish(decl.initializer) && declarationKeyword(decl) === 'const') {
      // `client.baseURL = proxy` after it is built re-points it.
      const write = baseUrlWrittenLater(decl, 'baseURL');
      if (write) return { openai: false, code: 'provider-unknown', readsOptions: true, reason: `the client is re-pointed after it is built (\`${write}\`): if it is OpenAI's, add the fields by hand; if it is a gateway (OpenRouter, LiteLLM, AI Gateway), its ids are not OpenAI's` };
      return classifyClient(decl.initializer, { ...ctx, sourceFile: decl.getSourceFile() }, depth + 1, inner);
    }
    // `let cached; … cached = new OpenAI()` (or `cached ??= …`): its initializer and every value it is assigned.
    if (ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name) && declarationKeyword(decl) !== 'const') {
      const verdict = classifyClientValues([...(decl.initializer ? [decl.initializer] : []), ...assignmentsTo(decl)].flatMap(clientAlternatives), ctx, depth, inner);
      if (verdict) return verdict;
    }
    if (ts.isVariableDeclaration(decl) && decl.type) {
      const verdict = clientByType(decl.type, decl);
      if (verdict) return verdict;
    }
    if (ts.isParameter(decl) && decl.type) {
      const verdict = clientByType(decl.type, decl);
      if (verdict) return verdict;
    }
    const target = importTarget(decl);
    if (target) {
      if (otherProvider(target.module)) return { openai: false, code: 'not-openai', reason: `\`${root.text}\` comes from ${target.module}, not OpenAI` };
      const located = resolveImport(ctx.host, ctx.sourceFile.fileName, decl);
      if (located && ts.isVariableDeclaration(located.node) && located.node.initializer) {
        return classifyClient(located.node.initializer, { ...ctx, sourceFile: located.sourceFile }, depth + 1);
      }
      const defaultExport = defaultExportExpression(ctx.host, ctx.sourceFile.fileName, decl);
      if (defaultExport) return classifyClient(defaultExport.node, { ...ctx, sourceFile: defaultExport.sourceFile }, depth + 1);
      if (located && ts.isFunctionDeclaration(located.node)) {
        return { openai: false, code: 'no-source', reason: `\`${root.text}\` is a function, not a client` };
      }
      if (!located) {
        // Never guessed from a name: an unreadable client may be a gateway's.
        return { openai: false, code: 'provider-unknown', reason: `\`${root.text}\` comes from ${target.module}, which this tool could not read: if it is an OpenAI client (no gateway baseURL), add the fields by hand` };
      }
    }
  }
  return undefined;
}

/** A type that names a client: OpenAI's classes, or another provider's. */
function clientByType(type: ts.TypeNode, at: ts.Node): ClientVerdict | undefined {
  const ref = packageTypeReference(type, at);
  if (ref && OPENAI_PACKAGE.test(ref.module) && OPENAI_CLIENT_CLASSES.includes(ref.name)) return { openai: true, notes: [] };
  if (ref && otherProvider(ref.module)) return { openai: false, code: 'not-openai', reason: `typed as a ${ref.module} client` };
  return undefined;
}

/** The expressions a function returns (a concise arrow body counts), nested functions excluded. */
function returnedExpressions(node: ts.Node): ts.Expression[] {
  const fn = functionOf(node);
  if (!fn?.body) return [];
  if (!ts.isBlock(fn.body)) return [fn.body];
  const out: ts.Expression[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isReturnStatement(n) && n.expression) out.push(n.expression);
    else if (!isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  ts.forEachChild(fn.body, visit);
  return out;
}

/** `this.name = value` in the class's constructor. */
function constructorAssignments(member: ts.PropertyDeclaration, name: string): ts.Expression[] {
  const ctor = member.parent.members.find(ts.isConstructorDeclaration);
  const out: ts.Expression[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = skipOuterExpressions(n.left);
      if (ts.isPropertyAccessExpression(left) && left.expression.kind === ts.SyntaxKind.ThisKeyword && left.name.text === name) out.push(n.right);
    }
    if (!isFunctionLike(n) || n === ctor) ts.forEachChild(n, visit);
  };
  if (ctor) visit(ctor);
  return out;
}

/** `this.name` inside a class: the property declaration, or the constructor's parameter property. */
function classMember(thisNode: ts.Node, name: string): ts.PropertyDeclaration | ts.ParameterDeclaration | undefined {
  let cls: ts.Node | undefined = thisNode.parent;
  while (cls && !ts.isClassDeclaration(cls) && !ts.isClassExpression(cls)) cls = cls.parent;
  if (!cls) return undefined;
  for (const member of (cls as ts.ClassLikeDeclaration).members) {
    if (ts.isPropertyDeclaration(member) && propertyNameText(member.name) === name) return member;
    if (ts.isConstructorDeclaration(member)) {
      for (const p of member.parameters) {
        const isProperty = (ts.getModifiers(p)?.length ?? 0) > 0; // `private openai: OpenAI` in a constructor
        if (isProperty && ts.isIdentifier(p.name) && p.name.text === name) return p;
      }
    }
  }
  return undefined;
}

const OPENAI_HOST = /(^|\.|\/\/)(api\.)?openai\.com(\/|:|$)|\.openai\.azure\.com/;

type BaseUrl = { kind: 'none' } | { kind: 'openai' } | { kind: 'gateway'; url: string } | { kind: 'unknown'; text: string };

/**
 * The `baseURL` a client's options set, as far as the code shows it: written out, a const string, a const options
 * object, a spread of one. Anything else is unknown: options this tool cannot read may point anywhere.
 */
function readBaseUrl(options: ts.Expression | undefined, ctx: AnalysisContext, depth = 0, key = 'baseURL'): BaseUrl {
  if (!options || depth > 4) return { kind: 'none' };
  const e = skipOuterExpressions(options);
  const text = e.getText();
  if (ts.isIdentifier(e)) {
    const decl = resolveName(e.text, e);
    if (decl && ts.isVariableDeclaration(decl) && declarationKeyword(decl) === 'const' && decl.initializer) {
      // `const options = { apiKey }; options.baseURL = proxy;`: a write after the literal may point it anywhere.
      const write = baseUrlWrittenLater(decl, key);
      return write ? { kind: 'unknown', text: write } : readBaseUrl(decl.initializer, ctx, depth + 1, key);
    }
    return { kind: 'unknown', text };
  }
  // openai v3: `new OpenAIApi(new Configuration({ apiKey, basePath }))`.
  if (ts.isNewExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'Configuration') {
    const decl = resolveName(e.expression.text, e.expression);
    const target = decl && importTarget(decl);
    if (target && OPENAI_PACKAGE.test(target.module)) return readBaseUrl(e.arguments?.[0], ctx, depth + 1, 'basePath');
  }
  if (!ts.isObjectLiteralExpression(e)) return { kind: 'unknown', text };
  let found: BaseUrl = { kind: 'none' };
  for (const prop of e.properties) {
    if (ts.isSpreadAssignment(prop)) {
      const inner = readBaseUrl(prop.expression, ctx, depth + 1, key);
      if (inner.kind !== 'none') found = inner;
      continue;
    }
    if (propertyNameText(prop.name) !== key) continue;
    const value = ts.isPropertyAssignment(prop) ? prop.initializer : ts.isShorthandPropertyAssignment(prop) ? prop.name : undefined;
    found = value ? urlVerdict(value, depth) : { kind: 'unknown', text: prop.getText() };
  }
  return found;
}

/**
 * A write after its declaration that may set the `baseURL` of a const options object or client: `x.baseURL = …`,
 * `x['baseURL'] = …`, `x[key] = …`, `Object.assign(x, …)`. Its text, else undefined.
 */
function baseUrlWrittenLater(decl: ts.VariableDeclaration, key: string): string | undefined {
  if (!ts.isIdentifier(decl.name)) return undefined;
  const name = decl.name.text;
  const isIt = (expr: ts.Expression) => {
    const e = skipOuterExpressions(expr);
    return ts.isIdentifier(e) && e.text === name && resolveName(name, e) === decl;
  };
  let found: string | undefined;
  const visit = (node: ts.Node) => {
    if (found) return;
    if (ts.isBinaryExpression(node) && node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && node.operatorToken.kind <= ts.SyntaxKind.LastAssignment) {
      const left = skipOuterExpressions(node.left);
      const arg = ts.isElementAccessExpression(left) ? skipOuterExpressions(left.argumentExpression) : undefined;
      const keyed = ts.isPropertyAccessExpression(left) ? left.name.text === key : !!arg && (!ts.isStringLiteralLike(arg) || arg.text === key);
      if (keyed && isIt((left as ts.PropertyAccessExpression | ts.ElementAccessExpression).expression)) found = node.getText();
    }
    if (ts.isCallExpression(node) && node.arguments[0] && isIt(node.arguments[0]) && /^Object\.assign$/.test(skipOuterExpressions(node.expression).getText())) found = node.getText();
    if (!found) ts.forEachChild(node, visit);
  };
  visit(decl.getSourceFile());
  return found;
}

function urlVerdict(value: ts.Expression, depth: number): BaseUrl {
  const e = skipOuterExpressions(value);
  if (ts.isStringLiteralLike(e)) return OPENAI_HOST.test(e.text) ? { kind: 'openai' } : { kind: 'gateway', url: e.text };
  if (ts.isIdentifier(e) && depth < 4) {
    const decl = resolveName(e.text, e);
    if (decl && ts.isVariableDeclaration(decl) && declarationKeyword(decl) === 'const' && decl.initializer) return urlVerdict(decl.initializer, depth + 1);
  }
  return { kind: 'unknown', text: e.getText() };
}

/**
 * Gateways whose chat completion body `id` is their generation id (docs/gateways.md): OpenRouter, and the ones the
 * config names by base URL (a self-hosted proxy the team vouches for). The Vercel AI Gateway's OpenAI-compatible API
 * documents no such id, so it is not here: its calls stay manual.
 */
function knownGateway(url: string, ctx: AnalysisContext): string | undefined {
  const normalized = url.replace(/\/+$/, '');
  const configured = ctx.config.gateways?.find((g) => g.baseURL.replace(/\/+$/, '') === normalized);
  if (configured) return configured.name;
  try {
    const parsed = new URL(normalized);
    if (parsed.protocol === 'https:' && parsed.host === 'openrouter.ai' && /^\/api\/v1$/.test(parsed.pathname)) return 'openrouter';
  } catch {
    return undefined;
  }
  return undefined;
}

/** A client built with a `baseURL` that is not OpenAI's talks to a gateway whose ids are its own. */
function baseUrlVerdict(construction: ts.NewExpression, ctx: AnalysisContext): ClientVerdict {
  const url = readBaseUrl(construction.arguments?.[0], ctx);
  if (url.kind === 'none' || url.kind === 'openai') return { openai: true, notes: [] };
  if (url.kind === 'gateway') {
    const gatewayName = knownGateway(url.url, ctx);
    return { openai: false, code: 'not-openai', gateway: true, ...(gatewayName ? { gatewayName } : {}), reason: `the client's baseURL is ${url.url}: the ids it returns are that gateway's, not OpenAI's` };
  }
  return {
    openai: false,
    code: 'provider-unknown',
    readsOptions: true,
    reason: `the client's options (\`${url.text}\`) may set a baseURL this tool cannot read: if it is OpenAI's, add the fields by hand; if it is a gateway (OpenRouter, LiteLLM, AI Gateway), its ids are not OpenAI's`,
  };
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
type ModelVerdict = { rejection?: CallClassification['rejection']; notes: string[]; known?: boolean };

function classifyAiModel(options: ts.Expression | undefined, ctx: AnalysisContext): ModelVerdict {
  const model = objectProperty(options, 'model');
  // Never guessed: a model whose provider is not certain may be another provider's, whose id must not be recorded.
  if (!model) return { notes: [], rejection: { code: 'provider-unknown', reason: 'the call passes no `model` this tool could read, so its provider is not certain: if it is an OpenAI model (no gateway), add the fields by hand' } };
  const verdict = classifyModelValue(model, ctx, 0);
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
function classifyModelValue(model: ts.Expression, ctx: AnalysisContext, depth: number): ModelVerdict {
  const value = skipOuterExpressions(model);
  if (depth > 4) return { notes: [] };
  if (ts.isConditionalExpression(value)) {
    const branches = [classifyModelValue(value.whenTrue, ctx, depth + 1), classifyModelValue(value.whenFalse, ctx, depth + 1)];
    const rejected = branches.find((b) => b.rejection);
    if (rejected && branches.every((b) => b.rejection)) return rejected;
    if (rejected) {
      // One branch is OpenAI, the other not: which one ran is decided at run time.
      return { notes: [], rejection: { code: 'provider-unknown', reason: `one branch of \`${value.getText(ctx.sourceFile)}\` is not OpenAI (${rejected.rejection!.reason}): which provider served the request is decided at run time` } };
    }
    return branches.every((b) => b.known) ? { notes: branches.flatMap((b) => b.notes), known: true } : { notes: [] };
  }
  if (ts.isIdentifier(value)) {
    const decl = resolveName(value.text, value);
    if (decl && ts.isVariableDeclaration(decl) && decl.initializer) return classifyModelValue(decl.initializer, ctx, depth + 1);
    const located = decl && importTarget(decl) ? resolveImport(ctx.host, ctx.sourceFile.fileName, decl) : undefined;
    if (located && ts.isVariableDeclaration(located.node) && located.node.initializer) {
      return classifyModelValue(located.node.initializer, { ...ctx, sourceFile: located.sourceFile }, depth + 1);
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
  if (ts.isCallExpression(value)) {
    const { root, names } = propertyChain(value.expression);
    // `createGateway({...})('openai/gpt-4o')`: the provider is the inner call's.
    const rootCall = ts.isCallExpression(root) ? root : undefined;
    let decl = rootCall ? undefined : ts.isIdentifier(root) ? resolveName(root.text, root) : undefined;
    let declFile = ctx;
    let target = rootCall ? undefined : decl && importTarget(decl);
    // A provider instance made in another local module (`export const openai = createOpenAI({ baseURL })`).
    const local = decl && target ? resolveImport(ctx.host, ctx.sourceFile.fileName, decl) : undefined;
    // A local function that picks the model (`getModel(provider)`): every model it returns decides.
    const picker = names.length === 0 && (local ?? (decl && !target ? { node: decl as Located['node'], sourceFile: ctx.sourceFile } : undefined));
    if (picker && functionOf(picker.node)) return classifyReturnedModels(value, picker, ctx, depth);
    if (local) {
      if (!ts.isVariableDeclaration(local.node)) return { notes: [] };
      decl = local.node;
      declFile = { ...ctx, sourceFile: local.sourceFile };
      target = undefined;
    }
    let factoryOptions: ts.Expression | undefined;
    const factoryCall = rootCall ?? (decl && ts.isVariableDeclaration(decl) && decl.initializer && ts.isCallExpression(skipOuterExpressions(decl.initializer))
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
    if (target && ((isPackage(target.module, 'ai') && /^(gateway|createGateway)$/.test(target.imported)) || isPackage(target.module, '@ai-sdk/gateway'))) {
      return {
        rejection: {
          code: 'not-openai',
          gateway: true,
          reason: `the model goes through the Vercel AI Gateway (\`${target.imported}\`): \`response.id\` is the gateway's (gen_…), not an OpenAI id`,
          // Vercel's own endpoint only: a `createGateway({ baseURL })` may be anything.
          ...(!factoryOptions || (ts.isObjectLiteralExpression(skipOuterExpressions(factoryOptions)) && !objectProperty(factoryOptions, 'baseURL')) ? { gatewayRead: VERCEL_GATEWAY_READ } : {}),
        },
        notes: [],
      };
    }
    const baseURL = factoryOptions ? readBaseUrl(factoryOptions, declFile) : { kind: 'none' as const };
    if (target && isPackage(target.module, '@ai-sdk/openai') && baseURL.kind === 'gateway') {
      return { rejection: { code: 'not-openai', gateway: true, reason: `the provider's baseURL is ${baseURL.url}: the ids it returns are that gateway's, not OpenAI's` }, notes: [] };
    }
    if (target && isPackage(target.module, '@ai-sdk/openai') && baseURL.kind === 'unknown') {
      return {
        rejection: { code: 'provider-unknown', reason: `the provider's options (\`${baseURL.text}\`) may set a baseURL this tool cannot read: if it is OpenAI's, add the fields by hand` },
        notes: [],
      };
    }
    if (target && isPackage(target.module, '@ai-sdk/openai')) {
      const api = names[0];
      if (api === 'chat' || api === 'completion') return { notes: [], known: true };
      return { notes: ['`openai(model)` in @ai-sdk/openai 2+ calls the Responses API: the id is a resp_… id'], known: true };
    }
    if (target && otherProvider(target.module)) {
      return { rejection: { code: 'not-openai', reason: `the model comes from ${target.module}: its response ids are not OpenAI ids` }, notes: [] };
    }
  }
  return { notes: [] };
}

/**
 * The models a local function returns (`getModel(provider)` switching on a runtime string): one verdict only when every
 * return agrees; OpenAI on some paths and another provider (or an unknown model) on others is not certain.
 */
function classifyReturnedModels(call: ts.CallExpression, fn: Located, ctx: AnalysisContext, depth: number): ModelVerdict {
  const inner = { ...ctx, sourceFile: fn.sourceFile };
  const verdicts = returnedExpressions(fn.node).map((r) => classifyModelValue(r, inner, depth + 1));
  const text = call.getText(ctx.sourceFile);
  if (verdicts.length && verdicts.every((v) => v.known)) return { notes: [...new Set(verdicts.flatMap((v) => v.notes))], known: true };
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

/**
 * The other provider a callee comes from, followed back through every path: the module a client, class or call was
 * imported from (`new Anthropic()` → '@anthropic-ai/sdk'), a client exported from a local module
 * (`export const ai = new GoogleGenAI(...)`, imported), a class from a dynamic `import("@anthropic-ai/sdk")`, a
 * factory or `let` whose every value is that provider's client. Undefined unless every path leads to one provider.
 */
function otherProviderOrigin(expr: ts.Expression, fromFile: string, ctx: AnalysisContext, depth = 0): string | undefined {
  if (depth > 30) return undefined; // each syntactic step counts: `stream.finalMessage` → … → `import(...)` is a dozen
  const e = skipOuterExpressions(expr);
  const next = (x: ts.Expression, file = fromFile) => otherProviderOrigin(x, file, ctx, depth + 1);
  if (ts.isAwaitExpression(e)) return next(e.expression);
  if (ts.isCallExpression(e) && e.expression.kind === ts.SyntaxKind.ImportKeyword) {
    const specifier = e.arguments[0];
    return specifier && ts.isStringLiteralLike(specifier) ? otherProvider(specifier.text) : undefined;
  }
  if (ts.isCallExpression(e) || ts.isNewExpression(e) || ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) return next(e.expression);
  if (!ts.isIdentifier(e)) return undefined;
  const decl = resolveName(e.text, e);
  if (!decl) return undefined;
  const target = importTarget(decl);
  if (target) {
    const provider = otherProvider(target.module);
    if (provider) return provider;
    const located = resolveImport(ctx.host, fromFile, decl);
    if (!located) return undefined;
    if (ts.isVariableDeclaration(located.node) || ts.isFunctionDeclaration(located.node)) return providerOfDeclaration(located.node, located.sourceFile.fileName);
    return undefined;
  }
  if (ts.isVariableDeclaration(decl) || ts.isFunctionDeclaration(decl)) return providerOfDeclaration(decl, fromFile);
  if (ts.isParameter(decl) && decl.type) {
    const ref = packageTypeReference(decl.type, decl);
    return ref ? otherProvider(ref.module) : undefined;
  }
  return undefined;

  function providerOfDeclaration(node: ts.VariableDeclaration | ts.FunctionDeclaration, file: string): string | undefined {
    // Kept per declaration: a graph of helpers returning each other on several branches is read once per node, not
    // once per path (2^n), and a cycle meets the entry made before its values are read.
    const known = (visitsOf(ctx).otherProviderOrigins ??= new Map());
    if (known.has(node)) return known.get(node);
    known.set(node, undefined);
    const provider = providerOfValues(node, file);
    known.set(node, provider);
    return provider;
  }

  function providerOfValues(node: ts.VariableDeclaration | ts.FunctionDeclaration, file: string): string | undefined {
    let values: ts.Expression[];
    if (ts.isFunctionDeclaration(node)) values = returnedExpressions(node);
    else if (!ts.isIdentifier(node.name)) return undefined;
    else if (declarationKeyword(node) === 'const') values = node.initializer ? [node.initializer] : [];
    else values = [...(node.initializer ? [node.initializer] : []), ...assignmentsTo(node)];
    const providers = values.filter((v) => !isNullish(v)).map((v) => next(v, file));
    return providers.length && providers.every((p) => p && p === providers[0]) ? providers[0] : undefined;
  }
}

/**
 * The expression that produced a value: `x` followed to its declaration's initializer, `await` unwrapped
 * (`stream` in `for await (… of stream)` → `openai.chat.completions.create({...})`).
 */
function producedBy(expr: ts.Expression, depth = 0): ts.Expression | undefined {
  let e = skipOuterExpressions(expr);
  if (ts.isIdentifier(e)) {
    const decl = resolveName(e.text, e);
    // `const [a, b] = stream.tee()`: each half yields the same chunks as the stream.
    if (decl && ts.isBindingElement(decl) && ts.isArrayBindingPattern(decl.parent) && ts.isVariableDeclaration(decl.parent.parent) && depth < 3) {
      const init = decl.parent.parent.initializer && skipOuterExpressions(decl.parent.parent.initializer);
      if (init && ts.isCallExpression(init) && ts.isPropertyAccessExpression(init.expression) && init.expression.name.text === 'tee') {
        return producedBy(init.expression.expression, depth + 1);
      }
      return undefined;
    }
    if (!decl || !ts.isVariableDeclaration(decl) || !decl.initializer) return undefined;
    e = skipOuterExpressions(decl.initializer);
  }
  return ts.isAwaitExpression(e) ? skipOuterExpressions(e.expression) : e;
}

/** The answer for a call on a client that is not (certainly) OpenAI's: its verdict's reason. */
function refusedClient(verdict: Extract<ClientVerdict, { openai: false }>): CallClassification {
  return { rejection: { code: verdict.code, reason: verdict.reason, gateway: verdict.gateway }, notes: [], needsAwait: true };
}

function classifyStreamHelperFinal(callee: ts.Expression, ctx: AnalysisContext): CallClassification | undefined {
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const helper = STREAM_FINALS.find((h) => h.final === callee.name.text);
  if (!helper) return undefined;
  const creation = producedBy(callee.expression);
  if (!creation || !ts.isCallExpression(creation)) return undefined;
  const { names } = propertyChain(creation.expression);
  if (names.slice(-helper.path.length).join('.') !== helper.path.join('.')) return undefined;
  let client: ts.Expression = skipOuterExpressions(creation.expression);
  for (let i = 0; i < helper.path.length; i++) client = skipOuterExpressions((client as ts.PropertyAccessExpression).expression);
  const verdict = classifyClient(client, ctx);
  if (!verdict.openai) return refusedClient(verdict);
  return { kind: helper.kind, notes: verdict.notes, needsAwait: true };
}

/** What an LLM call returns once awaited, if it is one this tool knows: tried phase by phase, first answer wins. */
function classifyCall(call: ts.CallExpression, ctx: AnalysisContext): CallClassification | undefined {
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
      rejection: { code: 'not-openai', reason: `\`${callee.getText(ctx.sourceFile)}\` is a ${provider} call, not OpenAI: its ids are not OpenAI request ids` },
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
  ctx: AnalysisContext,
): CallClassification | undefined {
  // The client is what the resource path hangs off: `openai` in `openai.chat.completions.create`.
  let clientExpr: ts.Expression = callee;
  for (let i = 0; i < method.path.length; i++) clientExpr = skipOuterExpressions((clientExpr as ts.PropertyAccessExpression).expression);
  const verdict = classifyClient(clientExpr, ctx);
  if (!verdict.openai) {
    // A known gateway's chat completion (not a stream: its chunks are not read here): the body id is its generation id.
    // The body written out, with no spread: a `create(params)` or `{ ...extra }` may hold `stream: true` unseen.
    const body = call.arguments[0] && skipOuterExpressions(call.arguments[0]);
    const bodyRead = !!body && ts.isObjectLiteralExpression(body) && !body.properties.some(ts.isSpreadAssignment);
    const readable = verdict.gatewayName && method.kind === RESULT_KINDS.chatCompletion && bodyRead && !requestsStream(call);
    const refused = refusedClient(verdict);
    return readable ? { ...refused, rejection: { ...refused.rejection!, gatewayRead: { gateway: verdict.gatewayName!, idPath: 'id' } } } : refused;
  }
  // Request options may send this one request elsewhere: `create(body, { baseURL })` or `{ defaultBaseURL }`.
  const requestOptions = call.arguments[1];
  for (const key of ['baseURL', 'defaultBaseURL']) {
    const url = requestOptions ? readBaseUrl(requestOptions, ctx, 0, key) : { kind: 'none' as const };
    if (url.kind === 'gateway') {
      return { rejection: { code: 'not-openai', gateway: true, reason: `the request's ${key} is ${url.url}: the ids it returns are that gateway's, not OpenAI's` }, notes: [], needsAwait: true };
    }
    if (url.kind === 'unknown') {
      return {
        rejection: { code: 'provider-unknown', reason: `the request's options (\`${url.text}\`) may set a ${key} this tool cannot read: if it is OpenAI's, add the fields by hand` },
        notes: [],
        needsAwait: true,
      };
    }
  }
  if (requestsStream(call)) {
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
  if (format && ts.isStringLiteralLike(format) && method.kind.plainTextFormats?.includes(format.text)) {
    return {
      rejection: { code: 'no-field-value', reason: `response_format "${format.text}" returns a plain string, which carries no request id: use \`.withResponse()\` and its \`request_id\`` },
      notes: [],
      needsAwait: true,
    };
  }
  const noRequestId = missingRequestId(method.kind, ctx);
  if (noRequestId) return { rejection: noRequestId, notes: [], needsAwait: true };
  const kind = method.noBodyId ? { ...method.kind, absent: ['id', ...(method.kind.absent ?? [])] } : method.kind;
  return { kind, notes: verdict.notes, needsAwait: true };
}

/** Whether the request body asks for a stream: a `stream` property that is not the literal `false`. */
function requestsStream(call: ts.CallExpression): boolean {
  const stream = objectProperty(call.arguments[0], 'stream');
  return !!stream && stream.kind !== ts.SyntaxKind.FalseKeyword;
}

/** An openai v3 `OpenAIApi` method called on the client: the body is under `.data`. */
function classifyV3Call(call: ts.CallExpression, root: ts.Identifier, v3Kind: ResultKind, ctx: AnalysisContext): CallClassification | undefined {
  const verdict = classifyClient(root, ctx);
  if (!verdict.openai) return refusedClient(verdict);
  if (requestsStream(call)) {
    // `{ responseType: 'stream' }`: `data` is the raw event stream, typed as the body but holding no `id`.
    return {
      rejection: { code: 'stream-not-captured', reason: 'an openai v3 stream (`stream: true`): `data` is the raw server-sent event stream; take `id`, `created` and `system_fingerprint` from a parsed event and pass them here' },
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
function classifyImportedCall(call: ts.CallExpression, callee: ts.Identifier, ctx: AnalysisContext): CallClassification | undefined {
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
      return { kind: RESULT_KINDS.aiResponse, streamResult: true, notes: [...model.notes, ...multiStepNote(call.arguments[0])], needsAwait: false };
    }
    return { kind: RESULT_KINDS.aiResponse, path: aiResponsePath(ctx), notes: [...model.notes, ...multiStepNote(call.arguments[0])], needsAwait: true };
  }
  if (target && otherProvider(target.module)) {
    return { rejection: { code: 'not-openai', reason: `\`${callee.text}\` comes from ${target.module}, not OpenAI` }, notes: [], needsAwait: true };
  }
  // An in-house wrapper: read its declared return type.
  const located: Located | undefined = target ? resolveImport(ctx.host, ctx.sourceFile.fileName, decl) : { node: decl as never, sourceFile: ctx.sourceFile };
  if (located) return passedThrough(located, call, ctx) ?? classifySdkTypedWrapper(call, located, ctx) ?? classifyWrapper(located, ctx) ?? classifyOtherProviderUsageHelper(located, ctx);
  return undefined;
}

/** `Wrapper<typeof generateText>` (`ReturnType`, `Parameters`): the AI SDK function it names, if it is one. */
function typeofAiFunction(type: ts.TypeNode, wrapper: string): Declaration | undefined {
  if (!ts.isTypeReferenceNode(type) || !ts.isIdentifier(type.typeName) || type.typeName.text !== wrapper || type.typeArguments?.length !== 1) return undefined;
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
function classifySdkTypedWrapper(call: ts.CallExpression, located: Located, ctx: AnalysisContext): CallClassification | undefined {
  const fn = functionOf(located.node);
  if (!fn?.type || !fn.body) return undefined;
  let type: ts.TypeNode = fn.type;
  let promised = false;
  while (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && /^(Promise|Awaited)$/.test(type.typeName.text) && type.typeArguments?.length === 1) {
    promised ||= type.typeName.text === 'Promise';
    type = type.typeArguments[0];
  }
  const sdkFunction = typeofAiFunction(type, 'ReturnType');
  const param = fn.parameters[0];
  if (!sdkFunction || !param || !ts.isIdentifier(param.name) || !param.type || !ts.isIndexedAccessTypeNode(param.type)) return undefined;
  const index = param.type.indexType;
  if (!ts.isLiteralTypeNode(index) || !ts.isNumericLiteral(index.literal) || index.literal.text !== '0') return undefined;
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
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment && isParam(n.left)) changed = true;
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
  const notes = [...model.notes, ...multiStepNote(call.arguments[0]), `\`${wrapperName}\` is typed as \`${api}\` and passes its options to it unchanged: read as that call's result`];
  if (AI_SDK_STREAMING.has(api)) return { kind: RESULT_KINDS.aiResponse, streamResult: true, notes, needsAwait: promised };
  return { kind: RESULT_KINDS.aiResponse, path: aiResponsePath(ctx), notes, needsAwait: true };
}

/**
 * A local helper that returns `{ …, usage }` where, on every return, `usage` is read from another provider's result
 * (`const result = await generateObject({ model: google(…) }); return { data: result.object, usage: result.usage }`):
 * the counts a caller reads from it are that provider's, not OpenAI's.
 */
function classifyOtherProviderUsageHelper(located: Located, ctx: AnalysisContext): CallClassification | undefined {
  // `return null` (nothing to do) carries no usage at all: only the objects returned decide.
  const returned = returnedExpressions(located.node).filter((r) => !isNullish(r));
  if (!returned.length) return undefined;
  const inner: AnalysisContext = { ...ctx, sourceFile: located.sourceFile, call: undefined };
  let first: SourceRejection | undefined;
  for (const r of returned) {
    const usage = objectProperty(r, 'usage');
    const root = usage && propertyChain(skipOuterExpressions(usage)).root;
    const decl = root && ts.isIdentifier(root) ? resolveName(root.text, root) : undefined;
    const classified = decl && classifyDeclaration(decl, inner);
    if (classified?.type !== 'rejected' || classified.code !== 'not-openai' || classified.gateway) return undefined;
    first ??= classified;
  }
  const name = ts.isFunctionDeclaration(located.node) ? located.node.name?.text : (located.node as ts.VariableDeclaration).name.getText(located.sourceFile);
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
function passedThrough(located: Located, call: ts.CallExpression, ctx: AnalysisContext): CallClassification | undefined {
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
  const classified = results.map((r) => classifyValue(ts.isAwaitExpression(skipOuterExpressions(r)) ? r : ts.factory.createAwaitExpression(r), ctx));
  const refused = classified.find((c) => c?.rejection);
  if (refused) return { ...refused, needsAwait: true };
  const first = classified[0];
  if (!first?.kind || classified.some((c) => !c || c.kind !== first.kind || c.path !== first.path || c.streamResult !== first.streamResult)) return undefined;
  return { ...first, needsAwait: true };
}

function declaredReturnType(node: ts.Node): ts.TypeNode | undefined {
  return functionOf(node)?.type;
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
  const name = (node: ts.Node) => (ts.isFunctionDeclaration(node) || ts.isVariableDeclaration(node)) && node.name ? node.name.getText() : 'a function';
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
function classifyWrapper(located: Located, ctx: AnalysisContext): CallClassification | undefined {
  const visits = visitsOf(ctx);
  if (visits.wrapperResults.has(located.node)) return visits.wrapperResults.get(located.node);
  const result = guarded(located.node, visits.wrappers, () => wrapperCycle(located, visits), () => classifyWrapperOnce(located, ctx));
  // Kept even while outer wrappers are open: an answer that met one of them is on a cycle through it, so it is the
  // refusal that a fresh start would reach too (a refusal of a returned call refuses the wrapper).
  visits.wrapperResults.set(located.node, result);
  return result;
}

function classifyWrapperOnce(located: Located, ctx: AnalysisContext): CallClassification | undefined {
  const returnType = declaredReturnType(located.node);
  if (!returnType) return undefined;
  const type = unwrapPromise(returnType);
  const ref = packageTypeReference(type, located.node);
  // What it returns decides before what it is declared to return: `chat(): Promise<ChatCompletion>` may call a
  // gateway's client.
  const inner = { ...ctx, sourceFile: located.sourceFile };
  // `return openai.chat.completions.create(…)` returns the Promise an awaiting caller unwraps: classify it as awaited.
  const returned = returnedExpressions(located.node).map((r) => classifyValue(ts.factory.createAwaitExpression(r), inner) ?? classifyValue(r, inner));
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
        rejection: { code: 'no-field-value', reason: `the wrapper's \`${name}\` is \`${declared}\`, not a ${tsType === 'number' ? 'number of unix seconds' : 'string'}: convert it by hand` },
        notes: [],
        needsAwait: true,
      };
    }
    const reader: FieldReader = { path: name, mayBeUndefined: prop.acceptsUndefined, mayBeNull: prop.acceptsNull };
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

/** Stands for a template's `${…}` in the URL text (a character no URL holds). */
const URL_HOLE = '\u0000';

/** The URL text a `fetch` call names, when it is written out (a literal, a template's fixed head, a const). */
function urlText(expr: ts.Expression | undefined, depth = 0): string | undefined {
  if (!expr || depth > 3) return undefined;
  const e = skipOuterExpressions(expr);
  if (ts.isStringLiteralLike(e)) return e.text;
  if (ts.isTemplateExpression(e)) return e.head.text + e.templateSpans.map((span) => `${URL_HOLE}${span.literal.text}`).join('');
  if (ts.isIdentifier(e)) {
    const decl = resolveName(e.text, e);
    if (decl && ts.isVariableDeclaration(decl) && declarationKeyword(decl) === 'const') return urlText(decl.initializer, depth + 1);
  }
  return undefined;
}

/** `await res.json()` where `res = await fetch(url)`: the body of an OpenAI REST call, another API's, or unknown. */
function classifyFetchJson(call: ts.CallExpression): CallClassification | undefined {
  const callee = skipOuterExpressions(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'json') return undefined;
  const response = producedBy(callee.expression);
  if (!response || !ts.isCallExpression(response) || !ts.isIdentifier(response.expression) || response.expression.text !== 'fetch') return undefined;
  const url = urlText(response.arguments[0]);
  if (url === undefined) return undefined;
  const host = /^https?:\/\/([^/]+)/.exec(url.split(URL_HOLE)[0])?.[1];
  if (host && !/(^|\.)openai\.com$|\.openai\.azure\.com$/.test(host)) {
    return { rejection: { code: 'not-openai', reason: `its body comes from a fetch to ${host}, not OpenAI` }, notes: [], needsAwait: true };
  }
  if (!host) return undefined;
  const endpoint = restKindOf(url);
  if (!endpoint) {
    return {
      rejection: { code: 'no-field-value', reason: `a fetch to ${url.split(URL_HOLE).join('…')} returns no id in its body: read \`res.headers.get('x-request-id')\`` },
      notes: [],
      needsAwait: true,
    };
  }
  return { kind: endpoint, notes: ['a raw fetch to the OpenAI REST API: the id is the JSON body\'s'], needsAwait: true, fetchBody: true };
}

/** Fields only Ollama's native API returns (OpenAI's bodies have `usage` instead). */
const OLLAMA_COUNT_FIELDS = new Set(['prompt_eval_count', 'eval_count']);

/**
 * `const data = await res.json()` where `res = await fetch(`${endpoint}/api/chat`)` (or `/api/generate`) and `data`
 * is read for `prompt_eval_count` / `eval_count`: Ollama's native API, whatever host the endpoint names. Both the path
 * and the fields must say so (a bare `/api/chat` is as often the app's own route).
 */
function classifyOllamaJson(call: ts.CallExpression): CallClassification | undefined {
  const callee = skipOuterExpressions(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'json') return undefined;
  const response = producedBy(callee.expression);
  if (!response || !ts.isCallExpression(response) || !ts.isIdentifier(response.expression) || response.expression.text !== 'fetch') return undefined;
  const url = urlText(response.arguments[0]);
  if (url === undefined || !/\/api\/(chat|generate)$/.test(url)) return undefined;
  // The name the body is bound to: `const data = await res.json()` (through `await`, parentheses and casts).
  let holder: ts.Node = call;
  while (holder.parent && (ts.isAwaitExpression(holder.parent) || ts.isParenthesizedExpression(holder.parent) || ts.isAsExpression(holder.parent) || ts.isSatisfiesExpression(holder.parent))) holder = holder.parent;
  const decl = holder.parent;
  if (!decl || !ts.isVariableDeclaration(decl) || decl.initializer !== holder || !ts.isIdentifier(decl.name)) return undefined;
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
  return { rejection: { code: 'not-openai', reason: `its body comes from Ollama's native API (a fetch to ${url.split(URL_HOLE).join('…')}, read for \`eval_count\`): a self-hosted model, not OpenAI` }, notes: [], needsAwait: true };
}

/** Does the expression pass through a cast to `any`/`unknown` on its way to the call? (Then only the call vouches for it.) */
function castsToAny(expr: ts.Expression): boolean {
  let e: ts.Expression = expr;
  for (;;) {
    if (ts.isAsExpression(e) || ts.isTypeAssertionExpression(e)) {
      if (e.type.kind === ts.SyntaxKind.AnyKeyword || e.type.kind === ts.SyntaxKind.UnknownKeyword) return true;
      e = e.expression;
    } else if (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAwaitExpression(e) || ts.isSatisfiesExpression(e)) {
      e = e.expression;
    } else {
      return false;
    }
  }
}

/** Classify the value a name is initialised with (or assigned). */
function classifyInitializer(init: ts.Expression, ctx: AnalysisContext): CallClassification | undefined {
  const result = classifyValue(init, ctx);
  if (result && !result.rejection && castsToAny(init)) {
    return { ...result, notes: [...result.notes, 'the value passes through a cast to `any`: the source was read from the call itself, not from its type'] };
  }
  return result;
}

function classifyValue(init: ts.Expression, ctx: AnalysisContext): CallClassification | undefined {
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
    // A gateway's id is read from the body, which `.withResponse()` puts under `data`: not read here, so manual.
    if (inner?.rejection?.gatewayRead) return { ...inner, rejection: withoutGatewayRead(inner.rejection), needsAwait: !awaited };
    if (!inner || (inner.rejection && inner.rejection.code !== 'no-field-value')) return inner && { ...inner, needsAwait: !awaited };
    const bodyHasId = inner.kind && plainPath(inner.kind.fields.openai_request_id) === 'id';
    return bodyHasId
      ? { kind: inner.kind, path: 'data', notes: inner.notes, needsAwait: !awaited }
      : { kind: RESULT_KINDS.withResponseHeaderId, notes: inner.notes, needsAwait: !awaited };
  }
  const result = classifyFetchJson(e) ?? classifyOllamaJson(e) ?? classifyCall(e, ctx);
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

/** `const [a, b] = await Promise.all([callA(), callB()])`: the element's own call. */
function promiseAllElement(decl: ts.BindingElement): ts.Expression | undefined {
  const pattern = decl.parent;
  if (!ts.isArrayBindingPattern(pattern) || !ts.isVariableDeclaration(pattern.parent) || !pattern.parent.initializer) return undefined;
  let init = skipOuterExpressions(pattern.parent.initializer);
  if (!ts.isAwaitExpression(init)) return undefined;
  init = skipOuterExpressions(init.expression);
  if (!ts.isCallExpression(init)) return undefined;
  const { root, names } = propertyChain(init.expression);
  if (!ts.isIdentifier(root) || root.text !== 'Promise' || names.join('.') !== 'all' && names.join('.') !== 'allSettled') return undefined;
  if (names[0] === 'allSettled') return undefined; // settled results wrap the value: { status, value }
  const array = init.arguments[0] && skipOuterExpressions(init.arguments[0]);
  if (!array || !ts.isArrayLiteralExpression(array)) return undefined;
  const index = pattern.elements.indexOf(decl);
  const element = array.elements[index];
  if (!element || ts.isSpreadElement(element) || array.elements.slice(0, index).some(ts.isSpreadElement)) return undefined;
  // Promise.all awaits each element: classify it as if awaited.
  return ts.factory.createAwaitExpression(element as ts.Expression);
}

/**
 * `const [a, b] = await Promise.allSettled([callA(), callB()])`: each element is `{ status, value }`. Another provider's
 * call is rejected whatever its status; an OpenAI result is read from `a.value` only at a call under
 * `if (a.status === 'fulfilled')`, where `value` exists and type-checks.
 */
function promiseAllSettledElement(decl: ts.BindingElement, ctx: AnalysisContext): Classified | undefined {
  const pattern = decl.parent;
  if (!ts.isIdentifier(decl.name) || decl.dotDotDotToken || !ts.isArrayBindingPattern(pattern) || !ts.isVariableDeclaration(pattern.parent) || !pattern.parent.initializer) return undefined;
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
  if (!element || ts.isSpreadElement(element) || array.elements.slice(0, index).some(ts.isSpreadElement)) return undefined;
  const name = decl.name.text;
  const result = classifyInitializer(ts.factory.createAwaitExpression(element as ts.Expression), ctx);
  if (!result) return undefined;
  if (result.rejection) return toClassified(decl, name, result, name, ctx);
  if (result.streamResult || !ctx.call) return undefined;
  const fulfilled = new RegExp(`^${name.replace(/\$/g, '\\$')}\\.status\\s*===?\\s*(['"\`])fulfilled\\1$`);
  for (let n: ts.Node = ctx.call; n.parent && n !== pattern.parent; n = n.parent) {
    const parent: ts.Node = n.parent;
    if (ts.isIfStatement(parent) && parent.thenStatement === n && fulfilled.test(skipOuterExpressions(parent.expression).getText())) {
      return toClassified(decl, name, result, `${name}.value`, ctx);
    }
  }
  return { type: 'rejected', origin: decl, name, code: 'no-source', reason: `a \`Promise.allSettled\` outcome: read it under \`if (${name}.status === 'fulfilled')\`, where \`${name}.value\` is the result` };
}

function toClassified(origin: ts.Node, name: string, result: CallClassification | undefined, base: string, ctx: AnalysisContext): Classified | undefined {
  if (!result) return undefined;
  if (result.rejection) return { type: 'rejected', origin, name, ...result.rejection, ...(result.rejection.gatewayRead ? { base } : {}) };
  const edits: TextEdit[] = [];
  if (result.streamResult) {
    const awaited = ctx.sdk.aiFinalStep ? `(await ${base}.finalStep).response` : `(await ${base}.response)`;
    return { type: 'source', origin, name, base: awaited, kind: result.kind!, edits, notes: result.notes, needsStreamEnd: { result: base } };
  }
  let kind = result.kind!;
  if (ts.isVariableDeclaration(origin)) {
    const fitted = fitDeclaredType(origin, result, ctx);
    if ('rejection' in fitted) return { type: 'rejected', origin, name, ...fitted.rejection };
    kind = fitted.kind;
    edits.push(...fitted.edits);
  }
  return {
    type: 'source',
    origin,
    name,
    base: result.path ? `${base}.${result.path}` : base,
    kind,
    edits,
    notes: result.notes,
  };
}

/** The type the code gives a value where it declares it: `const data: T = …`, or the outer cast `… as T`. */
function declaredValueType(decl: ts.VariableDeclaration): ts.TypeNode | undefined {
  if (decl.type) return decl.type;
  let e = decl.initializer;
  while (e && ts.isParenthesizedExpression(e)) e = e.expression;
  return e && (ts.isAsExpression(e) || ts.isTypeAssertionExpression(e)) ? e.type : undefined;
}

/** What the REST body's properties are, per field (`x.id` → `id: string`). */
const BODY_PROPERTY_TYPES: Partial<Record<string, { type: 'string' | 'number'; optional?: true }>> = {
  openai_request_id: { type: 'string' },
  openai_created: { type: 'number' },
  system_fingerprint: { type: 'string', optional: true },
};

/**
 * The type the code gives a result where it declares it (`as { choices; usage }`, `: OpenAIResponse`) decides what
 * compiles: `data.id` on a type without `id` does not (TS2339). A raw fetch's JSON body is `any` unless so typed; an
 * SDK result cast to an inline type keeps only what that type names. An inline type literal (the cast's or the
 * declaration's own) of a chat completion or Responses body gets the members it lacks (`id: string; created: number;
 * system_fingerprint?: string`, as the API returns them); a named type of the app's is not edited: manual, saying
 * what to add. Members it has are read as it declares them. The SDK's own types, and types this tool cannot read on
 * an SDK result, are trusted as before.
 */
function fitDeclaredType(
  decl: ts.VariableDeclaration,
  result: CallClassification,
  ctx: AnalysisContext,
): { kind: ResultKind; edits: TextEdit[] } | { rejection: { code: ManualReasonCode; reason: string } } {
  const kind = result.kind!;
  const type = declaredValueType(decl);
  if (!type || type.kind === ts.SyntaxKind.AnyKeyword) return { kind, edits: [] };
  // `Record<string, any>`: every property is `any`, as with no type at all.
  if (ts.isTypeReferenceNode(type) && type.typeName.getText(ctx.sourceFile) === 'Record' && type.typeArguments?.[1]?.kind === ts.SyntaxKind.AnyKeyword) return { kind, edits: [] };
  const typeText = type.getText(ctx.sourceFile);
  const name = decl.name.getText(ctx.sourceFile);
  const what = result.fetchBody ? 'the response body' : 'the result';
  if (type.kind === ts.SyntaxKind.UnknownKeyword) {
    return { rejection: { code: 'no-field-value', reason: `${what} \`${name}\` is typed \`unknown\`: type it as the ${kind.label} it is, then run again` } };
  }
  // The SDK's own type (`as ChatCompletion`): it has the fields, as the SDK reads them.
  const ref = packageTypeReference(type, decl);
  if (ref && OPENAI_PACKAGE.test(ref.module)) {
    if (!result.fetchBody) return { kind, edits: [] };
    const sdkKind = kindOfSdkType(ref);
    if (sdkKind === kind) return { kind, edits: [] };
    return { rejection: { code: 'no-field-value', reason: `${what} \`${name}\` is typed \`${typeText}\`, which is not the ${kind.label} this endpoint returns: type it as the body, then pass its fields` } };
  }
  const shape = readTypeShape(ctx.host, ctx.sourceFile, type);
  if (!shape) {
    if (!result.fetchBody) return { kind, edits: [] };
    return { rejection: { code: 'no-field-value', reason: `${what} \`${name}\` is typed \`${typeText}\`, which this tool cannot read: type it so it has the body's \`id\`, \`created\` and \`system_fingerprint\`, then pass them` } };
  }
  if (result.path) {
    // `response` of an AI SDK result, `data` of `.withResponse()`: the type must name it (this tool does not add it).
    const key = result.path.split('.')[0];
    if (shape.open || shape.properties.has(key)) return { kind, edits: [] };
    return { rejection: { code: 'no-field-value', reason: `${what} \`${name}\` is typed \`${typeText}\`, which has no \`${key}\`: add \`${key}\` to it (the SDK returns it), then run again` } };
  }
  const fields = { ...kind.fields };
  const missing: string[] = [];
  for (const { field } of activeFields(ctx.config)) {
    const reader = kind.fields[field];
    if (!reader) continue;
    const key = /^[A-Za-z_$][\w$]*$/.exec(plainPath(reader) ?? '')?.[0];
    const declared = key ? shape.properties.get(key) : undefined;
    const wanted = BODY_PROPERTY_TYPES[field];
    if (declared) {
      const node = declared.node as ts.PropertySignature;
      const written = node.type?.getText(ctx.sourceFile).replace(/\s+/g, ' ');
      const plain = wanted && node.type && unionTypes(node.type).every((t) => t === wanted.type || t === 'null' || t === 'undefined');
      if (!plain) {
        return { rejection: { code: 'no-field-value', reason: `${what} \`${name}\` declares \`${key}\` as \`${written ?? 'untyped'}\`, not the API's ${wanted?.type ?? 'value'}: correct its type, then pass it` } };
      }
      fields[field] = { ...reader, mayBeUndefined: reader.mayBeUndefined || declared.acceptsUndefined, mayBeNull: reader.mayBeNull || declared.acceptsNull };
    } else if (!shape.open) {
      if (!key || !wanted) return { rejection: { code: 'no-field-value', reason: `${what} \`${name}\` is typed \`${typeText}\`, which has no ${field}` } };
      missing.push(`${key}${wanted.optional ? '?' : ''}: ${wanted.type}`);
    }
  }
  if (missing.length === 0) return { kind: { ...kind, fields }, edits: [] };
  if (!ts.isTypeLiteralNode(type) || !kind.bodyTypeEditable) {
    return {
      rejection: {
        code: 'no-field-value',
        reason: `${what} \`${name}\` is typed \`${typeText}\`, which has no ${missing.map((m) => `\`${m.split(/\??:/)[0]}\``).join(', ')}: add \`${missing.join('; ')}\` to it (the API returns them), then run again`,
      },
    };
  }
  return { kind: { ...kind, fields }, edits: [appendTypeMembers(ctx.sourceFile, type, missing)] };
}

/** The keyword types of a union, as text (`string | null` → ['string', 'null']). */
function unionTypes(type: ts.TypeNode): string[] {
  if (ts.isParenthesizedTypeNode(type)) return unionTypes(type.type);
  if (ts.isUnionTypeNode(type)) return type.types.flatMap(unionTypes);
  return [ts.isLiteralTypeNode(type) && type.literal.kind === ts.SyntaxKind.NullKeyword ? 'null' : type.getText()];
}

/** Several members in one edit (one per line in a multi-line literal): edits at one spot must not overlap. */
function appendTypeMembers(sourceFile: ts.SourceFile, literal: ts.TypeLiteralNode, members: string[]): TextEdit {
  const last = literal.members.at(-1);
  if (!last) return appendTypeMember(sourceFile, literal, members.join('; '));
  const text = sourceFile.text;
  const lastText = last.getText(sourceFile);
  const separator = /[;,]$/.test(lastText) ? lastText.slice(-1) : literal.members.length > 1 ? literal.members[0].getText(sourceFile).slice(-1).replace(/[^;,]/, ';') : ';';
  const multiline = text.slice(literal.getStart(sourceFile), last.getStart(sourceFile)).includes('\n');
  const joint = multiline ? `${separator}${lineEnding(text, last.getStart(sourceFile))}${lineIndentAt(text, last.getStart(sourceFile))}` : `${separator} `;
  return appendTypeMember(sourceFile, literal, members.join(joint));
}

/** The AI SDK call whose options hold this function as `onFinish` / `onEnd`, if any. */
export function aiCallbackOwner(
  fn: ts.Node,
): { call: ts.CallExpression; fn: ts.ArrowFunction | ts.FunctionExpression | ts.MethodDeclaration; api: string; callback: string } | undefined {
  if (!(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn) || ts.isMethodDeclaration(fn))) return undefined;
  const prop = ts.isMethodDeclaration(fn) ? fn : fn.parent;
  if (!(ts.isPropertyAssignment(prop) || ts.isMethodDeclaration(prop)) || !AI_END_CALLBACKS.includes(propertyNameText(prop.name) ?? '')) return undefined;
  const options = prop.parent;
  if (!ts.isObjectLiteralExpression(options) || !ts.isCallExpression(options.parent) || options.parent.arguments[0] !== options) return undefined;
  const callee = skipOuterExpressions(options.parent.expression);
  if (!ts.isIdentifier(callee)) return undefined;
  const decl = resolveName(callee.text, callee);
  const target = decl && importTarget(decl);
  if (!target || !isPackage(target.module, 'ai') || !AI_SDK_FUNCTIONS.includes(target.imported)) return undefined;
  return { call: options.parent, fn, api: target.imported, callback: propertyNameText(prop.name)! };
}

type Binding = { base: string; edits: TextEdit[] } | { error: string };

/**
 * Read property `key` of a destructured value: through its existing binding, a rest element, or a binding this plan
 * adds to the pattern, under another name when `key` is already a name in `scope` (adding it would shadow or clash).
 */
function bindingFor(pattern: ts.ObjectBindingPattern, key: string, alias: string, scope: ts.Node, ctx: AnalysisContext): Binding {
  for (const element of pattern.elements) {
    if (element.dotDotDotToken) continue;
    if (propertyNameText(element.propertyName ?? element.name) !== key) continue;
    if (ts.isIdentifier(element.name)) return { base: element.name.text, edits: [] };
    return { error: `\`${key}\` is destructured further: bind it whole to read \`id\` and \`timestamp\`` };
  }
  const rest = pattern.elements.find((e) => e.dotDotDotToken);
  if (rest && ts.isIdentifier(rest.name)) return { base: `${rest.name.text}.${key}`, edits: [] };
  if (rest) return { error: 'the pattern ends in a rest element this tool cannot add to' };
  const local = !mentionsName(scope, key) ? key : !mentionsName(scope, alias) ? alias : undefined;
  if (!local) return { error: `both \`${key}\` and \`${alias}\` are already names here` };
  return { base: local, edits: [appendBindingElement(ctx.sourceFile, pattern, local === key ? key : `${key}: ${local}`)] };
}

/** AI SDK options that make one call several OpenAI requests. */
function multiStepNote(options: ts.Expression | undefined): string[] {
  const keys = ['stopWhen', 'maxSteps'].filter((k) => objectProperty(options, k));
  return keys.length
    ? [`multi-step run (\`${keys.join('`, `')}\`): one call covers several OpenAI requests; the id recorded is the last step's (each step's is in \`steps[i].response.id\`)`]
    : [];
}

/** The `onFinish` event of an AI SDK call, read through its parameter (adding `response` to a destructuring). */
export function classifyAiCallback(fn: ts.ArrowFunction | ts.FunctionExpression | ts.MethodDeclaration, ctx: AnalysisContext): Classified | undefined {
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
    type: 'source', origin: fn, name, base, kind: RESULT_KINDS.aiResponse, edits, notes,
  });
  if (!param) {
    return { type: 'rejected', origin: fn, name, code: 'no-source', reason: `\`${owner.callback}\` takes no parameter: declare \`({ response })\` and read \`response.id\`` };
  }
  const path = perStep ? 'response' : aiResponsePath(ctx);
  const [key, ...rest] = path.split('.');
  const under = (base: string) => [base, ...rest].join('.');
  if (ts.isIdentifier(param.name)) return source(`${param.name.text}.${path}`);
  if (!ts.isObjectBindingPattern(param.name)) return undefined;
  // A `response` already bound (deprecated in ai 7, still there) is read as it is.
  const existing = param.name.elements.find((e) => !e.dotDotDotToken && propertyNameText(e.propertyName ?? e.name) === 'response' && ts.isIdentifier(e.name));
  if (existing) return source((existing.name as ts.Identifier).text);
  const binding = bindingFor(param.name, key, key === 'response' ? 'finishResponse' : 'endStep', fn.body ?? fn, ctx);
  if ('error' in binding) return { type: 'rejected', origin: fn, name, code: 'no-source', reason: `in the \`${owner.callback}\` parameter, ${binding.error}` };
  const edits = [...binding.edits];
  // An inline parameter type must learn the new binding, or the edit would not type-check.
  if (edits.length && param.type) {
    if (!ts.isTypeLiteralNode(param.type)) {
      return {
        type: 'rejected', origin: fn, name, code: 'no-source',
        reason: `the \`onFinish\` parameter is typed \`${param.type.getText(ctx.sourceFile)}\`: add \`response\` to its destructuring (and its type, if it lacks it) and read \`response.id\``,
      };
    }
    if (!param.type.members.some((m) => propertyNameText(m.name) === key)) {
      const member = key === 'response' ? 'response: { id: string; timestamp: Date }' : `${key}: { response: { id: string; timestamp: Date } }`;
      edits.push(appendTypeMember(ctx.sourceFile, param.type, member));
    }
  }
  return source(under(binding.base), edits);
}

/** `const { text, usage } = await generateText(...)`: the AI SDK result's `response`, bound or added to the pattern. */
function classifyDestructuredAiResult(owner: ts.VariableDeclaration, result: CallClassification, ctx: AnalysisContext): Classified | undefined {
  const pattern = owner.name as ts.ObjectBindingPattern;
  const scope = owner.parent.parent.parent;
  const [key, ...rest] = result.path!.split('.');
  const binding = bindingFor(pattern, key, key === 'response' ? 'aiResponse' : 'aiFinalStep', scope, ctx);
  const name = pattern.getText(ctx.sourceFile);
  if ('error' in binding) return { type: 'rejected', origin: owner, name, code: 'no-source', reason: binding.error };
  return { type: 'source', origin: owner, name, base: [binding.base, ...rest].join('.'), kind: result.kind!, edits: binding.edits, notes: result.notes };
}

/**
 * `…steps` of an AI SDK run: `result.steps`, `event.steps` of an end callback, or a `steps` destructured from either.
 * Undefined when the expression is not one; else the run's own classification (a rejection stays a rejection).
 */
function stepsOfAiRun(expr: ts.Expression, ctx: AnalysisContext): Classified | undefined {
  let e = skipOuterExpressions(expr);
  if (ts.isAwaitExpression(e)) e = skipOuterExpressions(e.expression);
  if (ts.isPropertyAccessExpression(e) && e.name.text === 'steps') {
    const owner = skipOuterExpressions(e.expression);
    const ownerDecl = ts.isIdentifier(owner) ? resolveName(owner.text, owner) : undefined;
    const run = ownerDecl && classifyDeclaration(ownerDecl, ctx);
    return run && (run.type === 'rejected' || run.kind === RESULT_KINDS.aiResponse) ? run : undefined;
  }
  if (ts.isIdentifier(e)) {
    const decl = resolveName(e.text, e);
    if (!decl || !ts.isBindingElement(decl) || propertyNameText(decl.propertyName ?? decl.name) !== 'steps') return undefined;
    const owner = owningVariableDeclaration(decl);
    if (owner && ts.isParameter(owner)) {
      const callback = classifyAiCallback(owner.parent as ts.ArrowFunction, ctx);
      return callback && (callback.type === 'rejected' || callback.kind === RESULT_KINDS.aiResponse) ? callback : undefined;
    }
    const result = owner && ts.isVariableDeclaration(owner) && owner.initializer ? classifyInitializer(owner.initializer, ctx) : undefined;
    if (result?.rejection) return toClassified(owner!, e.text, result, e.text, ctx);
    return result?.kind === RESULT_KINDS.aiResponse ? toClassified(owner!, e.text, result, e.text, ctx) : undefined;
  }
  return undefined;
}

/**
 * One step of an AI SDK run, each one OpenAI request with its own `response`: `for (const step of result.steps)`,
 * `result.steps.forEach((step) => …)` (also map, flatMap), `const first = result.steps[0]` (or `.at(i)`).
 */
function classifyStep(decl: ts.VariableDeclaration | ts.ParameterDeclaration, ctx: AnalysisContext): Classified | undefined {
  if (!ts.isIdentifier(decl.name)) return undefined;
  let steps: ts.Expression | undefined;
  const parent = decl.parent;
  if (ts.isVariableDeclaration(decl) && ts.isVariableDeclarationList(parent) && ts.isForOfStatement(parent.parent) && parent.parent.initializer === parent) {
    steps = parent.parent.expression;
  } else if (ts.isVariableDeclaration(decl) && decl.initializer) {
    const init = skipOuterExpressions(decl.initializer);
    if (ts.isElementAccessExpression(init)) steps = init.expression;
    else if (ts.isCallExpression(init) && ts.isPropertyAccessExpression(init.expression) && init.expression.name.text === 'at') steps = init.expression.expression;
  } else if (ts.isParameter(decl) && (ts.isArrowFunction(parent) || ts.isFunctionExpression(parent)) && parent.parameters[0] === decl) {
    const call = parent.parent;
    if (ts.isCallExpression(call) && call.arguments[0] === parent && ts.isPropertyAccessExpression(call.expression) && /^(forEach|map|flatMap)$/.test(call.expression.name.text)) {
      steps = call.expression.expression;
    }
  }
  const run = steps && stepsOfAiRun(steps, ctx);
  if (!run) return undefined;
  if (run.type === 'rejected') return { ...run, origin: decl };
  return {
    type: 'source', origin: decl, name: decl.name.text, base: `${decl.name.text}.response`, kind: RESULT_KINDS.aiResponse, edits: [],
    notes: ['one row per step: each step of a multi-step run is one OpenAI request'],
  };
}

/**
 * The `part` of an AI SDK `experimental_transform` stream, at a call under `if (part.type === 'finish-step')`: that
 * part ends one step, one request, and carries its `response`.
 */
function classifyFinishStepPart(decl: ts.ParameterDeclaration, ctx: AnalysisContext): Classified | undefined {
  const name = (decl.name as ts.Identifier).text;
  const fn = decl.parent;
  if (fn.parameters[0] !== decl || !ctx.call) return undefined;
  // transform(part, controller) in `new TransformStream({...})` returned by `experimental_transform` of an AI SDK call.
  let node: ts.Node | undefined = fn.parent;
  while (node && !ts.isSourceFile(node) && !(ts.isPropertyAssignment(node) && propertyNameText(node.name) === 'experimental_transform')) node = node.parent;
  if (!node || ts.isSourceFile(node)) return undefined;
  const options = node.parent;
  const aiCall = ts.isObjectLiteralExpression(options) && ts.isCallExpression(options.parent) ? options.parent : undefined;
  const callee = aiCall && skipOuterExpressions(aiCall.expression);
  const calleeDecl = callee && ts.isIdentifier(callee) ? resolveName(callee.text, callee) : undefined;
  const target = calleeDecl && importTarget(calleeDecl);
  if (!aiCall || !target || !isPackage(target.module, 'ai') || !AI_SDK_FUNCTIONS.includes(target.imported)) return undefined;
  let narrowed = false;
  for (let n: ts.Node | undefined = ctx.call; n && n !== fn && !narrowed; n = n.parent) {
    const parent: ts.Node | undefined = n.parent;
    if (!parent || !ts.isIfStatement(parent) || parent.thenStatement !== n) continue;
    const test = skipOuterExpressions(parent.expression);
    narrowed =
      ts.isBinaryExpression(test) &&
      (test.operatorToken.kind === ts.SyntaxKind.EqualsEqualsEqualsToken || test.operatorToken.kind === ts.SyntaxKind.EqualsEqualsToken) &&
      test.left.getText(ctx.sourceFile) === `${name}.type` &&
      ts.isStringLiteralLike(test.right) &&
      test.right.text === 'finish-step';
  }
  if (!narrowed) return undefined;
  const model = classifyAiModel(aiCall.arguments[0], ctx);
  if (model.rejection) return { type: 'rejected', origin: decl, name, ...withoutGatewayRead(model.rejection) };
  return {
    type: 'source', origin: decl, name, base: `${name}.response`, kind: RESULT_KINDS.aiResponse, edits: [],
    notes: [...model.notes, 'read from the `finish-step` part: one row per step, each step one request'],
  };
}

/**
 * `for await (const chunk of stream)` over an OpenAI chat stream, with the call inside the loop: every chunk carries
 * the request's id, `created` and `system_fingerprint`.
 */
function classifyStreamChunk(decl: ts.VariableDeclaration, ctx: AnalysisContext): Classified | undefined {
  const loop = decl.parent.parent;
  if (!ts.isIdentifier(decl.name) || !ts.isForOfStatement(loop) || !loop.awaitModifier || loop.initializer !== decl.parent) return undefined;
  const stream = producedBy(loop.expression);
  const chunkKind = stream && ts.isCallExpression(stream) ? streamChunkKindOf(propertyChain(skipOuterExpressions(stream.expression)).names) : undefined;
  if (!stream || !ts.isCallExpression(stream) || !chunkKind) return undefined;
  const result = classifyCall(stream, ctx);
  if (result?.rejection?.code !== 'stream-not-captured') return result?.rejection ? toClassified(decl, decl.name.text, result, decl.name.text, ctx) : undefined;
  // Chunks typed by a cast of the stream (`stream as AsyncIterable<{ choices… }>`) may lack `id`: not read.
  let over = loop.expression;
  while (ts.isParenthesizedExpression(over) || ts.isNonNullExpression(over)) over = over.expression;
  if ((ts.isAsExpression(over) || ts.isTypeAssertionExpression(over)) && over.type.kind !== ts.SyntaxKind.AnyKeyword) {
    return { type: 'rejected', origin: decl, name: decl.name.text, code: 'no-field-value', reason: `its chunks are typed by the cast \`${over.type.getText(ctx.sourceFile)}\`, which may lack \`id\`, \`created\` and \`system_fingerprint\`: drop the cast (the SDK types the chunks), then run again` };
  }
  return {
    type: 'source', origin: decl, name: decl.name.text, base: decl.name.text, kind: chunkKind, edits: [],
    notes: ['read from a stream chunk: every chunk of a chat stream carries the same id, created and system_fingerprint'],
  };
}

/**
 * `for await (const chunk of stream)` over another provider's stream (`genai.models.generateContentStream(...)`,
 * `anthropic.messages.stream(...)`): every chunk, and the usage read from one, is that provider's, not OpenAI's.
 */
function otherProviderStreamItem(decl: ts.VariableDeclaration, ctx: AnalysisContext): Classified | undefined {
  const loop = decl.parent.parent;
  if (!ts.isIdentifier(decl.name) || !ts.isForOfStatement(loop) || loop.initializer !== decl.parent) return undefined;
  const stream = producedBy(loop.expression);
  if (!stream || !ts.isCallExpression(stream)) return undefined;
  const result = classifyCall(stream, ctx);
  if (result?.rejection?.code !== 'not-openai' || result.rejection.gateway) return undefined;
  return toClassified(decl, decl.name.text, result, decl.name.text, ctx);
}

/**
 * `const { choices, usage } = await openai.chat.completions.create(...)`: the fields are top-level properties of the
 * result, so they join the destructuring (under other names when theirs are taken).
 */
function classifyDestructuredResult(owner: ts.VariableDeclaration, result: CallClassification, ctx: AnalysisContext): Classified | undefined {
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
    for (const edit of binding.edits) if (!edits.some((e) => e.start === edit.start && e.text === edit.text)) edits.push(edit);
    // Read with no base: the path is the binding itself.
    fields[field] = { ...reader, path: `${binding.base}${rest}` };
  }
  return { type: 'source', origin: owner, name, base: '', kind: { ...kind, fields }, edits, notes: result.notes };
}

function isAssignmentOperator(kind: ts.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;
}

const ASSIGNMENTS = new Set([ts.SyntaxKind.EqualsToken, ts.SyntaxKind.QuestionQuestionEqualsToken, ts.SyntaxKind.BarBarEqualsToken]);

/** Every `name = value` (or `name ??= value`, `name ||= value`) assignment to a declaration, in its enclosing function. */
export function assignmentsTo(decl: ts.VariableDeclaration): ts.Expression[] {
  const name = (decl.name as ts.Identifier).text;
  const scope = decl.parent.parent.parent;
  const values: ts.Expression[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isBinaryExpression(node) && ASSIGNMENTS.has(node.operatorToken.kind)) {
      const left = skipOuterExpressions(node.left);
      if (ts.isIdentifier(left) && left.text === name && resolveName(name, left) === decl) values.push(node.right);
    }
    ts.forEachChild(node, visit);
  };
  visit(scope);
  return values;
}

function isNullish(expr: ts.Expression): boolean {
  const e = skipOuterExpressions(expr);
  return e.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(e) && e.text === 'undefined');
}

/**
 * What one value assigned to the `let` called `name` is: a result (read through `name`), a name holding one, a
 * rejected look-alike, or unknown.
 */
function classifyAssignedValue(value: ts.Expression, name: string, ctx: AnalysisContext): Classified | undefined {
  const e = skipOuterExpressions(value);
  if (ts.isIdentifier(e)) {
    const decl = resolveName(e.text, e);
    const alias = decl && classifyDeclaration(decl, ctx);
    // Read through the `let`, not the name it was copied from: `previous?.id` would be the stale one.
    return alias?.type === 'source' && alias.base.includes(alias.name) ? { ...alias, name, base: alias.base.replace(alias.name, name) } : alias;
  }
  return toClassified(value, name, classifyInitializer(value, ctx), name, ctx);
}

/** An assignment inside a loop is exempt when the loop stops right after it (`completion = await …; break;`). */
function stopsLoopAfter(value: ts.Expression): boolean {
  let statement: ts.Node = value;
  while (statement.parent && !ts.isBlock(statement.parent) && !ts.isSourceFile(statement.parent)) statement = statement.parent;
  const block = statement.parent;
  if (!block || !ts.isBlock(block)) return false;
  const next = block.statements[block.statements.indexOf(statement as ts.Statement) + 1];
  return !!next && (ts.isBreakStatement(next) || ts.isReturnStatement(next));
}

/**
 * A `let` (or `var`): every value it is given, its initializer and later assignments. One kind of result throughout
 * is a source (read with optional chaining when it may still be unset); a mix of results and other values, of
 * providers, or a result assigned on every pass of a loop the call is not in, is ambiguous.
 */
function classifyAssigned(decl: ts.VariableDeclaration, ctx: AnalysisContext): Classified | undefined {
  const name = (decl.name as ts.Identifier).text;
  const initial = decl.initializer && !isNullish(decl.initializer) ? [decl.initializer] : [];
  const assigned = assignmentsTo(decl).filter((v) => !isNullish(v));
  const values = [...initial, ...assigned];
  if (values.length === 0) return decl.type ? classifyByType(decl, decl.type, name) : undefined;
  const results = values.map((v) => classifyAssignedValue(v, name, ctx));
  if (results.every((r) => !r)) return undefined;
  const ambiguous = (reason: string): SourceRejection => ({ type: 'rejected', origin: decl, name, code: 'ambiguous-source', reason });
  if (results.some((r) => !r)) {
    const other = values[results.findIndex((r) => !r)];
    return ambiguous(`it holds an LLM result on some paths and \`${other.getText(ctx.sourceFile)}\` on others: which request this call records cannot be told`);
  }
  const sources = results.filter((r): r is SourceCandidate => r!.type === 'source');
  const rejected = results.filter((r): r is SourceRejection => r!.type === 'rejected');
  if (rejected.length && sources.length) return ambiguous(`it is assigned both OpenAI results and \`${rejected[0].name}\` (${rejected[0].reason})`);
  if (rejected.length) return { ...rejected[0], origin: decl, name };
  const shapes = new Set(sources.map((c) => `${c.kind.id} ${c.base}`));
  if (shapes.size !== 1) return ambiguous('it is assigned results of different kinds');
  // Assigned on every pass of a loop the call is not in: the call records the whole loop, the name only its last request.
  const inLoop = assigned.some((v) => {
    const loop = enclosingLoop(v, decl);
    return loop && !(ctx.call && loop.pos <= ctx.call.pos && ctx.call.end <= loop.end) && !stopsLoopAfter(v);
  });
  if (inLoop) {
    return ambiguous("it is assigned on every pass of a loop and this call comes after the loop: it would record only the last of those requests' ids (track each request inside the loop, or write null)");
  }
  const first = sources[0];
  const optional = initial.length === 0 || !!first.optional;
  if (optional && first.needsStreamEnd) {
    // `(await result?.response)` cannot be narrowed across two awaits: no expression both compiles and is certain.
    return {
      type: 'rejected', origin: decl, name, code: 'stream-not-captured',
      reason: 'a stream result held in a `let` that may still be unset here: read `(await result.response).id` where the stream is created, or track in its `onFinish`',
    };
  }
  return {
    type: 'source', origin: decl, name, base: first.base, kind: first.kind, edits: [], needsStreamEnd: first.needsStreamEnd,
    notes: first.notes, optional, reassigned: values.length > 1,
  };
}

/** The innermost loop around `node` that does not also contain `decl` (the loop that reassigns it), if any. */
function enclosingLoop(node: ts.Node, decl: ts.Node): ts.IterationStatement | undefined {
  for (let current = node.parent; current && current !== decl.parent; current = current.parent) {
    if (isFunctionLike(current)) return undefined;
    if (ts.isIterationStatement(current, false) && !(current.pos <= decl.pos && decl.end <= current.end)) return current;
  }
  return undefined;
}

/** Is `X` in `e instanceof X` OpenAI's `APIError` (or a subclass), imported from the openai package? */
function isOpenAIErrorClass(expr: ts.Expression): boolean {
  const { root, names } = propertyChain(expr);
  if (!ts.isIdentifier(root)) return false;
  const decl = resolveName(root.text, root);
  const target = decl && importTarget(decl);
  if (!target || !OPENAI_PACKAGE.test(target.module)) return false;
  const className = names.at(-1) ?? target.imported;
  return /Error$/.test(className) && className !== 'OpenAIError' && !/Connection|Abort/.test(className);
}

/**
 * A `catch (error)` variable, at a call inside `if (error instanceof OpenAI.APIError) { … }`: the failed request's
 * `x-request-id` is `error.requestID`. Without the narrowing the error may be anything: not a source.
 */
function classifyCaughtError(decl: ts.VariableDeclaration, ctx: AnalysisContext): Classified | undefined {
  const name = (decl.name as ts.Identifier).text;
  const narrowedBy = (condition: ts.Expression, negated: boolean): ts.Expression | undefined => {
    let e = skipOuterExpressions(condition);
    if (negated) {
      if (!ts.isPrefixUnaryExpression(e) || e.operator !== ts.SyntaxKind.ExclamationToken) return undefined;
      e = skipOuterExpressions(e.operand);
    }
    const tests = !negated && ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken ? [e.left, e.right] : [e];
    for (const test of tests.map(skipOuterExpressions)) {
      if (
        ts.isBinaryExpression(test) &&
        test.operatorToken.kind === ts.SyntaxKind.InstanceOfKeyword &&
        ts.isIdentifier(skipOuterExpressions(test.left)) &&
        (skipOuterExpressions(test.left) as ts.Identifier).text === name &&
        isOpenAIErrorClass(test.right)
      ) {
        return test.right;
      }
    }
    return undefined;
  };
  const exits = (statement: ts.Statement): boolean => {
    const last = ts.isBlock(statement) ? statement.statements.at(-1) : statement;
    return !!last && (ts.isThrowStatement(last) || ts.isReturnStatement(last));
  };
  let errorClass: ts.Expression | undefined;
  for (let node: ts.Node | undefined = ctx.call; node && node !== decl.parent && !errorClass; node = node.parent) {
    const parent = node.parent;
    // `if (error instanceof OpenAI.APIError) { …call… }`
    if (parent && ts.isIfStatement(parent) && parent.thenStatement === node) errorClass = narrowedBy(parent.expression, false);
    // `if (!(error instanceof OpenAI.APIError)) throw error;` earlier in the same block
    if (!errorClass && parent && ts.isBlock(parent)) {
      for (const statement of parent.statements) {
        if (statement === node) break;
        if (ts.isIfStatement(statement) && !statement.elseStatement && exits(statement.thenStatement)) errorClass ??= narrowedBy(statement.expression, true);
      }
    }
  }
  if (!errorClass) return undefined;
  return {
    type: 'source', origin: decl, name: `${name} (${errorClass.getText(ctx.sourceFile)})`, base: name, kind: RESULT_KINDS.apiError, edits: [],
    notes: ['the request failed: the id recorded is its x-request-id (`requestID`), which OpenAI support can look up'],
  };
}

/** Classify what a declaration holds: an LLM result (and how to read it), a rejected look-alike, or nothing known. */
export function classifyDeclaration(decl: Declaration, ctx: AnalysisContext): Classified | undefined {
  // Met again while it is being classified (`a = b; b = a`, `const s = s.steps[0]`): nothing is known through the
  // cycle. A `let` that holds a result on another path is then ambiguous (classifyAssigned), never a source.
  return guarded(decl, visitsOf(ctx).declarations, () => undefined, () => classifyDeclarationOnce(decl, ctx));
}

function classifyDeclarationOnce(decl: Declaration, ctx: AnalysisContext): Classified | undefined {
  if (ts.isVariableDeclaration(decl) && ts.isCatchClause(decl.parent)) return classifyCaughtError(decl, ctx);
  const chunk = ts.isVariableDeclaration(decl) ? classifyStreamChunk(decl, ctx) ?? otherProviderStreamItem(decl, ctx) : undefined;
  if (chunk) return chunk;
  if (ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name)) {
    const name = decl.name.text;
    const keyword = declarationKeyword(decl);
    if (keyword !== 'const' && !ts.isForOfStatement(decl.parent.parent) && !ts.isForInStatement(decl.parent.parent)) return classifyAssigned(decl, ctx);
    const step = classifyStep(decl, ctx);
    if (step) return step;
    if (decl.initializer) return toClassified(decl, name, classifyInitializer(decl.initializer, ctx), name, ctx);
    return decl.type ? classifyByType(decl, decl.type, name) : undefined;
  }
  if (ts.isBindingElement(decl) && ts.isIdentifier(decl.name)) {
    const owner = owningVariableDeclaration(decl);
    const key = propertyNameText(decl.propertyName ?? decl.name);
    if (owner && ts.isParameter(owner) && decl.parent === owner.name) {
      const fn = owner.parent;
      const callback = classifyAiCallback(fn as ts.ArrowFunction, ctx);
      if (callback) return callback;
    }
    if (owner && ts.isVariableDeclaration(owner) && owner.initializer && decl.parent === owner.name && ts.isObjectBindingPattern(owner.name)) {
      const result = classifyInitializer(owner.initializer, ctx);
      // `const { data, request_id } = await openai.….withResponse()`: the body is `data`.
      if (result?.path === 'data' && key === 'data') return toClassified(decl, decl.name.text, { ...result, path: undefined }, decl.name.text, ctx);
      // `const { text, usage, response } = await generateText(...)`
      if (result?.kind === RESULT_KINDS.aiResponse && result.path && !result.rejection) return classifyDestructuredAiResult(owner, result, ctx);
      if (result?.kind && !result.path && !result.rejection && !result.streamResult) {
        const fitted = fitDeclaredType(owner, result, ctx);
        if ('rejection' in fitted) return { type: 'rejected', origin: owner, name: owner.name.getText(ctx.sourceFile), ...fitted.rejection };
        const destructured = classifyDestructuredResult(owner, { ...result, kind: fitted.kind }, ctx);
        return destructured?.type === 'source' ? { ...destructured, edits: [...destructured.edits, ...fitted.edits] } : destructured;
      }
      if (result?.rejection) return toClassified(owner, owner.name.getText(ctx.sourceFile), result, '', ctx);
    }
    const element = promiseAllElement(decl);
    if (element) return toClassified(decl, decl.name.text, classifyInitializer(element, ctx), decl.name.text, ctx);
    const settled = promiseAllSettledElement(decl, ctx);
    if (settled) return settled;
    return undefined;
  }
  if (ts.isParameter(decl) && ts.isIdentifier(decl.name)) {
    const callback = classifyAiCallback(decl.parent as ts.ArrowFunction, ctx);
    if (callback && decl.parent.parameters[0] === decl) return callback;
    const step = classifyStep(decl, ctx) ?? classifyFinishStepPart(decl, ctx);
    if (step) return step;
    // `openai.chat.completions.create(...).then((completion) => …)`: the parameter is the awaited result.
    const fn = decl.parent;
    const then = fn.parent;
    if (
      (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && fn.parameters[0] === decl &&
      ts.isCallExpression(then) && then.arguments[0] === fn &&
      ts.isPropertyAccessExpression(then.expression) && then.expression.name.text === 'then'
    ) {
      const settled = classifyInitializer(ts.factory.createAwaitExpression(then.expression.expression), ctx);
      if (settled) return toClassified(decl, decl.name.text, settled, decl.name.text, ctx);
    }
    if (decl.type) return classifyByType(decl, decl.type, decl.name.text);
  }
  return undefined;
}

/** A name declared with an OpenAI SDK result type (`completion: ChatCompletion`, `ChatCompletion | undefined`). */
function classifyByType(decl: ts.VariableDeclaration | ts.ParameterDeclaration, type: ts.TypeNode, name: string): Classified | undefined {
  const members = ts.isUnionTypeNode(type) ? type.types : [type];
  const nullable = members.filter((m) => m.kind === ts.SyntaxKind.UndefinedKeyword || (ts.isLiteralTypeNode(m) && m.literal.kind === ts.SyntaxKind.NullKeyword));
  const rest = members.filter((m) => !nullable.includes(m));
  if (rest.length !== 1) return undefined;
  const ref = packageTypeReference(rest[0], decl);
  if (!ref || !OPENAI_PACKAGE.test(ref.module)) return undefined;
  const kind = kindOfSdkType(ref);
  if (!kind) return undefined;
  const optional = nullable.length > 0 || !!(ts.isParameter(decl) && decl.questionToken);
  return { type: 'source', origin: decl, name, base: name, kind, edits: [], notes: [], optional };
}
