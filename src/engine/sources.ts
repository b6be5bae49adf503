/**
 * Source resolution: what a declaration holds (an LLM result and how to read it, a rejected look-alike, or nothing
 * known), decided by small passes in ./sources/, one module each, each importing only the ones below it:
 *
 *   declarations  → assigned, bindings, steps, stream-items, caught-error, callbacks, values, result-source
 *   assigned, bindings → values, result-source      steps → callbacks, values, result-source, model
 *   stream-items  → calls, result-source            values → calls, fetch-json
 *   calls         → wrappers, provider, client, model
 *   wrappers, callbacks → model → client → syntax → context     provider, fetch-json → syntax
 *
 * A lower pass that needs a higher one (a wrapper's returned value, the run a `steps` comes from, the name a `let` is
 * assigned) calls it through `ctx.resolve` (context.ts), set by the declaration pass, so no import goes back up
 * (test/engine/passes-graph.test.ts). This module re-exports what the rest of the engine uses.
 */
export {
  sdkMapping,
  type AnalysisContext,
  type Classified,
  type GatewayRead,
  type SdkMapping,
  type SourceCandidate,
  type SourceRejection,
} from './sources/context.js';
export { assignmentsTo } from './sources/syntax.js';
export { aiCallbackOwner, classifyAiCallback } from './sources/callbacks.js';
export { classifyDeclaration } from './sources/declarations.js';
