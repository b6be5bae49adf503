/**
 * What every resolution pass shares: the analysis context (and the visits that cut cycles), the answers the passes
 * give (a call's classification, a declaration's source or rejection), and what the installed SDK majors change.
 * No pass logic here; every other pass module imports this one.
 */
import { installedVersion, type ProjectHost } from '../host.js';
import { OTHER_PROVIDER_PACKAGES } from '../sdk.js';
import { plainPath, type ResultKind } from '../result-kinds.js';
import { type ManualReasonCode, type TextEdit } from '../types.js';
import { ts } from '../ts.js';
import { type Declaration } from '../scope.js';
import { type ReconConfig } from '../../config.js';

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
 * The passes above the lower ones, handed down in the context: a lower pass that needs what a returned value or a
 * declaration is (a wrapper's returns, the run a `steps` comes from, a name a `let` is assigned) asks through
 * `ctx.resolve` instead of importing the pass that asks it, so the import graph between pass modules stays acyclic.
 * Set by the declaration pass (declarations.ts), the entry of resolution.
 */
export interface Resolvers {
  /** values.ts: what a value (an initializer, a returned expression) is once classified as a call's result. */
  value(init: ts.Expression, ctx: PassContext): CallClassification | undefined;
  /** declarations.ts: what a declaration holds (guarded against cycles). */
  declaration(decl: Declaration, ctx: PassContext): Classified | undefined;
}

/** The context of a pass that may call back into the passes above it. */
export interface PassContext extends AnalysisContext {
  resolve: Resolvers;
}

/**
 * The recursion guard of the mutually recursive classify* functions. A wrapper or declaration met again while it is
 * still being classified closes a cycle (`function again() { return again() }`, two modules' wrappers calling each
 * other, `a = b; b = a`): the cycle is cut there, never followed. A wrapper's answer depends on the wrapper alone, so
 * it is kept: a graph of wrappers is classified once per node, not once per path.
 *
 * No pass counts depth: each recursive walk keeps the nodes on its current path (here, or a `path` set of its own for
 * the small walks over consts: baseURL, model, URL, tee) and stops where a node comes round again. Every step of a
 * walk either enters a node of a parsed file or descends into a child, so a path is finite without a bound. (The
 * await expressions the passes synthesize, `ts.factory.createAwaitExpression(r)`, are never a walk's node: each is
 * unwrapped at once, and the node followed is the real `r` under it.)
 */
export interface Visits {
  /** Wrappers being classified, in call order (the order names the cycle in the reason). */
  wrappers: Set<ts.Node>;
  declarations: Set<ts.Node>;
  /**
   * Client expressions being classified (client.ts), each with the sets of names it is being read under (its `seen`):
   * the same expression under the same names met again is a cycle (`const a = b; const b = a`).
   */
  clients: Map<ts.Node, ReadonlySet<ts.Node>[]>;
  /** Wrappers already classified. */
  wrapperResults: Map<ts.Node, CallClassification | undefined>;
  /** Declarations whose other-provider origin is known (or being found: undefined, so a cycle knows nothing). */
  otherProviderOrigins?: Map<ts.Node, string | undefined>;
}

export function visitsOf(ctx: AnalysisContext): Visits {
  // Created by the first guarded call when the caller made none: every context copied from this one shares it.
  return (ctx.visits ??= {
    wrappers: new Set(),
    declarations: new Set(),
    clients: new Map(),
    wrapperResults: new Map(),
  });
}

/** Run `classify` for `node` unless `node` is already on `stack`: then `onCycle` answers. */
export function guarded<T>(node: ts.Node, stack: Set<ts.Node>, onCycle: () => T, classify: () => T): T {
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
    openaiVersion:
      openai && (openai.declared ? `${openai.declared} (as package.json declares; not installed here)` : openai.raw),
    aiVersion: ai && (ai.declared ? `${ai.declared} (as package.json declares; not installed here)` : ai.raw),
  };
}

/** Where the AI SDK keeps the response metadata on a result or end event. */
export function aiResponsePath(ctx: AnalysisContext): string {
  return ctx.sdk.aiFinalStep ? 'finalStep.response' : 'response';
}

/** Before openai 4.62 awaited results carry no `_request_id`: the id exists, but this SDK cannot give it. */
export function missingRequestId(kind: ResultKind, ctx: AnalysisContext): CallClassification['rejection'] | undefined {
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
export function missingAiResponse(ctx: AnalysisContext): CallClassification['rejection'] | undefined {
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
export const VERCEL_GATEWAY_READ: GatewayRead = {
  gateway: 'vercel',
  idPath: 'providerMetadata.gateway.generationId',
  json: true,
};

export function withoutGatewayRead<T extends { gatewayRead?: GatewayRead }>(rejection: T): Omit<T, 'gatewayRead'> {
  const { gatewayRead: _, ...rest } = rejection;
  return rest;
}

export type Classified = SourceCandidate | SourceRejection;

export interface CallClassification {
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

export const OPENAI_PACKAGE = /^openai(\/|$)/;

export function isPackage(module: string, pkg: string) {
  return module === pkg || module.startsWith(`${pkg}/`);
}

export function otherProvider(module: string): string | undefined {
  return OTHER_PROVIDER_PACKAGES.find((p) => isPackage(module, p));
}
